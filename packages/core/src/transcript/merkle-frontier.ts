/**
 * A streaming RFC 6962 root calculator: O(log n) memory, one leaf at a time. The
 * verifier uses it to check checkpoint roots while reading a transcript of any length.
 */
import { HASH_SIZE, emptyRoot, nodeHash } from './merkle.ts';
import { invalidArgument } from '../invalid-argument.ts';

/** Incremental Merkle tree head (the "compact range" of the tree's left edge). */
export class MerkleFrontier {
  // Perfect subtrees covering [0, size), largest first; sizes strictly decrease.
  readonly #hashes: Uint8Array[] = [];
  readonly #sizes: number[] = [];
  #size = 0;

  /** Number of leaves appended. */
  get size(): number {
    return this.#size;
  }

  /** Append one leaf hash (already `SHA-256(0x00 || entry)`). */
  push(leaf: Uint8Array): void {
    if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_SIZE) {
      throw invalidArgument('leaf', 'must be a 32-byte hash');
    }
    let hash = leaf;
    let size = 1;
    // Merge equal-sized perfect subtrees: their sibling order is (older, newer).
    while (this.#sizes.length > 0 && this.#sizes[this.#sizes.length - 1] === size) {
      this.#sizes.pop();
      hash = nodeHash(this.#hashes.pop()!, hash);
      size *= 2;
    }
    this.#hashes.push(hash);
    this.#sizes.push(size);
    this.#size += 1;
  }

  /** RFC 6962 §2.1 MTH of all leaves pushed so far. */
  root(): Uint8Array {
    const count = this.#hashes.length;
    if (count === 0) return emptyRoot();
    let root = this.#hashes[count - 1]!;
    for (let i = count - 2; i >= 0; i--) root = nodeHash(this.#hashes[i]!, root);
    return root;
  }
}
