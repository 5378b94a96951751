/**
 * Operand checks shared by the builtins, with OPA's messages
 * (topdown/builtins/builtins.go): `operand 1 must be string but got number`.
 */
import { OperandError } from './failure.ts';
import type { RegoNumber, Value } from '../value.ts';
import { BigNum, isNumber, RObject, RSet, toBigInt, typeName } from '../value.ts';

/**
 * An operand error: `operand POS must be T but got U` or `must be one of {T1, T2} but got U`.
 */
export function typeError(pos: number, got: Value, ...expected: string[]): OperandError {
  const want = expected.length === 1 ? expected[0]! : `one of {${expected.join(', ')}}`;
  return new OperandError(`operand ${pos} must be ${want} but got ${typeName(got)}`);
}

/** An element error: `operand POS must be array of strings but got array containing number`. */
export function elementError(pos: number, [composite, got]: readonly [Value, Value], ...expected: string[]): OperandError {
  const kind = typeName(composite);
  const want = expected.length === 1 ? `${kind} of ${expected[0]!}s` : `${kind} of (any of) {${expected.join(', ')}}`;
  return new OperandError(`operand ${pos} must be ${want} but got ${kind} containing ${typeName(got)}`);
}

/** A free-form operand error: `operand POS MESSAGE`. */
export function operandError(pos: number, message: string): OperandError {
  return new OperandError(`operand ${pos} ${message}`);
}

/** Operand `pos` (1-based) as a string. */
export function stringArg(args: readonly Value[], pos: number): string {
  const v = args[pos - 1]!;
  if (typeof v !== 'string') throw typeError(pos, v, 'string');
  return v;
}

/** Operand `pos` as a number. */
export function numberArg(args: readonly Value[], pos: number): RegoNumber {
  const v = args[pos - 1]!;
  if (!isNumber(v)) throw typeError(pos, v, 'number');
  return v;
}

/** Operand `pos` as an integer (OPA's IntOperand: rejects fractions). */
export function bigintArg(args: readonly Value[], pos: number): bigint {
  const n = numberArg(args, pos);
  const i = toBigInt(n);
  if (i === undefined) throw operandError(pos, 'must be integer number but got floating-point number');
  return i;
}

/** Operand `pos` as a JS integer (OPA's IntOperand, which is a Go int). */
export function intArg(args: readonly Value[], pos: number): number {
  const i = bigintArg(args, pos);
  if (i > BigInt(Number.MAX_SAFE_INTEGER) || i < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw operandError(pos, 'must be integer number but got floating-point number');
  }
  return Number(i);
}

/** Operand `pos` as a boolean. */
export function booleanArg(args: readonly Value[], pos: number): boolean {
  const v = args[pos - 1]!;
  if (typeof v !== 'boolean') throw typeError(pos, v, 'boolean');
  return v;
}

/** Operand `pos` as an array. */
export function arrayArg(args: readonly Value[], pos: number): readonly Value[] {
  const v = args[pos - 1]!;
  if (!Array.isArray(v)) throw typeError(pos, v, 'array');
  return v as readonly Value[];
}

/** Operand `pos` as an object. */
export function objectArg(args: readonly Value[], pos: number): RObject {
  const v = args[pos - 1]!;
  if (!(v instanceof RObject)) throw typeError(pos, v, 'object');
  return v;
}

/** Operand `pos` as a set. */
export function setArg(args: readonly Value[], pos: number): RSet {
  const v = args[pos - 1]!;
  if (!(v instanceof RSet)) throw typeError(pos, v, 'set');
  return v;
}

/** Elements of an array or set (sets in OPA order), or undefined for other types. */
export function collectionItems(v: Value): readonly Value[] | undefined {
  if (Array.isArray(v)) return v as readonly Value[];
  if (v instanceof RSet) return v.sorted();
  return undefined;
}

/** Operand `pos` as the strings of an array or set (OPA's StringSliceOperand). */
export function stringsArg(args: readonly Value[], pos: number): string[] {
  const v = args[pos - 1]!;
  const items = collectionItems(v);
  if (items === undefined) throw typeError(pos, v, 'array', 'set');
  return items.map((item) => {
    if (typeof item !== 'string') throw elementError(pos, [v, item], 'string');
    return item;
  });
}

/** True for a Rego number that is not a JS safe integer. */
export function isBigNum(v: Value): v is BigNum {
  return v instanceof BigNum;
}
