import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toBase64, toBase64Url, toHex, utf8 } from '../crypto/encoding.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { nobleBackend } from '../crypto/noble-backend.ts';
import { createSigner } from '../crypto/signer.ts';
import { WritError } from '../errors.ts';
import { pae, parseEnvelope, signEnvelope, verifyEnvelope, writPayloadType } from './envelope.ts';
import type { Envelope } from './envelope.ts';

const DSSE = new URL('../../../../../shared/fixtures/vectors/dsse/dsse_vectors.json', import.meta.url);
const haveDsse = existsSync(DSSE);
if (!haveDsse) console.warn(`SKIPPED: DSSE vectors not found at ${DSSE.pathname} (clone shared/ beside the repo)`);

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (WritError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe.skipIf(!haveDsse)('DSSE vectors (shared/fixtures/vectors/dsse)', () => {
  interface DsseVector {
    payloadType: string;
    serializedBodyUtf8: string;
    paeUtf8: string;
    paeHex: string;
    ed25519Seed: string;
    ed25519Pub: string;
    envelope: Envelope & { signatures: { keyid?: string; sig: string }[] };
  }
  const vectors = haveDsse ? (JSON.parse(readFileSync(DSSE, 'utf8')) as DsseVector[]) : [];
  it('ECDSA example: PAE and payload encoding match protocol.md', () => {
    const vector = vectors[0]!;
    const payload = fromBase64(vector.envelope.payload);
    expect(Buffer.from(payload).toString('utf8')).toBe(vector.serializedBodyUtf8);
    expect(Buffer.from(pae(vector.payloadType, payload)).toString('utf8')).toBe(vector.paeUtf8);
    expect(fromBase64(vector.envelope.signatures[0]!.sig).length).toBe(64);
    expect(parseEnvelope(vector.envelope).payloadType).toBe(vector.payloadType);
  });
  it('Ed25519 envelope: PAE and signature reproduce byte for byte and verify on both back-ends', () => {
    const vector = vectors[1]!;
    const key = PrivateKey.fromSeed(fromHex(vector.ed25519Seed));
    const payload = fromBase64(vector.envelope.payload);
    expect(toHex(pae(vector.payloadType, payload))).toBe(vector.paeHex);
    const envelope = signEnvelope({ payloadType: vector.payloadType, payload, signers: [createSigner(key)] });
    expect(envelope.payload).toBe(vector.envelope.payload);
    expect(envelope.signatures[0]!.sig).toBe(vector.envelope.signatures[0]!.sig);
    for (const backend of [undefined, nobleBackend]) {
      const verified = verifyEnvelope(vector.envelope, { keys: [{ keyId: key.keyId, publicKey: fromHex(vector.ed25519Pub) }], backend });
      expect(Buffer.from(verified.payload).toString('utf8')).toBe('hello world');
      expect(verified.keyIds).toEqual([key.keyId]);
    }
  });
});

const keys = [1, 2, 3].map((n) => PrivateKey.fromSeed(new Uint8Array(32).fill(n)));
const trusted = keys.map((key) => ({ keyId: key.keyId, publicKey: key.publicKey }));
const payloadType = writPayloadType('approval');
const payload = utf8('{"hello":"world"}');

describe('verifyEnvelope', () => {
  const envelope = signEnvelope({ payloadType, payload, signers: keys.map((key) => createSigner(key)) });
  it('accepts URL-safe base64 as well as standard', () => {
    const urlSafe: Envelope = {
      ...envelope,
      payload: toBase64Url(payload),
      signatures: envelope.signatures.map((s) => ({ ...s, sig: toBase64Url(fromBase64(s.sig)) })),
    };
    expect(verifyEnvelope(urlSafe, { keys: trusted, threshold: 3 }).keyIds).toHaveLength(3);
  });
  it('enforces a (t, n) threshold over distinct keys', () => {
    expect(verifyEnvelope(envelope, { keys: trusted, threshold: 3 }).keyIds).toEqual(trusted.map((k) => k.keyId));
    const duplicated = { ...envelope, signatures: [envelope.signatures[0]!, envelope.signatures[0]!, envelope.signatures[0]!] };
    expect(code(() => verifyEnvelope(duplicated, { keys: trusted, threshold: 2 }))).toBe('ERR_ENVELOPE_THRESHOLD');
    expect(code(() => verifyEnvelope(envelope, { keys: trusted.slice(0, 1), threshold: 2 }))).toBe('ERR_ENVELOPE_THRESHOLD');
  });
  it('refuses a wrong payload type and an untrusted key', () => {
    expect(code(() => verifyEnvelope(envelope, { keys: trusted, payloadType: writPayloadType('denial') }))).toBe('ERR_ENVELOPE_PAYLOAD_TYPE');
    const other = PrivateKey.fromSeed(new Uint8Array(32).fill(9));
    expect(code(() => verifyEnvelope(envelope, { keys: [{ keyId: other.keyId, publicKey: other.publicKey }] }))).toBe('ERR_SIGNATURE_INVALID');
  });
  it('surfaces the error of a key resolver when the threshold is missed', () => {
    const resolver = (): Uint8Array => {
      throw new WritError('ERR_KEY_COMPROMISED', 'key compromised');
    };
    expect(code(() => verifyEnvelope(envelope, { keys: resolver }))).toBe('ERR_KEY_COMPROMISED');
  });
  it('rejects any single-byte change of the serialized envelope', () => {
    const single = signEnvelope({ payloadType, payload, signers: [createSigner(keys[0]!)] });
    const text = JSON.stringify(single);
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, delta) => {
        const bytes = utf8(text);
        bytes[index] = (bytes[index]! + delta) & 0xff;
        let value: unknown;
        try {
          value = JSON.parse(Buffer.from(bytes).toString('utf8'));
        } catch {
          return; // no longer JSON: nothing to verify
        }
        const result = code(() => verifyEnvelope(value, { keys: trusted, payloadType }));
        // The only byte changes that may survive are inside the unauthenticated keyid hint.
        if (result === undefined) expect((value as Envelope).signatures[0]!.keyid).not.toBe(single.signatures[0]!.keyid);
        else expect(result).toMatch(/^ERR_/);
      }),
      { numRuns: 400 },
    );
  });
  it('refuses malformed input with WritError, never a TypeError', () => {
    const bad: unknown[] = [
      null,
      1,
      'x',
      [],
      {},
      { payloadType, payload: 'x', signatures: [] },
      { payloadType, payload: 1, signatures: [{ sig: 'x' }] },
      { payloadType, payload: toBase64(payload), signatures: [null] },
      { payloadType, payload: toBase64(payload), signatures: [{ sig: 5 }] },
      JSON.parse(`{"__proto__":{"payloadType":"x"},"payload":"","signatures":[{"sig":""}]}`),
      { payloadType, payload: 'A'.repeat(3_000_000), signatures: [{ sig: 'x' }] },
      { payloadType, payload: '!!!', signatures: [{ sig: 'x' }] },
    ];
    for (const value of bad) expect(code(() => verifyEnvelope(value, { keys: trusted }))).toMatch(/^ERR_(ENVELOPE_MALFORMED|ENCODING_INVALID)$/);
    expect(code(() => verifyEnvelope(envelope, null as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => verifyEnvelope(envelope, { keys: trusted, threshold: 0 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => signEnvelope({ payloadType, payload, signers: [] }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => pae(1 as never, payload))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('pae', () => {
  it('gives the spec bytes for ASCII (fast path) and non-ASCII payload types alike', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60, unit: 'grapheme' }), fc.uint8Array({ maxLength: 64 }), (payloadType, payload) => {
        const type = utf8(payloadType);
        const head = utf8(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
        expect(toHex(pae(payloadType, payload))).toBe(toHex(head) + toHex(payload));
      }),
    );
    expect(Buffer.from(pae('täst', utf8('x'))).toString('utf8')).toBe('DSSEv1 5 täst 1 x');
    expect(Buffer.from(pae('a/b', utf8('xy'))).toString('utf8')).toBe('DSSEv1 3 a/b 2 xy');
  });
});
