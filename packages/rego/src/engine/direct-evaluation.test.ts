import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { compile } from '../compile.ts';
import { RegoError } from '../errors.ts';
import { setDirectEvaluation } from './eval.ts';

// The loop paths of the evaluator (`some x in xs` iterated without continuations, a body whose
// expressions all have one solution valued without one, comparisons without an argument array)
// must be invisible: the same values,
// errors, print output and step counts as the continuation evaluator they bypass, which
// setDirectEvaluation(false) restores as the reference.
const source = `package t
r1 contains x if { some x in input.d }
r2 contains [k, v] if { some k, v in input.d }
r3 contains y if { some x in input.d; y := [x, count(input.e)]; some z in input.e; z == x }
r4 := v if { some k, v in input.d; k == input.k }
r5 contains x if { some x, x in input.d }
r6 := [x | some x in input.d; x != 1]
r7 contains x if { some x in r1 }
r8 if { some x in input.d; x == input.k }
f(a) := b if { some b in a }
r9 := f(input.d)
r10 contains [x, y] if { some x in input.d; some y in input.e }
r11 := count([1 | some x in input.d; print(x)])
r12 contains x if { some i, x in input.d; i >= 1 }
r13 contains x if { some x in input.d with input.k as 3 }
r14 contains [a, b] if { some [a, b] in input.d }
r15 := x if { x := input.k; x != 2 }
r16 := y if { x := input.k; some y in input.e; y > x }
r17 contains x if { some _, x in input.d; not x == input.k }
r18 := x if { some x in input.d } else := "none"
r19 contains x if { some x in {y | some y in input.e} }
g(a) if { some x in a; x == 2 }
r20 if { g(input.d) }
r21 := {k: v | some k, v in input.d; k != input.k}
r22 contains z if { some x in input.d; some x2 in input.e; z := sprintf("%v/%v", [x, x2]); x2 == x }
r23 := [input.k == 1, input.k != "a", input.k < 2, input.k > 0, input.k <= null, input.k >= "a", input.k in input.e, input.k in input.d]
r24 contains x if { some x in input.e; x >= input.k; x != 2; not x < 1; x in input.d }
`;
const rules = Array.from({ length: 24 }, (_, i) => `data.t.r${i + 1}`);

type Outcome = { value: unknown } | { error: string };

function outcome(policy: ReturnType<typeof compile>, direct: boolean, path: string, input: unknown, lines: string[]): Outcome {
  setDirectEvaluation(direct);
  try {
    return { value: policy.evaluate(path, { input, print: (l) => lines.push(l) }) };
  } catch (error) {
    if (!RegoError.isInstance(error)) throw error;
    return { error: error.code };
  } finally {
    setDirectEvaluation(true);
  }
}

const scalar = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('a', 'b', '0'), fc.boolean(), fc.constant(null));
const collection = fc.oneof(
  fc.array(fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxLength: 4 }),
  fc.dictionary(fc.constantFrom('a', 'b', 'c', '0'), scalar, { maxKeys: 3 }),
  fc.array(scalar, { maxLength: 4 }).map((xs) => new Set(xs)),
  scalar,
);
const input = fc.record({ d: collection, e: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), k: scalar }, { requiredKeys: [] });

describe('direct evaluation (loop paths of evalBody and rule values)', () => {
  afterEach(() => setDirectEvaluation(true));

  it('gives the values, errors and print output of the continuation evaluator (property)', () => {
    // separate compilations: pure rule values are kept per compiled policy
    const direct = compile({ modules: [{ file: 'p.rego', source }] });
    const reference = compile({ modules: [{ file: 'p.rego', source }] });
    fc.assert(
      fc.property(input, (doc) => {
        for (const path of rules) {
          const linesA: string[] = [];
          const linesB: string[] = [];
          expect(outcome(direct, true, path, doc, linesA)).toEqual(outcome(reference, false, path, doc, linesB));
          expect(linesA).toEqual(linesB);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('counts the same steps: a step budget fails both or neither (property)', () => {
    fc.assert(
      fc.property(input, fc.integer({ min: 1, max: 120 }), fc.constantFrom(...rules), (doc, maxSteps, path) => {
        const direct = compile({ modules: [{ file: 'p.rego', source }], limits: { maxSteps } });
        const reference = compile({ modules: [{ file: 'p.rego', source }], limits: { maxSteps } });
        expect(outcome(direct, true, path, doc, [])).toEqual(outcome(reference, false, path, doc, []));
      }),
      { numRuns: 400 },
    );
  });
});
