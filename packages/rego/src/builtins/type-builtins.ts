/**
 * Type builtins: is_number, is_string, is_boolean, is_array, is_set, is_object, is_null,
 * type_name, and the cast to_number (topdown/type.go, topdown/casts.go).
 */
import type { Value } from '../value.ts';
import { isNumber, numberValue, RObject, RSet, typeName } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail, OperandError } from './failure.ts';
import { typeError } from './operands.ts';

const decimalSyntax = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const nonFinite = /^[+-]?(?:inf|infinity|nan)$/i;

// strconv.ParseFloat's accepted decimal syntax; the number keeps the exact decimal text.
function toNumber(v: Value): Value {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isNumber(v)) return v;
  if (typeof v !== 'string') throw typeError(1, v, 'null', 'boolean', 'number', 'string');
  if (nonFinite.test(v)) throw new OperandError(`operand 1 must be a finite number but got ${v}`);
  if (!decimalSyntax.test(v)) fail(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
  if (Math.abs(Number(v)) === Infinity) fail(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: value out of range`);
  return numberValue(v);
}

/** The type builtins. */
export const typeBuiltins: BuiltinTable = {
  is_number: [1, ([v]) => isNumber(v)],
  is_string: [1, ([v]) => typeof v === 'string'],
  is_boolean: [1, ([v]) => typeof v === 'boolean'],
  is_array: [1, ([v]) => Array.isArray(v)],
  is_set: [1, ([v]) => v instanceof RSet],
  is_object: [1, ([v]) => v instanceof RObject],
  is_null: [1, ([v]) => v === null],
  type_name: [1, ([v]) => typeName(v!)],
  to_number: [1, ([v]) => toNumber(v!)],
};
