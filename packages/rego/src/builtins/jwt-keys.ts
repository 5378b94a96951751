/**
 * Keys for the JWT builtins: PEM certificates and public keys, JWKs and JWK sets (as OPA's
 * getKeysFromCertOrJWK reads them), and JWS signing/verification over node:crypto.
 */
import type { KeyObject } from 'node:crypto';
import {
  constants, createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify, X509Certificate,
} from 'node:crypto';
import { fail } from './failure.ts';

/** JWS algorithms OPA knows (tokenAlgorithms). */
export const jwsAlgorithms: ReadonlySet<string> = new Set([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'EdDSA',
]);

/** A verification key: asymmetric public key or HMAC secret, with optional JWK alg/kid. */
export interface VerificationKey {
  readonly key: KeyObject | Uint8Array;
  readonly alg: string;
  readonly kid: string;
}

interface PemBlock {
  readonly type: string;
  readonly der: Buffer;
  readonly rest: string;
}

// Go's pem.Decode: the first block, and what follows its END line.
function decodePem(text: string): PemBlock | undefined {
  const match = /-----BEGIN ([^-\r\n]+)-----\r?\n([\s\S]*?)-----END \1-----(\r?\n)?/.exec(text);
  if (match === null) return undefined;
  const body = match[2]!.split(/\r?\n/).filter((line) => !line.includes(':')).join('');
  return { type: match[1]!, der: Buffer.from(body.replace(/\s+/g, ''), 'base64'), rest: text.slice(match.index + match[0].length) };
}

function jwkKey(jwk: Record<string, unknown>): KeyObject | Uint8Array {
  if (jwk['kty'] === 'oct') {
    if (typeof jwk['k'] !== 'string') throw new Error('invalid oct key');
    return Buffer.from(jwk['k'], 'base64url');
  }
  // createPublicKey accepts private JWKs too and keeps the public half.
  return createPublicKey({ key: jwk, format: 'jwk' });
}

/**
 * Reads the keys of a PEM certificate, a PEM public key, a JWK or a JWK set.
 * @throws BuiltinFailure with OPA's messages for unreadable input
 */
export function readVerificationKeys(text: string): VerificationKey[] {
  const block = decodePem(text);
  if (block !== undefined) {
    if (block.rest.length > 0) fail('extra data after a PEM certificate block');
    if (block.type === 'CERTIFICATE') {
      try {
        return [{ key: new X509Certificate(block.der).publicKey, alg: '', kid: '' }];
      } catch {
        fail('failed to parse a PEM certificate: x509: malformed certificate');
      }
    }
    if (block.type === 'PUBLIC KEY') {
      try {
        return [{ key: createPublicKey({ key: block.der, format: 'der', type: 'spki' }), alg: '', kid: '' }];
      } catch {
        fail('failed to parse a PEM public key: x509: malformed public key');
      }
    }
    fail('failed to extract a Key from the PEM certificate');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail('failed to parse a JWK key (set): invalid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) fail('failed to parse a JWK key (set): not an object');
  const set = parsed as Record<string, unknown>;
  const list = Array.isArray(set['keys']) ? (set['keys'] as unknown[]) : [set];
  const keys: VerificationKey[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) fail('failed to parse a JWK key (set): key is not an object');
    const jwk = item as Record<string, unknown>;
    const alg = typeof jwk['alg'] === 'string' ? jwk['alg'] : '';
    if (alg !== '' && !jwsAlgorithms.has(alg)) continue;
    let key: KeyObject | Uint8Array;
    try {
      key = jwkKey(jwk);
    } catch {
      fail('failed to parse a JWK key (set): invalid key');
    }
    keys.push({ key, alg, kid: typeof jwk['kid'] === 'string' ? jwk['kid'] : '' });
  }
  return keys;
}

function digestOf(alg: string): string {
  return `sha${alg.slice(2)}`;
}

/** Verifies a JWS signature of `alg` over `data`; false on any mismatch or key-type error. */
export function verifySignature(options: { key: KeyObject | Uint8Array; alg: string; data: Buffer; signature: Uint8Array }): boolean {
  const { key, alg, data, signature } = options;
  try {
    if (alg.startsWith('HS')) {
      if (!(key instanceof Uint8Array)) return false;
      const mac = createHmac(digestOf(alg), key).update(data).digest();
      return mac.length === signature.length && timingSafeEqual(mac, signature);
    }
    if (key instanceof Uint8Array) return false;
    const kind = key.asymmetricKeyType;
    if (alg.startsWith('RS') || alg.startsWith('PS')) {
      if (kind !== 'rsa' && kind !== 'rsa-pss') return false;
      const padding = alg.startsWith('PS') ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
      return verify(digestOf(alg), data, { key, padding, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
    }
    if (alg.startsWith('ES')) {
      if (kind !== 'ec') return false;
      return verify(digestOf(alg), data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    }
    if (alg === 'EdDSA') {
      if (kind !== 'ed25519' && kind !== 'ed448') return false;
      return verify(null, data, key, signature);
    }
  } catch {
    return false;
  }
  return false;
}

/**
 * Signs `data` with the first key of a JWK (set) for JWS algorithm `alg`.
 * @throws BuiltinFailure when the key cannot sign with `alg`
 */
export function signWithJwk(jwkText: string, alg: string, data: Buffer): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jwkText);
  } catch {
    fail('failed to parse JWK: invalid JSON');
  }
  const set = parsed as Record<string, unknown> | null;
  const first = (Array.isArray(set?.['keys']) ? (set['keys'] as unknown[])[0] : set) as Record<string, unknown> | undefined;
  if (typeof first !== 'object' || first === null) fail('no keys found in JWK set');
  try {
    if (alg.startsWith('HS')) {
      const secret = jwkKey(first);
      if (!(secret instanceof Uint8Array)) fail(`invalid key type for ${alg}`);
      return createHmac(digestOf(alg), secret).update(data).digest();
    }
    const key = createPrivateKey({ key: first, format: 'jwk' });
    if (alg.startsWith('RS')) return sign(digestOf(alg), data, { key, padding: constants.RSA_PKCS1_PADDING });
    if (alg.startsWith('PS')) {
      return sign(digestOf(alg), data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
    }
    if (alg.startsWith('ES')) return sign(digestOf(alg), data, { key, dsaEncoding: 'ieee-p1363' });
    return sign(null, data, key);
  } catch (error) {
    if (error instanceof Error && error.name === 'BuiltinFailure') throw error;
    fail(`failed to sign with ${alg}: invalid key`);
  }
}
