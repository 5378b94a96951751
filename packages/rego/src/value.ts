/**
 * The runtime value model of the Rego engine.
 *
 * | Rego     | Representation                                                    |
 * |----------|-------------------------------------------------------------------|
 * | null     | `null`                                                            |
 * | boolean  | `true` / `false`                                                  |
 * | string   | JS string                                                         |
 * | number   | JS number (safe integers only) or {@link BigNum} (see number.ts)  |
 * | array    | frozen-by-convention JS array `readonly Value[]`                  |
 * | set      | {@link RSet}                                                      |
 * | object   | {@link RObject} (any key type, no prototype pollution)             |
 *
 * `undefined` (JS) means "Rego undefined" wherever a `Value | undefined` appears.
 * Values are immutable once shared: `RSet.add` / `RObject.set` are for builders only.
 *
 * Equality is structural ({@link equals}); {@link keyOf} gives a string that is equal for
 * structurally equal values (used as hash); {@link compare} is OPA's total order:
 * null < boolean < number < string < array < object < set.
 *
 * @packageDocumentation
 */
import { RegoError } from './errors.ts';
import {
  BigNum,
  isNumber,
  numberToString,
  numberValue,
  numCompare,
  numEquals,
  toFloat,
  type RegoNumber,
} from './number.ts';

export * from './number.ts';

/** A Rego value. */
export type Value = null | boolean | string | RegoNumber | readonly Value[] | RSet | RObject;

const canonCache = new WeakMap<object, string>();

/**
 * A string that is equal for structurally equal values and different otherwise. Plain
 * strings (the common case) are their own key.
 */
export function keyOf(v: Value): string {
  if (typeof v === 'string' && (v.length === 0 || v.charCodeAt(0) !== 0)) return v;
  return '\u0000' + canonical(v);
}

/**
 * `JSON.stringify` of a string without calling it when no character needs escaping (the
 * common case: printable text without quotes, backslashes or surrogates); same output.
 */
export function quoteString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

/** Sorts strings by UTF-16 code units (the default `sort()` order) and joins them. */
function sortedJoin(parts: string[]): string {
  const n = parts.length;
  if (n > 8) return parts.sort().join(',');
  // insertion sort: objects and sets put into sets are mostly small
  for (let i = 1; i < n; i++) {
    const x = parts[i]!;
    let j = i - 1;
    while (j >= 0 && parts[j]! > x) {
      parts[j + 1] = parts[j]!;
      j--;
    }
    parts[j + 1] = x;
  }
  let out = n > 0 ? parts[0]! : '';
  for (let i = 1; i < n; i++) out += ',' + parts[i]!;
  return out;
}

function canonical(v: Value): string {
  if (typeof v === 'string') return quoteString(v);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return 'null';
  if (v instanceof BigNum) return v.d.toString();
  const isArr = Array.isArray(v);
  const cached = isArr ? canonCache.get(v) : (v as RSet | RObject).canon;
  if (cached !== undefined) return cached;
  let s: string;
  if (Array.isArray(v)) {
    s = '[' + (v as readonly Value[]).map(canonical).join(',') + ']';
  } else if (v instanceof RSet) {
    const parts: string[] = [];
    for (const x of v.values()) parts.push(canonical(x));
    s = '<' + sortedJoin(parts) + '>';
  } else {
    s = (v as RObject).canonicalText();
  }
  if (isArr) canonCache.set(v, s);
  else (v as RSet | RObject).canon = s;
  return s;
}

// Shared by every set nothing was added to yet (most rule sets of a decision stay empty);
// never mutated: `add` replaces it with a Map of the set's own first.
const NO_ELEMENTS: ReadonlyMap<string, Value> = new Map<string, Value>();

/** A Rego set: unordered, structurally deduplicated. */
export class RSet {
  private m = NO_ELEMENTS as Map<string, Value>;
  /** @internal Cached canonical text (see {@link keyOf}); reset by mutation. */
  canon: string | undefined = undefined;

