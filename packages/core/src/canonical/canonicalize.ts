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

function unsupported(path: string, what: string): WritError {
  return new WritError('ERR_CANONICAL_UNSUPPORTED', `canonical JSON cannot represent ${what} at ${path}`, {
    details: { path },
  });
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function serializeString(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) throw unsupported(path, 'a string with a lone surrogate');
  // RFC 8785 §3.2.2.2: string escaping is exactly ECMAScript JSON.stringify on well-formed strings.
  return JSON.stringify(value);
}

interface Walk {
  readonly ancestors: Set<object>;
}

function serialize(value: unknown, path: string, walk: Walk): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path);
    case 'number':
      if (!Number.isFinite(value)) throw unsupported(path, String(value));
      // RFC 8785 §3.2.2.3: the ECMAScript Number serialization; -0 becomes "0".
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return serializeContainer(value, path, walk);
    case 'undefined':
      throw unsupported(path, 'undefined');
    case 'bigint':
    case 'function':
    case 'symbol':
      throw unsupported(path, `a ${typeof value}`);
  }
}

function serializeContainer(value: object, path: string, walk: Walk): string {
  // The ancestor set is exactly the stack of open containers, so its size is the depth.
  if (walk.ancestors.size >= MAX_CANONICAL_DEPTH) throw unsupported(path, `nesting deeper than ${MAX_CANONICAL_DEPTH}`);
  if (walk.ancestors.has(value)) throw unsupported(path, 'a circular reference');
  walk.ancestors.add(value);
  try {
    if (Array.isArray(value)) return serializeArray(value, path, walk);
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw unsupported(path, 'a non-plain object');
    return serializeObject(value as Record<string, unknown>, path, walk);
  } finally {
    walk.ancestors.delete(value);
  }
}

function serializeArray(value: readonly unknown[], path: string, walk: Walk): string {
  let out = '[';
  for (let index = 0; index < value.length; index++) {
    const itemPath = `${path}[${index}]`;
    if (!(index in value)) throw unsupported(itemPath, 'an array hole');
    if (index > 0) out += ',';
    out += serialize(value[index], itemPath, walk);
  }
  return out + ']';
}

function serializeObject(value: Record<string, unknown>, path: string, walk: Walk): string {
  // RFC 8785 §3.2.3: sort by UTF-16 code units — exactly the default Array#sort order.
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) continue; // omitted, as JSON.stringify does
    const itemPath = childPath(path, key);
    if (!first) out += ',';
    first = false;
    out += serializeString(key, itemPath) + ':' + serialize(item, itemPath, walk);
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
  return serialize(value, '$', { ancestors: new Set() });
}

/**
 * The UTF-8 bytes of {@link canonicalize}`(value)` — the input of every digest and signature.
 *
 * @throws WritError `ERR_CANONICAL_UNSUPPORTED` as {@link canonicalize}.
 */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}
