/**
 * An in-memory RFC 6962 tree over leaf hashes that answers roots, inclusion proofs and
 * consistency proofs for any prefix size in O(log n) hashes. It keeps every level
 * (about 64 bytes per leaf); use it to serve proofs (export), not to verify.
 */
import { WritError } from '../errors.ts';
import { HASH_SIZE, emptyRoot, isPowerOfTwo, nodeHash, splitPoint } from './merkle.ts';

/** Merkle tree with cached levels, grown by {@link MerkleTree.push}. */
export class MerkleTree {
  // levels[l] holds the perfect subtrees of 2^l leaves, packed 32 bytes each.
  readonly #levels: Uint8Array[] = [new Uint8Array(HASH_SIZE * 64)];
  readonly #counts: number[] = [0];

  /** Number of leaves. */
  get size(): number {
    return this.#counts[0]!;
  }

  /** Append one leaf hash. */
  push(leaf: Uint8Array): void {
    if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_SIZE) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'leaf must be a 32-byte hash', {
        details: { parameter: 'leaf' },
      });
    }
    let hash = leaf;
    for (let level = 0; ; level++) {
      const index = this.#store(level, hash);
      if (index % 2 === 0) return;
      hash = nodeHash(this.#get(level, index - 1), hash);
    }
  }

  /** RFC 6962 §2.1 MTH of the first `size` leaves (default: all). */
  root(size: number = this.size): Uint8Array {
    this.#checkSize(size, 'size');
    return size === 0 ? emptyRoot() : this.#subtree(0, size);
  }

  /** RFC 6962 §2.1.1 PATH(m, D[n]): inclusion proof of leaf `index` in the tree of `size`. */
  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    this.#checkSize(size, 'size');
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'index must be below size', {
        details: { parameter: 'index' },
      });
    }
    const proof: Uint8Array[] = [];
    this.#path({ m: index, start: 0, n: size }, proof);
    return proof;
  }

  /** RFC 6962 §2.1.2 PROOF(m, D[n]) for `0 < size1 <= size2`; empty when equal. */
  consistencyProof(size1: number, size2: number = this.size): Uint8Array[] {
    this.#checkSize(size2, 'size2');
    if (!Number.isSafeInteger(size1) || size1 < 1 || size1 > size2) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'size1 must be in 1..size2', {
        details: { parameter: 'size1' },
      });
    }
    const proof: Uint8Array[] = [];
    if (size1 < size2) this.#subproof({ m: size1, start: 0, n: size2, complete: true }, proof);
    return proof;
  }

  #path(at: { m: number; start: number; n: number }, out: Uint8Array[]): void {
    const { m, start, n } = at;
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      this.#path({ m, start, n: k }, out);
      out.push(this.#subtree(start + k, n - k));
    } else {
      this.#path({ m: m - k, start: start + k, n: n - k }, out);
      out.push(this.#subtree(start, k));
    }
  }

  #subproof(
    at: { m: number; start: number; n: number; complete: boolean },
    out: Uint8Array[],
  ): void {
    const { m, start, n, complete } = at;
    if (m === n) {
      if (!complete) out.push(this.#subtree(start, n));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      this.#subproof({ m, start, n: k, complete }, out);
      out.push(this.#subtree(start + k, n - k));
    } else {
      this.#subproof({ m: m - k, start: start + k, n: n - k, complete: false }, out);
      out.push(this.#subtree(start, k));
    }
  }

  // MTH(D[start : start + n]); in RFC recursions `start` is always a multiple of the
  // largest perfect subtree it begins, so perfect ranges come straight from the cache.
  #subtree(start: number, n: number): Uint8Array {
    if (isPowerOfTwo(n)) {
      const level = Math.log2(n);
      return this.#get(level, start / n);
    }
    const k = splitPoint(n);
    return nodeHash(this.#subtree(start, k), this.#subtree(start + k, n - k));
  }

  #checkSize(size: number, parameter: string): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be within the tree`, {
        details: { parameter },
      });
    }
  }

  #store(level: number, hash: Uint8Array): number {
    if (this.#levels.length === level) {
      this.#levels.push(new Uint8Array(HASH_SIZE * 64));
      this.#counts.push(0);
    }
    const index = this.#counts[level]!;
    let buffer = this.#levels[level]!;
    if ((index + 1) * HASH_SIZE > buffer.length) {
      const grown = new Uint8Array(buffer.length * 2);
      grown.set(buffer);
      this.#levels[level] = buffer = grown;
    }
    buffer.set(hash, index * HASH_SIZE);
    this.#counts[level] = index + 1;
    return index;
  }

  #get(level: number, index: number): Uint8Array {
    return this.#levels[level]!.slice(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }
}
