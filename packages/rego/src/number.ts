/**
 * Rego numbers with OPA semantics: exact integers of any size and decimal (not binary
 * floating point) arithmetic, so `0.1 + 0.2 == 0.3` holds as it does in OPA.
 *
 * Representation (see docs/decisions on the number representation):
 * - a JS `number` **only** for safe integers (`Number.isSafeInteger`) — the fast path;
 * - a {@link BigNum} (wrapping a `decimal.js` Decimal) for everything else: non-integers and
 *   integers beyond ±2^53. A BigNum never holds a safe integer, so the representation of a
 *   number is unique and equality of two JS numbers is `===`.
 *
 * @packageDocumentation
 */
import { Decimal } from 'decimal.js';
import { RegoError } from './errors.ts';

/** The Decimal constructor used by the engine: 34 significant digits, half-even rounding. */
export const Dec: typeof Decimal = Decimal.clone({
  precision: 34,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -1000,
  toExpPos: 1000,
});
/** A decimal.js instance created by {@link Dec}. */
export type DecimalValue = Decimal;

/** A number that is not a safe integer (a non-integer, or an integer beyond ±2^53). */
export class BigNum {
  private decimal: Decimal | undefined;
  /**
   * The IEEE double this number was created from (non-integer input numbers), else undefined.
   * Such numbers parse their exact decimal value only when arithmetic or hashing needs it.
   */
  readonly f: number | undefined;
  /** Use {@link numberValue} instead: it normalizes safe integers to JS numbers. */
  constructor(d: Decimal | number) {
    if (typeof d === 'number') this.f = d;
    else this.decimal = d;
  }
  /** The exact decimal value. */
  get d(): Decimal {
    return (this.decimal ??= new Dec(String(this.f)));
  }
  /** Canonical decimal text (no exponent for moderate magnitudes). */
  toString(): string {
    return this.d.toString();
  }
}

/** A Rego number: a safe-integer JS number or a {@link BigNum}. */
export type RegoNumber = number | BigNum;

/** True if `v` is a Rego number. */
export function isNumber(v: unknown): v is RegoNumber {
  return typeof v === 'number' || v instanceof BigNum;
}

/**
 * Builds a normalized Rego number.
 * @param x - a JS number (must be finite), bigint, decimal string, or Decimal
 * @throws RegoError `eval_type_error` for NaN/Infinity or an unparsable string
 */
export function numberValue(x: number | bigint | string | Decimal): RegoNumber {
  if (typeof x === 'number') {
    if (Number.isSafeInteger(x)) return x === 0 ? 0 : x;
    if (!Number.isFinite(x)) throw new RegoError('eval_type_error', 'number is not finite');
    // non-integers keep the double and parse their decimal lazily
    return Number.isInteger(x) ? fromDecimal(new Dec(String(x))) : new BigNum(x);
  }
  if (typeof x === 'bigint') {
    if (x <= 9007199254740991n && x >= -9007199254740991n) return Number(x);
    return new BigNum(new Dec(x.toString()));
  }
  if (typeof x === 'string') {
    let d: Decimal;
    try {
      d = new Dec(x);
    } catch {
      throw new RegoError('eval_type_error', 'invalid number');
    }
    return fromDecimal(d);
  }
  return fromDecimal(x);
}

/** Normalizes a Decimal: safe integers become JS numbers. */
export function fromDecimal(d: Decimal): RegoNumber {
  if (!d.isFinite()) throw new RegoError('eval_type_error', 'number is not finite');
  if (d.isInteger()) {
    if (d.isZero()) return 0;
    if (d.abs().lte(9007199254740991)) return d.toNumber();
  }
  return new BigNum(d);
}

/** The exact value of a Rego number as a Decimal. */
export function toDecimal(n: RegoNumber): Decimal {
  return typeof n === 'number' ? new Dec(n) : n.d;
}

/** The nearest IEEE double (may lose precision for BigNums). */
export function toFloat(n: RegoNumber): number {
  return typeof n === 'number' ? n : (n.f ?? n.d.toNumber());
}

