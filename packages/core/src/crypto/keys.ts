/**
 * Key material. A {@link PrivateKey} keeps its seed in a private field: `JSON.stringify`,
 * `util.inspect`, `console.log` and string conversion show only the key id.
 */
import { WritError } from '../errors.ts';
import { assertBackend } from './ed25519-backend.ts';
import type { Ed25519Backend } from './ed25519-backend.ts';
import { assertBytes, toBase64Url } from './encoding.ts';
import { sha256 } from './digest.ts';
import { hasNodeBackend, nodeBackend } from './node-backend.ts';
import { nobleBackend } from './noble-backend.ts';

/** node:crypto where the runtime has it, else @noble/ed25519. */
export const defaultBackend: Ed25519Backend = hasNodeBackend() ? nodeBackend : nobleBackend;

const KEY_ID_BYTES = 16;

/**
 * The key id of an Ed25519 public key: base64url (no padding) of the first 16 bytes of
 * SHA-256(publicKey) — 22 characters.
 * @throws WritError `ERR_INVALID_ARGUMENT` (not bytes), `ERR_KEY_INVALID` (not 32 bytes)
 */
export function keyIdOf(publicKey: Uint8Array): string {
  assertPublicKey(publicKey, 'publicKey');
  return toBase64Url(sha256(publicKey).subarray(0, KEY_ID_BYTES));
}

/** Throws unless `value` is a 32-byte Uint8Array. @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_KEY_INVALID` */
export function assertPublicKey(value: unknown, parameter: string): asserts value is Uint8Array {
  assertBytes(value, parameter);
  if (value.length !== 32) {
    throw new WritError('ERR_KEY_INVALID', `${parameter} must be a 32-byte Ed25519 public key`, { details: { parameter } });
  }
}

let readSeed: (key: PrivateKey) => Uint8Array;

/** An Ed25519 private key (32-byte seed) that never reveals itself by accident. */
export class PrivateKey {
  readonly #seed: Uint8Array;
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** {@link keyIdOf} the public key. */
  readonly keyId: string;

  static {
    readSeed = (key) => key.#seed;
  }

  private constructor(seed: Uint8Array, backend: Ed25519Backend) {
    assertBackend(backend);
    this.#seed = seed;
    this.publicKey = backend.publicKeyFromSeed(seed);
    this.keyId = keyIdOf(this.publicKey);
  }

  /**
   * Wraps a 32-byte RFC 8032 seed (copied; the caller may wipe its array).
   * @throws WritError `ERR_INVALID_ARGUMENT` (not bytes), `ERR_KEY_INVALID` (not 32 bytes)
   */
  static fromSeed(seed: Uint8Array, backend: Ed25519Backend = defaultBackend): PrivateKey {
    assertBytes(seed, 'seed');
    if (seed.length !== 32) throw new WritError('ERR_KEY_INVALID', 'seed must be 32 bytes', { details: { parameter: 'seed' } });
    return new PrivateKey(seed.slice(), backend);
  }

  /** A fresh key from the platform CSPRNG (`crypto.getRandomValues`). */
  static generate(backend: Ed25519Backend = defaultBackend): PrivateKey {
    return new PrivateKey(globalThis.crypto.getRandomValues(new Uint8Array(32)), backend);
  }

  /** A copy of the seed, for deliberate export to a key store. Handle with care. */
  exportSeed(): Uint8Array {
    return this.#seed.slice();
  }

  /** Public view only: `{ keyId, publicKey }` (base64url). */
  toJSON(): { keyId: string; publicKey: string } {
    return { keyId: this.keyId, publicKey: toBase64Url(this.publicKey) };
  }

  /** `PrivateKey(<keyId>)`. */
  toString(): string {
    return `PrivateKey(${this.keyId})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** The seed of a key, for the signing code in this package only (not exported from the barrel). */
export function seedOf(key: PrivateKey): Uint8Array {
  return readSeed(key);
}

/** A key pair as returned by {@link generateKeyPair}. */
export interface KeyPair {
  readonly privateKey: PrivateKey;
  readonly publicKey: Uint8Array;
  readonly keyId: string;
}

/**
 * Generates a new Ed25519 key pair.
 * @example
 * ```ts
 * const { privateKey, keyId } = generateKeyPair();
 * ```
 */
export function generateKeyPair(backend: Ed25519Backend = defaultBackend): KeyPair {
  const privateKey = PrivateKey.generate(backend);
  return { privateKey, publicKey: privateKey.publicKey, keyId: privateKey.keyId };
}
