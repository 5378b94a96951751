/**
 * Operators the engine implements itself: comparisons, membership (`in`), and fallbacks for
 * arithmetic/set operators when the builtin table does not provide them.
 * @packageDocumentation
 */
/* eslint-disable max-params -- evaluator/compiler internals: positional arguments keep the per-step hot path free of option-object allocations (see docs/decisions, Rego engine ADR) */
import { RegoError } from '../errors.ts';
import {
  compare,
  equals,
  isNumber,
  numAdd,
  numDiv,
  numMul,
  numRem,
  numSub,
  RObject,
  RSet,
  typeName,
  type Value,
} from '../value.ts';

/** An operator implementation. */
export interface Op {
  readonly arity: number;
  readonly impl: (args: readonly Value[]) => Value | undefined;
  /**
   * The same operator on its two operands, for binary operators that cannot fail: called
   * without an argument array (comparisons run on most body expressions).
   */
  readonly binary?: (a: Value, b: Value) => Value;
}

/** A binary operator that cannot fail, as {@link Op}. */
function binaryOp(binary: (a: Value, b: Value) => Value): Op {
  return { arity: 2, impl: (args) => binary(args[0]!, args[1]!), binary };
}

function typeErr(name: string, i: number, want: string, got: Value): never {
  throw new RegoError('eval_type_error', `${name}: operand ${i} must be ${want} but got ${typeName(got)}`);
}

function arith(name: string, f: (a: never, b: never) => Value): Op {
  return {
    arity: 2,
    impl: ([a, b]) => {
      if (!isNumber(a!)) typeErr(name, 1, 'number', a!);
      if (!isNumber(b!)) typeErr(name, 2, 'number', b!);
      return f(a as never, b as never);
    },
  };
}

function setOp(name: string, f: (a: RSet, b: RSet) => RSet): Op {
  return {
    arity: 2,
    impl: ([a, b]) => {
      if (!(a instanceof RSet)) typeErr(name, 1, 'set', a!);
      if (!(b instanceof RSet)) typeErr(name, 2, 'set', b!);
      return f(a, b);
    },
  };
}

/** True if `x` is a member (value) of `xs` (array, set or object values). */
export function member(x: Value, xs: Value): boolean {
  if (Array.isArray(xs)) {
    for (const y of xs as readonly Value[]) if (equals(x, y)) return true;
    return false;
  }
  if (xs instanceof RSet) return xs.has(x);
  if (xs instanceof RObject) {
    for (const y of xs.values()) if (equals(x, y)) return true;
    return false;
  }
  return false;
}

/** Engine operators keyed by builtin name. */
export const OPS: ReadonlyMap<string, Op> = new Map<string, Op>([
  ['equal', binaryOp((a, b) => equals(a, b))],
  ['neq', binaryOp((a, b) => !equals(a, b))],
  ['lt', binaryOp((a, b) => compare(a, b) < 0)],
  ['gt', binaryOp((a, b) => compare(a, b) > 0)],
  ['lte', binaryOp((a, b) => compare(a, b) <= 0)],
  ['gte', binaryOp((a, b) => compare(a, b) >= 0)],
  ['internal.member_2', binaryOp((x, xs) => member(x, xs))],
  [
    'internal.member_3',
    {
      arity: 3,
      impl: ([k, v, xs]) => {
        if (Array.isArray(xs)) {
          return typeof k === 'number' && k >= 0 && k < xs.length && equals((xs as readonly Value[])[k]!, v!);
        }
        if (xs instanceof RObject) {
          const got = xs.get(k!);
          return got !== undefined && equals(got, v!);
        }
        if (xs instanceof RSet) return equals(k!, v!) && xs.has(k!);
        return false;
      },
    },
  ],
  ['plus', arith('plus', numAdd)],
  ['mul', arith('mul', numMul)],
  ['div', arith('div', numDiv)],
  ['rem', arith('rem', numRem)],
  [
    'minus',
    {
      arity: 2,
      impl: ([a, b]) => {
        if (isNumber(a!)) {
          if (!isNumber(b!)) typeErr('minus', 2, 'number', b!);
          return numSub(a, b);
        }
        if (a instanceof RSet) {
          if (!(b instanceof RSet)) typeErr('minus', 2, 'set', b!);
          return new RSet([...a.values()].filter((x) => !b.has(x)));
        }
        return typeErr('minus', 1, 'number or set', a!);
      },
    },
  ],
  ['and', setOp('and', (a, b) => new RSet([...a.values()].filter((x) => b.has(x))))],
  ['or', setOp('or', (a, b) => new RSet([...a.values(), ...b.values()]))],
]);

const KNOWN_NAMESPACES = [
  'http.', 'net.', 'crypto.', 'io.', 'opa.', 'rego.', 'time.', 'units.', 'uuid.', 'graphql.', 'json.', 'yaml.',
  'regex.', 'glob.', 'strings.', 'urlquery.', 'base64', 'hex.', 'semver.', 'object.', 'array.', 'providers.',
  'rand.', 'numbers.', 'bits.', 'sets.',
];
const KNOWN_NAMES = new Set([
  'trace', 'walk', 'sprintf', 'concat', 'contains', 'startswith', 'endswith', 'format_int', 'indexof', 'indexof_n',
  'lower', 'upper', 'replace', 'split', 'substring', 'trim', 'trim_left', 'trim_right', 'trim_prefix', 'trim_suffix',
  'trim_space', 'to_number', 'is_number', 'is_string', 'is_boolean', 'is_array', 'is_set', 'is_object', 'is_null',
  'type_name', 'count', 'sum', 'product', 'max', 'min', 'sort', 'all', 'any', 'abs', 'round', 'ceil', 'floor',
  'intersection', 'union', 'cast_array', 'cast_set', 'cast_string', 'cast_boolean', 'cast_null', 'cast_object',
  're_match', 'regex.match', 'net.cidr_overlap', 'set_diff',
]);

/** True if OPA knows a builtin of this name (so a missing one is "unsupported", not "undefined"). */
export function isKnownBuiltinNamespace(name: string): boolean {
  return KNOWN_NAMES.has(name) || KNOWN_NAMESPACES.some((p) => name.startsWith(p));
}

function* walkValue(v: Value, path: Value[]): Generator<Value> {
  yield [path.slice(), v];
  if (Array.isArray(v)) {
    const a = v as readonly Value[];
    for (let i = 0; i < a.length; i++) {
      path.push(i);
      yield* walkValue(a[i]!, path);
      path.pop();
    }
  } else if (v instanceof RObject) {
    for (const k of v.sortedKeys()) {
      path.push(k);
      yield* walkValue(v.get(k)!, path);
      path.pop();
    }
  } else if (v instanceof RSet) {
    for (const x of v.sorted()) {
      path.push(x);
      yield* walkValue(x, path);
      path.pop();
    }
  }
}

/** Relations: builtins with several results per call. */
export const RELATIONS: ReadonlyMap<string, { arity: number; gen: (args: readonly Value[]) => Iterable<Value> }> = new Map([
  ['walk', { arity: 1, gen: (args: readonly Value[]) => walkValue(args[0]!, []) }],
]);
