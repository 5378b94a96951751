/**
 * RFC 8032 §5.1.3 / §5.1.7 encoding checks shared by both back-ends, so that node:crypto
 * (OpenSSL) and @noble/ed25519 (`zip215: false`) give the same verdict on every input:
 * - a point encoding must be canonical: y < p, and x = 0 must not carry the sign bit;
 * - S must be canonical: S < L;
 * - the public key must not be one of the 8 small-order points (as libsodium and noble's
 *   strict mode refuse them: with such keys distinct messages share valid signatures).
 */

// p = 2^255 - 19 and L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const P_LE = hexLE('7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed');
const L_LE = hexLE('1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed');

// The canonical encodings of the 8 points of the torsion subgroup E[8].
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity (order 1)
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // (0, -1), order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
].map((hex) => Uint8Array.from(hex.match(/../g)!, (byte) => parseInt(byte, 16)));

function hexLE(bigEndianHex: string): Uint8Array {
  return Uint8Array.from(bigEndianHex.match(/../g)!, (byte) => parseInt(byte, 16)).reverse();
}

// Compares two 32-byte little-endian integers: negative, zero or positive.
function compareLE(left: Uint8Array, right: Uint8Array, leftTopMask = 0xff): number {
  for (let index = 31; index >= 0; index--) {
    const a = index === 31 ? left[index]! & leftTopMask : left[index]!;
    const b = right[index]!;
    if (a !== b) return a - b;
  }
  return 0;
}

/** RFC 8032 §5.1.3: `encoding` (32 bytes) is the one canonical encoding of some point candidate. */
export function isCanonicalPointEncoding(encoding: Uint8Array): boolean {
  if (encoding.length !== 32) return false;
  if (compareLE(encoding, P_LE, 0x7f) >= 0) return false; // y >= p
  const signBit = (encoding[31]! & 0x80) !== 0;
  if (!signBit) return true;
  // x = 0 exactly when y² = 1, i.e. y = 1 or y = p - 1; then the sign bit must be clear.
  const y = encoding.slice();
  y[31] = y[31]! & 0x7f;
  return !(equal32(y, SMALL_ORDER[0]!) || equal32(y, SMALL_ORDER[1]!));
}

function equal32(left: Uint8Array, right: Uint8Array): boolean {
  for (let index = 0; index < 32; index++) if (left[index] !== right[index]) return false;
  return true;
}

/** `encoding` is a canonical encoding of one of the 8 small-order points. */
export function isSmallOrderEncoding(encoding: Uint8Array): boolean {
  return SMALL_ORDER.some((point) => equal32(encoding, point));
}

/** RFC 8032 §5.1.7 step 1: S (the second half of the signature) is below L. */
export function isCanonicalScalar(signature: Uint8Array): boolean {
  return signature.length === 64 && compareLE(signature.subarray(32), L_LE) < 0;
}

/** The public key passes the strict checks (canonical, not small order). */
export function isStrictPublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length === 32 && isCanonicalPointEncoding(publicKey) && !isSmallOrderEncoding(publicKey);
}

/** The signature passes the strict encoding checks (64 bytes, canonical R, S < L). */
export function isStrictSignatureEncoding(signature: Uint8Array): boolean {
  return signature.length === 64 && isCanonicalPointEncoding(signature.subarray(0, 32)) && isCanonicalScalar(signature);
}
