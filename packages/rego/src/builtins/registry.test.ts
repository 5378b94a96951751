import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RegoError } from '../errors.ts';
import type { Value } from '../value.ts';
import { BigNum, Dec, RObject, RSet } from '../value.ts';
import { builtins } from './index.ts';
import { frozenContext } from './test-call.ts';

// Arbitrary Rego values, including hostile shapes: __proto__ keys, huge and fractional numbers.
const scalar: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.constantFrom<Value>(new BigNum(new Dec('0.5')), new BigNum(new Dec('1e40')), new BigNum(new Dec('-2.25'))),
  fc.string({ maxLength: 12 }),
  fc.constantFrom<Value>('__proto__', 'constructor', '1.2.3', '10.0.0.0/8', 'a.b.c', '{}', '[1]', '%d', '2006-01-02'),
);
const value: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.array(tie('v'), { maxLength: 3 }).map((xs) => new RSet(xs)),
    fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 6 }), fc.constant('__proto__')), tie('v')), { maxLength: 3 })
      .map((entries) => new RObject(entries)),
  ),
})).v;

// Builtins that are slow or sleep on purpose are exercised by their own tests.
const skipped = new Set(['test.sleep']);

describe('builtins', () => {
  it('registers every builtin under its own name with a sane arity', () => {
    for (const [name, def] of builtins) {
      expect(def.name).toBe(name);
      expect(def.arity).toBeGreaterThanOrEqual(0);
      expect(def.arity).toBeLessThanOrEqual(4);
    }
    expect(builtins.size).toBeGreaterThan(150);
  });

  it('answers or raises an OPA-coded RegoError for any operands — never a raw exception', () => {
    const defs = [...builtins.values()].filter((d) => !skipped.has(d.name));
    fc.assert(
      fc.property(fc.constantFrom(...defs), fc.array(value, { minLength: 4, maxLength: 4 }), (def, pool) => {
        try {
          def.fn(pool.slice(0, def.arity), frozenContext());
          return true;
        } catch (error) {
          // A JavaScript TypeError surfacing here would be a bug, not an OPA-style answer.
          return RegoError.isInstance(error) && ['eval_type_error', 'eval_builtin_error'].includes(error.code)
            && !/Cannot read|is not a function|is not iterable|is not defined|Cannot convert|Invalid array length/.test(error.detail);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never lets an input key pollute Object.prototype', () => {
    const hostile = new RObject([['__proto__', new RObject([['polluted', true]])]]);
    for (const def of builtins.values()) {
      if (skipped.has(def.name)) continue;
      try {
        def.fn(new Array<Value>(def.arity).fill(hostile), frozenContext());
      } catch {
        // errors are fine; pollution is not
      }
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('hostile operands', () => {
  const error = (name: string, ...args: Value[]): string => {
    try {
      builtins.get(name)!.fn(args, frozenContext());
    } catch (e) {
      if (RegoError.isInstance(e)) return e.code;
    }
    return 'no error';
  };
  it('bounds output sizes instead of exhausting memory', () => {
    expect(error('sprintf', '%099999999d', [1])).toBe('eval_builtin_error');
    expect(error('numbers.range', 0, 100_000_000)).toBe('eval_builtin_error');
    expect(error('net.cidr_expand', '10.0.0.0/8')).toBe('eval_builtin_error');
    expect(error('bits.lsh', 1, 1e9)).toBe('eval_builtin_error');
    // A ladder of diamonds has exponentially many paths; OPA's shared visited set keeps the walk linear.
    const ladder = new RObject(Array.from({ length: 80 }, (_, i): [Value, Value] => [i, [i + 1, i + 2]]));
    expect(error('graph.reachable_paths', ladder, [0])).toBe('no error');
  });
  it('turns documents nested too deeply into builtin errors', () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    expect(error('json.unmarshal', deep)).toBe('eval_builtin_error');
    expect(error('yaml.unmarshal', deep)).toBe('eval_builtin_error');
  });
});
