import { existsSync, readFileSync } from 'node:fs';
import * as ed from '@noble/ed25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Ed25519Backend } from './ed25519-backend.ts';
import { isSmallOrderEncoding, isStrictPublicKey } from './ed25519-strict.ts';
import { fromHex, toHex } from './encoding.ts';
import { nobleBackend } from './noble-backend.ts';
import { nodeBackend } from './node-backend.ts';

const VECTORS = new URL('../../../../../shared/fixtures/vectors/', import.meta.url);
const haveVectors = existsSync(VECTORS);
if (!haveVectors) console.warn(`SKIPPED: Ed25519 vectors not found at ${VECTORS.pathname} (clone shared/ beside the repo)`);

interface WycheproofCase {
  tcId: number;
  msg: string;
  sig: string;
  result: 'valid' | 'invalid';
}
interface WycheproofGroup {
  publicKey: { pk: string };
  tests: WycheproofCase[];
}

function load<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, VECTORS), 'utf8')) as T;
}

const backends: Ed25519Backend[] = [nodeBackend, nobleBackend];

describe.skipIf(!haveVectors)('Ed25519 back-ends — Wycheproof ed25519_test.json', () => {
  const groups = haveVectors ? load<{ testGroups: WycheproofGroup[] }>('wycheproof/ed25519_test.json').testGroups : [];
  const cases = groups.flatMap((group) => group.tests.map((test) => ({ ...test, pk: group.publicKey.pk })));
  it('has all 151 cases', () => {
    expect(cases.length).toBe(151);
  });
  for (const backend of backends) {
    it(`${backend.name}: every case gives the expected verdict (tcId 151 rejected)`, () => {
      const wrong = cases
        .filter((test) => backend.verify(fromHex(test.pk), fromHex(test.msg), fromHex(test.sig)) !== (test.result === 'valid'))
        .map((test) => test.tcId);
      expect(wrong).toEqual([]);
      const tc151 = cases.find((test) => test.tcId === 151)!;
      expect(backend.verify(fromHex(tc151.pk), fromHex(tc151.msg), fromHex(tc151.sig))).toBe(false);
    });
  }
});

describe.skipIf(!haveVectors)('Ed25519 back-ends — RFC 8032 §7.1', () => {
  interface Vector {
    name: string;
    secretKey: string;
    publicKey: string;
    message: string;
    signature: string;
  }
  const vectors = haveVectors ? load<{ vectors: Vector[] }>('rfc8032/rfc8032_7.1_ed25519.json').vectors : [];
  it('has TEST 1, 2, 3, 1024 and SHA(abc)', () => {
    expect(vectors.length).toBe(5);
  });
  for (const backend of backends) {
    for (const vector of vectors) {
      it(`${backend.name}: ${vector.name} reproduces key and signature byte for byte`, () => {
        const seed = fromHex(vector.secretKey);
        expect(toHex(backend.publicKeyFromSeed(seed))).toBe(vector.publicKey);
        expect(toHex(backend.sign(seed, fromHex(vector.message)))).toBe(vector.signature);
        expect(backend.verify(fromHex(vector.publicKey), fromHex(vector.message), fromHex(vector.signature))).toBe(true);
      });
    }
  }
});

describe('Ed25519 back-ends', () => {
  it('produce identical signatures and agree on verification for random keys and messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 256 }), (seed, message) => {
        const signature = nodeBackend.sign(seed, message);
        expect(toHex(nobleBackend.sign(seed, message))).toBe(toHex(signature));
        const publicKey = nodeBackend.publicKeyFromSeed(seed);
        expect(nobleBackend.verify(publicKey, message, signature)).toBe(true);
        expect(nodeBackend.verify(publicKey, message, signature)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
  it('agree on random garbage (both reject)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (key, signature) => {
        const message = Uint8Array.of(1, 2, 3);
        expect(nodeBackend.verify(key, message, signature)).toBe(nobleBackend.verify(key, message, signature));
      }),
      { numRuns: 100 },
    );
  });
  it('return false (never throw) for wrong lengths', () => {
    for (const backend of backends) {
      expect(backend.verify(new Uint8Array(31), new Uint8Array(0), new Uint8Array(64))).toBe(false);
      expect(backend.verify(new Uint8Array(32).fill(9), new Uint8Array(0), new Uint8Array(63))).toBe(false);
    }
  });
  it('does not reuse a cached key after the caller rewrites its buffer', () => {
    const seedA = new Uint8Array(32).fill(1);
    const seedB = new Uint8Array(32).fill(2);
    const buffer = nodeBackend.publicKeyFromSeed(seedA);
    const message = Uint8Array.of(7);
    const signatureB = nodeBackend.sign(seedB, message);
    expect(nodeBackend.verify(buffer, message, signatureB)).toBe(false);
    buffer.set(nodeBackend.publicKeyFromSeed(seedB));
    expect(nodeBackend.verify(buffer, message, signatureB)).toBe(true);
  });
});

describe('isSmallOrderEncoding', () => {
  it('lists exactly the 8 distinct torsion points, each of small order per noble', () => {
    const torsion = [
      '0100000000000000000000000000000000000000000000000000000000000000',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0000000000000000000000000000000000000000000000000000000000000080',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
    ];
    const points = torsion.map((hex) => ed.Point.fromBytes(fromHex(hex), false));
    for (const point of points) expect(point.isSmallOrder()).toBe(true);
    expect(new Set(points.map((point) => toHex(point.toBytes()))).size).toBe(8);
    for (const hex of torsion) {
      expect(isSmallOrderEncoding(fromHex(hex))).toBe(true);
      expect(isStrictPublicKey(fromHex(hex))).toBe(false);
    }
    expect(isSmallOrderEncoding(ed.Point.BASE.toBytes())).toBe(false);
  });
});
