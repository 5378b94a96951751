/**
 * The one seam behind which Ed25519 lives. Two implementations: {@link nodeBackend}
 * (node:crypto / OpenSSL, the fast path) and {@link nobleBackend} (@noble/ed25519, for
 * browsers and edge runtimes). Both are RFC 8032 strict and produce byte-identical
 * signatures (Ed25519 is deterministic).
 */

/** An Ed25519 implementation. Inputs are already validated for type and length by callers. */
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
