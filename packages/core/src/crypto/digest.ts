/**
 * SHA-256 and the `sha256:<hex>` digest notation used for every content address in Writ.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { canonicalBytes } from '../canonical/canonicalize.ts';
import { WritError } from '../errors.ts';
import { assertParameterName } from '../invalid-argument.ts';
import { assertBytes, fromHex, toHex } from './encoding.ts';
import { nodeCrypto } from './node-crypto.ts';

/** A SHA-256 digest written `sha256:` + 64 lowercase hex digits. */
export type Digest = `sha256:${string}`;


/** SHA-256 of `bytes` (node:crypto when present, else @noble/hashes). @throws WritError `ERR_INVALID_ARGUMENT` */
export function sha256(bytes: Uint8Array): Uint8Array {
  assertBytes(bytes, 'bytes');
  const node = nodeCrypto();
  if (node) {
    // crypto.hash (Node >= 21.7) is the one-shot fast path; createHash the fallback.
    const out = typeof node.hash === 'function' ? node.hash('sha256', bytes, 'buffer') : node.createHash('sha256').update(bytes).digest();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  return nobleSha256(bytes);
}

/** `sha256:<hex>` of raw bytes. @throws WritError `ERR_INVALID_ARGUMENT` */
export function digestBytes(bytes: Uint8Array): Digest {
  const node = nodeCrypto();
  // One call straight to hex on Node (same bytes as toHex(sha256(bytes))).
  if (node && typeof node.hash === 'function') {
    assertBytes(bytes, 'bytes');
    return `sha256:${node.hash('sha256', bytes, 'hex')}`;
  }
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

const HEX_DIGITS = /^[0-9a-f]+$/;

/** True when `value` is a well-formed `sha256:<64 lowercase hex>` string. */
export function isDigest(value: unknown): value is Digest {
  // Equivalent to /^sha256:[0-9a-f]{64}$/, written so V8 does not backtrack over {64}.
  return typeof value === 'string' && value.length === 71 && value.startsWith('sha256:') && HEX_DIGITS.test(value.slice(7));
}

/**
 * Checks `value` is a digest and returns it typed.
 * @throws WritError `ERR_DIGEST_INVALID` naming `parameter`.
 */
export function parseDigest(value: unknown, parameter = 'digest'): Digest {
  if (!isDigest(value)) {
    assertParameterName(parameter);
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
