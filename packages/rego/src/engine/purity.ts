/**
 * Purity analysis: which nodes of the data tree have a value that depends on neither
 * `input` nor per-evaluation state (the clock, random numbers, `print`, unknown builtins).
 * The evaluator computes such a value once per compiled policy and reuses it in every later
 * evaluation that has no `with` overrides of data or functions (see `ruleValue`).
 *
 * The analysis is conservative: any `with`, any call of a builtin not declared pure, any
 * reference to `input` or to an impure node (or a recursive one) makes a node impure.
 * @packageDocumentation
 */
import type { CExpr, CRule, CTerm, DataNode, FnRef } from './types.ts';

const VISITING = 1;
const PURE = 2;
const IMPURE = 3;

/** Sets `pure` on every node below `root` (inclusive). */
export function markPure(root: DataNode): void {
  const state = new Map<DataNode, number>();

  const nodePure = (node: DataNode): boolean => {
    const s = state.get(node);
    if (s !== undefined) return s === PURE; // VISITING: a cycle counts as impure
    state.set(node, VISITING);
    let ok = true;
    for (const r of node.rules) if (ok && !rulePure(r)) ok = false;
    if (ok && node.defaultRule && !rulePure(node.defaultRule)) ok = false;
    for (const r of node.funcs) if (ok && !rulePure(r)) ok = false;
    if (ok && node.defaultFunc && !rulePure(node.defaultFunc)) ok = false;
    for (const c of node.children.values()) if (ok && !nodePure(c)) ok = false;
    state.set(node, ok ? PURE : IMPURE);
    return ok;
  };

  const rulePure = (r: CRule): boolean =>
    (r.args ?? []).every(termPure) &&
    r.suffix.every(termPure) &&
    (r.contains === undefined || termPure(r.contains)) &&
    r.bodies.every((b) => b.exprs.every(exprPure) && (b.value === undefined || termPure(b.value)));

  const fnPure = (fn: FnRef): boolean => {
    switch (fn.kind) {
      case 'builtin':
        return fn.def.pure === true;
      case 'op':
      case 'relation':
        return true;
      case 'user':
        return nodePure(fn.node);
      case 'print':
      case 'unknown':
        return false;
    }
  };

  const exprPure = (e: CExpr): boolean => {
    if (e.withs.length > 0) return false;
    switch (e.k) {
      case 'term':
        return termPure(e.term);
      case 'eq':
        return termPure(e.a) && termPure(e.b);
      case 'assign':
        return termPure(e.lhs) && termPure(e.rhs);
      case 'somein':
        return (e.key === undefined || termPure(e.key)) && termPure(e.value) && termPure(e.domain);
      case 'every':
        return (e.key === undefined || termPure(e.key)) && termPure(e.value) && termPure(e.domain) && e.body.every(exprPure);
      case 'noop':
        return true;
    }
  };

  const termPure = (t: CTerm): boolean => {
    switch (t.k) {
      case 'const':
      case 'local':
        return true;
      case 'input':
        return false;
      case 'data':
        return nodePure(t.node);
      case 'ref':
        if (!t.path.every(termPure)) return false;
        return t.head.k === 'data' ? dataRefPure(t.head.node, t.path) : termPure(t.head);
      case 'array':
      case 'set':
        return t.items.every(termPure);
      case 'object':
        return t.keys.every(termPure) && t.values.every(termPure);
      case 'call':
        return fnPure(t.fn) && t.args.every(termPure);
      case 'template':
        return t.parts.every((p) => typeof p === 'string' || termPure(p));
      case 'acompr':
      case 'scompr':
        return termPure(t.head) && t.body.every(exprPure);
      case 'ocompr':
        return termPure(t.key) && termPure(t.value) && t.body.every(exprPure);
    }
  };

  // A reference into data reads the node it ends at (and that node's descendants); constant
  // segments that leave the rule tree read base data only, which is fixed per compile.
  const dataRefPure = (start: DataNode, path: readonly CTerm[]): boolean => {
    let node = start;
    for (const p of path) {
      const key = p.k === 'const' ? (typeof p.v === 'number' ? String(p.v) : p.v) : undefined;
      if (typeof key !== 'string') return nodePure(node);
      const c = node.children.get(key);
      if (c === undefined) return node.kind === 'none' || node.base !== undefined ? true : nodePure(node);
      node = c;
    }
    return nodePure(node);
  };

  const visit = (node: DataNode): void => {
    node.pure = nodePure(node);
    for (const c of node.children.values()) visit(c);
  };
  visit(root);
}
