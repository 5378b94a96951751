import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WritError } from '../errors.ts';
import { fromHex, toHex } from './encoding.ts';
import { PrivateKey, generateKeyPair, keyIdOf } from './keys.ts';
import { nobleBackend } from './noble-backend.ts';

const SEED_HEX = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';

describe('PrivateKey', () => {
  const key = PrivateKey.fromSeed(fromHex(SEED_HEX));
  it('derives the RFC 8032 TEST 1 public key on both back-ends', () => {
    expect(toHex(key.publicKey)).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(toHex(PrivateKey.fromSeed(fromHex(SEED_HEX), nobleBackend).publicKey)).toBe(toHex(key.publicKey));
  });
  it('never reveals the seed through JSON, inspect, String or template literals', () => {
    const seedB64 = Buffer.from(SEED_HEX, 'hex').toString('base64');
    for (const text of [JSON.stringify(key), inspect(key, { showHidden: true, depth: 9 }), String(key), `${key.toString()}`, JSON.stringify({ key })]) {
      expect(text).not.toContain(SEED_HEX);
      expect(text).not.toContain(seedB64);
      expect(text).not.toContain('157'); // first seed byte as a decimal array element
    }
    expect(JSON.parse(JSON.stringify(key))).toEqual({ keyId: key.keyId, publicKey: expect.any(String) });
    expect(Object.keys(key)).toEqual(['publicKey', 'keyId']);
  });
  it('copies the seed so wiping the caller array changes nothing', () => {
    const seed = fromHex(SEED_HEX);
    const copy = PrivateKey.fromSeed(seed);
    seed.fill(0);
    expect(toHex(copy.exportSeed())).toBe(SEED_HEX);
  });
  it('refuses bad seeds', () => {
    expect(() => PrivateKey.fromSeed(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
    expect(() => PrivateKey.fromSeed('seed' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('keyIdOf', () => {
  it('is base64url of the first 16 bytes of SHA-256(publicKey)', () => {
    const publicKey = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const expected = createHash('sha256').update(publicKey).digest().subarray(0, 16).toString('base64url');
    expect(keyIdOf(publicKey)).toBe(expected);
    expect(keyIdOf(publicKey)).toHaveLength(22);
  });
  it('refuses non-keys', () => {
    expect(() => keyIdOf(new Uint8Array(33))).toThrow(WritError);
    expect(() => keyIdOf(undefined as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('generateKeyPair', () => {
  it('returns distinct fresh keys with matching ids', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(a.keyId).not.toBe(b.keyId);
    expect(a.keyId).toBe(keyIdOf(a.publicKey));
    expect(a.privateKey.keyId).toBe(a.keyId);
  });
});