  /** Builds a set from values (duplicates removed). */
  constructor(items?: Iterable<Value>) {
    if (items) for (const x of items) this.add(x);
  }
  /** Number of elements. */
  get size(): number {
    return this.m.size;
  }
  /** Membership test (structural). */
  has(v: Value): boolean {
    return this.m.has(keyOf(v));
  }
  /** Adds an element; for builders only (values are immutable once shared). */
  add(v: Value): this {
    if (this.m === NO_ELEMENTS) this.m = new Map<string, Value>();
    this.m.set(keyOf(v), v);
    this.canon = undefined;
    return this;
  }
  /** Elements in insertion order. */
  values(): IterableIterator<Value> {
    return this.m.values();
  }
  /** Elements in OPA order. */
  sorted(): Value[] {
    return [...this.m.values()].sort(compare);
  }
  [Symbol.iterator](): IterableIterator<Value> {
    return this.m.values();
  }
}

/** Objects with more keys than this also index their keys by a Map (smaller ones scan). */
const SCAN_LIMIT = 16;

/**
 * A Rego object: keys of any type (structural), no prototype pollution.
 *
 * Entries are stored in insertion order as one flat array of canonical keys ({@link keyOf})
 * and values, `[c0, v0, c1, v1, ...]`; a plain string key is its own canonical key, so an
 * object with string keys only (almost all of them) holds no `[key, value]` tuple per entry.
 * Small objects are searched by scanning the keys; larger ones also keep a Map from canonical
 * key to position. The original key of any other key (numbers, arrays, ..., strings starting
 * with NUL: canonical keys starting with NUL) is kept in a side map under its canonical key.
 * Updating a key keeps its position; deleting one keeps the order of the others (like a Map).
 */
export class RObject {
  /** Canonical keys (even positions) and values (odd positions), in insertion order. */
  private e: Value[];
  /** Position in `e` of each canonical key, when there are more than {@link SCAN_LIMIT} keys. */
  private ix: Map<string, number> | undefined;
  /** Original keys of entries whose canonical key starts with NUL (created on first use). */
  private ks: Map<string, Value> | undefined;
  /** @internal Cached canonical text (see {@link keyOf}); reset by mutation. */
  canon: string | undefined;

