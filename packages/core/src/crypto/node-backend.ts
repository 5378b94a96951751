import type { KeyObject } from 'node:crypto';
import { assertSeed, assertVerifyInputs } from './ed25519-backend.ts';
import type { Ed25519Backend } from './ed25519-backend.ts';
import { isStrictPublicKey, isStrictSignatureEncoding } from './ed25519-strict.ts';
import { nodeCrypto } from './node-crypto.ts';
import { WritError } from '../errors.ts';
import { bytesEqual } from './encoding.ts';

// DER prefixes that wrap a raw 32-byte seed (PKCS#8, RFC 8410) and public key (SPKI).
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

// KeyObjects are cached by the identity of the byte array that holds the key: PrivateKey and
// trust-root records keep their arrays for life, so repeated signing/verification skips the
// DER import. Each entry keeps a copy of the bytes and is used only while the array still
// holds them, so a caller that reuses a buffer for another key never gets a stale verdict.
// A WeakMap never keeps a key alive and never stores key bytes as a string.
interface Cached {
  readonly bytes: Uint8Array;
  readonly key: KeyObject | null;
}
const privateKeys = new WeakMap<Uint8Array, Cached>();
const publicKeys = new WeakMap<Uint8Array, Cached>();

function lookup(cache: WeakMap<Uint8Array, Cached>, bytes: Uint8Array): Cached | undefined {
  const hit = cache.get(bytes);
  return hit && bytesEqual(hit.bytes, bytes) ? hit : undefined;
}

function crypto(): NonNullable<ReturnType<typeof nodeCrypto>> {
  const node = nodeCrypto();
  if (!node) throw new WritError('ERR_BACKEND_UNAVAILABLE', 'node:crypto is not available in this runtime');
  return node;
}

function concat(prefix: Uint8Array, key: Uint8Array): Buffer {
  const out = Buffer.alloc(prefix.length + key.length);
  out.set(prefix);
  out.set(key, prefix.length);
  return out;
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  const hit = lookup(privateKeys, seed);
  if (hit?.key) return hit.key;
  const der = concat(PKCS8_PREFIX, seed);
  const key = crypto().createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  privateKeys.set(seed, { bytes: seed.slice(), key });
  return key;
}

// Returns null for keys the strict rules refuse (cached too, so hostile keys stay cheap).
function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  const hit = lookup(publicKeys, publicKey);
  if (hit) return hit.key;
  const node = crypto();
  let key: KeyObject | null = null;
  if (isStrictPublicKey(publicKey)) {
    try {
      key = node.createPublicKey({ key: concat(SPKI_PREFIX, publicKey), format: 'der', type: 'spki' });
    } catch {
      key = null;
    }
  }
  publicKeys.set(publicKey, { bytes: publicKey.slice(), key });
  return key;
}

function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Ed25519 on node:crypto (OpenSSL), about 10× faster than pure JS. OpenSSL alone is not
 * RFC 8032 strict on every edge (small-order keys), so the shared encoding checks run first.
 *
 * @throws WritError `ERR_BACKEND_UNAVAILABLE` from `sign`/`publicKeyFromSeed` outside Node.
 */
export const nodeBackend: Ed25519Backend = {
  name: 'node',
  publicKeyFromSeed(seed) {
    assertSeed(seed);
    const spki = crypto().createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' });
    return asBytes(spki).slice(SPKI_PREFIX.length);
  },
  sign(seed, message) {
    assertSeed(seed);
    assertVerifyInputs(seed, message, seed);
    return asBytes(crypto().sign(null, message, privateKeyObject(seed)));
  },
  verify(publicKey, message, signature) {
    assertVerifyInputs(publicKey, message, signature);
    if (!isStrictSignatureEncoding(signature)) return false;
    const key = publicKeyObject(publicKey);
    if (!key) return false;
    const node = crypto();
    try {
      return node.verify(null, message, key, signature);
    } catch {
      return false;
    }
  },
};

/** True when node:crypto is present, i.e. {@link nodeBackend} can be used. */
export function hasNodeBackend(): boolean {
  return nodeCrypto() !== undefined;
}
