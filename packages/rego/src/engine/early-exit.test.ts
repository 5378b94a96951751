import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../compile.ts';

const mod = (source: string) => [{ file: 'p.rego', source }];

describe('early exit (rules and functions whose bodies all have one constant value)', () => {
  it('stops at the first successful definition (later bodies do not run)', () => {
    const lines: string[] = [];
    const p = compile({
      modules: mod(`package t
allowed(h) if { print("first"); h.ok == true }
allowed(h) if { print("second"); h.host == "x" }
allow if { print("a"); input.a }
allow if { print("b"); input.b }
r := allowed(input.h)
`),
    });
    expect(p.evaluate('data.t.r', { input: { h: { ok: true, host: 'x' } }, print: (l) => lines.push(l) })).toBe(true);
    expect(lines).toEqual(['first']);
    lines.length = 0;
    expect(p.evaluate('data.t.allow', { input: { a: true, b: true }, print: (l) => lines.push(l) })).toBe(true);
    expect(lines).toEqual(['a']);
    lines.length = 0;
    // the first fails: the second runs
    expect(p.evaluate('data.t.allow', { input: { b: true }, print: (l) => lines.push(l) })).toBe(true);
    expect(lines).toEqual(['a', 'b']);
  });

  it('keeps evaluating every definition when the values differ or are not constant', () => {
    const lines: string[] = [];
    const p = compile({
      modules: mod(`package t
f(x) := 1 if { print("one"); x > 0 }
f(x) := 2 if { print("two"); x > 1 }
g(x) := y if { print("y"); y := x }
g(x) := x if { print("x"); true }
`),
    });
    expect(() => p.query('v := data.t.f(5)', { print: (l) => lines.push(l) })).toThrow(/functions must not produce multiple outputs/);
    expect(lines).toEqual(['one', 'two']);
    lines.length = 0;
    expect(p.query('v := data.t.g(3)', { print: (l) => lines.push(l) })).toEqual([{ v: 3 }]);
    expect(lines).toEqual(['y', 'x']);
  });

  it('gives the same answers as the same rules without early exit (property)', () => {
    // Each definition tests one input flag; `:= true` (constant: early exit) against
    // `:= v if { ...; v := true }` (not constant: every definition runs) must agree.
    const defs = fc.array(fc.record({ flag: fc.constantFrom('a', 'b', 'c', 'd'), neg: fc.boolean(), elseFlag: fc.option(fc.constantFrom('a', 'b', 'c')) }), {
      minLength: 1,
      maxLength: 5,
    });
    const input = fc.record({ a: fc.boolean(), b: fc.boolean(), c: fc.boolean(), d: fc.boolean() });
    fc.assert(
      fc.property(defs, input, (ds, inp) => {
        const body = (d: { flag: string; neg: boolean }, arg: string) => `${d.neg ? 'not ' : ''}${arg}.${d.flag}`;
        const early = ds.map((d) => `p if { ${body(d, 'input')} }${d.elseFlag ? ` else := true if { input.${d.elseFlag} }` : ''}
f(x) if { ${body(d, 'x')} }${d.elseFlag ? ` else := true if { x.${d.elseFlag} }` : ''}`);
        const full = ds.map((d) => `p := v if { ${body(d, 'input')}; v := true }${d.elseFlag ? ` else := v if { input.${d.elseFlag}; v := true }` : ''}
f(x) := v if { ${body(d, 'x')}; v := true }${d.elseFlag ? ` else := v if { x.${d.elseFlag}; v := true }` : ''}`);
        const a = compile({ modules: mod(`package t\n${early.join('\n')}\nq := f(input)`) });
        const b = compile({ modules: mod(`package t\n${full.join('\n')}\nq := f(input)`) });
        expect(a.evaluate('data.t', { input: inp })).toEqual(b.evaluate('data.t', { input: inp }));
      }),
      { numRuns: 300 },
    );
  });
});
