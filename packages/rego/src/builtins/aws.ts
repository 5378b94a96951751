/**
 * providers.aws.sign_req (topdown/providers.go, internal/providers/aws): AWS Signature
 * Version 4 for a request object, with OPA's header handling (s3/glacier payload hash
 * header, session token, optional unsigned payload) and error texts.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Value } from '../value.ts';
import { isNumber, RObject, RSet, toBigInt, toRegoString } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { checkNanosRange, toCivil } from './go-civil-time.ts';
import { formatGoTime } from './go-time-format.ts';
import { goMarshal } from './go-json.ts';
import { objectArg, operandError, typeError } from './operands.ts';

const requiredConfig = ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service'];
const requiredRequest = ['method', 'url'];
// Headers a proxy may rewrite are never signed (aws-sdk-go's ignore list).
const ignoredHeaders = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);

const setText = (names: readonly string[]): string => toRegoString(new RSet(names));
const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

function checkKeys(object: RObject, options: { names: readonly string[]; pos: number; what: string }): void {
  const missing = options.names.filter((n) => !object.has(n));
  if (missing.length > 0) throw operandError(options.pos, `missing required ${options.what} parameters(s): ${setText(missing)}`);
  const invalid = options.names.filter((n) => typeof object.get(n) !== 'string');
  if (invalid.length > 0) throw operandError(options.pos, `invalid values for required ${options.what} parameters(s): ${setText(invalid)}`);
}

// Go's url.Parse, reduced to what SigV4 needs: host, escaped path and raw query.
function splitURL(url: string): { host: string; path: string; query: string } {
  const match = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?/.exec(url)!;
  return { host: match[1] ?? '', path: match[2] ?? '', query: match[3] ?? '' };
}

function bodyBytes(request: RObject): Buffer {
  const raw = request.get('raw_body');
  if (raw !== undefined) return Buffer.from(typeof raw === 'string' ? raw : '', 'utf8');
  const body = request.get('body');
  if (body !== undefined) return Buffer.from(goMarshal(body), 'utf8');
  return Buffer.alloc(0);
}

function signRequest(args: readonly Value[]): Value {
  const request = objectArg(args, 1);
  const config = objectArg(args, 2);
  checkKeys(config, { names: requiredConfig, pos: 2, what: 'AWS config' });
  const time = args[2]!;
  if (!isNumber(time)) throw typeError(3, time, 'number');
  const nanos = toBigInt(time);
  if (nanos === undefined || nanos < -(2n ** 63n) || nanos >= 2n ** 63n) {
    throw operandError(3, 'could not convert time_ns value into a unix timestamp');
  }
  checkKeys(request, { names: requiredRequest, pos: 1, what: 'request' });
  const headers = request.get('headers') ?? new RObject();
  if (!(headers instanceof RObject)) throw typeError(1, headers, 'object');
  const disable = config.get('disable_payload_signing') ?? false;
  if (typeof disable !== 'boolean') throw operandError(2, "invalid value for 'disable_payload_signing' in AWS config");

  const service = config.get('aws_service') as string;
  const region = config.get('aws_region') as string;
  const url = splitURL(request.get('url') as string);
  const civil = toCivil(checkNanosRange(nanos), 'UTC');
  const date = formatGoTime(civil, '20060102');
  const stamp = formatGoTime(civil, '20060102T150405Z');
  const payloadHash = disable ? 'UNSIGNED-PAYLOAD' : sha256Hex(bodyBytes(request));

  const awsHeaders = new Map<string, string>([['host', url.host], ['x-amz-date', stamp]]);
  if (service === 's3' || service === 'glacier') awsHeaders.set('x-amz-content-sha256', payloadHash);
  const token = config.get('aws_session_token');
  if (typeof token === 'string' && token !== '') awsHeaders.set('x-amz-security-token', token);

  const original = new Map<string, string>();
  for (const [k, v] of headers.entries()) original.set(typeof k === 'string' ? k : '', typeof v === 'string' ? v : '');
  const toSign = new Map(awsHeaders);
  for (const [k, v] of original) if (!ignoredHeaders.has(k.toLowerCase())) toSign.set(k.toLowerCase(), v);
  const names = [...toSign.keys()].sort();
  const canonical = [
    request.get('method') as string,
    url.path,
    url.query,
    ...names.map((n) => `${n}:${toSign.get(n)!}`),
    '',
    names.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${sha256Hex(canonical)}`;
  let key = hmac(`AWS4${config.get('aws_secret_access_key') as string}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const signature = hmac(key, stringToSign).toString('hex');

  const signed = new RObject();
  for (const [k, v] of original) signed.set(k, v);
  signed.set('Authorization', `AWS4-HMAC-SHA256 Credential=${config.get('aws_access_key') as string}/${scope},SignedHeaders=${names.join(';')},Signature=${signature}`);
  for (const [k, v] of awsHeaders) signed.set(k, v);
  return new RObject(request).set('headers', signed);
}

/** The AWS provider builtins. */
export const aws: BuiltinTable = {
  'providers.aws.sign_req': [3, signRequest],
};
