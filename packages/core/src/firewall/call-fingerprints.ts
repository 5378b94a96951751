/**
 * A compact, lossy set of call keys: 8 bytes per key (the first 8 bytes of the SHA-256 of
 * the key), kept in one sorted typed array — about 8 MB for a million keys, against tens
 * of bytes per key for a `Set` of strings.
 *
 * It remembers the calls the recovered index dropped on open (recovery.ts), so a call id
 * the ledger holds but the index no longer does is still known after a restart and is
 * refused instead of being judged and run again. Lossy in one direction only: a key that
 * was added is always found; a key that was not added is found only on a 64-bit
 * fingerprint collision (about n / 2^64 per lookup with n keys), and a found key is
 * refused, never executed — a collision can cost a fresh call its run (fail closed), it
 * can never let an executed call run again.
 *
 * Built in bulk, then queried: keys are appended unsorted, and the first lookup after an
 * append sorts and deduplicates once and trims the array to its size.
 */
import { sha256 } from '../crypto/digest.ts';
import { WritError } from '../errors.ts';
import { utf8 } from '../crypto/encoding.ts';
import { nodeCrypto } from '../crypto/node-crypto.ts';

const INITIAL_CAPACITY = 1024;

/** The first 8 bytes of SHA-256 of `key` (UTF-8), as an unsigned 64-bit integer. */
export function callFingerprint(key: string): bigint {
  const node = nodeCrypto();
  // One-shot hash to hex is the fastest node:crypto path (under 1 µs a key).
  if (node !== undefined && typeof node.hash === 'function') return BigInt(`0x${node.hash('sha256', key, 'hex').slice(0, 16)}`);
  const hash = sha256(utf8(key));
  return new DataView(hash.buffer, hash.byteOffset, 8).getBigUint64(0);
}

/** A set of call-key fingerprints (see the module comment for what a hit means). */
export class CallFingerprints {
  #items = new BigUint64Array(0);
  #size = 0;
  #sorted = true;

  /** How many distinct fingerprints are kept (exact after a lookup; appends may repeat). */
  get size(): number {
    return this.#size;
  }

  /** Bytes held by the fingerprint array. */
  get byteLength(): number {
    return this.#items.byteLength;
  }

  /** Remember `key`. */
  add(key: string): void {
    if (this.#size === this.#items.length) {
      const grown = new BigUint64Array(Math.max(INITIAL_CAPACITY, this.#items.length * 2));
      grown.set(this.#items);
      this.#items = grown;
    }
    this.#items[this.#size++] = callFingerprint(key);
    this.#sorted = false;
  }

  /** True when `key` was added — or, rarely, shares its fingerprint with a key that was (see above). */
  has(key: string): boolean {
    if (this.#size === 0) return false;
    this.#seal();
    const wanted = callFingerprint(key);
    const items = this.#items;
    let low = 0;
    let high = this.#size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = items[middle]!;
      if (value === wanted) return true;
      if (value < wanted) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }

  /** Sort, drop repeats and trim the array to its size. */
  #seal(): void {
    if (this.#sorted) return;
    const items = this.#items.subarray(0, this.#size).sort();
    let unique = 0;
    for (let i = 0; i < items.length; i++) {
      if (unique === 0 || items[i] !== items[unique - 1]) items[unique++] = items[i]!;
    }
    this.#items = this.#items.slice(0, unique);
    this.#size = unique;
    this.#sorted = true;
  }
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string') throw new WritError('ERR_INVALID_ARGUMENT', 'key must be a string', { details: { parameter: 'key' } });
}

/** Keys kept as strings before they are folded into fingerprints (at least). */
const RECENT_KEYS = 4096;

/**
 * A set of keys that only grows, for keys added one at a time between lookups (tombstones of
 * evicted call ids, ended session ids): recent keys are strings, folded into a
 * {@link CallFingerprints} whenever they outnumber an eighth of the folded ones (at least
 * 4096). A million keys cost ~8 MB of fingerprints plus at most ~125,000 strings, and each
 * fold sorts once, so an add costs a few comparisons amortized — a plain `CallFingerprints`
 * would sort on the first lookup after every add. Lossy like `CallFingerprints`, in the same
 * direction: a key added is always found; a key not added is found only on a fingerprint
 * collision.
 *
 * Keyed: a folded fingerprint is that of a random salt of this set followed by the key, so a
 * colliding key cannot be searched for offline. Where a hit grants something (the authority's
 * session ownership) an attacker would otherwise need one 64-bit second preimage of SHA-256,
 * computed once on their own hardware; with the salt, only keys this set was given can collide.
 */
export class KeyTombstones {
  readonly #recent = new Set<string>();
  readonly #folded = new CallFingerprints();
  readonly #salt = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');

  /**
   * Remember `key`.
   * @throws `ERR_INVALID_ARGUMENT` when `key` is not a string.
   */
  add(key: string): void {
    checkKey(key);
    this.#recent.add(key);
    if (this.#recent.size > Math.max(RECENT_KEYS, this.#folded.size >>> 3)) {
      for (const recent of this.#recent) this.#folded.add(this.#salt + recent);
      this.#recent.clear();
    }
  }

  /**
   * True when `key` was added — or, rarely, shares its fingerprint with a folded key.
   * @throws `ERR_INVALID_ARGUMENT` when `key` is not a string.
   */
  has(key: string): boolean {
    checkKey(key);
    return this.#recent.has(key) || (this.#folded.size > 0 && this.#folded.has(this.#salt + key));
  }

  /** Keys held: recent strings and folded fingerprints (an upper bound before a lookup). */
  get size(): number {
    return this.#recent.size + this.#folded.size;
  }

  /** Recent strings and folded fingerprints (tests, diagnostics). */
  get counts(): { readonly recent: number; readonly folded: number } {
    return { recent: this.#recent.size, folded: this.#folded.size };
  }
}
