/**
 * Arithmetic builtins: plus, minus (numbers and set difference), mul, div, rem, abs,
 * round, ceil, floor, numbers.range, numbers.range_step, rand.intn
 * (topdown/arithmetic.go, topdown/numbers.go).
 */
import type { RegoNumber, Value } from '../value.ts';
import {
  Dec, fromDecimal, isNumber, numAdd, numberValue, numDiv, numMul, numRem, numSub, RSet, toDecimal,
} from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import { bigintArg, intArg, numberArg, stringArg, typeError } from './operands.ts';

/** Longest array `numbers.range` builds: a hostile input must not exhaust memory. */
export const maxRangeLength = 1_000_000;

function unary(f: (n: RegoNumber) => RegoNumber) {
  return (args: readonly Value[]): Value => f(numberArg(args, 1));
}

function binary(f: (a: RegoNumber, b: RegoNumber) => RegoNumber) {
  return (args: readonly Value[]): Value => f(numberArg(args, 1), numberArg(args, 2));
}

function roundWith(mode: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8) {
  return (n: RegoNumber): RegoNumber =>
    typeof n === 'number' ? n : fromDecimal(toDecimal(n).toDecimalPlaces(0, mode));
}

function range(args: readonly Value[], step: bigint): Value {
  const from = bigintArg(args, 1);
  const to = bigintArg(args, 2);
  const length = (from <= to ? to - from : from - to) / step + 1n;
  if (length > BigInt(maxRangeLength)) fail(`range longer than ${maxRangeLength} elements`);
  const out: Value[] = [];
  if (from <= to) for (let i = from; i <= to; i += step) out.push(numberValue(i));
  else for (let i = from; i >= to; i -= step) out.push(numberValue(i));
  return out;
}

function divide(a: RegoNumber, b: RegoNumber): RegoNumber {
  if (toDecimal(b).isZero()) fail('divide by zero');
  return numDiv(a, b);
}

function remainder(a: RegoNumber, b: RegoNumber): RegoNumber {
  if (!toDecimal(a).isInteger() || !toDecimal(b).isInteger()) fail('modulo on floating-point number');
  if (toDecimal(b).isZero()) fail('modulo by zero');
  return numRem(a, b);
}

// Deterministic per evaluation: the same (seed string, n) gives the same answer within one
// evaluation through the cache; across evaluations it is random like OPA's.
function randomInt(args: readonly Value[], cache: Map<string, unknown>): Value {
  const seed = stringArg(args, 1);
  let n = intArg(args, 2);
  if (n === 0) return 0;
  n = Math.abs(n);
  const key = `rand.intn\u0000${seed}\u0000${n}`;
  const cached = cache.get(key);
  if (typeof cached === 'number') return cached;
  const value = Math.floor(Math.random() * n);
  cache.set(key, value);
  return value;
}

/** The arithmetic builtins. */
export const arithmetic: BuiltinTable = {
  plus: [2, binary(numAdd)],
  minus: [2, (args) => {
    const [a, b] = args as [Value, Value];
    if (isNumber(a) && isNumber(b)) return numSub(a, b);
    if (a instanceof RSet && b instanceof RSet) return new RSet([...a].filter((x) => !b.has(x)));
    if (!isNumber(a) && !(a instanceof RSet)) throw typeError(1, a, 'number', 'set');
    throw typeError(2, b, isNumber(a) ? 'number' : 'set');
  }],
  mul: [2, binary(numMul)],
  div: [2, binary(divide)],
  rem: [2, binary(remainder)],
  abs: [1, unary((n) => (typeof n === 'number' ? Math.abs(n) : fromDecimal(n.d.abs())))],
  round: [1, unary(roundWith(Dec.ROUND_HALF_UP))],
  ceil: [1, unary(roundWith(Dec.ROUND_CEIL))],
  floor: [1, unary(roundWith(Dec.ROUND_FLOOR))],
  'numbers.range': [2, (args) => range(args, 1n)],
  'numbers.range_step': [3, (args) => {
    bigintArg(args, 1);
    bigintArg(args, 2);
    const step = bigintArg(args, 3);
    if (step <= 0n) fail('step must be a positive number above zero');
    return range(args, step);
  }],
  'rand.intn': [2, (args, ctx) => randomInt(args, ctx.cache)],
};
