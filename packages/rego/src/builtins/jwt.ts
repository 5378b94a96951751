/**
 * JWT builtins (topdown/tokens.go): io.jwt.decode, io.jwt.decode_verify (RFC 7519 §7.2
 * with OPA's constraint object), io.jwt.verify_{hs,rs,ps,es}{256,384,512},
 * io.jwt.verify_eddsa, io.jwt.encode_sign and io.jwt.encode_sign_raw.
 */
import type { Value } from '../value.ts';
import { compare, isNumber, numberValue, RObject, toDecimal, toRegoString } from '../value.ts';
import type { BuiltinContext } from './types.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import { base64UrlDecodeBytes } from './encoding.ts';
import { goMarshal, isValidJSON, parseJSON } from './go-json.ts';
import type { VerificationKey } from './jwt-keys.ts';
import { jwsAlgorithms, readVerificationKeys, signWithJwk, verifySignature } from './jwt-keys.ts';
import { objectArg, stringArg, typeError } from './operands.ts';

interface Token {
  readonly header: string;
  readonly payload: string;
  readonly signature: string;
}

const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

function splitToken(v: Value): Token {
  if (typeof v !== 'string') throw typeError(1, v, 'string');
  if (!v.includes('.')) fail('encoded JWT had no period separators');
  const parts = v.split('.');
  if (parts.length !== 3) fail(`encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0]!, payload: parts[1]!, signature: parts[2]! };
}

function decodePart(text: string, part: 'header' | 'payload' | 'signature'): Uint8Array {
  try {
    return base64UrlDecodeBytes(text);
  } catch (error) {
    fail(`JWT ${part} had invalid encoding: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function jsonObject(text: string, context: string): RObject {
  let v: Value;
  try {
    v = parseJSON(text);
  } catch (error) {
    fail(`${context}invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!(v instanceof RObject)) fail(`${context}decoded JSON type was not an Object`);
  return v;
}

function decodeHeader(token: Token): RObject {
  const header = jsonObject(utf8(decodePart(token.header, 'header')), 'bad JWT header: ');
  if (header.get('enc') !== undefined) fail('JWT is a JWE object, which is not supported');
  return header;
}

function decode(v: Value): Value {
  const token = splitToken(v);
  const header = decodeHeader(token);
  const payloadText = utf8(decodePart(token.payload, 'payload'));
  if (header.get('cty') === 'JWT') return decode(payloadText.replace(/^["']+|["']+$/g, ''));
  const payload = jsonObject(payloadText, '');
  const signature = Buffer.from(decodePart(token.signature, 'signature')).toString('hex');
  return [header, payload, signature];
}

function signingInput(token: Token): Buffer {
  return Buffer.from(`${token.header}.${token.payload}`, 'utf8');
}

function headerString(header: RObject, name: string): string {
  const v = header.get(name);
  if (v === undefined) return '';
  if (typeof v !== 'string') fail(`${name}: must be a string`);
  return v;
}

/** Verify with a key set as OPA does: the key whose kid matches, else any key with a compatible alg. */
function verifyWithKeys(options: { keys: readonly VerificationKey[]; kid: string; alg: string; token: Token }): boolean {
  const { keys, kid, alg, token } = options;
  const data = signingInput(token);
  const signature = decodePart(token.signature, 'signature');
  if (kid !== '') {
    const match = keys.find((k) => k.kid === kid);
    if (match !== undefined) return verifySignature({ key: match.key, alg, data, signature });
  }
  return keys.some((k) => (k.alg === '' || k.alg === alg) && verifySignature({ key: k.key, alg, data, signature }));
}

/** io.jwt.verify_XXX with a PEM/JWK key (asymmetric algorithms). */
function verifyAsymmetric(alg: string) {
  return (args: readonly Value[]): Value => {
    const token = splitToken(args[0]!);
    const keys = readVerificationKeys(stringArg(args, 2));
    decodePart(token.signature, 'signature');
    const header = decodeHeader(token);
    return verifyWithKeys({ keys, kid: headerString(header, 'kid'), alg, token });
  };
}

function verifyHmac(alg: string) {
  return (args: readonly Value[]): Value => {
    stringArg(args, 1);
    const secret = stringArg(args, 2);
    const token = splitToken(args[0]!);
    const signature = decodePart(token.signature, 'signature');
    return verifySignature({ key: Buffer.from(secret, 'utf8'), alg, data: signingInput(token), signature });
  };
}

interface Constraints {
  keys: VerificationKey[] | undefined;
  secret: string;
  alg: string;
  iss: string;
  aud: string;
  time: number;
}

function constraintString(name: string, v: Value): string {
  if (typeof v !== 'string') fail(`${name} constraint: must be a string`);
  return v;
}

function timeOf(v: Value): number {
  if (!isNumber(v)) fail('token time constraint: must be a number');
  const t = toDecimal(v).toNumber();
  if (t < 0) fail('token time constraint: must not be negative');
  return t;
}

function parseConstraints(object: RObject, ctx: BuiltinContext): Constraints {
  const c: Constraints = { keys: undefined, secret: '', alg: '', iss: '', aud: '', time: -1 };
  for (const [k, v] of object.entries()) {
    switch (typeof k === 'string' ? k : '') {
      case 'cert':
        c.keys = readVerificationKeys(constraintString('cert', v));
        break;
      case 'secret':
        c.secret = constraintString('secret', v);
        break;
      case 'alg':
        c.alg = constraintString('alg', v);
        break;
      case 'iss':
        c.iss = constraintString('iss', v);
        break;
      case 'aud':
        c.aud = constraintString('aud', v);
        break;
      case 'time':
        c.time = timeOf(v);
        break;
      default:
        fail(`unknown token validation constraint: ${typeof k === 'string' ? k : toRegoString(k)}`);
    }
  }
  if (c.time === -1) c.time = Number(ctx.now());
  const keyCount = (c.keys !== undefined ? 1 : 0) + (c.secret !== '' ? 1 : 0);
  if (keyCount > 1) fail('duplicate key constraints');
  if (keyCount < 1) fail('no key constraint');
  return c;
}

function validHeader(header: RObject): { alg: string; kid: string; cty: string } | undefined {
  const known = new Set(['alg', 'kid', 'typ', 'cty', 'crit']);
  const fields = { alg: headerString(header, 'alg'), kid: headerString(header, 'kid'), cty: headerString(header, 'cty') };
  headerString(header, 'typ');
  let critical = new Set<string>();
  const crit = header.get('crit');
  if (crit !== undefined) {
    if (!Array.isArray(crit)) fail('crit: must be a list');
    critical = new Set((crit as readonly Value[]).filter((x): x is string => typeof x === 'string'));
    if (critical.size === 0) fail('crit: must be a nonempty list');
  }
  if (fields.alg === '') return undefined;
  for (const key of header.keys()) if (typeof key === 'string' && !known.has(key) && critical.has(key)) return undefined;
  return fields;
}

function validAudience(aud: Value, wanted: string): boolean {
  if (typeof aud === 'string') return aud === wanted;
  if (!Array.isArray(aud)) return false;
  return (aud as readonly Value[]).some((x) => x === wanted);
}

function decodeVerify(args: readonly Value[], ctx: BuiltinContext): Value {
  const unverified: Value = [false, new RObject(), new RObject()];
  const constraints = parseConstraints(objectArg(args, 2), ctx);
  let current: Value = args[0]!;
  let token: Token;
  let header: RObject;
  let payloadText: string;
  for (;;) {
    token = splitToken(current);
    header = decodeHeader(token);
    const fields = validHeader(header);
    if (fields === undefined) return unverified;
    if (constraints.alg !== '' && constraints.alg !== fields.alg) return unverified;
    decodePart(token.signature, 'signature');
    const keys = constraints.keys ?? [{ key: Buffer.from(constraints.secret, 'utf8'), alg: '', kid: '' }];
    const verified = jwsAlgorithms.has(fields.alg) && verifyWithKeys({ keys, kid: fields.kid, alg: fields.alg, token });
    if (!verified) return unverified;
    payloadText = utf8(decodePart(token.payload, 'payload'));
    if (fields.cty.toUpperCase() !== 'JWT') break;
    current = payloadText;
  }
  const payload = jsonObject(payloadText, '');
  if (constraints.iss !== '') {
    const iss = payload.get('iss');
    if (iss === undefined || iss !== constraints.iss) return unverified;
  }
  const aud = payload.get('aud');
  if (aud !== undefined ? !validAudience(aud, constraints.aud) : constraints.aud !== '') return unverified;
  const now = numberValue(String(constraints.time / 1e9));
  const exp = payload.get('exp');
  if (exp !== undefined) {
    if (!isNumber(exp)) fail('exp value must be a number');
    if (compare(now, exp) !== -1) return unverified;
  }
  const nbf = payload.get('nbf');
  if (nbf !== undefined) {
    if (!isNumber(nbf)) fail('nbf value must be a number');
    if (compare(now, nbf) === -1) return unverified;
  }
  return [true, header, payload];
}

function encodeSign(options: { header: string; payload: string; key: string }): Value {
  const headerValue = parseJSON(options.header);
  if (!(headerValue instanceof RObject)) fail('unsupported signature algorithm');
  const alg = headerValue.get('alg');
  if (alg === undefined) fail('unsupported signature algorithm');
  if (typeof alg !== 'string' || !jwsAlgorithms.has(alg)) fail(`unknown signature algorithm: ${typeof alg === 'string' ? alg : ''}`);
  const typ = headerValue.get('typ');
  if ((typ === undefined || typ === 'JWT') && !isValidJSON(options.payload)) fail('type is JWT but payload is not JSON');
  const input = `${Buffer.from(options.header, 'utf8').toString('base64url')}.${Buffer.from(options.payload, 'utf8').toString('base64url')}`;
  const signature = signWithJwk(options.key, alg, Buffer.from(input, 'utf8'));
  return `${input}.${signature.toString('base64url')}`;
}

const variants = ['256', '384', '512'] as const;

/** The JWT builtins. */
export const jwt: BuiltinTable = {
  'io.jwt.decode': [1, ([v]) => decode(v!)],
  'io.jwt.decode_verify': [2, decodeVerify],
  'io.jwt.verify_eddsa': [2, verifyAsymmetric('EdDSA')],
  ...Object.fromEntries(variants.flatMap((bits) => [
    [`io.jwt.verify_hs${bits}`, [2, verifyHmac(`HS${bits}`)]],
    [`io.jwt.verify_rs${bits}`, [2, verifyAsymmetric(`RS${bits}`)]],
    [`io.jwt.verify_ps${bits}`, [2, verifyAsymmetric(`PS${bits}`)]],
    [`io.jwt.verify_es${bits}`, [2, verifyAsymmetric(`ES${bits}`)]],
  ])) as BuiltinTable,
  'io.jwt.encode_sign_raw': [3, (args) => {
    const key = stringArg(args, 3);
    return encodeSign({ header: stringArg(args, 1), payload: stringArg(args, 2), key });
  }],
  'io.jwt.encode_sign': [3, ([header, payload, key]) => encodeSign({
    header: goMarshal(header!),
    payload: goMarshal(payload!),
    key: goMarshal(key!),
  })],
};
