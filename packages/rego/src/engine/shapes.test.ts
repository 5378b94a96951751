import { describe, expect, it } from 'vitest';
import { parseModule } from '../lang/parser.ts';
import { compileModules } from './compiler.ts';
import { uniformShapes } from './shapes.ts';
import { createRoot } from './tree.ts';
import type { CRule, DataNode, FnRef } from './types.ts';

// Every term kind, expression kind, `with` kind and function reference kind.
const SOURCE = `package t

import rego.v1

f(x) := x + 1
g(_, "*") := true
consts := {"a": 1, "b": [1, 2]}
arr := [input.a, f(1), {"k": input.b}, {input.c}]
refs := data.t.consts.b[0]
iter contains x if some x in input.xs
pairs contains [k, v] if some k, v in input.obj
every_ok if every x in input.xs { x > 0 }
compr := [x | some x in input.xs] if { s := {y | some y in input.xs}; o := {k: 1 | some k in input.xs}; count(s) == count(o) }
tmpl := $"user {input.user}"
eq if { [a, b] = [1, input.b]; a == 1; b != 2 }
neg if not input.flag
mocked := x if { x := count([1]) with count as 7 with input.a as 3 with data.t.consts as {} }
walked contains p if walk(input, [p, _])
obj[k] := v if { some k, v in input.obj }
else_rule := 1 if { input.a } else := 2
`;

function program(): DataNode {
  const root = createRoot();
  compileModules([parseModule(SOURCE, 't.rego')], root);
  return root;
}

function rulesOf(node: DataNode): CRule[] {
  const out = [...node.rules, ...node.funcs];
  if (node.defaultRule) out.push(node.defaultRule);
  if (node.defaultFunc) out.push(node.defaultFunc);
  for (const c of node.children.values()) out.push(...rulesOf(c));
  return out;
}

/** Key lists of every term, expression and function reference below a value. */
function shapes(x: unknown, seen = new Set<unknown>(), out = { terms: new Set<string>(), exprs: new Set<string>(), fns: new Set<string>() }) {
  if (typeof x !== 'object' || x === null || seen.has(x)) return out;
  seen.add(x);
  const o = x as Record<string, unknown>;
  if (Array.isArray(x)) for (const y of x) shapes(y, seen, out);
  else if ('withs' in o) out.exprs.add(Object.keys(o).join(','));
  else if (typeof o.k === 'string') out.terms.add(Object.keys(o).join(','));
  else if (typeof o.kind === 'string' && o.kind !== 'fn' && 'name' in o && !('path' in o)) out.fns.add(Object.keys(o).join(','));
  if (!Array.isArray(x) && !('children' in o)) for (const v of Object.values(o)) shapes(v, seen, out);
  return out;
}

describe('uniform shapes', () => {
  it('keeps every field of every rule (same values, same sharing of nodes and values)', () => {
    const root = program();
    const before = rulesOf(root).map((r) => ({ args: r.args, suffix: r.suffix, contains: r.contains, bodies: r.bodies }));
    uniformShapes(root, new Map<FnRef, FnRef>());
    const after = rulesOf(root).map((r) => ({ args: r.args, suffix: r.suffix, contains: r.contains, bodies: r.bodies }));
    // toEqual ignores the fields a copy adds as undefined: everything else must be equal
    expect(after).toEqual(before);
    expect(after[0]!.bodies).not.toBe(before[0]!.bodies);
  });

  it('gives all terms one shape, all expressions one shape and all function references one shape', () => {
    const root = program();
    const original = shapes(rulesOf(root));
    expect(original.terms.size).toBeGreaterThan(5);
    uniformShapes(root, new Map<FnRef, FnRef>());
    const s = shapes(rulesOf(root));
    expect(s.terms.size).toBe(1);
    expect(s.exprs.size).toBe(1);
    expect(s.fns.size).toBe(1);
  });
});