  /**
   * Builds an object from `[key, value]` pairs (later pairs win) or as a copy of an object.
   * @param flat - internal: entries `[k0, v0, k1, v1, ...]` of distinct string keys not starting
   * with NUL (their own canonical keys), taken as they are (sized by the caller: a pushed
   * array grows to at least 16 slots).
   */
  constructor(entries?: Iterable<readonly [Value, Value]> | RObject, flat?: Value[]) {
    this.canon = undefined;
    if (flat !== undefined) {
      this.e = flat;
      this.ix = undefined;
      this.ks = undefined;
      if (flat.length > SCAN_LIMIT * 2) this.index();
      return;
    }
    if (entries instanceof RObject) {
      this.e = entries.e.slice();
      this.ix = entries.ix === undefined ? undefined : new Map(entries.ix);
      this.ks = entries.ks === undefined ? undefined : new Map(entries.ks);
      return;
    }
    this.e = [];
    this.ix = undefined;
    this.ks = undefined;
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }
  /** Position of canonical key `c` in `e`, or -1. */
  private find(c: string): number {
    if (this.ix !== undefined) return this.ix.get(c) ?? -1;
    const e = this.e;
    for (let i = 0; i < e.length; i += 2) if (e[i] === c) return i;
    return -1;
  }
  /** Number of keys. */
  get size(): number {
    return this.e.length >> 1;
  }
  /** The value under `k`, or undefined. */
  get(k: Value): Value | undefined {
    const i = this.find(keyOf(k));
    return i < 0 ? undefined : this.e[i + 1];
  }
  /** The value under string key `k` (fast path), or undefined. */
  getStr(k: string): Value | undefined {
    const i = this.find(k.length === 0 || k.charCodeAt(0) !== 0 ? k : keyOf(k));
    return i < 0 ? undefined : this.e[i + 1];
  }
  /** True if `k` is a key. */
  has(k: Value): boolean {
    return this.find(keyOf(k)) >= 0;
  }
  /** Sets a key; for builders only (values are immutable once shared). */
  set(k: Value, v: Value): this {
    let c: string;
    if (typeof k === 'string' && (k.length === 0 || k.charCodeAt(0) !== 0)) {
      c = k;
    } else {
      c = '\u0000' + canonical(k);
      // the latest key wins, as the value does (equal keys may differ in form: 1 and 1.0)
      (this.ks ??= new Map<string, Value>()).set(c, k);
    }
    const i = this.find(c);
    if (i >= 0) {
      this.e[i + 1] = v;
      this.canon = undefined;
    } else this.append(c, v);
    return this;
  }
  /**
   * @internal Adds string key `k`, known not to be a key yet (own keys of one JS object are
   * distinct, and so are their canonical keys): {@link set} without the search.
   */
  addNew(k: string, v: Value): void {
    let c = k;
    if (k.length !== 0 && k.charCodeAt(0) === 0) {
      c = '\u0000' + quoteString(k);
      (this.ks ??= new Map<string, Value>()).set(c, k);
    }
    this.append(c, v);
  }
  /** Appends canonical key `c` (not a key yet) with `v`, indexing once past the scan limit. */
  private append(c: string, v: Value): void {
    const e = this.e;
    const n = e.length;
    e.push(c, v);
    if (this.ix !== undefined) this.ix.set(c, n);
    else if (n >= SCAN_LIMIT * 2) this.index();
    this.canon = undefined;
  }
  private index(): void {
    const ix = new Map<string, number>();
    const e = this.e;
    for (let i = 0; i < e.length; i += 2) ix.set(e[i] as string, i);
    this.ix = ix;
  }
  /** Removes a key; for builders only. */
  delete(k: Value): boolean {
    this.canon = undefined;
    const c = keyOf(k);
    const i = this.find(c);
    if (i < 0) return false;
    if (this.ks !== undefined && c.charCodeAt(0) === 0) this.ks.delete(c);
    this.e.splice(i, 2);
    if (this.ix !== undefined) {
      if (this.e.length > SCAN_LIMIT * 2) this.index();
      else this.ix = undefined;
    }
    return true;
  }
  /** The original key of canonical key `c`. */
  private keyAt(c: string): Value {
    return this.ks !== undefined && c.charCodeAt(0) === 0 ? this.ks.get(c)! : c;
  }
  /** @internal The key at position `i` (0 ≤ i < size) of insertion order. */
  keyAtIndex(i: number): Value {
    return this.keyAt(this.e[2 * i] as string);
  }
  /** @internal The value at position `i` (0 ≤ i < size) of insertion order. */
  valueAtIndex(i: number): Value {
    return this.e[2 * i + 1]!;
  }
  /** `[key, value]` pairs in insertion order (fresh pairs). */
  *entries(): IterableIterator<[Value, Value]> {
    const e = this.e;
    for (let i = 0; i < e.length; i += 2) yield [this.keyAt(e[i] as string), e[i + 1]!];
  }
  /**
   * Calls `fn(key, value)` for each entry in insertion order until it returns true; true if
   * it did (no pair is allocated).
   */
  some(fn: (key: Value, value: Value) => boolean): boolean {
    const e = this.e;
    for (let i = 0; i < e.length; i += 2) if (fn(this.keyAt(e[i] as string), e[i + 1]!)) return true;
    return false;
  }
  /** Keys in insertion order. */
  *keys(): IterableIterator<Value> {
    const e = this.e;
    for (let i = 0; i < e.length; i += 2) yield this.keyAt(e[i] as string);
  }
  /** Values in insertion order. */
  *values(): IterableIterator<Value> {
    const e = this.e;
    for (let i = 1; i < e.length; i += 2) yield e[i]!;
  }
  /** Keys in OPA order. */
  sortedKeys(): Value[] {
    const out: Value[] = [];
    const e = this.e;
    for (let i = 0; i < e.length; i += 2) out.push(this.keyAt(e[i] as string));
    return out.sort(compare);
  }
  /** @internal Canonical text of the object ({@link keyOf} without the marker). */
  canonicalText(): string {
    const parts: string[] = [];
    const e = this.e;
    // a canonical key starting with NUL is the marker and the key's canonical text
    for (let i = 0; i < e.length; i += 2) {
      const c = e[i] as string;
      parts.push((c.charCodeAt(0) === 0 ? c.slice(1) : quoteString(c)) + ':' + canonical(e[i + 1]!));
    }
    return '{' + sortedJoin(parts) + '}';
  }
  /** @internal True if both objects have the same keys with equal values. */
  sameEntries(b: RObject): boolean {
    const e = this.e;
    if (e.length !== b.e.length) return false;
    for (let i = 0; i < e.length; i += 2) {
      const j = b.find(e[i] as string);
      if (j < 0 || !equals(e[i + 1]!, b.e[j + 1]!)) return false;
    }
    return true;
  }
}

