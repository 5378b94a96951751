/**
 * The Signer / Verifier seam every Writ artifact is signed and checked through.
 */
import { WritError } from '../errors.ts';
import { assertBackend } from './ed25519-backend.ts';
import type { Ed25519Backend } from './ed25519-backend.ts';
import { assertBytes } from './encoding.ts';
import { PrivateKey, assertPublicKey, defaultBackend, keyIdOf, seedOf } from './keys.ts';

/** Something that signs with one Ed25519 key. Synchronous by design. */
export interface Signer {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  /** The 64-byte Ed25519 signature of `message`. */
  sign(message: Uint8Array): Uint8Array;
}

/** Something that checks signatures of one Ed25519 key. */
export interface Verifier {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  /** RFC 8032 strict verification; `false` for any invalid or malformed signature. */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * A {@link Signer} for `privateKey` on `backend` (default: node:crypto when present).
 * @throws WritError `ERR_INVALID_ARGUMENT` when `privateKey` is not a PrivateKey or `message` is not bytes.
 * @example
 * ```ts
 * const signer = createSigner(PrivateKey.generate());
 * const signature = signer.sign(new TextEncoder().encode('hello'));
 * ```
 */
export function createSigner(privateKey: PrivateKey, backend: Ed25519Backend = defaultBackend): Signer {
  if (!(privateKey instanceof PrivateKey)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'privateKey must be a PrivateKey', { details: { parameter: 'privateKey' } });
  }
  assertBackend(backend);
  const seed = seedOf(privateKey);
  const { keyId, publicKey } = privateKey;
  return {
    keyId,
    publicKey,
    sign(message: Uint8Array): Uint8Array {
      assertBytes(message, 'message');
      return backend.sign(seed, message);
    },
  };
}

/**
 * A {@link Verifier} for a 32-byte public key.
 * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_KEY_INVALID`
 */
export function createVerifier(publicKey: Uint8Array, backend: Ed25519Backend = defaultBackend): Verifier {
  assertPublicKey(publicKey, 'publicKey');
  assertBackend(backend);
  const key = publicKey.slice();
  return {
    keyId: keyIdOf(key),
    publicKey: key,
    verify(message: Uint8Array, signature: Uint8Array): boolean {
      assertBytes(message, 'message');
      assertBytes(signature, 'signature');
      return backend.verify(key, message, signature);
    },
  };
}

/** Options for {@link verifySignature}. */
export interface VerifySignatureOptions {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  readonly backend?: Ed25519Backend;
}

/**
 * RFC 8032 strict Ed25519 verification. Returns `false` for a wrong or malformed signature
 * (any length), throws only for arguments of the wrong type.
 * @throws WritError `ERR_INVALID_ARGUMENT` (wrong types), `ERR_KEY_INVALID` (key not 32 bytes)
 */
export function verifySignature(options: VerifySignatureOptions): boolean {
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  const { publicKey, message, signature, backend = defaultBackend } = options;
  assertPublicKey(publicKey, 'publicKey');
  assertBytes(message, 'message');
  assertBytes(signature, 'signature');
  assertBackend(backend);
  return backend.verify(publicKey, message, signature);
}
