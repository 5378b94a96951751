/**
 * Rule indexing: when several rules of one node each require `input.<path> == <constant>`,
 * evaluation looks the input value up once and only runs the rules that can match.
 * @packageDocumentation
 */
import { equals, keyOf, RObject, type Value } from '../value.ts';
import type { CExpr, CRule, CTerm, DataNode } from './types.ts';

/** An index over the rules of one node. */
export interface RuleIndex {
  readonly path: readonly string[];
  readonly byValue: ReadonlyMap<string, readonly CRule[]>;
  /** Rules without the indexed condition: always candidates. */
  readonly others: readonly CRule[];
}

function inputPath(t: CTerm): string[] | undefined {
  if (t.k !== 'ref' || t.head.k !== 'input') return undefined;
  const out: string[] = [];
  for (const p of t.path) {
    if (p.k !== 'const' || typeof p.v !== 'string') return undefined;
    out.push(p.v);
  }
  return out;
}

/** The `input.path == const` condition of an expression, if it is one. */
function condition(e: CExpr): { path: string[]; value: Value } | undefined {
  if (e.neg || e.withs.length > 0) return undefined;
  let a: CTerm | undefined;
  let b: CTerm | undefined;
  if (e.k === 'eq') {
    a = e.a;
    b = e.b;
  } else if (e.k === 'term' && e.term.k === 'call' && e.term.fn.kind === 'op' && e.term.fn.name === 'equal' && e.term.args.length === 2) {
    a = e.term.args[0];
    b = e.term.args[1];
  }
  if (!a || !b) return undefined;
  if (b.k === 'const') {
    const path = inputPath(a);
    return path ? { path, value: b.v } : undefined;
  }
  if (a.k === 'const') {
    const path = inputPath(b);
    return path ? { path, value: a.v } : undefined;
  }
  return undefined;
}

/** Builds an index for a node's rules when at least two rules share an indexable condition. */
export function buildIndex(rules: readonly CRule[]): RuleIndex | undefined {
  if (rules.length < 2) return undefined;
  const conds = rules.map((r) => {
    // only single-body rules (no else chains) can be skipped safely
    if (r.bodies.length !== 1) return [];
    return r.bodies[0]!.exprs.map(condition).filter((c) => c !== undefined);
  });
  const counts = new Map<string, number>();
  for (const cs of conds) for (const p of new Set(cs.map((c) => c.path.join('\u0000')))) counts.set(p, (counts.get(p) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 1;
  for (const [p, n] of counts) {
    if (n > bestCount) {
      best = p;
      bestCount = n;
    }
  }
  if (best === undefined) return undefined;
  const byValue = new Map<string, CRule[]>();
  const others: CRule[] = [];
  rules.forEach((r, i) => {
    const c = conds[i]!.find((x) => x.path.join('\u0000') === best);
    if (!c) {
      others.push(r);
      return;
    }
    const key = keyOf(c.value);
    const list = byValue.get(key) ?? [];
    list.push(r);
    byValue.set(key, list);
  });
  return { path: best.split('\u0000'), byValue, others };
}

/** The rules of a node that can succeed for this input (all of them without an index). */
export function candidateRules(node: DataNode, input: Value | undefined): readonly CRule[] {
  const idx = node.index;
  if (!idx) return node.rules;
  let v: Value | undefined = input;
  for (const p of idx.path) {
    if (!(v instanceof RObject)) return idx.others;
    v = v.getStr(p);
  }
  if (v === undefined) return idx.others;
  const hit = idx.byValue.get(keyOf(v));
  if (!hit) return idx.others;
  if (idx.others.length === 0) return hit;
  return [...idx.others, ...hit];
}

/**
 * True if all bodies (else chains included) of `rules` have one and the same constant value
 * and there are at least two bodies: the first success decides the value and no other rule
 * can conflict with it, so the rest need not run (OPA's early exit for complete rules and
 * functions whose definitions all produce the same ground value).
 */
export function sameConstantValue(rules: readonly CRule[]): boolean {
  let value: Value | undefined;
  let bodies = 0;
  for (const r of rules) {
    for (const b of r.bodies) {
      if (!b.constValue || b.value?.k !== 'const') return false;
      if (value !== undefined && !equals(value, b.value.v)) return false;
      value = b.value.v;
      bodies++;
    }
  }
  return bodies > 1;
}