/** True if `v` is a Rego array. */
export function isArray(v: Value | undefined): v is readonly Value[] {
  return Array.isArray(v);
}

/** OPA's type name of a value, as used in error messages. */
export function typeName(v: Value): 'null' | 'boolean' | 'number' | 'string' | 'array' | 'set' | 'object' {
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return t;
  if (v === null) return 'null';
  if (v instanceof BigNum) return 'number';
  if (Array.isArray(v)) return 'array';
  if (v instanceof RSet) return 'set';
  return 'object';
}

function rank(v: Value): number {
  const t = typeof v;
  if (t === 'boolean') return 1;
  if (t === 'number') return 2;
  if (t === 'string') return 3;
  if (v === null) return 0;
  if (v instanceof BigNum) return 2;
  if (Array.isArray(v)) return 4;
  if (v instanceof RSet) return 6;
  return 5;
}

/** Structural equality (numbers by value: `1 == 1.0`). */
export function equals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof BigNum || b instanceof BigNum) return isNumber(a) && isNumber(b) && numEquals(a, b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return false;
    const x = a as readonly Value[];
    const y = b as readonly Value[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!equals(x[i]!, y[i]!)) return false;
    return true;
  }
  if (a instanceof RSet) {
    if (!(b instanceof RSet) || a.size !== b.size) return false;
    for (const x of a.values()) if (!b.has(x)) return false;
    return true;
  }
  if (!(a instanceof RObject) || !(b instanceof RObject)) return false;
  return a.sameEntries(b);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** OPA's total order: negative if a < b, 0 if equal, positive if a > b. */
export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return (a ? 1 : 0) - (b ? 1 : 0);
    case 2:
      return numCompare(a as RegoNumber, b as RegoNumber);
    case 3:
      return compareStrings(a as string, b as string);
    case 4:
      return compareArrays(a as readonly Value[], b as readonly Value[]);
    case 6:
      return compareArrays((a as RSet).sorted(), (b as RSet).sorted());
    default: {
      const x = a as RObject;
      const y = b as RObject;
      const ka = x.sortedKeys();
      const kb = y.sortedKeys();
      const n = Math.min(ka.length, kb.length);
      for (let i = 0; i < n; i++) {
        const c = compare(ka[i]!, kb[i]!);
        if (c !== 0) return c;
        const d = compare(x.get(ka[i]!)!, y.get(kb[i]!)!);
        if (d !== 0) return d;
      }
      return ka.length - kb.length;
    }
  }
}

