import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { fromHex, toBase64 } from '../crypto/encoding.ts';
import { cosignCheckpoint, cosignerKeyHash, formatCosignerKey, parseCosignerKey, verifyCosignatures } from './cosignature.ts';
import { formatVerifierKey, noteKeyHash, openNote, parseVerifierKey } from './signed-note.ts';

const VECTOR = new URL('../../../../../shared/fixtures/vectors/signed-note/derived_checkpoints_tree8.json', import.meta.url);
const haveVectors = existsSync(VECTOR);
if (!haveVectors) console.warn(`SKIPPED: cosignature tests need ${VECTOR.pathname} (clone shared/ beside the repo)`);
const fixture = (haveVectors ? JSON.parse(readFileSync(VECTOR, 'utf8')) : { vkey: '', ed25519SeedHex: '00'.repeat(32), checkpoints: [{ treeSize: 8, checkpoint: '' }, { treeSize: 7, checkpoint: '' }] }) as {
  vkey: string;
  ed25519SeedHex: string;
  checkpoints: { treeSize: number; checkpoint: string }[];
};

const witnessSeed = new Uint8Array(32).fill(42);
const witness = createSigner(PrivateKey.fromSeed(witnessSeed));
const otherWitness = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(43)));
const NAME = 'witness.example/w1';
const checkpoint8 = fixture.checkpoints.find((c) => c.treeSize === 8)!.checkpoint;
const at = new Date('2026-12-07T12:00:00.000Z');

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('witness keys (C2SP tlog-cosignature, type 0x04)', () => {
  it('parses a native cosignature/v1 verifier key published with transparency-dev/formats (key ID recomputed)', () => {
    // note/note_cosigv1_test.go, "works: native algEd25519CosignatureV1 verifier".
    const key = parseCosignerKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
    expect(key.name).toBe('remora.n621.de');
    expect(key.keyHash).toBe(0xda77ade7);
    expect(key.publicKey).toHaveLength(32);
  });

  it('computes the key ID over name, newline, 0x04 and the key — not the note-signer 0x01 hash', () => {
    const id = cosignerKeyHash(NAME, witness.publicKey);
    expect(id).not.toBe(noteKeyHash(NAME, witness.publicKey));
    const vkey = formatCosignerKey(NAME, witness.publicKey);
    expect(vkey).toMatch(new RegExp(`^${NAME.replace('.', '\\.')}\\+${id.toString(16).padStart(8, '0')}\\+B`, 'u'));
    expect(parseCosignerKey(vkey)).toEqual({ name: NAME, keyHash: id, publicKey: witness.publicKey });
  });

  it('refuses a note-signer key (type 0x01), a wrong key ID and malformed strings', () => {
    const signerKey = formatVerifierKey(NAME, witness.publicKey);
    let reason: unknown;
    try {
      parseCosignerKey(signerKey);
    } catch (error) {
      reason = (error as { details?: { reason?: string } }).details?.reason;
    }
    expect(reason).toMatch(/note signer key \(type 0x01\)/u);
    const good = formatCosignerKey(NAME, witness.publicKey);
    const name = NAME;
    const b64 = good.slice(NAME.length + 10);
    expect(code(() => parseCosignerKey(`${name}+00000000+${b64}`))).toBe('ERR_NOTE_MALFORMED');
    for (const bad of [undefined, null, 1, '', 'a+b', `${name}+zzzzzzzz+${b64}`, `${name} x+00000000+${b64}`, `${name}+00000000+!!!`, 'x'.repeat(5000)]) {
      expect(code(() => parseCosignerKey(bad))).toBe('ERR_NOTE_MALFORMED');
    }
    // A parsed 0x01 key is not accepted by the witness parser, nor the reverse.
    expect(code(() => parseVerifierKey(good))).toBe('ERR_NOTE_MALFORMED');
  });

  it('refuses bad names and public keys with ERR_INVALID_ARGUMENT', () => {
    for (const name of ['', 'a b', 'a+b', 7, undefined]) {
      expect(code(() => cosignerKeyHash(name as string, witness.publicKey))).toBe('ERR_INVALID_ARGUMENT');
    }
    for (const key of [new Uint8Array(31), undefined, 'key', [1, 2]]) {
      expect(code(() => formatCosignerKey(NAME, key as Uint8Array))).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});

describe.skipIf(!haveVectors)('cosignCheckpoint', () => {
  it('writes the spec layout: key ID, big-endian timestamp, Ed25519 over "cosignature/v1\\ntime T\\n" + body (built here independently with node:crypto)', () => {
    const cosigned = cosignCheckpoint({ note: checkpoint8, name: NAME, signer: witness, time: at });
    const body = checkpoint8.slice(0, checkpoint8.lastIndexOf('\n\n') + 1);
    const seconds = at.getTime() / 1000;
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(witnessSeed)]);
    const signature = nodeSign(null, Buffer.from(`cosignature/v1\ntime ${seconds}\n${body}`), createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
    const blob = Buffer.alloc(76);
    blob.writeUInt32BE(cosignerKeyHash(NAME, witness.publicKey), 0);
    blob.writeBigUInt64BE(BigInt(seconds), 4);
    signature.copy(blob, 12);
    expect(cosigned).toBe(`${checkpoint8}\u2014 ${NAME} ${toBase64(blob)}\n`);
  });

  it('keeps the log signature valid: the ledger key still opens the cosigned note', () => {
    const cosigned = cosignCheckpoint({ note: checkpoint8, name: NAME, signer: witness, time: at });
    const opened = openNote(cosigned, [parseVerifierKey(fixture.vkey)]);
    expect(opened.verified).toHaveLength(1);
    expect(opened.unknown.map((s) => s.name)).toEqual([NAME]);
  });

  it('refuses bad options', () => {
    expect(code(() => cosignCheckpoint(null as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => cosignCheckpoint({ note: checkpoint8, name: 'a b', signer: witness, time: at }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => cosignCheckpoint({ note: checkpoint8, name: NAME, signer: {} as never, time: at }))).toBe('ERR_INVALID_ARGUMENT');
    for (const time of [new Date(Number.NaN), new Date(-1000), 1_700_000_000, '2026-01-01T00:00:00Z', undefined]) {
      expect(code(() => cosignCheckpoint({ note: checkpoint8, name: NAME, signer: witness, time: time as Date }))).toBe('ERR_INVALID_ARGUMENT');
    }
    expect(code(() => cosignCheckpoint({ note: 'not a note', name: NAME, signer: witness, time: at }))).toBe('ERR_NOTE_MALFORMED');
  });
});

describe.skipIf(!haveVectors)('verifyCosignatures', () => {
  const keys = [parseCosignerKey(formatCosignerKey(NAME, witness.publicKey)), parseCosignerKey(formatCosignerKey('witness.example/w2', otherWitness.publicKey))];

  it('returns each listed witness once, with its latest timestamp; ignores other signature lines', () => {
    let note = cosignCheckpoint({ note: checkpoint8, name: NAME, signer: witness, time: at });
    note = cosignCheckpoint({ note, name: NAME, signer: witness, time: new Date(at.getTime() + 60_000) });
    note = cosignCheckpoint({ note, name: 'unlisted.example', signer: otherWitness, time: at });
    const found = verifyCosignatures(note, keys);
    expect(found).toEqual([{ key: keys[0], timestamp: at.getTime() / 1000 + 60 }]);
    expect(verifyCosignatures(checkpoint8, keys)).toEqual([]);
  });

  it('refuses a cosignature over another body, with another timestamp, or by another key under a listed name', () => {
    const cosigned = cosignCheckpoint({ note: checkpoint8, name: NAME, signer: witness, time: at });
    const line = cosigned.slice(checkpoint8.length);
    const seven = fixture.checkpoints.find((c) => c.treeSize === 7)!.checkpoint;
    expect(code(() => verifyCosignatures(`${seven}${line}`, keys))).toBe('ERR_NOTE_UNVERIFIED');
    const blob = Buffer.from(line.trim().split(' ')[2]!, 'base64');
    blob.writeBigUInt64BE(BigInt(at.getTime() / 1000 + 1), 4);
    expect(code(() => verifyCosignatures(`${checkpoint8}\u2014 ${NAME} ${blob.toString('base64')}\n`, keys))).toBe('ERR_NOTE_UNVERIFIED');
    const impostor = createSigner(PrivateKey.fromSeed(fromHex(fixture.ed25519SeedHex)));
    const forged = cosignCheckpoint({ note: checkpoint8, name: NAME, signer: impostor, time: at });
    // Another key under the same name has another key ID: not this witness, ignored.
    expect(verifyCosignatures(forged, keys)).toEqual([]);
  });

  it('refuses malformed cosignature lines of a listed witness and a timestamp beyond 2^63 - 1', () => {
    const cosigned = cosignCheckpoint({ note: checkpoint8, name: NAME, signer: witness, time: at });
    const blob = Buffer.from(cosigned.slice(checkpoint8.length).trim().split(' ')[2]!, 'base64');
    expect(code(() => verifyCosignatures(`${checkpoint8}\u2014 ${NAME} ${blob.subarray(0, 75).toString('base64')}\n`, keys))).toBe('ERR_NOTE_MALFORMED');
    const huge = Buffer.from(blob);
    huge.writeBigUInt64BE(1n << 63n, 4);
    expect(code(() => verifyCosignatures(`${checkpoint8}\u2014 ${NAME} ${huge.toString('base64')}\n`, keys))).toBe('ERR_NOTE_MALFORMED');
  });

  it('refuses bad keys and notes', () => {
    for (const bad of [undefined, null, 'key', [null], [{}], [{ name: NAME, keyHash: 1 }]]) {
      expect(code(() => verifyCosignatures(checkpoint8, bad as never))).toBe('ERR_INVALID_ARGUMENT');
    }
    for (const note of [undefined, 3, '', 'text\n', 'a\n\n— x !!!\n']) {
      expect(code(() => verifyCosignatures(note, keys))).toBe('ERR_NOTE_MALFORMED');
    }
  });

  it('property: any single-byte change to a cosigned checkpoint body or cosignature is refused or drops the cosignature', () => {
    const cosigned = cosignCheckpoint({ note: checkpoint8, name: NAME, signer: witness, time: at });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: cosigned.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, delta) => {
        const bytes = Buffer.from(cosigned, 'latin1');
        bytes[index] = (bytes[index]! + delta) % 256;
        const changed = bytes.toString('latin1');
        let found: unknown;
        try {
          found = verifyCosignatures(changed, [keys[0]!]);
        } catch (error) {
          // Refused — with a stable code, never a raw TypeError/RangeError.
          expect(['ERR_NOTE_MALFORMED', 'ERR_NOTE_UNVERIFIED']).toContain((error as { code?: unknown }).code);
          return true;
        }
        // Unchanged text and a still-valid cosignature is impossible after a change.
        expect(found).toEqual([]);
        return true;
      }),
      { numRuns: 500 },
    );
  });
});
