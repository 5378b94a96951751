/**
 * One object shape per compiled node type. The compiler builds terms, expressions and
 * function references as object literals of different shapes (a `const` term has `v`, a
 * `ref` has `head` and `path`, ...), so every property access of the evaluator saw a dozen
 * hidden classes (megamorphic inline caches). After compilation this pass copies each into
 * an object with all fields of its type in one order, so those accesses see one shape.
 * Values, nodes and locations are shared, not copied; the meaning of every field is unchanged.
 * @packageDocumentation
 */
import type { CBody, CExpr, CRule, CTerm, CWith, DataNode, FnRef } from './types.ts';

type Mutable<T> = { -readonly [P in keyof T]: T[P] };

/** A uniform copy of a term (recursively). */
export function uniformTerm(t: CTerm, fns: Map<FnRef, FnRef>): CTerm {
  const a = t as unknown as Partial<Record<string, unknown>>;
  const term = (x: unknown): CTerm | undefined => (x === undefined ? undefined : uniformTerm(x as CTerm, fns));
  const terms = (x: unknown): CTerm[] | undefined => (x === undefined ? undefined : (x as CTerm[]).map((y) => uniformTerm(y, fns)));
  const out = {
    k: t.k,
    v: a.v,
    slot: a.slot,
    name: a.name,
    loc: a.loc,
    node: a.node,
    head: term(a.head),
    path: terms(a.path),
    items: terms(a.items),
    keys: terms(a.keys),
    values: terms(a.values),
    fn: a.fn === undefined ? undefined : uniformFn(a.fn as FnRef, fns),
    args: terms(a.args),
    parts: a.parts === undefined ? undefined : (a.parts as (string | CTerm)[]).map((p) => (typeof p === 'string' ? p : uniformTerm(p, fns))),
    body: a.body === undefined ? undefined : uniformExprs(a.body as CExpr[], fns),
    captures: a.captures,
    key: term(a.key),
    value: term(a.value),
  };
  return out as unknown as CTerm;
}

/** Uniform copies of body expressions (recursively). */
export function uniformExprs(exprs: readonly CExpr[], fns: Map<FnRef, FnRef>): CExpr[] {
  return exprs.map((e) => {
    const a = e as unknown as Partial<Record<string, unknown>>;
    const term = (x: unknown): CTerm | undefined => (x === undefined ? undefined : uniformTerm(x as CTerm, fns));
    const out = {
      k: e.k,
      neg: e.neg,
      withs: e.withs.map((w) => uniformWith(w, fns)),
      loc: e.loc,
      term: term(a.term),
      a: term(a.a),
      b: term(a.b),
      lhs: term(a.lhs),
      rhs: term(a.rhs),
      key: term(a.key),
      value: term(a.value),
      domain: term(a.domain),
      body: a.body === undefined ? undefined : uniformExprs(a.body as CExpr[], fns),
      captures: a.captures,
    };
    return out as unknown as CExpr;
  });
}

function uniformWith(w: CWith, fns: Map<FnRef, FnRef>): CWith {
  if (w.kind !== 'fn') return { ...w, value: uniformTerm(w.value, fns) };
  return {
    ...w,
    value: w.value === undefined ? undefined : uniformTerm(w.value, fns),
    valueFn: w.valueFn === undefined ? undefined : uniformFn(w.valueFn, fns),
    target: w.target === undefined ? undefined : uniformFn(w.target, fns),
  };
}

/** A uniform copy of a function reference; one copy per original, so identities are kept. */
function uniformFn(fn: FnRef, fns: Map<FnRef, FnRef>): FnRef {
  let out = fns.get(fn);
  if (out === undefined) {
    const a = fn as unknown as Partial<Record<string, unknown>>;
    out = { kind: fn.kind, name: fn.name, def: a.def, impl: a.impl, arity: a.arity, node: a.node, gen: a.gen, binary: a.binary } as unknown as FnRef;
    fns.set(fn, out);
  }
  return out;
}

function uniformRule(rule: CRule, fns: Map<FnRef, FnRef>): void {
  const r = rule as Mutable<CRule>;
  if (r.args !== undefined) r.args = r.args.map((t) => uniformTerm(t, fns));
  r.suffix = r.suffix.map((t) => uniformTerm(t, fns));
  if (r.contains !== undefined) r.contains = uniformTerm(r.contains, fns);
  r.bodies = r.bodies.map(
    (b): CBody => ({ exprs: uniformExprs(b.exprs, fns), value: b.value === undefined ? undefined : uniformTerm(b.value, fns), constValue: b.constValue }),
  );
}

/** Replaces the terms and expressions of every rule below `root` with uniform copies. */
export function uniformShapes(root: DataNode, fns: Map<FnRef, FnRef>): void {
  const visit = (node: DataNode): void => {
    for (const r of node.rules) uniformRule(r, fns);
    for (const r of node.funcs) uniformRule(r, fns);
    if (node.defaultRule) uniformRule(node.defaultRule, fns);
    if (node.defaultFunc) uniformRule(node.defaultFunc, fns);
    for (const c of node.children.values()) visit(c);
  };
  visit(root);
}