function compareArrays(a: readonly Value[], b: readonly Value[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compare(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * Converts a JSON-like JS value to a Rego value. Accepts null, booleans, strings, finite
 * numbers, bigints, arrays, plain objects (own enumerable keys, including `__proto__`),
 * `Set`/`Map` instances and values that already are Rego values.
 * @param x - the value to convert
 * @param name - parameter name used in the error message
 * @throws RegoError `invalid_argument` for functions, symbols, undefined array items,
 * non-finite numbers, cycles or nesting deeper than {@link MAX_NESTING}
 */
export function fromJSON(x: unknown, name = 'value'): Value {
  return convert(x, name, 0);
}

function convert(x: unknown, name: string, depth: number): Value {
  if (typeof x === 'string' || typeof x === 'boolean') return x;
  if (typeof x === 'number') {
    if (Number.isSafeInteger(x)) return x === 0 ? 0 : x;
    if (!Number.isFinite(x)) throw new RegoError('invalid_argument', `${name}: numbers must be finite`);
    return numberValue(x);
  }
  if (typeof x === 'bigint') return numberValue(x);
  if (typeof x !== 'object') throw new RegoError('invalid_argument', `${name}: unsupported ${typeof x} value`);
  if (x === null) return null;
  if (depth > MAX_NESTING) throw new RegoError('invalid_argument', `${name}: nesting deeper than ${MAX_NESTING} levels`);
  if (x instanceof BigNum || x instanceof RSet || x instanceof RObject) return x;
  if (Array.isArray(x)) {
    const out: Value[] = new Array<Value>(x.length);
    for (let i = 0; i < x.length; i++) {
      const item: unknown = x[i];
      if (item === undefined) throw new RegoError('invalid_argument', `${name}: undefined array item`);
      out[i] = convert(item, name, depth + 1);
    }
    return out;
  }
  if (x instanceof Set) {
    const s = new RSet();
    for (const item of x) s.add(convert(item, name, depth + 1));
    return s;
  }
  if (x instanceof Map) {
    const o = new RObject();
    for (const [k, v] of x) o.set(convert(k, name, depth + 1), convert(v, name, depth + 1));
    return o;
  }
  const o = new RObject();
  for (const k of Object.keys(x)) {
    const v = (x as Record<string, unknown>)[k];
    if (v === undefined) continue;
    o.addNew(k, convert(v, name, depth + 1));
  }
  return o;
}

/** Deepest nesting {@link fromJSON} accepts (hostile inputs must not exhaust the stack). */
export const MAX_NESTING = 1000;

/**
 * Rego values of deep-frozen input parts, by identity, with the height of their nesting. A
 * frozen object or array whose own enumerable properties are data properties holding
 * primitives or deep-frozen objects and arrays can never change again, so its conversion is
 * the same every time (the firewall's kept basis items and argument sources recur in every
 * call of a session). Only evaluation inputs use it (the values are engine-owned and, like
 * every shared value, never mutated); Maps, Sets and Rego values passed in are not cached.
 */
const frozenInputs = new WeakMap<object, { readonly value: Value; readonly height: number }>();
// What the last `convertInput` call returned, read by its caller right after it returns:
// whether the value may be cached, and its nesting height (-1 for a primitive).
let lastCacheable = false;
let lastHeight = -1;

/**
 * {@link fromJSON} for an evaluation input: the same value and the same errors, reusing the
 * conversion of deep-frozen parts converted before.
 * @internal
 */
export function inputFromJSON(x: unknown, name: string): Value {
  return convertInput(x, name, 0);
}

// taken once: a later change to Object.prototype.hasOwnProperty does not reach conversion
// (Object.hasOwn measured slower in this loop: V8 optimizes for-in with hasOwnProperty.call)
// eslint-disable-next-line @typescript-eslint/unbound-method -- only ever called as hasOwn.call(x, k)
const hasOwn = Object.prototype.hasOwnProperty;

function convertInput(x: unknown, name: string, depth: number): Value {
  if (typeof x !== 'object' || x === null) {
    lastCacheable = true;
    lastHeight = -1;
    return typeof x === 'string' || typeof x === 'boolean' ? x : convert(x, name, depth);
  }
  // a plain object or an array cannot be an instance of these classes: no prototype walks
  const isArray = Array.isArray(x);
  if (!isArray) {
    const proto: unknown = Object.getPrototypeOf(x);
    if (proto !== Object.prototype && proto !== null && (x instanceof BigNum || x instanceof RSet || x instanceof RObject || x instanceof Set || x instanceof Map)) {
      const v = convert(x, name, depth);
      lastCacheable = false;
      lastHeight = -1;
      return v;
    }
  }
  if (depth > MAX_NESTING) throw new RegoError('invalid_argument', `${name}: nesting deeper than ${MAX_NESTING} levels`);
  const frozen = Object.isFrozen(x);
  if (frozen) {
    const hit = frozenInputs.get(x);
    // a part nested deeper now than when it was converted may exceed the limit: convert (and throw)
    if (hit !== undefined && depth + hit.height <= MAX_NESTING) {
      lastCacheable = true;
      lastHeight = hit.height;
      return hit.value;
    }
  }
  let cacheable = frozen;
  let height = 0;
  let value: Value;
  if (isArray) {
    const out: Value[] = new Array<Value>(x.length);
    for (let i = 0; i < x.length; i++) {
      const item: unknown = x[i];
      if (item === undefined) throw new RegoError('invalid_argument', `${name}: undefined array item`);
      if (typeof item === 'string' || typeof item === 'boolean' || item === null) {
        // a primitive as convertInput returns it: cacheable, no height, no call
        out[i] = item;
        continue;
      }
      out[i] = convertInput(item, name, depth + 1);
      cacheable &&= lastCacheable;
      if (lastHeight + 1 > height) height = lastHeight + 1;
    }
    value = out;
  } else {
    // the entry array sized once (own keys of one JS object are distinct)
    const keys = Object.keys(x);
    const e = new Array<Value>(keys.length * 2);
    let n = 0;
    let plain = true;
    // for-in filtered to own keys visits the keys Object.keys listed, in the same order, and
    // V8 reads their values through the enum cache instead of a generic keyed lookup each
    for (const k in x) {
      if (!hasOwn.call(x, k)) continue;
      const v = (x as Record<string, unknown>)[k];
      if (v === undefined) continue;
      if (k.length !== 0 && k.charCodeAt(0) === 0) plain = false;
      e[n++] = k;
      if (typeof v === 'string' || typeof v === 'boolean' || v === null) {
        e[n++] = v;
        continue;
      }
      e[n++] = convertInput(v, name, depth + 1);
      cacheable &&= lastCacheable;
      if (lastHeight + 1 > height) height = lastHeight + 1;
    }
    if (n !== e.length) e.length = n;
    if (plain) value = new RObject(undefined, e);
    else {
      const o = new RObject();
      for (let i = 0; i < n; i += 2) o.addNew(e[i] as string, e[i + 1]!);
      value = o;
    }
  }
  // accessors may answer differently next time, even on a frozen object
  if (cacheable && !dataPropertiesOnly(x)) cacheable = false;
  if (cacheable) frozenInputs.set(x, { value, height });
  lastCacheable = cacheable;
  lastHeight = height;
  return value;
}

function dataPropertiesOnly(x: object): boolean {
  for (const k of Object.keys(x)) {
    const d = Object.getOwnPropertyDescriptor(x, k);
    if (d === undefined || !('value' in d)) return false;
  }
  return true;
}

/** Options for {@link toJSON}. */
export interface ToJSONOptions {
  /** Return integers beyond ±2^53 as `bigint` instead of (lossy) numbers. Default false. */
  readonly exactIntegers?: boolean;
}

/**
 * Converts a Rego value to plain JSON-compatible JS data: sets become sorted arrays, objects
 * become plain objects (non-string keys are rendered as their compact JSON text, like OPA; `__proto__` is defined as an
 * own property, never as the prototype), numbers become JS numbers.
 */
export function toJSON(v: Value, options?: ToJSONOptions): unknown {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v === null) return null;
  if (v instanceof BigNum) {
    if (options?.exactIntegers && v.d.isInteger()) return BigInt(v.d.toFixed(0));
    return toFloat(v);
  }
  if (Array.isArray(v)) return (v as readonly Value[]).map((x) => toJSON(x, options));
  if (v instanceof RSet) return v.sorted().map((x) => toJSON(x, options));
  const out: Record<string, unknown> = {};
  (v as RObject).some((k, val) => {
    const key = typeof k === 'string' ? k : JSON.stringify(toJSON(k, options), (_, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    const json = toJSON(val, options);
    if (key === '__proto__') {
      Object.defineProperty(out, key, { value: json, enumerable: true, writable: true, configurable: true });
    } else {
      out[key] = json;
    }
    return false;
  });
  return out;
}

/**
 * Rego text of a value, as OPA prints terms: strings quoted, sets as `{1, 2}`, the empty set
 * as `set()`.
 */
export function toRegoString(v: Value): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return 'null';
  if (v instanceof BigNum) return numberToString(v);
  if (Array.isArray(v)) return '[' + (v as readonly Value[]).map(toRegoString).join(', ') + ']';
  if (v instanceof RSet) return v.size === 0 ? 'set()' : '{' + v.sorted().map(toRegoString).join(', ') + '}';
  const o = v as RObject;
  return '{' + o.sortedKeys().map((k) => toRegoString(k) + ': ' + toRegoString(o.get(k)!)).join(', ') + '}';
}