/** The value as a bigint when it is an integer, otherwise undefined. */
export function toBigInt(n: RegoNumber): bigint | undefined {
  if (typeof n === 'number') return BigInt(n);
  return isInteger(n) ? BigInt(n.d.toFixed(0)) : undefined;
}

/** The value as a JS number when it is a safe integer, otherwise undefined. */
export function toSafeInteger(n: RegoNumber): number | undefined {
  return typeof n === 'number' ? n : undefined;
}

/** True if the number is an integer (of any size). */
export function isInteger(n: RegoNumber): boolean {
  return typeof n === 'number' || (n.f !== undefined ? Number.isInteger(n.f) : n.d.isInteger());
}

/** Numeric equality. */
export function numEquals(a: RegoNumber, b: RegoNumber): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a === 'number' || typeof b === 'number') return false; // normalized: never equal
  if (a.f !== undefined && b.f !== undefined) return a.f === b.f;
  return a.d.eq(b.d);
}

/** Numeric comparison: negative, zero or positive. */
export function numCompare(a: RegoNumber, b: RegoNumber): number {
  // A safe integer and a BigNum made from a double both stand for the shortest decimal that
  // round-trips to their double; rounding to the nearest double is monotonic, so comparing
  // the doubles orders those decimals exactly. Only other BigNums need decimal arithmetic.
  const x = typeof a === 'number' ? a : a.f;
  const y = typeof b === 'number' ? b : b.f;
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  return toDecimal(a).cmp(toDecimal(b));
}

function bothIntegers(a: RegoNumber, b: RegoNumber): boolean {
  return isInteger(a) && isInteger(b);
}

/** Exact `a + b`. */
export function numAdd(a: RegoNumber, b: RegoNumber): RegoNumber {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  if (bothIntegers(a, b)) return numberValue(toBigInt(a)! + toBigInt(b)!);
  return fromDecimal(toDecimal(a).plus(toDecimal(b)));
}

/** Exact `a - b`. */
export function numSub(a: RegoNumber, b: RegoNumber): RegoNumber {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  if (bothIntegers(a, b)) return numberValue(toBigInt(a)! - toBigInt(b)!);
  return fromDecimal(toDecimal(a).minus(toDecimal(b)));
}

/** Exact `a * b` (34 significant digits for non-integers). */
export function numMul(a: RegoNumber, b: RegoNumber): RegoNumber {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  if (bothIntegers(a, b)) return numberValue(toBigInt(a)! * toBigInt(b)!);
  return fromDecimal(toDecimal(a).times(toDecimal(b)));
}

/**
 * `a / b` (34 significant digits).
 * @throws RegoError `eval_builtin_error` "divide: by zero"
 */
export function numDiv(a: RegoNumber, b: RegoNumber): RegoNumber {
  if (b === 0) throw new RegoError('eval_builtin_error', 'div: divide by zero');
  if (typeof a === 'number' && typeof b === 'number' && a % b === 0) return a / b === 0 ? 0 : a / b;
  return fromDecimal(toDecimal(a).div(toDecimal(b)));
}

/**
 * Integer remainder `a % b` (sign of `a`, like Go).
 * @throws RegoError `eval_builtin_error` on modulo by zero or non-integer operands
 */
export function numRem(a: RegoNumber, b: RegoNumber): RegoNumber {
  if (typeof a === 'number' && typeof b === 'number') {
    if (b === 0) throw new RegoError('eval_builtin_error', 'rem: modulo by zero');
    const r = a % b;
    return r === 0 ? 0 : r;
  }
  const x = toBigInt(a);
  const y = toBigInt(b);
  if (x === undefined || y === undefined) {
    throw new RegoError('eval_builtin_error', 'rem: modulo on floating-point number');
  }
  if (y === 0n) throw new RegoError('eval_builtin_error', 'rem: modulo by zero');
  return numberValue(x % y);
}

/** Canonical text of a number as OPA prints it (plain decimal, no exponent). */
export function numberToString(n: RegoNumber): string {
  if (typeof n === 'number') return String(n);
  const e = n.d.e;
  return e > -30 && e < 60 ? n.d.toFixed() : n.d.toString();
}
