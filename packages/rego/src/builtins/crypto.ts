/**
 * Hash and HMAC builtins over node:crypto: crypto.md5/sha1/sha256, crypto.hmac.* and
 * the constant-time crypto.hmac.equal (topdown/crypto.go).
 */
import { createHash, createHmac, createPrivateKey, timingSafeEqual } from 'node:crypto';
import type { Value } from '../value.ts';
import { fromJSON } from '../value.ts';
import { fail } from './failure.ts';
import { goBase64Decode } from './go-base64.ts';
import type { BuiltinTable } from './define.ts';
import { stringArg } from './operands.ts';

const hash = (algorithm: string) => (args: readonly Value[]): Value =>
  createHash(algorithm).update(stringArg(args, 1), 'utf8').digest('hex');

const hmac = (algorithm: string) => (args: readonly Value[]): Value => {
  const message = stringArg(args, 1);
  const key = stringArg(args, 2);
  return createHmac(algorithm, Buffer.from(key, 'utf8')).update(message, 'utf8').digest('hex');
};

const privateKeyBlock = /-----BEGIN (RSA PRIVATE KEY|PRIVATE KEY|EC PRIVATE KEY)-----[\s\S]*?-----END \1-----/g;

// OPA's parse_rsa_private_key: PEM (or base64 of PEM); the first private key as a JWK.
function parseRsaPrivateKey(args: readonly Value[]): Value {
  let text = stringArg(args, 1);
  if (text === '') fail('input PEM data was empty');
  if (!text.startsWith('-----BEGIN')) {
    text = Buffer.from(goBase64Decode(text, { alphabet: 'standard', padded: true })).toString('utf8');
  }
  for (const match of text.matchAll(privateKeyBlock)) {
    try {
      return fromJSON(createPrivateKey(match[0]).export({ format: 'jwk' }));
    } catch {
      continue;
    }
  }
  return null;
}

/** The crypto builtins (hashes, HMAC, private key parsing). */
export const cryptoHashes: BuiltinTable = {
  'crypto.md5': [1, hash('md5')],
  'crypto.sha1': [1, hash('sha1')],
  'crypto.sha256': [1, hash('sha256')],
  'crypto.hmac.md5': [2, hmac('md5')],
  'crypto.hmac.sha1': [2, hmac('sha1')],
  'crypto.hmac.sha256': [2, hmac('sha256')],
  'crypto.hmac.sha512': [2, hmac('sha512')],
  'crypto.x509.parse_rsa_private_key': [1, parseRsaPrivateKey],
  'crypto.hmac.equal': [2, (args) => {
    const a = Buffer.from(stringArg(args, 1), 'utf8');
    const b = Buffer.from(stringArg(args, 2), 'utf8');
    return a.length === b.length && timingSafeEqual(a, b);
  }],
};
