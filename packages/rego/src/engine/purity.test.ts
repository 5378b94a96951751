import { describe, expect, it } from 'vitest';
import { compile } from '../index.ts';
import { parseModule } from '../lang/parser.ts';
import { fromJSON } from '../value.ts';
import { compileModules } from './compiler.ts';
import { markPure } from './purity.ts';
import { attachBase, createRoot } from './tree.ts';

const SOURCE = `package t

import data.cfg

consts := {"a": 1, "b": [1, 2]}
from_base := object.get(cfg, ["limits", "max"], 0)
from_base_ref := cfg.limits.max + 1
uses_pure := from_base * 2
needs_input := input.x
uses_input := needs_input + 1
clock := time.now_ns()
random := rand.intn("k", 100)
printed if print("hi")
mocked := x if { x := count([1]) with count as 7 }
pure_fn(x) := x + from_base
calls_pure_fn := pure_fn(1)
impure_fn(x) := x + input.x
calls_impure_fn := impure_fn(1)
sibling_package := count(data.u)
`;

function pureNodes(): Set<string> {
  const root = createRoot();
  compileModules([parseModule(SOURCE, 't.rego'), parseModule('package u\nv := input.v', 'u.rego')], root);
  attachBase(root, fromJSON({ cfg: { limits: { max: 10 } } }));
  markPure(root);
  const t = root.children.get('t')!;
  return new Set([...t.children.values()].filter((c) => c.pure).map((c) => c.key));
}

describe('purity analysis', () => {
  it('marks exactly the rules that depend on neither input nor per-evaluation state', () => {
    expect([...pureNodes()].sort()).toEqual(['calls_pure_fn', 'consts', 'from_base', 'from_base_ref', 'pure_fn', 'uses_pure']);
  });

  it('reuses pure values across evaluations without changing results', () => {
    const p = compile({
      modules: [{ file: 't.rego', source: 'package t\nimport data.cfg\nlimit := cfg.max * 2\nok if input.n <= limit\nnow := time.now_ns()' }],
      data: { cfg: { max: 5 } },
    });
    for (let i = 0; i < 3; i++) {
      expect(p.evaluate('data.t.ok', { input: { n: 10 } })).toBe(true);
      expect(p.evaluate('data.t.ok', { input: { n: 11 } })).toBeUndefined();
      expect(p.evaluate('data.t.limit')).toBe(10);
    }
    // `with data` overrides see through the cache, and do not poison it
    expect(p.query('x := data.t.limit with data.cfg.max as 1')).toEqual([{ x: 2 }]);
    expect(p.evaluate('data.t.limit')).toBe(10);
    // the clock is per evaluation
    expect(p.evaluate('data.t.now', { now: 1n })).toBe(1);
    expect(p.evaluate('data.t.now', { now: 2n })).toBe(2);
  });

  it('prints on every evaluation', () => {
    const p = compile({ modules: [{ file: 't.rego', source: 'package t\nx if print("hi")' }] });
    const lines: string[] = [];
    p.evaluate('data.t.x', { print: (l) => lines.push(l) });
    p.evaluate('data.t.x', { print: (l) => lines.push(l) });
    expect(lines).toEqual(['hi', 'hi']);
  });
});
