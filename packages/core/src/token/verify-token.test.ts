import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../canonical/canonicalize.ts';
import { digest } from '../crypto/digest.ts';
import { signEnvelope } from '../dsse/envelope.ts';
import { ACTION_TOKEN_PAYLOAD_TYPE } from './token-payload.ts';
import { utf8 } from '../crypto/encoding.ts';
import { nobleBackend } from '../crypto/noble-backend.ts';
import { createSigner } from '../crypto/signer.ts';
import type { WritError } from '../errors.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileNonceStore } from '../stores/file-nonce-store.ts';
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts';
import { consumeToken } from './consume-token.ts';
import { mintToken } from './mint-token.ts';
import { verifyToken } from './verify-token.ts';
import type { VerifyTokenOptions } from './verify-token.ts';
import { code, key, tokenTestTrustRoot } from './token-test-support.ts';

const trustRoot = tokenTestTrustRoot();
const signer = createSigner(key(2));
const intent = { tool: 'payments.transfer', args: { to: 'acct:bob', amount: 42, currency: 'EUR' } };
const intentDigest = digest(intent);
const NOW = new Date('2026-02-01T12:00:00Z');

function typical(now: Date = NOW, signerKey = signer) {
  return mintToken({
    signer: signerKey,
    issuer: 'orchestrator:eu-1/7f3a',
    subject: 'agent:treasury-assistant',
    actor: 'user:alice@example.com',
    audience: 'payments-gateway',
    command: 'payments.transfer',
    resource: 'ledger:acct:alice/*',
    intent: intentDigest,
    now,
    constraints: {
      maxUses: 1,
      rate: { count: 5, perSeconds: 60 },
      bytes: { request: 4096, response: 65536 },
      args: { amount: { min: 0, max: 100 }, currency: { oneOf: ['EUR'] }, to: { maxLength: 64 } },
      region: ['eu-west-1'],
      secrets: false,
    },
    policy: { digest: digest({ policy: 'bundle' }), decision: 'dec_01J9Z8Q4W6' },
    basis: { digest: digest({ basis: 'items' }), score: 0.92 },
    env: digest({ model: 'm', tools: ['t@1'] }),
    approvals: [digest({ approval: 1 })],
    summary: 'Transfer 42 EUR from Alice to Bob',
  });
}

const call = { command: 'payments.transfer', resource: 'ledger:acct:alice/main', intent: intentDigest, args: intent.args, region: 'eu-west-1', requestBytes: 300 };
const options: VerifyTokenOptions = { trustRoot, now: NOW, audience: 'payments-gateway', call };

