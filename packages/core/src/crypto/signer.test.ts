import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from './encoding.ts';
import { PrivateKey } from './keys.ts';
import { nobleBackend } from './noble-backend.ts';
import { nodeBackend } from './node-backend.ts';
import { createSigner, createVerifier, verifySignature } from './signer.ts';

const key = PrivateKey.fromSeed(fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));

describe('createSigner', () => {
  it('signs RFC 8032 TEST 1 on both back-ends', () => {
    for (const backend of [nodeBackend, nobleBackend]) {
      expect(toHex(createSigner(key, backend).sign(new Uint8Array(0)))).toBe(
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      );
    }
  });
  it('exposes key id and public key but not the seed', () => {
    const signer = createSigner(key);
    expect(signer.keyId).toBe(key.keyId);
    expect(JSON.stringify(signer)).not.toContain('157,97');
  });
  it('refuses malformed input with WritError codes', () => {
    expect(() => createSigner({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createSigner(key, {} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => createSigner(key).sign('text' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('verifySignature', () => {
  const message = utf8('writ');
  const signature = createSigner(key).sign(message);
  it('accepts a valid signature and rejects a flipped bit on both back-ends', () => {
    for (const backend of [nodeBackend, nobleBackend]) {
      expect(verifySignature({ publicKey: key.publicKey, message, signature, backend })).toBe(true);
      const bad = signature.slice();
      bad[10]! ^= 1;
      expect(verifySignature({ publicKey: key.publicKey, message, signature: bad, backend })).toBe(false);
    }
  });
  it('rejects the small-order key forgery (identity key, R = identity, S = 0) on both back-ends', () => {
    const identity = fromHex('01'.padEnd(64, '0'));
    const forged = fromHex('01'.padEnd(64, '0') + '00'.repeat(32));
    for (const backend of [nodeBackend, nobleBackend]) {
      expect(verifySignature({ publicKey: identity, message, signature: forged, backend })).toBe(false);
    }
  });
  it('returns false for a wrong-length signature and throws WritError for wrong types', () => {
    expect(verifySignature({ publicKey: key.publicKey, message, signature: new Uint8Array(10) })).toBe(false);
    expect(() => verifySignature(null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => verifySignature({ publicKey: 'x', message, signature } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => verifySignature({ publicKey: new Uint8Array(3), message, signature })).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
    expect(() => verifySignature({ publicKey: key.publicKey, message: [1] as never, signature })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('createVerifier', () => {
  it('verifies with a copied key', () => {
    const verifier = createVerifier(key.publicKey);
    expect(verifier.keyId).toBe(key.keyId);
    expect(verifier.verify(utf8('a'), createSigner(key).sign(utf8('a')))).toBe(true);
    expect(verifier.verify(utf8('b'), createSigner(key).sign(utf8('a')))).toBe(false);
    expect(() => createVerifier(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
  });
});
