import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { assertSeed, assertVerifyInputs } from './ed25519-backend.ts';
import type { Ed25519Backend } from './ed25519-backend.ts';
import { isStrictPublicKey, isStrictSignatureEncoding } from './ed25519-strict.ts';

// noble's synchronous API needs a SHA-512; wired lazily so importing this module has no side effect.
function ready(): void {
  if (ed.hashes.sha512 === undefined) ed.hashes.sha512 = sha512;
}

/**
 * Portable Ed25519 on @noble/ed25519 with RFC 8032 strict verification (`zip215: false`).
 * The shared encoding checks run first so both back-ends refuse exactly the same inputs.
 */
export const nobleBackend: Ed25519Backend = {
  name: 'noble',
  publicKeyFromSeed(seed) {
    assertSeed(seed);
    ready();
    return ed.getPublicKey(seed);
  },
  sign(seed, message) {
    assertSeed(seed);
    assertVerifyInputs(seed, message, seed);
    ready();
    return ed.sign(message, seed);
  },
  verify(publicKey, message, signature) {
    assertVerifyInputs(publicKey, message, signature);
    if (!isStrictPublicKey(publicKey) || !isStrictSignatureEncoding(signature)) return false;
    ready();
    try {
      return ed.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};
