/**
 * The one seam behind which Ed25519 lives. Two implementations: {@link nodeBackend}
 * (node:crypto / OpenSSL, the fast path) and {@link nobleBackend} (@noble/ed25519, for
 * browsers and edge runtimes). Both are RFC 8032 strict and produce byte-identical
 * signatures (Ed25519 is deterministic).
 */

import { WritError } from '../errors.ts';

/** An Ed25519 implementation. Wrong input types throw `ERR_INVALID_ARGUMENT`; bad bytes make `verify` return false. */
export interface Ed25519Backend {
  /** Short identifier, e.g. `node` or `noble`. */
  readonly name: string;
  /** RFC 8032 §5.1.5: the 32-byte public key of a 32-byte seed. */
  publicKeyFromSeed(seed: Uint8Array): Uint8Array;
  /** RFC 8032 §5.1.6: the 64-byte signature of `message` under `seed`. */
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  /** RFC 8032 §5.1.7, strict: never throws on malformed bytes, returns `false`. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** Throws `ERR_INVALID_ARGUMENT` unless `backend` looks like an {@link Ed25519Backend}. */
export function assertBackend(backend: unknown): asserts backend is Ed25519Backend {
  const candidate = backend as Partial<Ed25519Backend> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.sign !== 'function' ||
    typeof candidate.verify !== 'function' ||
    typeof candidate.publicKeyFromSeed !== 'function'
  ) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'backend must be an Ed25519Backend', { details: { parameter: 'backend' } });
  }
}

/** Back-end entry check: a 32-byte seed. */
export function assertSeed(seed: unknown): asserts seed is Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'seed must be a 32-byte Uint8Array', { details: { parameter: 'seed' } });
  }
}

/** Back-end entry check: verification inputs are byte arrays (lengths are judged by verify). */
export function assertVerifyInputs(publicKey: unknown, message: unknown, signature: unknown): void {
  if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'publicKey, message and signature must be Uint8Arrays', { details: { parameter: 'verify' } });
  }
}
