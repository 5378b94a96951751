/**
 * Bitwise builtins on integers of any size: bits.or, bits.and, bits.xor, bits.negate,
 * bits.lsh, bits.rsh (topdown/bits.go).
 */
import type { Value } from '../value.ts';
import { numberValue } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import { bigintArg, operandError } from './operands.ts';

/** Largest shift accepted by bits.lsh: keeps results far below memory limits. */
const maxShift = 1n << 20n;

function binary(f: (a: bigint, b: bigint) => bigint) {
  return (args: readonly Value[]): Value => numberValue(f(bigintArg(args, 1), bigintArg(args, 2)));
}

function shiftAmount(args: readonly Value[]): bigint {
  const n = bigintArg(args, 2);
  if (n < 0n) throw operandError(2, 'must be an unsigned integer number but got a negative integer');
  return n;
}

/** The bits builtins. */
export const bits: BuiltinTable = {
  'bits.or': [2, binary((a, b) => a | b)],
  'bits.and': [2, binary((a, b) => a & b)],
  'bits.xor': [2, binary((a, b) => a ^ b)],
  'bits.negate': [1, (args) => numberValue(~bigintArg(args, 1))],
  'bits.lsh': [2, (args) => {
    const a = bigintArg(args, 1);
    const n = shiftAmount(args);
    if (n > maxShift && a !== 0n) fail('shift amount too large');
    return numberValue(a << n);
  }],
  'bits.rsh': [2, (args) => {
    const a = bigintArg(args, 1);
    const n = shiftAmount(args);
    if (n > maxShift) return a < 0n ? -1 : 0;
    return numberValue(a >> n);
  }],
};
