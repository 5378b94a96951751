import { describe, expect, it } from 'vitest';
import { compile, RegoError } from './index.ts';

const mod = (source: string) => [{ file: 'p.rego', source }];

describe('compile', () => {
  it('evaluates complete, partial set, partial object rules and functions', () => {
    const p = compile({
      modules: mod(`package t
default allow := false
allow if input.user == "alice"
tags contains t if some t in input.tags
by_name[n] := x if { some x in input.items; n := x.name }
double(x) := x * 2
v := double(21)
`),
    });
    const input = { user: 'alice', tags: ['a', 'b', 'a'], items: [{ name: 'k', n: 1 }] };
    expect(p.evaluate('data.t', { input })).toEqual({
      allow: true,
      tags: ['a', 'b'],
      by_name: { k: { name: 'k', n: 1 } },
      v: 42,
    });
    expect(p.evaluate('data.t.allow', { input: { user: 'bob' } })).toBe(false);
  });

  it('uses decimal arithmetic and exact big integers', () => {
    const p = compile({ modules: [] });
    expect(p.query('x := 0.1 + 0.2; x == 0.3')).toEqual([{ x: 0.3 }]);
    expect(p.query('x := 9007199254740993 + 1', { exactIntegers: true })).toEqual([{ x: 9007199254740994n }]);
  });

  it('supports with for input, data and functions', () => {
    const p = compile({
      modules: mod(`package t
f(x) := x + 1
p := f(1)
q := data.limit
r := count([1, 2, 3])
`),
      data: { limit: 5 },
    });
    expect(p.query('x := data.t.q with data.limit as 9')).toEqual([{ x: 9 }]);
    expect(p.query('x := data.t.p with data.t.f as 100')).toEqual([{ x: 100 }]);
    expect(p.query('x := data.t.r with count as 7')).toEqual([{ x: 7 }]);
    expect(p.query('x := input.a with input as {"a": 1}')).toEqual([{ x: 1 }]);
  });

  it('raises conflict errors for complete rules with different values', () => {
    const p = compile({ modules: mod('package t\np := x if some x in [1, 2]') });
    expect(() => p.evaluate('data.t.p')).toThrow(/complete rules must not produce multiple outputs/);
  });

  it('reports parse errors with file:line:col', () => {
    try {
      compile({ modules: mod('package t\n\np := [1,\n') });
      expect.unreachable();
    } catch (err) {
      expect(RegoError.isInstance(err)).toBe(true);
      expect((err as RegoError).code).toBe('rego_parse_error');
      expect((err as RegoError).location?.file).toBe('p.rego');
    }
  });

  it('reports unsafe variables and undefined functions at compile time', () => {
    expect(() => compile({ modules: mod('package t\np if x > 1') })).toThrow(/rego_unsafe_var_error/);
    expect(() => compile({ modules: mod('package t\np if nope(1)') })).toThrow(/undefined function nope/);
  });

  it('keeps __proto__ input keys as plain data', () => {
    const p = compile({ modules: mod('package t\np := input["__proto__"].admin\nq := input') });
    const input: unknown = JSON.parse('{"__proto__": {"admin": true}}');
    expect(p.evaluate('data.t.p', { input })).toBe(true);
    const q = p.evaluate('data.t.q', { input }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(q)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('enforces the step budget and the depth limit', () => {
    const p = compile({
      modules: mod('package t\np := count([x | some x in numbers.range(1, 100000)])'),
      limits: { maxSteps: 1000 },
    });
    expect(() => p.evaluate('data.t.p')).toThrow(expect.objectContaining({ code: 'eval_step_limit_error' }));
    const chain = Array.from({ length: 60 }, (_, i) => `p${i} := p${i + 1}`).join('\n');
    const deep = compile({ modules: mod(`package t\n${chain}\np60 := 1\np := p0`), limits: { maxDepth: 50 } });
    expect(() => deep.evaluate('data.t.p')).toThrow(expect.objectContaining({ code: 'eval_depth_limit_error' }));
  });

  it('enforces a per-call time budget (the smaller of it and limits.timeoutMs) and validates it', () => {
    // ~25 million steps: far past any budget below, and stopped long before the step limit.
    const src = 'package t\np if { some i in numbers.range(1, 5000); some j in numbers.range(1, 5000); i == 0 - j }';
    const p = compile({ modules: mod(src), limits: { maxSteps: 100_000_000 } });
    const started = performance.now();
    expect(() => p.evaluate('data.t.p', { timeoutMs: 20 })).toThrow(expect.objectContaining({ code: 'eval_time_limit_error' }));
    expect(performance.now() - started).toBeLessThan(2_000);
    const both = compile({ modules: mod(src), limits: { maxSteps: 100_000_000, timeoutMs: 20 } });
    expect(() => both.evaluate('data.t.p', { timeoutMs: 60_000 })).toThrow(expect.objectContaining({ code: 'eval_time_limit_error' }));
    const quick = compile({ modules: mod('package t\np := 1') });
    expect(quick.evaluate('data.t.p', { timeoutMs: 1 })).toBe(1);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5' as never])
      expect(() => quick.evaluate('data.t.p', { timeoutMs: bad })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });

  it('validates its arguments', () => {
    expect(() => compile(null as never)).toThrow(/options/);
    expect(() => compile({ modules: [{ file: 1 }] as never })).toThrow(/modules\[0\]/);
    const p = compile({ modules: [] });
    expect(() => p.evaluate('data.x', { input: () => 1 })).toThrow(/options.input/);
  });

  it('lists rules for test runners', () => {
    const p = compile({ modules: mod('package t\ntest_a if true\np := 1') });
    expect(p.rules().map((r) => r.path)).toEqual(['data.t.test_a', 'data.t.p']);
  });

  it('routes print output', () => {
    const lines: string[] = [];
    const p = compile({ modules: mod('package t\np if { print("x is", input.x, {1}) }') });
    p.evaluate('data.t.p', { input: { x: 1 }, print: (l) => lines.push(l) });
    expect(lines).toEqual(['x is 1 {1}']);
  });

  it('indexes rules on input equality without changing answers', () => {
    const src = `package t
deny contains "a" if input.tool == "a"
deny contains "b1" if { input.tool == "b"; input.n > 1 }
deny contains "b2" if "b" == input.tool
deny contains "any" if input.n > 5
deny contains "with" if { x := input.tool with input.tool as "zzz"; x == "zzz" }
`;
    const p = compile({ modules: mod(src) });
    expect(p.evaluate('data.t.deny', { input: { tool: 'b', n: 2 } })).toEqual(['b1', 'b2', 'with']);
    expect(p.evaluate('data.t.deny', { input: { tool: 'a', n: 9 } })).toEqual(['a', 'any', 'with']);
    expect(p.evaluate('data.t.deny', { input: { tool: 'c', n: 0 } })).toEqual(['with']);
    expect(p.evaluate('data.t.deny', { input: {} })).toEqual(['with']);
    expect(p.query('x := data.t.deny with input as {"tool": "a", "n": 0}')).toEqual([{ x: ['a', 'with'] }]);
  });

  it('rejects hostile nesting with RegoError, never a RangeError', () => {
    const p = compile({ modules: mod('package t\nq := input\nw := [x | walk(input, [x, _])]') });
    let deep: unknown = 1;
    for (let i = 0; i < 900; i++) deep = [deep];
    expect(p.evaluate('data.t.w', { input: deep })).toHaveLength(901);
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(() => p.evaluate('data.t.q', { input: deep })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => p.evaluate('data.t.q', { input: cyclic })).toThrow(RegoError);
  });

  it('renders template strings (OPA 1.12 string interpolation)', () => {
    const p = compile({
      modules: mod('package t\nmsg := $"{input.user} asks for {count(input.tools)} tools {input.tools} \\{x} {input.nope}"\nraw := $`a\n{input.user}`'),
    });
    expect(p.evaluate('data.t', { input: { user: 'ann', tools: ['a'] } })).toEqual({
      msg: 'ann asks for 1 tools ["a"] {x} <undefined>',
      raw: 'a\nann',
    });
    const many = compile({ modules: mod('package t\nm := $"{input.xs[_]}"') });
    expect(() => many.evaluate('data.t.m', { input: { xs: [1, 2] } })).toThrow(/multiple outputs/);
    expect(() => compile({ modules: mod('package t\nm := $"{input.}"') })).toThrow(/rego_parse_error/);
  });

  it('rejects recursion at compile time and := redeclaration', () => {
    expect(() => compile({ modules: mod('package t\np := q\nq := p') })).toThrow(
      expect.objectContaining({ code: 'rego_recursion_error' }),
    );
    expect(() => compile({ modules: mod('package t\nf(x) := f(x)') })).toThrow(/recursive/);
    expect(() => compile({ modules: mod('package t\np if { x := 1; x := 2 }') })).toThrow(/var x assigned above/);
  });

  it('exposes METADATA annotations to rego.metadata.rule/chain and rules()', () => {
    const p = compile({
      modules: mod(`# METADATA
# description: package docs
package t

# METADATA
# title: Allow
# authors:
# - Ann <ann@example.com>
allow := rego.metadata.rule()

chain := rego.metadata.chain()
`),
    });
    expect(p.evaluate('data.t.allow')).toEqual({ title: 'Allow', scope: 'rule', authors: [{ name: 'Ann', email: 'ann@example.com' }] });
    expect(p.evaluate('data.t.chain')).toEqual([
      { path: ['t', 'chain'] },
      { path: ['t'], annotations: { description: 'package docs', scope: 'package' } },
    ]);
    expect(p.rules()[0]!.annotations).toMatchObject({ title: 'Allow' });
    expect(() => compile({ modules: mod('# METADATA\n# a: [\npackage t') })).toThrow(/rego_parse_error/);
  });

  it('does not carry a merged child value of one evaluation into the next', () => {
    // A constant object rule with a rule below it: merging must copy, not mutate the constant.
    for (const source of ['package a\nb := {"x": 1}\nb.y := 2 if input.flag\n']) {
      const p = compile({ modules: mod(source) });
      expect(p.evaluate('data.a', { input: { flag: true } })).toEqual({ b: { x: 1, y: 2 } });
      expect(p.evaluate('data.a', { input: { flag: false } })).toEqual({ b: { x: 1 } });
      expect(p.evaluate('data.a', { input: { flag: true } })).toEqual({ b: { x: 1, y: 2 } });
    }
  });
});
