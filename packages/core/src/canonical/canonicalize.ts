/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * The value space is plain JSON: `null`, booleans, finite numbers, well-formed strings,
 * arrays and plain objects (prototype `Object.prototype` or `null`). Anything JCS cannot
 * represent is refused with `ERR_CANONICAL_UNSUPPORTED` naming the JSON path, instead of
 * being silently coerced the way `JSON.stringify` would (Date → string, NaN → null, ...).
 */
import { WritError } from '../errors.ts';

/** Deepest nesting accepted; deeper input is refused rather than risking stack exhaustion. */
export const MAX_CANONICAL_DEPTH = 128;

// A lone surrogate: a high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const encoder = new TextEncoder();

// The path is kept as a stack of keys and only formatted when something is refused.
// Its length is the nesting depth, which also bounds cycles (a cycle is reported at the limit).
interface Walk {
  readonly path: (string | number)[];
}

function unsupported(walk: Walk, what: string): WritError {
  let path = '$';
  for (const key of walk.path) {
    if (typeof key === 'number') path += `[${key}]`;
    else path += /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  return new WritError('ERR_CANONICAL_UNSUPPORTED', `canonical JSON cannot represent ${what} at ${path}`, {
    details: { path },
  });
}

// String.prototype.isWellFormed (ES2024) is native and fast; the regex is the fallback.
const isWellFormed: (value: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (value) => (value as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (value) => !LONE_SURROGATE.test(value);

// Characters JSON must escape; strings without them are emitted between quotes as they are.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

function serializeString(value: string, walk: Walk): string {
  if (!isWellFormed(value)) throw unsupported(walk, 'a string with a lone surrogate');
  // RFC 8785 §3.2.2.2: string escaping is exactly ECMAScript JSON.stringify on well-formed strings.
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

function serialize(value: unknown, walk: Walk): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, walk);
    case 'number':
      if (!Number.isFinite(value)) throw unsupported(walk, String(value));
      // RFC 8785 §3.2.2.3: the ECMAScript Number serialization; -0 becomes "0".
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return serializeContainer(value, walk);
    case 'undefined':
      throw unsupported(walk, 'undefined');
    case 'bigint':
    case 'function':
    case 'symbol':
      throw unsupported(walk, `a ${typeof value}`);
  }
}

function serializeContainer(value: object, walk: Walk): string {
  if (walk.path.length >= MAX_CANONICAL_DEPTH) {
    throw unsupported(walk, `nesting deeper than ${MAX_CANONICAL_DEPTH} (or a circular reference)`);
  }
  if (Array.isArray(value)) return serializeArray(value, walk);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw unsupported(walk, 'a non-plain object');
  return serializeObject(value as Record<string, unknown>, walk);
}

function serializeArray(value: readonly unknown[], walk: Walk): string {
  let out = '[';
  for (let index = 0; index < value.length; index++) {
    walk.path.push(index);
    if (!(index in value)) throw unsupported(walk, 'an array hole');
    if (index > 0) out += ',';
    out += serialize(value[index], walk);
    walk.path.pop();
  }
  return out + ']';
}

function serializeObject(value: Record<string, unknown>, walk: Walk): string {
  // RFC 8785 §3.2.3: sort by UTF-16 code units — exactly the default Array#sort order.
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) continue; // omitted, as JSON.stringify does
    walk.path.push(key);
    if (!first) out += ',';
    first = false;
    out += serializeString(key, walk) + ':' + serialize(item, walk);
    walk.path.pop();
  }
  return out + '}';
}

/**
 * Serializes `value` to its RFC 8785 canonical JSON text.
 *
 * Object properties whose value is `undefined` are omitted (as in JSON); everything else
 * outside the JSON value space is refused.
 *
 * @throws WritError `ERR_CANONICAL_UNSUPPORTED` for NaN/±Infinity, lone surrogates, bigint,
 *   functions, symbols, `undefined` outside an object property, array holes, non-plain objects
 *   (Date, Map, class instances, typed arrays), cycles, or nesting deeper than {@link MAX_CANONICAL_DEPTH}.
 * @example
 * ```ts
 * canonicalize({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 * ```
 */
export function canonicalize(value: unknown): string {
  return canonicalizePlain(value) ?? fastSerialize(value, 0) ?? serialize(value, { path: [] });
}

