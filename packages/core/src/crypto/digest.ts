/**
 * SHA-256 and the `sha256:<hex>` digest notation used for every content address in Writ.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { canonicalBytes } from '../canonical/canonicalize.ts';
import { WritError } from '../errors.ts';
import { assertBytes, fromHex, toHex } from './encoding.ts';
import { nodeCrypto } from './node-crypto.ts';

/** A SHA-256 digest written `sha256:` + 64 lowercase hex digits. */
export type Digest = `sha256:${string}`;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** SHA-256 of `bytes` (node:crypto when present, else @noble/hashes). @throws WritError `ERR_INVALID_ARGUMENT` */
export function sha256(bytes: Uint8Array): Uint8Array {
  assertBytes(bytes, 'bytes');
  const node = nodeCrypto();
  if (node) {
    const out = node.createHash('sha256').update(bytes).digest();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  return nobleSha256(bytes);
}

/** `sha256:<hex>` of raw bytes. @throws WritError `ERR_INVALID_ARGUMENT` */
export function digestBytes(bytes: Uint8Array): Digest {
  return `sha256:${toHex(sha256(bytes))}`;
}

/**
 * `sha256:<hex>` of the RFC 8785 canonical bytes of `value`.
 * @throws WritError `ERR_CANONICAL_UNSUPPORTED` when `value` is not canonical JSON.
 * @example
 * ```ts
 * digest({ tool: 'email.send', args: { to: 'a@b.c' } }); // 'sha256:…'
 * ```
 */
export function digest(value: unknown): Digest {
  return digestBytes(canonicalBytes(value));
}

/** True when `value` is a well-formed `sha256:<64 lowercase hex>` string. */
export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST.test(value);
}

/**
 * Checks `value` is a digest and returns it typed.
 * @throws WritError `ERR_DIGEST_INVALID` naming `parameter`.
 */
export function parseDigest(value: unknown, parameter = 'digest'): Digest {
  if (!isDigest(value)) {
    throw new WritError('ERR_DIGEST_INVALID', `${parameter} must be sha256:<64 lowercase hex>`, {
      details: { parameter },
    });
  }
  return value;
}

/** The 32 raw bytes behind a digest. @throws WritError `ERR_DIGEST_INVALID` */
export function digestToBytes(value: Digest): Uint8Array {
  return fromHex(parseDigest(value).slice('sha256:'.length));
}
