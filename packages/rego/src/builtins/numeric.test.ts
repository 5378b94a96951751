import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { equals, numberValue, RSet } from '../value.ts';
import { call, callError, callValue } from './test-call.ts';

describe('aggregates', () => {
  it('counts runes of strings and members of collections', () => {
    expect(call('count', 'héllo')).toBe(5);
    expect(call('count', [1, 2, 3])).toBe(3);
    expect(callValue('count', [new RSet([1, 2])])).toBe(2);
    expect(call('count', { a: 1 })).toBe(1);
  });
  it('rejects a number with OPA’s message', () => {
    expect(callError('count', 1)).toEqual({
      code: 'eval_type_error',
      message: 'count: operand 1 must be one of {array, object, set, string} but got number',
    });
  });
  it('sums and multiplies exactly', () => {
    expect(call('sum', [0.1, 0.2])).toBe(0.3);
    expect(call('product', [2, 3, 4])).toBe(24);
    expect(call('sum', [])).toBe(0);
    expect(callError('sum', ['a']).code).toBe('eval_type_error');
  });
  it('max/min use OPA ordering and are undefined for empty input', () => {
    expect(call('max', [1, 'a', null])).toBe('a');
    expect(call('min', [3, 1, 2])).toBe(1);
    expect(call('max', [])).toBeUndefined();
  });
  it('sorts arrays and sets', () => {
    expect(call('sort', [3, 'b', 1, null, false])).toEqual([null, false, 1, 3, 'b']);
    expect(callValue('sort', [new RSet([2, 1])])).toEqual([1, 2]);
  });
});

describe('arithmetic', () => {
  it('rounds half away from zero, ceil and floor', () => {
    expect(call('round', 2.5)).toBe(3);
    expect(call('round', -2.5)).toBe(-3);
    expect(call('ceil', 1.2)).toBe(2);
    expect(call('floor', -1.2)).toBe(-2);
    expect(call('abs', -10)).toBe(10);
  });
  it('divides exactly and reports division by zero', () => {
    expect(call('div', 1, 3)).toBeCloseTo(0.3333333333);
    expect(callError('div', 1, 0)).toEqual({ code: 'eval_builtin_error', message: 'div: divide by zero' });
    expect(callError('rem', 7, 0).message).toBe('rem: modulo by zero');
    expect(callError('rem', 7.5, 2).message).toBe('rem: modulo on floating-point number');
  });
  it('builds ranges in both directions', () => {
    expect(call('numbers.range', 1, 4)).toEqual([1, 2, 3, 4]);
    expect(call('numbers.range', 2, -1)).toEqual([2, 1, 0, -1]);
    expect(call('numbers.range_step', 0, 10, 4)).toEqual([0, 4, 8]);
    expect(callError('numbers.range', 1.5, 2).message).toBe(
      'numbers.range: operand 1 must be integer number but got floating-point number',
    );
    expect(callError('numbers.range_step', 1, 2, 0).code).toBe('eval_builtin_error');
    expect(callError('numbers.range', 0, 1e12).code).toBe('eval_builtin_error');
  });
  it('computes set difference with minus', () => {
    expect(callValue('minus', [new RSet([1, 2, 3]), new RSet([2])])).toEqual(new RSet([1, 3]));
    expect(callError('minus', 'a', 1).message).toBe('minus: operand 1 must be one of {number, set} but got string');
  });
});

describe('bits', () => {
  it('matches Go on known answers', () => {
    expect(call('bits.or', 5, 3)).toBe(7);
    expect(call('bits.and', 5, 3)).toBe(1);
    expect(call('bits.xor', 5, 3)).toBe(6);
    expect(call('bits.negate', 42)).toBe(-43);
    expect(call('bits.lsh', 1, 70)).toBe(1180591620717411303424n);
    expect(call('bits.rsh', -7, 1)).toBe(-4);
  });
  it('rejects negative shifts and fractions', () => {
    expect(callError('bits.lsh', 1, -1).message).toBe(
      'bits.lsh: operand 2 must be an unsigned integer number but got a negative integer',
    );
    expect(callError('bits.and', 1.5, 1).code).toBe('eval_type_error');
  });
  it('negate is its own inverse and equals -n-1', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), (n) => {
      const once = callValue('bits.negate', [numberValue(n)])!;
      const twice = callValue('bits.negate', [once])!;
      return equals(once, numberValue(-n - 1n)) && equals(twice, numberValue(n));
    }));
  });
});

describe('types', () => {
  it('is_* answers false for other types', () => {
    expect(call('is_number', 1)).toBe(true);
    expect(call('is_number', null)).toBe(false);
    expect(call('is_null', null)).toBe(true);
    expect(callValue('is_set', [new RSet()])).toBe(true);
    expect(call('type_name', { a: 1 })).toBe('object');
  });
  it('to_number parses Go float syntax and rejects non-finite values', () => {
    expect(call('to_number', '-42.0')).toBe(-42);
    expect(call('to_number', true)).toBe(1);
    expect(call('to_number', '1e3')).toBe(1000);
    expect(callError('to_number', 'broken').message).toContain('invalid syntax');
    expect(callError('to_number', 'Inf').code).toBe('eval_type_error');
  });
});