describe('mintToken / verifyToken', () => {
  const token = typical();
  it('round-trips a typical token, as envelope, JSON text and ActionToken, on both back-ends', () => {
    for (const form of [token.envelope, JSON.stringify(token.envelope), token]) {
      const verified = verifyToken(form, options);
      expect(verified.payload).toEqual(token.payload);
      expect(verified.digest).toBe(token.digest);
      expect(verified.keyId).toBe(signer.keyId);
    }
    expect(verifyToken(token.envelope, { ...options, backend: nobleBackend }).digest).toBe(token.digest);
  });
  it('keeps a typical signed token near 1 KiB (and a fully loaded one under 2 KiB)', () => {
    // Typical release: one exact intent, policy, basis and environment digests, default constraints.
    const release = mintToken({
      signer,
      issuer: 'orchestrator:eu-1/7f3a',
      subject: 'agent:treasury-assistant',
      actor: 'user:alice@example.com',
      audience: 'payments-gateway',
      command: 'payments.transfer',
      resource: 'ledger:acct:alice/main',
      intent: intentDigest,
      now: NOW,
      policy: { digest: digest({ policy: 'bundle' }), decision: 'dec_01J9Z8Q4W6' },
      basis: { digest: digest({ basis: 'items' }), score: 0.92 },
      env: digest({ model: 'm', tools: ['t@1'] }),
      summary: 'Transfer 42 EUR from Alice to Bob',
    });
    const size = utf8(JSON.stringify(release.envelope)).length;
    const loaded = utf8(JSON.stringify(token.envelope)).length;
    console.info(`signed action token: typical ${size} bytes, fully loaded ${loaded} bytes`);
    expect(size).toBeLessThan(1200); // measured 1164: DSSE base64 (+33%) and four sha256:hex digests dominate
    expect(loaded).toBeLessThan(2048);
  });
  it('refuses each failed check with its own code', () => {
    const cases: [string, Partial<VerifyTokenOptions>][] = [
      ['ERR_TOKEN_EXPIRED', { now: new Date(NOW.getTime() + 91_000) }],
      ['ERR_TOKEN_NOT_YET_VALID', { now: new Date(NOW.getTime() - 31_000) }],
      ['ERR_TOKEN_AUDIENCE', { audience: 'email-gateway' }],
      ['ERR_TOKEN_COMMAND', { call: { ...call, command: 'payments.refund' } }],
      ['ERR_TOKEN_RESOURCE', { call: { ...call, resource: 'ledger:acct:mallory/main' } }],
      ['ERR_TOKEN_RESOURCE', { call: { ...call, resource: undefined } }],
      ['ERR_TOKEN_INTENT', { call: { ...call, intent: digest({ ...intent, args: { ...intent.args, to: 'acct:eve' } }) } }],
      ['ERR_TOKEN_INTENT', { call: { ...call, intent: undefined } }],
      ['ERR_TOKEN_ARGUMENT_BOUNDS', { call: { ...call, args: { ...intent.args, amount: 1000 } } }],
      ['ERR_TOKEN_ARGUMENT_BOUNDS', { call: { ...call, args: { ...intent.args, currency: 'USD' } } }],
      ['ERR_TOKEN_ARGUMENT_BOUNDS', { call: { ...call, args: { ...intent.args, to: 'x'.repeat(65) } } }],
      ['ERR_TOKEN_REGION', { call: { ...call, region: 'us-east-1' } }],
      ['ERR_TOKEN_BYTES', { call: { ...call, requestBytes: 5000 } }],
      ['ERR_TOKEN_SECRETS', { call: { ...call, touchesSecrets: true } }],
      ['ERR_TOKEN_CONSUMED', { isConsumed: (id) => id === token.payload.id }],
    ];
    for (const [expected, override] of cases) expect([expected, code(() => verifyToken(token.envelope, { ...options, ...override }))]).toEqual([expected, expected]);
  });
  it('accepts within the clock skew and honours a custom bound', () => {
    expect(code(() => verifyToken(token.envelope, { ...options, now: new Date(NOW.getTime() + 89_000) }))).toBeUndefined();
    expect(code(() => verifyToken(token.envelope, { ...options, now: new Date(NOW.getTime() + 61_000), clockSkewSeconds: 0 }))).toBe('ERR_TOKEN_EXPIRED');
    expect(code(() => verifyToken(token.envelope, { ...options, clockSkewSeconds: 301 }))).toBe('ERR_INVALID_ARGUMENT');
  });
  it('refuses tokens living longer than the verifier allows (bounds back-dating by a compromised key)', () => {
    const long = mintToken({ signer, issuer: 'i', subject: 's', audience: 'payments-gateway', command: 'payments.transfer', intent: intentDigest, now: NOW, ttlSeconds: 7200 });
    const longCall = { command: 'payments.transfer', intent: intentDigest };
    expect(code(() => verifyToken(long.envelope, { ...options, call: longCall }))).toBe('ERR_TOKEN_EXPIRED');
    expect(verifyToken(long.envelope, { ...options, call: longCall, maxLifetimeSeconds: 7200 }).payload.id).toBe(long.payload.id);
    expect(code(() => verifyToken(long.envelope, { ...options, call: longCall, maxLifetimeSeconds: 0 }))).toBe('ERR_INVALID_ARGUMENT');
  });
  it('checks key validity at issuance: unknown, wrong role, compromised and retired keys', () => {
    expect(code(() => verifyToken(typical(NOW, createSigner(key(9))).envelope, options))).toBe('ERR_KEY_UNKNOWN');
    expect(code(() => verifyToken(typical(NOW, createSigner(key(4))).envelope, options))).toBe('ERR_KEY_ROLE_MISMATCH');
    const later = new Date('2026-04-01T00:00:00Z');
    expect(code(() => verifyToken(typical(later, createSigner(key(3))).envelope, { ...options, now: later }))).toBe('ERR_KEY_COMPROMISED');
    expect(code(() => verifyToken(typical(later, createSigner(key(5))).envelope, { ...options, now: later }))).toBe('ERR_KEY_NOT_VALID_AT');
    expect(code(() => verifyToken(typical(NOW, createSigner(key(5))).envelope, options))).toBeUndefined();
  });
  it('rejects any single-byte change of the serialized token', () => {
    const text = JSON.stringify(token.envelope);
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, delta) => {
        const bytes = utf8(text);
        bytes[index] = (bytes[index]! + delta) & 0xff;
        const tampered = Buffer.from(bytes).toString('latin1');
        const result = code(() => verifyToken(tampered, options));
        // Only the unauthenticated keyid hint may change without effect — and then the key is unknown.
        expect(result).toMatch(/^ERR_/);
      }),
      { numRuns: 500 },
    );
  });
  it('rejects a +1 change at every byte position of the serialized token (exhaustive)', () => {
    const bytes = utf8(JSON.stringify(token.envelope));
    const accepted: number[] = [];
    for (let index = 0; index < bytes.length; index++) {
      const tampered = bytes.slice();
      tampered[index] = (tampered[index]! + 1) & 0xff;
      if (code(() => verifyToken(Buffer.from(tampered).toString('latin1'), options)) === undefined) accepted.push(index);
    }
    expect(accepted).toEqual([]);
  });
  it('refuses a payload that is valid JSON but not canonical, even if correctly signed', () => {
    const payload = utf8(`{"v":1, ${JSON.stringify(token.payload).slice(7)}`);
    const envelope = { ...token.envelope, payload: Buffer.from(payload).toString('base64') };
    expect(code(() => verifyToken(envelope, options))).toBe('ERR_TOKEN_MALFORMED');
  });
  it('refuses correctly signed payloads that are not RFC 8785 canonical (each way a writer could differ)', () => {
    const canonical = canonicalize(token.payload);
    const variants = [
      canonical.replace('{"act":', '{"aud":["payments-gateway"],"act":').replace(',"aud":["payments-gateway"]', ''), // key order
      canonical.replace('"v":1', '"v":1.0'), // number form
      canonical.replace('"iss":"orchestrator', '"iss":"\\u006frchestrator'), // needless escape
      canonical.replace('"summary":"', '"summary":"\\ud800'), // lone surrogate
      canonical.replace('"maxUses":', '"maxUses" :'), // whitespace
      canonical.replace('"min":0', '"min":-0'), // -0 is written 0
    ];
    for (const text of variants) {
      expect(text).not.toBe(canonical);
      expect(() => JSON.parse(text) as unknown).not.toThrow();
      const envelope = signEnvelope({ payloadType: ACTION_TOKEN_PAYLOAD_TYPE, payload: utf8(text), signers: [signer] });
      expect(code(() => verifyToken(envelope, options))).toBe('ERR_TOKEN_MALFORMED');
    }
    // The same route accepts the canonical text.
    const envelope = signEnvelope({ payloadType: ACTION_TOKEN_PAYLOAD_TYPE, payload: utf8(canonical), signers: [signer] });
    expect(verifyToken(envelope, options).digest).toBe(token.digest);
  });
  it('refuses malformed tokens and options with WritError, never a TypeError', () => {
    const bad: unknown[] = [null, 1, 'x', '{', '[]', {}, 'a'.repeat(20_000), { ...token.envelope, payloadType: 'application/json' }, JSON.parse('{"__proto__":{"payload":"x"}}')];
    for (const value of bad) expect(code(() => verifyToken(value, options))).toBe('ERR_TOKEN_MALFORMED');
    for (const override of [{ trustRoot: {} }, { now: 'later' }, { audience: 1 }, { call: null }, { call: {} }] as Partial<VerifyTokenOptions>[]) {
      expect(code(() => verifyToken(token.envelope, { ...options, ...override }))).toBe('ERR_INVALID_ARGUMENT');
    }
    expect(code(() => verifyToken(token.envelope, null as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => verifyToken(token.envelope, { ...options, call: { ...call, args: JSON.parse('{"__proto__":{"amount":1000}}') } }))).toBeUndefined();
  });
  it('mintToken refuses bad options naming the parameter', () => {
    const base = { signer, issuer: 'i', subject: 's', audience: 'a', command: 'c', now: NOW };
    expect(code(() => mintToken(null as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => mintToken({ ...base, signer: {} as never }))).toBe('ERR_INVALID_ARGUMENT');
    for (const override of [{ issuer: '' }, { audience: [] }, { command: 5 }, { intent: 'sha256:xyz' }, { ttlSeconds: 0 }, { constraints: { hops: -1 } }, { constraints: { args: { a: {} } } }, { constraints: JSON.parse('{"__proto__":{"hops":5}}') }, { summary: 'x'.repeat(5000) }]) {
      expect(code(() => mintToken({ ...base, ...(override as object) }))).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});

describe('consumeToken', () => {
  it('spends the nonce once and refuses a second use', async () => {
    const token = typical();
    const spent = new Set<string>();
    const nonces = { consume: ({ id }: { id: string }) => (spent.has(id) ? false : (spent.add(id), true)) };
    await consumeToken({ token, nonces });
    await expect(consumeToken({ token, nonces })).rejects.toMatchObject({ code: 'ERR_TOKEN_CONSUMED' });
    await expect(consumeToken({ token: {} as never, nonces })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
  it('spends a token with constraints.maxUses = N exactly N times (memory and file nonce stores)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'writ-uses-'));
    try {
      for (const nonces of [new MemoryNonceStore(), await FileNonceStore.open({ dir })]) {
        for (const maxUses of [1, 2, 4]) {
          const token = mintToken({ signer, issuer: 'i', subject: 's', audience: 'a', command: 'c', now: NOW, constraints: { maxUses } });
          const outcomes = await Promise.all(
            Array.from({ length: maxUses + 6 }, () => consumeToken({ token, nonces }).then(() => 'ok', (error: unknown) => (error as WritError).code)),
          );
          expect(outcomes.filter((o) => o === 'ok')).toHaveLength(maxUses);
          expect(outcomes.filter((o) => o === 'ERR_TOKEN_CONSUMED')).toHaveLength(6);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
