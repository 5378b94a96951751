/**
 * Encoding builtins: base64, base64url, hex, urlquery, json and yaml
 * (topdown/encoding.go).
 */
import { parseDocument, stringify } from 'yaml';
import type { Value } from '../value.ts';
import { fromJSON, RObject, toJSON, toRegoString } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail, OperandError } from './failure.ts';
import { goBase64Decode } from './go-base64.ts';
import type { JSONLayout } from './go-json.ts';
import { goMarshal, isValidJSON, parseJSON } from './go-json.ts';
import { collectionItems, objectArg, stringArg, typeError } from './operands.ts';

const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/**
 * OPA's base64url.decode on bytes: restores omitted padding (RFC 7515 Appendix C), then
 * decodes with Go's URL alphabet.
 * @throws BuiltinFailure "illegal base64 data at input byte N"
 */
export function base64UrlDecodeBytes(s: string): Uint8Array {
  let text = s;
  if (!text.endsWith('=')) {
    const rest = text.length % 4;
    if (rest === 2) text += '==';
    else if (rest === 3) text += '=';
    else if (rest === 1) fail(`illegal base64url string: ${s}`);
  }
  return goBase64Decode(text, { alphabet: 'url', padded: true });
}

function base64UrlDecode(s: string): string {
  return utf8(base64UrlDecodeBytes(s));
}

function hexDecode(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i + 1 < s.length || i < s.length; i += 2) {
    for (const c of [s[i], s[i + 1]]) {
      if (c !== undefined && !/[0-9a-fA-F]/.test(c)) {
        const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        fail(`encoding/hex: invalid byte: U+${code} '${c}'`);
      }
    }
    if (i + 1 >= s.length) fail('encoding/hex: odd length hex string');
    bytes.push(parseInt(s.slice(i, i + 2), 16));
  }
  return utf8(Uint8Array.from(bytes));
}

/** Go's url.QueryEscape: space becomes '+', everything but unreserved characters is %XX. */
export function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's url.QueryUnescape. */
export function queryUnescape(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) fail(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === '+') bytes.push(32);
    else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return utf8(Uint8Array.from(bytes));
}

function encodeObject(args: readonly Value[]): Value {
  const object = objectArg(args, 1);
  const pairs: [string, string][] = [];
  for (const [k, v] of object.entries()) {
    if (typeof k !== 'string') throw typeError(1, k, 'string');
    if (typeof v === 'string') pairs.push([k, v]);
    else {
      const items = collectionItems(v);
      if (items === undefined) throw typeError(1, v, 'string', 'array', 'set');
      for (const item of items) {
        if (typeof item !== 'string') throw typeError(1, item, 'string');
        pairs.push([k, item]);
      }
    }
  }
  // url.Values.Encode sorts by key and keeps each key's value order.
  const keys = [...new Set(pairs.map(([k]) => k))].sort();
  return keys
    .flatMap((k) => pairs.filter(([key]) => key === k).map(([, v]) => `${queryEscape(k)}=${queryEscape(v)}`))
    .join('&');
}

