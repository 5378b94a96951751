/**
 * RFC 6962 / RFC 9162 §2.1 Merkle tree hashing, proofs and proof verification.
 *
 * Hashes are raw 32-byte SHA-256 outputs (`Uint8Array`). Tree sizes and indices are
 * JavaScript safe integers; arithmetic uses division, never 32-bit bit operators.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import { WritError } from '../errors.ts';
import { assertBytesArgument, assertOptions, invalidArgument } from '../invalid-argument.ts';

/** Length of every hash in the tree. */
export const HASH_SIZE = 32;

// One-shot SHA-256: node:crypto's `hash` where the runtime has it (no static import, so
// browsers load this module and use @noble/hashes instead).
const sha256: (data: Uint8Array) => Uint8Array = (() => {
  const node = nodeCrypto();
  if (node === undefined) return nobleSha256;
  if (typeof node.hash === 'function') {
    const hash = node.hash;
    // The digest comes back as a 32-character latin1 ('binary') string (one char per byte) and is
    // copied into a small on-heap array: a `'buffer'` result allocates an off-heap
    // ArrayBuffer per call, which costs more than hashing a whole entry line.
    return (data) => {
      const text = hash('sha256', data, 'binary');
      const out = new Uint8Array(HASH_SIZE);
      for (let i = 0; i < HASH_SIZE; i++) out[i] = text.charCodeAt(i);
      return out;
    };
  }
  return (data) => new Uint8Array(node.createHash('sha256').update(data).digest());
})();

const encoder = new TextEncoder();
// Prefix byte then the data, hashed in one call; grown on demand, never shrunk (a few KiB).
let scratch = new Uint8Array(4096);
const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);
nodeInput[0] = 0x01;

/** RFC 6962 §2.1: the hash of the empty tree, SHA-256(""). */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** RFC 6962 §2.1: leaf hash = SHA-256(0x00 || data); a string is hashed as UTF-8. */
export function leafHash(data: Uint8Array | string): Uint8Array {
  let length: number;
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw invalidArgument('data', 'must be a Uint8Array or a string');
  }
  if (typeof data === 'string') {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (scratch.length < 1 + 3 * data.length) scratch = new Uint8Array(1 + 3 * data.length);
    length = encoder.encodeInto(data, scratch.subarray(1)).written;
  } else {
    if (scratch.length < 1 + data.length) scratch = new Uint8Array(1 + data.length);
    scratch.set(data, 1);
    length = data.length;
  }
  scratch[0] = 0x00;
  return sha256(scratch.subarray(0, 1 + length));
}

/** RFC 6962 §2.1: interior node hash = SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  assertBytesArgument(left, 'left');
  assertBytesArgument(right, 'right');
  if (left.length === HASH_SIZE && right.length === HASH_SIZE) {
    nodeInput.set(left, 1);
    nodeInput.set(right, 1 + HASH_SIZE);
    return sha256(nodeInput);
  }
  // Odd-sized inputs (only in malformed proofs) take the general path.
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

function invalid(reason: string): WritError {
  return new WritError('ERR_MERKLE_PROOF_INVALID', 'Merkle proof verification failed', {
    details: { reason },
  });
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function checkProof(proof: unknown): readonly Uint8Array[] {
  if (proof === null || proof === undefined) return [];
  if (!Array.isArray(proof)) throw invalid('proof is not an array');
  for (const element of proof)
    if (!isHash(element)) throw invalid('proof element is not a 32-byte hash');
  return proof as Uint8Array[];
}

/** Input of {@link rootFromInclusionProof} and {@link verifyInclusion}. */
export interface InclusionInput {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: Uint8Array;
  readonly proof: readonly Uint8Array[] | null;
}

/**
 * RFC 9162 §2.1.3.2: recompute the root implied by an inclusion proof.
 * @throws `ERR_MERKLE_PROOF_INVALID` when the proof is malformed for the sizes given.
 */
export function rootFromInclusionProof(input: InclusionInput): Uint8Array {
  assertOptions(input, 'input');
  const { leafIndex, treeSize } = input;
  if (!isSize(leafIndex) || !isSize(treeSize))
    throw invalid('index or size is not a non-negative integer');
  if (leafIndex >= treeSize) throw invalid('leaf index beyond tree size');
  if (!isHash(input.leafHash)) throw invalid('leaf hash is not 32 bytes');
  const proof = checkProof(input.proof);
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = input.leafHash;
  for (const p of proof) {
    if (sn === 0) throw invalid('proof too long');
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw invalid('proof too short');
  return r;
}

/**
 * RFC 9162 §2.1.3.2: verify that `leafHash` is at `leafIndex` in the tree of `treeSize` with `root`.
 * @throws `ERR_MERKLE_PROOF_INVALID`.
 */
export function verifyInclusion(input: InclusionInput & { readonly root: Uint8Array }): void {
  assertOptions(input, 'input');
  if (!isHash(input.root)) throw invalid('root is not 32 bytes');
  if (!equalBytes(rootFromInclusionProof(input), input.root)) throw invalid('root mismatch');
}

/** Input of {@link verifyConsistency}. */
export interface ConsistencyInput {
  readonly size1: number;
  readonly size2: number;
  readonly root1: Uint8Array;
  readonly root2: Uint8Array;
  readonly proof: readonly Uint8Array[] | null;
}

/**
 * RFC 9162 §2.1.4.2: verify that the tree of `size1` with `root1` is a prefix of the tree
 * of `size2` with `root2`. A consistency check from the empty tree proves nothing and is
 * refused; equal sizes need an empty proof and equal roots.
 * @throws `ERR_MERKLE_PROOF_INVALID`.
 */
export function verifyConsistency(input: ConsistencyInput): void {
  assertOptions(input, 'input');
  const { size1, size2 } = input;
  if (!isSize(size1) || !isSize(size2)) throw invalid('size is not a non-negative integer');
  const proof = checkProof(input.proof);
  if (size2 < size1) throw invalid('size2 < size1');
  if (size1 === 0) throw invalid('size1 is zero');
  if (!(input.root1 instanceof Uint8Array) || !(input.root2 instanceof Uint8Array))
    throw invalid('root is not bytes');
  if (size1 === size2) {
    // Equal sizes: nothing to hash, so the roots only need to be identical.
    if (proof.length !== 0) throw invalid('equal sizes need an empty proof');
    if (!equalBytes(input.root1, input.root2)) throw invalid('root mismatch');
    return;
  }
  if (!isHash(input.root1) || !isHash(input.root2)) throw invalid('root is not 32 bytes');
  if (proof.length === 0) throw invalid('empty proof');
  // Step 1: if size1 is an exact power of 2, prepend root1 to the path.
  const path = isPowerOfTwo(size1) ? [input.root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) throw invalid('proof too long');
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw invalid('proof too short');
  if (!equalBytes(fr, input.root1) || !equalBytes(sr, input.root2)) throw invalid('root mismatch');
}

/** True for 1, 2, 4, 8, ... */
export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** Largest power of two strictly less than `n` (for `n >= 2`), as in RFC 6962 §2.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Constant-time equality of two byte strings. */
export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b);
}