/**
 * The definition above, without the fast path: what {@link canonicalize} is tested against.
 * @internal
 */
export function canonicalizeReference(value: unknown): string {
  return serialize(value, { path: [] });
}

// The fast path: the same serialization without the path stack, with an insertion sort of
// the (few) keys of each object and numbers through `'' + n` (ToString, which is what
// JSON.stringify uses for finite numbers). It returns `undefined` for anything it does not
// handle as plain JSON (non-finite numbers, lone surrogates, holes, `undefined` in arrays,
// non-plain objects, depth at the limit, other types); `canonicalize` then runs the
// reference serializer, which produces the output or the exact error. Property-tested
// byte-equal to the reference on arbitrary values.
function fastString(value: string): string | undefined {
  if (!isWellFormed(value)) return undefined;
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : '"' + value + '"';
}

// Serialized object keys (`"key"`), by key: bodies reuse a small set of field names, so a
// lookup replaces the well-formedness and escape checks. Bounded: cleared when full.
const KEY_CACHE = new Map<string, string>();
const KEY_CACHE_LIMIT = 4096;
const KEY_CACHE_MAX_LENGTH = 64;

function fastKey(key: string): string | undefined {
  const cached = KEY_CACHE.get(key);
  if (cached !== undefined) return cached;
  const text = fastString(key);
  if (text !== undefined && key.length <= KEY_CACHE_MAX_LENGTH) {
    if (KEY_CACHE.size >= KEY_CACHE_LIMIT) KEY_CACHE.clear();
    KEY_CACHE.set(key, text);
  }
  return text;
}

function fastSerialize(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return fastString(value);
    case 'number':
      return Number.isFinite(value) ? '' + value : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth >= MAX_CANONICAL_DEPTH) return undefined;
      if (Array.isArray(value)) return fastArray(value, depth + 1);
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return undefined;
      return fastObject(value as Record<string, unknown>, depth + 1);
    }
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      return undefined;
  }
}

function fastArray(value: readonly unknown[], depth: number): string | undefined {
  const length = value.length;
  if (length === 0) return '[]';
  let out = '[';
  for (let index = 0; index < length; index++) {
    if (!(index in value)) return undefined;
    const item = fastSerialize(value[index], depth);
    if (item === undefined) return undefined;
    out += index === 0 ? item : ',' + item;
  }
  return out + ']';
}

function fastObject(value: Record<string, unknown>, depth: number): string | undefined {
  const keys = Object.keys(value);
  // Insertion sort by UTF-16 code units (`<` on strings), the order Array#sort uses; objects
  // have few keys, often nearly sorted.
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j -= 1;
    }
    keys[j + 1] = key;
  }
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = value[key];
    if (item === undefined) continue;
    const name = fastKey(key);
    if (name === undefined) return undefined;
    const text = fastSerialize(item, depth);
    if (text === undefined) return undefined;
    out += first ? name + ':' + text : ',' + name + ':' + text;
    first = false;
  }
  return out + '}';
}

/**
 * The UTF-8 bytes of {@link canonicalize}`(value)` — the input of every digest and signature.
 *
 * @throws WritError `ERR_CANONICAL_UNSUPPORTED` as {@link canonicalize}.
 */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}

/**
 * The first fast path, for values whose strings need no escaping (the common case): the
 * canonical text, or `undefined` for anything else, which {@link canonicalize} hands to the
 * next path (`fastSerialize`, which escapes each string) and then the reference. Strings are
 * emitted between quotes after two native checks each (well-formed, no `"`), an object's
 * sorted keys and `"key":` texts come from a cache by key list, and one regex over the
 * finished text then looks for a `\` or a control character: the text's own structure (keys
 * that need no escaping, numbers, literals, brackets) holds neither, so a match can only come
 * from a string value that needs escaping. Property-tested byte-equal to the reference on its own.
 * @internal
 */
export function canonicalizePlain(value: unknown): string | undefined {
  const text = plainValue(value, 0);
  return text === undefined || NEEDS_ESCAPE_ANYWHERE.test(text) ? undefined : text;
}

// Backslash or a control character. (`"` is checked per string: the text has its own quotes.)
const NEEDS_ESCAPE_ANYWHERE = /[\\\u0000-\u001f]/;