function decodeObject(args: readonly Value[]): Value {
  const text = stringArg(args, 1);
  const out = new Map<string, string[]>();
  for (const part of text.split(/[&]/)) {
    if (part === '') continue;
    if (part.includes(';')) fail('invalid semicolon separator in query');
    const eq = part.indexOf('=');
    const key = queryUnescape(eq < 0 ? part : part.slice(0, eq));
    const value = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return new RObject([...out.entries()].map(([k, v]) => [k, v] as const));
}

function marshalOptions(args: readonly Value[]): Value {
  const value = args[0]!;
  const options = args[1]!;
  if (!(options instanceof RObject)) throw typeError(2, options, 'object');
  let pretty: boolean | undefined;
  let indent: string | undefined;
  let prefix: string | undefined;
  for (const [k, v] of options.entries()) {
    if (k === 'pretty') {
      if (typeof v !== 'boolean') throw new OperandError(`operand 2 pretty must be a boolean`);
      pretty = v;
    } else if (k === 'indent') {
      if (typeof v !== 'string') throw new OperandError(`operand 2 indent must be a string`);
      indent = v;
    } else if (k === 'prefix') {
      if (typeof v !== 'string') throw new OperandError(`operand 2 prefix must be a string`);
      prefix = v;
    } else {
      throw new OperandError(`operand 2 object contained unknown key ${JSON.stringify(typeof k === 'string' ? k : toRegoString(k))}`);
    }
  }
  const wantsPretty = pretty ?? (indent !== undefined || prefix !== undefined);
  if (!wantsPretty) return goMarshal(value);
  const layout: JSONLayout = { indent: indent ?? '\t', prefix: prefix ?? '' };
  return layout.prefix + goMarshal(value, layout);
}

function yamlUnmarshal(text: string): Value {
  // go-yaml v2 (behind OPA's ghodss/yaml) reads YAML 1.1 scalars (yes/no/on/off, 0777, 1_000)
  // and merge keys, but not sexagesimal numbers or timestamps, which stay strings.
  const document = parseDocument(text, {
    version: '1.1',
    uniqueKeys: false,
    merge: true,
    customTags: (tags) => tags.filter((t) => typeof t === 'string' || (t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME')),
  });
  const error = document.errors[0];
  if (error !== undefined) {
    // go-yaml words it "yaml: line N: did not find expected ..."
    const line = error.linePos?.[0]?.line ?? 1;
    const text = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const missing = /must end with an? (\S+)/.exec(text);
    fail(`yaml: line ${line}: ${missing ? `did not find expected ',' or '${missing[1]}'` : text}`);
  }
  const js: unknown = document.toJS({
    maxAliasCount: 100,
    // !!binary decodes to bytes; Go hands them on as a string.
    reviver: (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value),
  });
  return fromJSON(js === undefined ? null : js);
}

/** The encoding builtins. */
export const encoding: BuiltinTable = {
  'base64.encode': [1, (args) => Buffer.from(stringArg(args, 1), 'utf8').toString('base64')],
  'base64.decode': [1, (args) => utf8(goBase64Decode(stringArg(args, 1), { alphabet: 'standard', padded: true }))],
  'base64.is_valid': [1, (args) => {
    try {
      goBase64Decode(stringArg(args, 1), { alphabet: 'standard', padded: true });
      return true;
    } catch (error) {
      if (error instanceof OperandError) throw error;
      return false;
    }
  }],
  'base64url.encode': [1, (args) => Buffer.from(stringArg(args, 1), 'utf8').toString('base64').replaceAll('+', '-').replaceAll('/', '_')],
  'base64url.encode_no_pad': [1, (args) => Buffer.from(stringArg(args, 1), 'utf8').toString('base64url')],
  'base64url.decode': [1, (args) => base64UrlDecode(stringArg(args, 1))],
  'hex.encode': [1, (args) => Buffer.from(stringArg(args, 1), 'utf8').toString('hex')],
  'hex.decode': [1, (args) => hexDecode(stringArg(args, 1))],
  'urlquery.encode': [1, (args) => queryEscape(stringArg(args, 1))],
  'urlquery.decode': [1, (args) => queryUnescape(stringArg(args, 1))],
  'urlquery.encode_object': [1, encodeObject],
  'urlquery.decode_object': [1, decodeObject],
  'json.marshal': [1, ([v]) => goMarshal(v!)],
  'json.marshal_with_options': [2, marshalOptions],
  'json.unmarshal': [1, (args) => parseJSON(stringArg(args, 1))],
  'json.is_valid': [1, ([v]) => typeof v === 'string' && isValidJSON(v)],
  // Go's yaml (sigs.k8s.io/yaml): keys sorted, sequences not indented under their key.
  'yaml.marshal': [1, ([v]) => stringify(toJSON(v!), { version: '1.1', lineWidth: 0, indentSeq: false, sortMapEntries: true })],
  'yaml.unmarshal': [1, (args) => yamlUnmarshal(stringArg(args, 1))],
  'yaml.is_valid': [1, ([v]) => {
    if (typeof v !== 'string') return false;
    try {
      yamlUnmarshal(v);
      return true;
    } catch {
      return false;
    }
  }],
};
