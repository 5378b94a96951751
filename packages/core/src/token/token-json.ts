/**
 * RFC 8785 canonical JSON of an action token payload, written directly for the fixed
 * payload shape: keys are emitted in their known sorted order (UTF-16 code units, as JCS
 * sorts), strings are escaped as `JSON.stringify` escapes well-formed strings (RFC 8785
 * §3.2.2.2) and numbers are formatted as ECMAScript does (§3.2.2.3). It gives exactly the
 * bytes of the generic {@link canonicalize} — the property tests compare both — in about a
 * third of the time, because nothing is sorted or walked generically.
 *
 * It is meant for payloads that passed `parseTokenPayload`. Anything else it does not
 * recognise (an unknown or inherited key, a non-plain object, a lone surrogate, an array
 * hole, an own key holding `undefined`, a non-finite number) makes it hand the whole value
 * to the generic canonicalizer, which either writes the same text or refuses the value with
 * its own `ERR_CANONICAL_UNSUPPORTED` error. So the writer can never emit bytes the generic
 * canonicalizer would not.
 */
import { canonicalize } from '../canonical/canonicalize.ts';

// Thrown inside the writer for anything outside the shape it knows; never escapes.
const UNEXPECTED = new Error('not the token payload shape');

// Characters JSON must escape; strings without them are written between quotes as they are.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormed: (value: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (value) => (value as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (value) => !LONE_SURROGATE.test(value);

type Plain = Record<string, unknown>;

function str(value: unknown): string {
  if (typeof value !== 'string' || !isWellFormed(value)) throw UNEXPECTED;
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

function num(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw UNEXPECTED;
  return String(value); // the ECMAScript Number serialization; String(-0) is "0", as JCS asks
}

function scalar(value: unknown): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  return typeof value === 'number' ? num(value) : str(value);
}

function plain(value: unknown): Plain {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw UNEXPECTED;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw UNEXPECTED;
  return value as Plain;
}

function list(value: unknown, item: (entry: unknown) => string): string {
  if (!Array.isArray(value)) throw UNEXPECTED;
  let out = '[';
  for (let index = 0; index < value.length; index++) {
    if (!(index in value)) throw UNEXPECTED; // a hole
    if (index > 0) out += ',';
    out += item(value[index]);
  }
  return out + ']';
}

// Writes the known keys of `object` in the given (sorted) order, each with its writer.
// Every own key must be one of them and hold a value: otherwise the generic path decides.
function record(object: Plain, keys: readonly string[], writers: readonly ((value: unknown) => string)[]): string {
  let out = '{';
  let written = 0;
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    const value = object[key];
    if (value === undefined) continue;
    if (!Object.hasOwn(object, key)) throw UNEXPECTED; // inherited
    if (written > 0) out += ',';
    out += `"${key}":${writers[index]!(value)}`;
    written++;
  }
  // Any other own key (unknown, or holding undefined) leaves the decision to the generic path.
  if (written !== Object.keys(object).length) throw UNEXPECTED;
  return out + '}';
}

const strList = (value: unknown): string => list(value, str);
const scalarList = (value: unknown): string => list(value, scalar);

const BOUND_KEYS = ['max', 'maxLength', 'min', 'oneOf'];
const BOUND_WRITERS = [num, num, num, scalarList];
const bound = (value: unknown): string => record(plain(value), BOUND_KEYS, BOUND_WRITERS);

function args(value: unknown): string {
  const object = plain(value);
  // Argument paths are data: sorted by UTF-16 code units, exactly the default sort order.
  const keys = Object.keys(object).sort();
  let out = '{';
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    if (index > 0) out += ',';
    out += `${str(key)}:${bound(object[key])}`;
  }
  return out + '}';
}

const RATE_KEYS = ['count', 'perSeconds'];
const RATE_WRITERS = [num, num];
const BYTES_KEYS = ['request', 'response'];
const BYTES_WRITERS = [num, num];
const bool = (value: unknown): string => {
  if (typeof value !== 'boolean') throw UNEXPECTED;
  return value ? 'true' : 'false';
};

const CONSTRAINT_KEYS = ['args', 'bytes', 'exp', 'hops', 'maxUses', 'nbf', 'rate', 'region', 'secrets'];
const CONSTRAINT_WRITERS = [
  args,
  (value: unknown) => record(plain(value), BYTES_KEYS, BYTES_WRITERS),
  num,
  num,
  num,
  num,
  (value: unknown) => record(plain(value), RATE_KEYS, RATE_WRITERS),
  strList,
  bool,
];

const POLICY_KEYS = ['decision', 'digest'];
const POLICY_WRITERS = [str, str];
const BASIS_KEYS = ['digest', 'score'];
const BASIS_WRITERS = [str, num];

// Top-level keys in RFC 8785 order.
const PAYLOAD_KEYS = ['act', 'approvals', 'aud', 'basis', 'cmd', 'constraints', 'env', 'iat', 'id', 'intent', 'iss', 'parent', 'policy', 'resource', 'sub', 'summary', 'v'];
const PAYLOAD_WRITERS = [
  strList,
  strList,
  strList,
  (value: unknown) => record(plain(value), BASIS_KEYS, BASIS_WRITERS),
  str,
  (value: unknown) => record(plain(value), CONSTRAINT_KEYS, CONSTRAINT_WRITERS),
  str,
  num,
  str,
  str,
  str,
  str,
  (value: unknown) => record(plain(value), POLICY_KEYS, POLICY_WRITERS),
  str,
  str,
  str,
  num,
];

/**
 * `canonicalize(payload)` for an action token payload, written for its known shape.
 * Falls back to the generic canonicalizer for anything else (see the module comment).
 * @throws WritError `ERR_CANONICAL_UNSUPPORTED` exactly when `canonicalize` would.
 */
export function canonicalTokenPayload(payload: unknown): string {
  try {
    return record(plain(payload), PAYLOAD_KEYS, PAYLOAD_WRITERS);
  } catch (error) {
    if (error === UNEXPECTED) return canonicalize(payload);
    throw error;
  }
}

// Every object's own keys are in RFC 8785 order (UTF-16 code units). Objects from JSON.parse
// list integer-like keys first, so such objects fail this check and take the writer.
function keysSorted(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (!keysSorted(item)) return false;
    return true;
  }
  const keys = Object.keys(value);
  for (let index = 0; index < keys.length; index++) {
    if (index > 0 && !(keys[index - 1]! < keys[index]!)) return false;
    if (!keysSorted((value as Plain)[keys[index]!])) return false;
  }
  return true;
}

// A \u escape of a surrogate: JSON.stringify writes lone surrogates that way (JCS refuses them).
const SURROGATE_ESCAPE = /\\u[dD]/;

/**
 * Is `text` the RFC 8785 canonical JSON of `parsed`, where `parsed = JSON.parse(text)` is a
 * checked token payload? For JSON.parse output (plain objects, finite numbers, no undefined)
 * `JSON.stringify` escapes strings and writes numbers exactly as JCS does, and keeps the
 * key order of the text; so when every object's keys are sorted and no surrogate escape
 * occurs, `JSON.stringify(parsed) === text` decides it natively. Otherwise the writer does.
 * @throws WritError `ERR_CANONICAL_UNSUPPORTED` when `parsed` has no canonical form (lone surrogates).
 */
export function isCanonicalTokenText(parsed: unknown, text: string): boolean {
  if (keysSorted(parsed) && !SURROGATE_ESCAPE.test(text)) return JSON.stringify(parsed) === text;
  return canonicalTokenPayload(parsed) === text;
}