// The texts that introduce an object member, by key (for keys that need no escaping): with
// and without the leading comma, each also with the opening quote of a string value, so a
// string member is appended as `prefix + value + '"'`. Bounded like KEY_CACHE.
interface Member {
  readonly first: string; // "key":
  readonly next: string; // ,"key":
  readonly firstString: string; // "key":"
  readonly nextString: string; // ,"key":"
}
const MEMBER_CACHE = new Map<string, Member>();

function plainMember(key: string): Member | undefined {
  const cached = MEMBER_CACHE.get(key);
  if (cached !== undefined) return cached;
  if (!isWellFormed(key) || NEEDS_ESCAPE.test(key)) return undefined;
  const first = '"' + key + '":';
  const member = { first, next: ',' + first, firstString: first + '"', nextString: ',' + first + '"' };
  if (key.length <= KEY_CACHE_MAX_LENGTH) {
    if (MEMBER_CACHE.size >= KEY_CACHE_LIMIT) MEMBER_CACHE.clear();
    MEMBER_CACHE.set(key, member);
  }
  return member;
}

function plainValue(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return isWellFormed(value) && value.indexOf('"') === -1 ? '"' + value + '"' : undefined;
    case 'number':
      return Number.isFinite(value) ? '' + value : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth >= MAX_CANONICAL_DEPTH) return undefined;
      if (Array.isArray(value)) return plainArray(value, depth + 1);
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return undefined;
      return plainObject(value as Record<string, unknown>, depth + 1);
    }
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      return undefined;
  }
}

function plainArray(value: readonly unknown[], depth: number): string | undefined {
  const length = value.length;
  if (length === 0) return '[]';
  let out = '[';
  for (let index = 0; index < length; index++) {
    if (!(index in value)) return undefined;
    const item = plainValue(value[index], depth);
    if (item === undefined) return undefined;
    out += index === 0 ? item : ',' + item;
  }
  return out + ']';
}

// An object's keys in sorted order with their member texts, cached by key list: objects
// built by the same code share their keys, so sorting and one member lookup per key become
// one lookup per object plus a comparison of the key lists. Keyed by the first key (one shape
// per first key; a different list replaces it); bounded like KEY_CACHE.
interface Shape {
  readonly keys: readonly string[]; // in own-property order
  readonly sorted: readonly string[];
  readonly members: readonly Member[];
}
const SHAPE_CACHE = new Map<string, Shape>();

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function shapeOf(keys: string[]): Shape | undefined {
  const cached = SHAPE_CACHE.get(keys[0]!);
  if (cached !== undefined && sameKeys(cached.keys, keys)) return cached;
  const sorted = keys.slice();
  // Insertion sort by UTF-16 code units (`<` on strings), the order Array#sort uses.
  for (let i = 1; i < sorted.length; i++) {
    const key = sorted[i]!;
    let j = i - 1;
    while (j >= 0 && sorted[j]! > key) {
      sorted[j + 1] = sorted[j]!;
      j -= 1;
    }
    sorted[j + 1] = key;
  }
  const members: Member[] = [];
  for (const key of sorted) {
    const member = plainMember(key);
    if (member === undefined) return undefined;
    members.push(member);
  }
  const shape = { keys, sorted, members };
  if (SHAPE_CACHE.size >= KEY_CACHE_LIMIT) SHAPE_CACHE.clear();
  SHAPE_CACHE.set(keys[0]!, shape);
  return shape;
}

function plainObject(value: Record<string, unknown>, depth: number): string | undefined {
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  const shape = shapeOf(keys);
  if (shape === undefined) return undefined;
  const { sorted, members } = shape;
  let out = '{';
  let first = true;
  for (let i = 0; i < sorted.length; i++) {
    const item = value[sorted[i]!];
    if (item === undefined) continue;
    const member = members[i]!;
    if (typeof item === 'string') {
      if (!isWellFormed(item) || item.indexOf('"') !== -1) return undefined;
      out += (first ? member.firstString : member.nextString) + item + '"';
    } else {
      const text = plainValue(item, depth);
      if (text === undefined) return undefined;
      out += (first ? member.first : member.next) + text;
    }
    first = false;
  }
  return out + '}';
}
