/**
 * Browser stand-in for the one `node:crypto` function the bundled core modules import
 * statically (`createHash('sha256')` in transcript/merkle.ts): the same SHA-256, from
 * @noble/hashes (core's own fallback library). Any other algorithm is refused.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** Incremental SHA-256 with Node's `createHash` surface (update chaining, digest to bytes). */
export function createHash(algorithm: string): { update(data: Uint8Array | string): ReturnType<typeof createHash>; digest(): Uint8Array } {
  if (algorithm !== 'sha256') throw new Error(`createHash: only sha256 is available in the browser, not ${algorithm}`);
  const hash = sha256.create();
  const api = {
    update(data: Uint8Array | string) {
      hash.update(typeof data === 'string' ? new TextEncoder().encode(data) : data);
      return api;
    },
    digest: () => hash.digest(),
  };
  return api;
}

/** Random bytes from WebCrypto (the nonce store that imports this is not used in the browser). */
export function randomBytes(size: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(size));
}

/** A random UUID from WebCrypto. */
export function randomUUID(): string {
  return crypto.randomUUID();
}
