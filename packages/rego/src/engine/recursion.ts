/**
 * Compile-time recursion check: OPA rejects rules and functions that depend on themselves
 * (`rego_recursion_error`), so this engine does too, before any evaluation.
 * @packageDocumentation
 */
import { RegoError } from '../errors.ts';
import type { CExpr, CRule, CTerm, DataNode } from './types.ts';

function ruleNodes(node: DataNode, out: DataNode[]): DataNode[] {
  if (node.kind !== 'none' || node.funcArity >= 0) out.push(node);
  for (const c of node.children.values()) ruleNodes(c, out);
  return out;
}

/** Rule nodes a reference `data...` starting at `node` with `path` may evaluate. */
function targets(node: DataNode, path: readonly CTerm[], out: DataNode[]): void {
  if (node.kind !== 'none' || node.funcArity >= 0) {
    out.push(node);
    if (node.children.size === 0) return;
  }
  if (path.length === 0) {
    for (const c of node.children.values()) ruleNodes(c, out);
    return;
  }
  const p = path[0]!;
  if (p.k === 'const') {
    const c = node.children.get(typeof p.v === 'number' ? String(p.v) : (p.v as string));
    if (c) targets(c, path.slice(1), out);
  }
  // a variable key (`data[x]`) is resolved at run time, where re-entering a rule that is
  // being evaluated raises rego_recursion_error as well
}

function visitTerm(t: CTerm, out: DataNode[]): void {
  switch (t.k) {
    case 'data':
      targets(t.node, [], out);
      return;
    case 'ref':
      if (t.head.k === 'data') targets(t.head.node, t.path, out);
      else visitTerm(t.head, out);
      for (const p of t.path) visitTerm(p, out);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) visitTerm(x, out);
      return;
    case 'object':
      for (const x of t.keys) visitTerm(x, out);
      for (const x of t.values) visitTerm(x, out);
      return;
    case 'call':
      if (t.fn.kind === 'user') out.push(t.fn.node);
      for (const x of t.args) visitTerm(x, out);
      return;
    case 'template':
      for (const x of t.parts) if (typeof x !== 'string') visitTerm(x, out);
      return;
    case 'acompr':
    case 'scompr':
      visitTerm(t.head, out);
      for (const e of t.body) visitExpr(e, out);
      return;
    case 'ocompr':
      visitTerm(t.key, out);
      visitTerm(t.value, out);
      for (const e of t.body) visitExpr(e, out);
      return;
    case 'const':
    case 'local':
    case 'input':
      return;
  }
}

function visitExpr(e: CExpr, out: DataNode[]): void {
  switch (e.k) {
    case 'term':
      visitTerm(e.term, out);
      break;
    case 'eq':
      visitTerm(e.a, out);
      visitTerm(e.b, out);
      break;
    case 'assign':
      visitTerm(e.lhs, out);
      visitTerm(e.rhs, out);
      break;
    case 'somein':
    case 'every':
      if (e.key) visitTerm(e.key, out);
      visitTerm(e.value, out);
      visitTerm(e.domain, out);
      if (e.k === 'every') for (const x of e.body) visitExpr(x, out);
      break;
    case 'noop':
      break;
  }
  for (const w of e.withs) {
    if (w.value) visitTerm(w.value, out);
    if (w.kind === 'fn' && w.valueFn?.kind === 'user') out.push(w.valueFn.node);
  }
}

function deps(node: DataNode): DataNode[] {
  const out: DataNode[] = [];
  const rules: CRule[] = [...node.rules, ...node.funcs];
  if (node.defaultRule) rules.push(node.defaultRule);
  if (node.defaultFunc) rules.push(node.defaultFunc);
  for (const r of rules) {
    for (const a of r.args ?? []) visitTerm(a, out);
    for (const s of r.suffix) visitTerm(s, out);
    if (r.contains) visitTerm(r.contains, out);
    for (const b of r.bodies) {
      for (const e of b.exprs) visitExpr(e, out);
      if (b.value) visitTerm(b.value, out);
    }
  }
  return out;
}

/** @throws RegoError `rego_recursion_error` naming the cycle */
export function checkRecursion(root: DataNode): void {
  const nodes = ruleNodes(root, []);
  const edges = new Map<DataNode, DataNode[]>(nodes.map((n) => [n, deps(n)]));
  const state = new Map<DataNode, 1 | 2>();
  const stack: DataNode[] = [];
  const name = (n: DataNode): string => 'data.' + n.path.join('.');
  const visit = (n: DataNode): void => {
    state.set(n, 1);
    stack.push(n);
    for (const d of edges.get(n) ?? []) {
      const s = state.get(d);
      if (s === 1) {
        const cycle = [...stack.slice(stack.indexOf(d)), d].map(name).join(' -> ');
        const first = d.rules[0] ?? d.funcs[0] ?? d.defaultRule ?? d.defaultFunc;
        throw new RegoError('rego_recursion_error', `rule ${name(d)} is recursive: ${cycle}`, first?.loc);
      }
      if (s === undefined) visit(d);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of nodes) if (!state.has(n)) visit(n);
}
