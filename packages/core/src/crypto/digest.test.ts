import { describe, expect, it } from 'vitest';
import { WritError } from '../errors.ts';
import { digest, digestBytes, digestToBytes, isDigest, parseDigest, sha256 } from './digest.ts';
import { toHex, utf8 } from './encoding.ts';

describe('sha256', () => {
  it('matches the FIPS 180-2 "abc" vector', () => {
    expect(toHex(sha256(utf8('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('refuses non-bytes', () => {
    expect(() => sha256('abc' as never)).toThrow(WritError);
  });
});

describe('digest', () => {
  it('is sha256 of the canonical bytes, independent of key order', () => {
    expect(digest({ b: 2, a: 1 })).toBe(digest({ a: 1, b: 2 }));
    expect(digest({ a: 1, b: 2 })).toBe(digestBytes(utf8('{"a":1,"b":2}')));
    expect(digestBytes(utf8('abc'))).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('refuses non-canonical values', () => {
    expect(() => digest({ when: new Date() })).toThrow(expect.objectContaining({ code: 'ERR_CANONICAL_UNSUPPORTED' }));
  });
});

describe('isDigest / parseDigest / digestToBytes', () => {
  it('accepts only sha256: + 64 lowercase hex', () => {
    const good = digest(1);
    expect(isDigest(good)).toBe(true);
    for (const bad of [good.toUpperCase(), good.slice(0, -1), `sha512:${good.slice(7)}`, 1, null, {}]) {
      expect(isDigest(bad)).toBe(false);
      expect(() => parseDigest(bad, 'intent')).toThrow(expect.objectContaining({ code: 'ERR_DIGEST_INVALID', details: { parameter: 'intent' } }));
    }
    expect(digestToBytes(good).length).toBe(32);
  });
});
