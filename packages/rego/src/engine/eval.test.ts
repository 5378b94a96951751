import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../compile.ts';

// evalBody keeps the slots it binds below 31 as bits and the others in an array; both must be
// unbound when the body is left, or the next solution of an earlier expression would find
// them bound (and fail to unify with its own values).
describe('evalBody slot bookkeeping', () => {
  it('rebinds every assignment after an iteration, below and above 31 slots (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 45 }),
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 4 }),
        (before, after, xs) => {
          const lines: string[] = ['package t', 'r contains y if {'];
          for (let j = 0; j < before; j++) lines.push(`  a${j} := ${j}`);
          lines.push('  some x in input.xs');
          // each assignment depends on the iteration value, so a stale binding cannot unify
          lines.push('  b0 := x + 1');
          for (let j = 1; j < after; j++) lines.push(`  b${j} := b${j - 1} + 1`);
          lines.push(`  y := [x, b${after - 1}${before > 0 ? ` + a${before - 1}` : ''}]`);
          lines.push('}');
          const policy = compile({ modules: [{ file: 'p.rego', source: lines.join('\n') }] });
          const expected = [...new Set(xs)]
            .map((x) => [x, x + after + (before > 0 ? before - 1 : 0)])
            .sort((p, q) => p[0]! - q[0]!);
          const got = (policy.evaluate('data.t.r', { input: { xs } }) as number[][]).sort((p, q) => p[0]! - q[0]!);
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});

// bodyValue computes a rule's value term with det (no continuation) when it has one value and
// hands it to evalTerm otherwise; either way the rule's value is the term's value in a query.
describe('rule values computed directly', () => {
  const terms = [
    '7',
    'input.a',
    'input.a.b',
    'input.xs[1]',
    'input.xs',
    'data.k',
    '[input.a, data.k]',
    '{"a": input.a, "n": count(input.xs)}',
    '{input.a, 1}',
    'sum(input.xs)',
    '[x | some x in input.xs; x > 0]',
    '{x | some x in input.xs}',
    'sprintf("%v-%v", [input.a, data.k])',
  ];
  it('equals the term evaluated in a query, for every kind of value term (property)', () => {
    const source = ['package t', 'k := "kv"', ...terms.map((t, i) => `r${i} := ${t} if { true }`)].join('\n');
    const policy = compile({ modules: [{ file: 'p.rego', source }] });
    const scalar = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.string({ maxLength: 2 }), fc.boolean(), fc.constant(null));
    const input = fc.record(
      { a: fc.oneof(scalar, fc.record({ b: scalar })), xs: fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 4 }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(input, (doc) => {
        for (const [i, t] of terms.entries()) {
          let expected: unknown;
          let failure: unknown;
          try {
            const rows = policy.query(`x := ${t}`, { input: doc });
            expected = rows.length === 0 ? undefined : rows[0]!.x;
          } catch (error) {
            failure = error;
          }
          if (failure !== undefined) {
            expect(() => policy.evaluate(`data.t.r${i}`, { input: doc })).toThrow();
          } else {
            expect(policy.evaluate(`data.t.r${i}`, { input: doc })).toEqual(expected);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

// The rules of one node share one frame (evalSetRules, evalComplete, evalObjectRules): each
// rule must find every slot unbound, or `:=` would compare with a stale value instead of
// binding, and an iteration would be filtered by the previous rule's bindings.
describe('one frame per node', () => {
  it('gives each rule of a node unbound slots, after iterations, early exits and failures (property)', () => {
    const policy = compile({
      modules: [
        {
          file: 'p.rego',
          source: `package t
r contains z if { z := count(input.a); z > 100 }
r contains x if { some x in input.a; x > 1 }
r contains y if { y := input.b }
r contains [p, q] if { some p in input.a; q := p + 10 }
c if { some x in input.a; x == 2 }
c if { y := input.b; y == 3 }
default c := false
v := x if { some x in input.a; x == 3 } else := y if { y := input.b; y > 0 }
v := 7 if { w := input.b; w == -1 }
o[k] := n if { some k, n in input.a; n > 0 }
o[m] := 0 if { m := input.b; m < 0 }
`,
        },
      ],
    });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 4 }), fc.integer({ min: -1, max: 4 }), (a, b) => {
        const r = new Map<string, unknown>();
        for (const x of a) if (x > 1) r.set(JSON.stringify(x), x);
        r.set(JSON.stringify(b), b);
        for (const p of a) r.set(JSON.stringify([p, p + 10]), [p, p + 10]);
        const c = a.includes(2) || b === 3;
        const vFirst = a.includes(3) ? 3 : b > 0 ? b : undefined;
        const vSecond = b === -1 ? 7 : undefined;
        const o: Record<string, number> = {};
        a.forEach((n, k) => {
          if (n > 0) o[String(k)] = n;
        });
        if (b < 0) o[String(b)] = 0;
        const sorted = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();
        expect(sorted(policy.evaluate('data.t.r', { input: { a, b } }) as unknown[])).toEqual(sorted([...r.values()]));
        expect(policy.evaluate('data.t.c', { input: { a, b } })).toBe(c);
        if (vFirst !== undefined && vSecond !== undefined && vFirst !== vSecond) {
          expect(() => policy.evaluate('data.t.v', { input: { a, b } })).toThrow(/multiple outputs/);
        } else {
          expect(policy.evaluate('data.t.v', { input: { a, b } })).toEqual(vFirst ?? vSecond);
        }
        expect(policy.evaluate('data.t.o', { input: { a, b } })).toEqual(o);
      }),
      { numRuns: 400 },
    );
  });
});
