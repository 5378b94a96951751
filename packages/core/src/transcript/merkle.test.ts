import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WritError } from '../errors.ts';
import { MerkleFrontier } from './merkle-frontier.ts';
import { MerkleTree } from './merkle-tree.ts';
import { createHash } from 'node:crypto';
import { leafHash, nodeHash, rootFromInclusionProof, verifyConsistency, verifyInclusion } from './merkle.ts';

const MERKLE = new URL('../../../../../shared/fixtures/vectors/merkle-rfc6962/', import.meta.url);
const haveVectors = existsSync(MERKLE);
if (!haveVectors)
  console.warn(
    `SKIPPED: Merkle vectors not found at ${MERKLE.pathname} (clone shared/ beside the repo)`,
  );

function jsonFiles(dir: URL): URL[] {
  const out: URL[] = [];
  for (const name of readdirSync(dir)) {
    const child = new URL(name, dir);
    if (statSync(child).isDirectory()) out.push(...jsonFiles(new URL(`${name}/`, dir)));
    else if (name.endsWith('.json')) out.push(child);
  }
  return out;
}

const b64 = (value: string | null | undefined): Uint8Array =>
  new Uint8Array(Buffer.from(value ?? '', 'base64'));
const proofOf = (value: string[] | null): Uint8Array[] | null =>
  value === null ? null : value.map(b64);

function errorCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (WritError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe.skipIf(!haveVectors)('verifyInclusion — transparency-dev vectors', () => {
  const files = haveVectors ? jsonFiles(new URL('inclusion/', MERKLE)) : [];
  it('finds all 98 inclusion cases', () => expect(files.length).toBe(98));
  for (const file of files) {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    it(`${v.wantErr ? 'rejects' : 'accepts'} ${file.pathname.split('inclusion/')[1]} (${v.desc})`, () => {
      const code = errorCode(() =>
        verifyInclusion({
          leafIndex: v.leafIdx,
          treeSize: v.treeSize,
          leafHash: b64(v.leafHash),
          proof: proofOf(v.proof),
          root: b64(v.root),
        }),
      );
      expect(code).toBe(v.wantErr ? 'ERR_MERKLE_PROOF_INVALID' : undefined);
    });
  }
});

describe.skipIf(!haveVectors)('verifyConsistency — transparency-dev vectors', () => {
  const files = haveVectors ? jsonFiles(new URL('consistency/', MERKLE)) : [];
  it('finds all 98 consistency cases', () => expect(files.length).toBe(98));
  for (const file of files) {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    it(`${v.wantErr ? 'rejects' : 'accepts'} ${file.pathname.split('consistency/')[1]} (${v.desc})`, () => {
      const code = errorCode(() =>
        verifyConsistency({
          size1: v.size1,
          size2: v.size2,
          root1: b64(v.root1),
          root2: b64(v.root2),
          proof: proofOf(v.proof),
        }),
      );
      expect(code).toBe(v.wantErr ? 'ERR_MERKLE_PROOF_INVALID' : undefined);
    });
  }
});

describe.skipIf(!haveVectors)('MerkleTree — reference tree of 8 leaves', () => {
  const ref = haveVectors
    ? JSON.parse(readFileSync(new URL('rfc6962_reference_tree8.json', MERKLE), 'utf8'))
    : undefined;
  it('reproduces every leaf hash and every prefix root', () => {
    const tree = new MerkleTree();
    const frontier = new MerkleFrontier();
    expect(Buffer.from(tree.root()).toString('hex')).toBe(ref.rootByTreeSizeHex[0]);
    ref.leafInputsHex.forEach((hex: string, i: number) => {
      const leaf = leafHash(Buffer.from(hex, 'hex'));
      expect(Buffer.from(leaf).toString('hex')).toBe(ref.leafHashesHex[i]);
      tree.push(leaf);
      frontier.push(leaf);
      expect(Buffer.from(frontier.root()).toString('hex')).toBe(ref.rootByTreeSizeHex[i + 1]);
    });
    for (let size = 0; size <= 8; size++)
      expect(Buffer.from(tree.root(size)).toString('hex')).toBe(ref.rootByTreeSizeHex[size]);
  });
});

function buildTree(count: number): MerkleTree {
  const tree = new MerkleTree();
  for (let i = 0; i < count; i++) tree.push(leafHash(`leaf ${i}`));
  return tree;
}

describe('MerkleTree', () => {
  it('produces inclusion proofs that verify for every leaf of every prefix', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (n, a, b) => {
        const tree = buildTree(n);
        const size = (a % n) + 1;
        const index = b % size;
        const proof = tree.inclusionProof(index, size);
        expect(() =>
          verifyInclusion({
            leafIndex: index,
            treeSize: size,
            leafHash: leafHash(`leaf ${index}`),
            proof,
            root: tree.root(size),
          }),
        ).not.toThrow();
        expect(
          rootFromInclusionProof({
            leafIndex: index,
            treeSize: size,
            leafHash: leafHash(`leaf ${index}`),
            proof,
          }),
        ).toEqual(tree.root(size));
      }),
      { numRuns: 200 },
    );
  });
  it('produces consistency proofs that verify between any two prefixes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (n, a, b) => {
        const tree = buildTree(n);
        const size2 = (a % n) + 1;
        const size1 = (b % size2) + 1;
        const proof = tree.consistencyProof(size1, size2);
        expect(() =>
          verifyConsistency({
            size1,
            size2,
            root1: tree.root(size1),
            root2: tree.root(size2),
            proof,
          }),
        ).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });
  it('agrees with the streaming frontier on every prefix root', () => {
    const tree = new MerkleTree();
    const frontier = new MerkleFrontier();
    for (let i = 0; i < 130; i++) {
      const leaf = leafHash(`leaf ${i}`);
      tree.push(leaf);
      frontier.push(leaf);
      expect(frontier.root()).toEqual(tree.root());
    }
  });
  it('rejects malformed arguments with ERR_INVALID_ARGUMENT', () => {
    const tree = buildTree(4);
    expect(errorCode(() => tree.push(new Uint8Array(31)))).toBe('ERR_INVALID_ARGUMENT');
    expect(errorCode(() => tree.push('x' as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(errorCode(() => tree.inclusionProof(4, 4))).toBe('ERR_INVALID_ARGUMENT');
    expect(errorCode(() => tree.inclusionProof(0, 5))).toBe('ERR_INVALID_ARGUMENT');
    expect(errorCode(() => tree.consistencyProof(0, 4))).toBe('ERR_INVALID_ARGUMENT');
    expect(errorCode(() => tree.root(-1))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('verifyInclusion', () => {
  it('rejects wrong types instead of throwing a TypeError', () => {
    expect(
      errorCode(() =>
        verifyInclusion({
          leafIndex: '0' as never,
          treeSize: 1,
          leafHash: leafHash('a'),
          proof: [],
          root: leafHash('a'),
        }),
      ),
    ).toBe('ERR_MERKLE_PROOF_INVALID');
    expect(
      errorCode(() =>
        verifyInclusion({
          leafIndex: 0,
          treeSize: 1,
          leafHash: leafHash('a'),
          proof: {} as never,
          root: leafHash('a'),
        }),
      ),
    ).toBe('ERR_MERKLE_PROOF_INVALID');
    expect(
      errorCode(() =>
        verifyInclusion({
          leafIndex: 0,
          treeSize: 2 ** 60,
          leafHash: leafHash('a'),
          proof: [],
          root: leafHash('a'),
        }),
      ),
    ).toBe('ERR_MERKLE_PROOF_INVALID');
  });
});

describe('leaf and node hashes', () => {
  const sha256 = (...parts: Uint8Array[]): string => {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part);
    return hash.digest('hex');
  };
  it('equal SHA-256(0x00 || data) and SHA-256(0x01 || l || r) computed with createHash', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.uint8Array(), (text, bytes) => {
        const utf8 = new TextEncoder().encode(text);
        expect(Buffer.from(leafHash(text)).toString('hex')).toBe(sha256(Uint8Array.of(0), utf8));
        expect(Buffer.from(leafHash(bytes)).toString('hex')).toBe(sha256(Uint8Array.of(0), bytes));
        const left = leafHash(text);
        const right = leafHash(bytes);
        expect(Buffer.from(nodeHash(left, right)).toString('hex')).toBe(sha256(Uint8Array.of(1), left, right));
      }),
    );
  });
});
