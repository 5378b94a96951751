/**
 * Top-down evaluator in continuation-passing style. A continuation returns `true` to stop
 * the enumeration (early exit), `false` to ask for more solutions.
 * @packageDocumentation
 */
/* eslint-disable max-params -- evaluator/compiler internals: positional arguments keep the per-step hot path free of option-object allocations (see docs/decisions, Rego engine ADR) */
import { RegoError } from '../errors.ts';
import { equals, RObject, RSet, toRegoString, type Value } from '../value.ts';
import { addPatch, applyPatch, Ctx, IN_PROGRESS, setPath, step, UNDEF, type Mock, type Patch, type Slot } from './context.ts';
import { candidateRules } from './rule-index.ts';
import type { CBody, CExpr, CRule, CTerm, CWith, DataNode, FnRef } from './types.ts';

/** A frame of variable slots (undefined = unbound). */
export type Frame = (Value | undefined)[];
type K = () => boolean;
type VK = (v: Value) => boolean;

/** Evaluates body expressions from index `i`. */
export function evalBody(body: readonly CExpr[], i: number, f: Frame, ctx: Ctx, k: K): boolean {
  // Expressions with at most one solution (tests, `x := <deterministic>`) run in a loop
  // without allocating continuations (runDet); the first one that may have several solutions
  // hands the rest of the body to the CPS evaluator (evalGen). Slots bound here are unbound on
  // the way out.
  const j = runDet(body, i, f, ctx);
  if (j === FAILED) return false;
  const mask = detMask;
  const bound = detBound;
  const r = j === body.length ? k() : evalGen(body, j, f, ctx, k);
  unbindSlots(f, mask, bound);
  return r;
}

const FAILED = -1;
// Slots bound by the last runDet that did not fail, read by its caller right after it returns:
// below 31 as bits of detMask (no allocation), the others in detBound.
let detMask = 0;
let detBound: number[] | undefined;

/**
 * Runs the expressions of `body` from `i` that have at most one solution: returns the index of
 * the first one that needs the general evaluator (its step already counted), `body.length`
 * when all passed, or {@link FAILED} (its bindings undone). The slots it bound stay bound and
 * are reported in {@link detMask} / {@link detBound}.
 */
function runDet(body: readonly CExpr[], i: number, f: Frame, ctx: Ctx): number {
  const n = body.length;
  let mask = 0;
  let bound: number[] | undefined;
  for (; i < n; i++) {
    step(ctx);
    const e = body[i]!;
    if (e.withs.length !== 0) break;
    const s = detExpr(e, f, ctx);
    if (s === PASS) continue;
    if (s === GEN) break;
    if (s === FAIL) {
      unbindSlots(f, mask, bound);
      return FAILED;
    }
    if (s < 31) mask |= 1 << s;
    else (bound ??= []).push(s);
  }
  detMask = mask;
  detBound = bound;
  return i;
}

function unbindSlots(f: Frame, mask: number, bound: number[] | undefined): void {
  while (mask !== 0) {
    const slot = 31 - Math.clz32(mask);
    f[slot] = undefined;
    mask ^= 1 << slot;
  }
  if (bound !== undefined) for (const slot of bound) f[slot] = undefined;
}

/**
 * Evaluates expression `j` of `body` (its step counted by runDet), which may have several
 * solutions, and the rest of the body after it for each. `some x in xs` with plain variables
 * iterates in a loop; everything else through continuations.
 */
function evalGen(body: readonly CExpr[], j: number, f: Frame, ctx: Ctx, k: K): boolean {
  const e = body[j]!;
  const next = j + 1;
  if (e.k === 'somein' && e.withs.length === 0 && direct && e.value.k === 'local' && (e.key === undefined || e.key.k === 'local')) {
    const d = det(e.domain, f, ctx);
    if (d !== GEN) return d === undefined ? false : someIn(e.key, e.value, d, body, next, f, ctx, k);
  }
  return next === body.length ? evalExpr(e, f, ctx, k) : evalExpr(e, f, ctx, () => evalBody(body, next, f, ctx, k));
}

/**
 * `some key, value in d` for variables `key` and `value`, followed by the rest of the body from
 * `next`: the same solutions, order, bindings and steps as unifying each child with the
 * patterns through continuations (forEachChild + unify), without allocating any.
 */
function someIn(
  key: Extract<CTerm, { k: 'local' }> | undefined,
  value: Extract<CTerm, { k: 'local' }>,
  d: Value,
  body: readonly CExpr[],
  next: number,
  f: Frame,
  ctx: Ctx,
  k: K,
): boolean {
  const ks = key === undefined ? -1 : key.slot;
  const vs = value.slot;
  if (Array.isArray(d)) {
    const a = d as readonly Value[];
    for (let i = 0; i < a.length; i++) if (bindChild(ks, i, vs, a[i]!, body, next, f, ctx, k)) return true;
  } else if (d instanceof RObject) {
    for (let i = 0; i < d.size; i++) if (bindChild(ks, d.keyAtIndex(i), vs, d.valueAtIndex(i), body, next, f, ctx, k)) return true;
  } else if (d instanceof RSet) {
    for (const x of d.values()) if (bindChild(ks, x, vs, x, body, next, f, ctx, k)) return true;
  }
  return false;
}

function bindChild(ks: number, kv: Value, vs: number, vv: Value, body: readonly CExpr[], next: number, f: Frame, ctx: Ctx, k: K): boolean {
  let keyBound = false;
  if (ks >= 0) {
    const cur = f[ks];
    if (cur === undefined) {
      step(ctx);
      f[ks] = kv;
      keyBound = true;
    } else if (!equals(cur, kv)) return false;
  }
  let r: boolean;
  const cur = f[vs];
  if (cur === undefined) {
    step(ctx);
    f[vs] = vv;
    r = next === body.length ? k() : evalBody(body, next, f, ctx, k);
    f[vs] = undefined;
  } else r = equals(cur, vv) && (next === body.length ? k() : evalBody(body, next, f, ctx, k));
  if (keyBound) f[ks] = undefined;
  return r;
}

/** False only in tests: every expression goes through the continuation evaluator (the reference). */
let direct = true;

/** @internal For tests: turn the loop paths (runDet's callers, someIn) off and on. */
export function setDirectEvaluation(on: boolean): void {
  direct = on;
}

const PASS = -1;
const FAIL = -2;

/**
 * Evaluates an expression that has at most one solution without continuations: {@link PASS},
 * {@link FAIL}, the slot it bound (an `x := v` assignment), or {@link GEN} when the general
 * evaluator is needed. Same checks and order as {@link evalCore}.
 */
function detExpr(e: CExpr, f: Frame, ctx: Ctx): number | typeof GEN {
  if (e.k === 'term') {
    const v = det(e.term, f, ctx);
    if (v === GEN) return GEN;
    const ok = v !== undefined && v !== false;
    return ok !== e.neg ? PASS : FAIL;
  }
  if (e.k === 'assign' && !e.neg && e.lhs.k === 'local') {
    const v = det(e.rhs, f, ctx);
    if (v === GEN) return GEN;
    if (v === undefined) return FAIL;
    const slot = e.lhs.slot;
    const cur = f[slot];
    if (cur !== undefined) return equals(cur, v) ? PASS : FAIL;
    step(ctx);
    f[slot] = v;
    return slot;
  }
  return GEN;
}

function evalExpr(e: CExpr, f: Frame, outer: Ctx, k: K): boolean {
  let ctx = outer;
  if (e.withs.length > 0) {
    const c = applyWiths(e.withs, f, outer);
    if (!c) return false;
    ctx = c;
  }
  if (e.neg) {
    let found = false;
    evalCore(e, f, ctx, () => {
      found = true;
      return true;
    });
    return found ? false : k();
  }
  return evalCore(e, f, ctx, k);
}

function evalCore(e: CExpr, f: Frame, ctx: Ctx, k: K): boolean {
  switch (e.k) {
    case 'term': {
      const v = det(e.term, f, ctx);
      if (v !== GEN) return v === undefined || v === false ? false : k();
      return evalTerm(e.term, f, ctx, (x) => (x === false ? false : k()));
    }
    case 'eq':
      return unifyTerms(e.a, e.b, f, ctx, k);
    case 'assign': {
      const v = det(e.rhs, f, ctx);
      if (v !== GEN) return v === undefined ? false : unify(e.lhs, v, f, ctx, k);
      return evalTerm(e.rhs, f, ctx, (x) => unify(e.lhs, x, f, ctx, k));
    }
    case 'somein':
      return evalTerm(e.domain, f, ctx, (d) =>
        forEachChild(d, (key, val) =>
          e.key ? unify(e.key, key, f, ctx, () => unify(e.value, val, f, ctx, k)) : unify(e.value, val, f, ctx, k),
        ),
      );
    case 'every':
      return evalTerm(e.domain, f, ctx, (d) => {
        if (!Array.isArray(d) && !(d instanceof RObject) && !(d instanceof RSet)) return false;
        let all = true;
        forEachChild(d, (key, val) => {
          let ok = false;
          const body = (): boolean =>
            evalBody(e.body, 0, f, ctx, () => {
              ok = true;
              return true;
            });
          if (e.key) unify(e.key, key, f, ctx, () => unify(e.value, val, f, ctx, body));
          else unify(e.value, val, f, ctx, body);
          if (!ok) all = false;
          return !ok;
        });
        return all ? k() : false;
      });
    case 'noop':
      return k();
  }
}

/** Iterates the children of a collection: arrays (index, item), objects (key, value), sets (x, x). */
export function forEachChild(d: Value, fn: (key: Value, val: Value) => boolean): boolean {
  if (Array.isArray(d)) {
    const a = d as readonly Value[];
    for (let i = 0; i < a.length; i++) if (fn(i, a[i]!)) return true;
  } else if (d instanceof RObject) {
    return d.some(fn);
  } else if (d instanceof RSet) {
    for (const x of d.values()) if (fn(x, x)) return true;
  }
  return false;
}

function child(v: Value, key: Value, dataMode = false): Value | undefined {
  if (v instanceof RObject) {
    if (typeof key === 'string') return v.getStr(key);
    // refs rooted at data address string keys with integers (`data.x[2]` is `data.x["2"]`)
    return v.get(key) ?? (dataMode && typeof key === 'number' ? v.getStr(String(key)) : undefined);
  }
  if (Array.isArray(v)) {
    return typeof key === 'number' && key >= 0 && key < v.length ? (v as readonly Value[])[key] : undefined;
  }
  if (v instanceof RSet) return v.has(key) ? key : undefined;
  return undefined;
}

function unbound(t: Extract<CTerm, { k: 'local' }>): never {
  throw new RegoError('rego_unsafe_var_error', `var ${t.name} is unsafe`, t.loc);
}

/** Evaluates a term, calling `k` for each value. */
export function evalTerm(t: CTerm, f: Frame, ctx: Ctx, k: VK): boolean {
  if (t.k === 'ref' || t.k === 'call' || t.k === 'array' || t.k === 'object' || t.k === 'set') {
    const v = det(t, f, ctx);
    if (v !== GEN) return v === undefined ? false : k(v);
  }
  switch (t.k) {
    case 'const':
      return k(t.v);
    case 'local': {
      const v = f[t.slot];
      return v === undefined ? unbound(t) : k(v);
    }
    case 'input':
      return ctx.input === undefined ? false : k(ctx.input);
    case 'data':
      return evalDataHead(t.node, [], f, ctx, k);
    case 'ref':
      if (t.head.k === 'data') return evalDataHead(t.head.node, t.path, f, ctx, k);
      return evalTerm(t.head, f, ctx, (v) => deref(v, t.path, 0, f, ctx, k));
    case 'array':
      return evalSeq(t.items, f, ctx, (vals) => k(vals.slice()));
    case 'set':
      return evalSeq(t.items, f, ctx, (vals) => k(new RSet(vals)));
    case 'object':
      return evalSeq(t.keys, f, ctx, (keys) => {
        const ks = keys.slice();
        return evalSeq(t.values, f, ctx, (vals) => {
          const o = new RObject();
          for (let i = 0; i < ks.length; i++) o.set(ks[i]!, vals[i]!);
          return k(o);
        });
      });
    case 'call':
      return evalCall(t, f, ctx, k);
    case 'template':
      return k(evalTemplate(t.parts, f, ctx));
    case 'acompr': {
      const out: Value[] = [];
      evalBody(t.body, 0, f, ctx, () => evalTerm(t.head, f, ctx, (v) => (out.push(v), false)));
      return k(out);
    }
    case 'scompr': {
      const out = new RSet();
      evalBody(t.body, 0, f, ctx, () => evalTerm(t.head, f, ctx, (v) => (out.add(v), false)));
      return k(out);
    }
    case 'ocompr': {
      const out = new RObject();
      evalBody(t.body, 0, f, ctx, () =>
        evalTerm(t.key, f, ctx, (key) =>
          evalTerm(t.value, f, ctx, (v) => {
            const prev = out.get(key);
            if (prev !== undefined && !equals(prev, v)) {
              throw new RegoError('eval_conflict_error', 'object keys must be unique');
            }
            out.set(key, v);
            return false;
          }),
        ),
      );
      return k(out);
    }
  }
}

/** Marker: the term may have several values (iteration); evaluate it in CPS. */
const GEN: unique symbol = Symbol('generator');

/**
 * Direct (non-CPS) evaluation of terms that have at most one value — the common case:
 * constants, bound variables, refs without iteration, calls with such operands. Returns
 * {@link GEN} when the term needs the general evaluator (unbound variables, `with` overrides,
 * mocks, output operands, print).
 */
function det(t: CTerm, f: Frame, ctx: Ctx): Value | undefined | typeof GEN {
  switch (t.k) {
    case 'const':
      return t.v;
    case 'local': {
      const v = f[t.slot];
      return v === undefined ? GEN : v;
    }
    case 'input':
      return ctx.input;
    case 'ref': {
      if (t.head.k === 'data') return detData(t.head.node, t.path, f, ctx);
      const h = det(t.head, f, ctx);
      if (h === GEN || h === undefined) return h;
      return detPath(h, t.path, 0, f, ctx, false);
    }
    case 'data':
      return detData(t.node, [], f, ctx);
    case 'call': {
      if (ctx.mocks !== undefined) return GEN;
      const fn = t.fn;
      if (fn.kind !== 'builtin' && fn.kind !== 'op' && fn.kind !== 'user') return GEN;
      const n = t.args.length;
      if (n > fnArity(fn, n)) return GEN;
      if (fn.kind === 'op' && fn.binary !== undefined && n === 2 && direct) {
        // comparisons and membership: no argument array (they cannot fail, so nothing to catch)
        const a = det(t.args[0]!, f, ctx);
        if (a === GEN || a === undefined) return a;
        const b = det(t.args[1]!, f, ctx);
        if (b === GEN || b === undefined) return b;
        return fn.binary(a, b);
      }
      const args = new Array<Value>(n);
      for (let i = 0; i < n; i++) {
        const a = det(t.args[i]!, f, ctx);
        if (a === GEN || a === undefined) return a;
        args[i] = a;
      }
      if (fn.kind === 'user') {
        let out: Value | undefined;
        callUser(fn.node, args, ctx, (v) => ((out = v), true));
        return out;
      }
      return invokeBuiltin(fn, args, t, ctx);
    }
    case 'array': {
      const out = new Array<Value>(t.items.length);
      for (let i = 0; i < out.length; i++) {
        const v = det(t.items[i]!, f, ctx);
        if (v === GEN || v === undefined) return v;
        out[i] = v;
      }
      return out;
    }
    case 'set': {
      const out = new RSet();
      for (const x of t.items) {
        const v = det(x, f, ctx);
        if (v === GEN || v === undefined) return v;
        out.add(v);
      }
      return out;
    }
    case 'object': {
      // entries in an array of their size; set() (which searches and grows) only once a key
      // is not a plain string or repeats
      const n = t.keys.length;
      const e = new Array<Value>(n * 2);
      for (let i = 0; i < n; i++) {
        const key = det(t.keys[i]!, f, ctx);
        if (key === GEN || key === undefined) return key;
        const v = det(t.values[i]!, f, ctx);
        if (v === GEN || v === undefined) return v;
        if (typeof key !== 'string' || (key.length !== 0 && key.charCodeAt(0) === 0) || n > 16 || repeats(e, i, key)) {
          return detObjectRest(t, f, ctx, e, i, key, v);
        }
        e[2 * i] = key;
        e[2 * i + 1] = v;
      }
      return new RObject(undefined, e);
    }
    case 'acompr':
    case 'scompr':
    case 'ocompr':
    case 'template':
      return GEN;
  }
}

/** True if `key` is one of the first `i` keys of entry array `e`. */
function repeats(e: readonly Value[], i: number, key: string): boolean {
  for (let j = 0; j < i; j++) if (e[2 * j] === key) return true;
  return false;
}

/** det of an object term from entry `i` on (key and value computed) through set(). */
function detObjectRest(t: Extract<CTerm, { k: 'object' }>, f: Frame, ctx: Ctx, e: readonly Value[], i: number, key: Value, v: Value): Value | undefined | typeof GEN {
  const out = new RObject();
  for (let j = 0; j < i; j++) out.set(e[2 * j]!, e[2 * j + 1]!);
  out.set(key, v);
  for (let j = i + 1; j < t.keys.length; j++) {
    const kj = det(t.keys[j]!, f, ctx);
    if (kj === GEN || kj === undefined) return kj;
    const vj = det(t.values[j]!, f, ctx);
    if (vj === GEN || vj === undefined) return vj;
    out.set(kj, vj);
  }
  return out;
}

function detPath(v: Value, path: readonly CTerm[], i: number, f: Frame, ctx: Ctx, dm: boolean): Value | undefined | typeof GEN {
  let cur = v;
  for (; i < path.length; i++) {
    const p = path[i]!;
    let key: Value | undefined | typeof GEN;
    if (p.k === 'const') key = p.v;
    else if (p.k === 'local') {
      key = f[p.slot];
      if (key === undefined) return GEN;
    } else {
      if (!evaluable(p, f)) return GEN;
      key = det(p, f, ctx);
      if (key === GEN || key === undefined) return key;
    }
    const c = child(cur, key, dm);
    if (c === undefined) return undefined;
    cur = c;
  }
  return cur;
}

function detData(start: DataNode, path: readonly CTerm[], f: Frame, ctx: Ctx): Value | undefined | typeof GEN {
  if (ctx.patch !== undefined) return GEN;
  let node = start;
  for (let i = 0; ; i++) {
    if (node.kind !== 'none') {
      const v = node.base !== undefined ? node.base : ruleValue(node, ctx);
      return v === undefined ? undefined : detPath(v, path, i, f, ctx, true);
    }
    if (!node.virtual) return node.base === undefined ? undefined : detPath(node.base, path, i, f, ctx, true);
    if (i === path.length) return fullValue(node, ctx);
    const p = path[i]!;
    let key = p.k === 'const' ? p.v : p.k === 'local' ? f[p.slot] : undefined;
    if (typeof key === 'number') key = String(key);
    if (typeof key === 'string') {
      const c = node.children.get(key);
      if (c) {
        node = c;
        continue;
      }
      return node.base === undefined ? undefined : detPath(node.base, path, i, f, ctx, true);
    }
    if (p.k === 'local' && key === undefined) return GEN;
    const full = fullValue(node, ctx);
    return full === undefined ? undefined : detPath(full, path, i, f, ctx, true);
  }
}

/** Evaluates a sequence of terms (cross product of their values). */
function evalSeq(ts: readonly CTerm[], f: Frame, ctx: Ctx, k: (vals: Value[]) => boolean): boolean {
  const n = ts.length;
  const vals = new Array<Value>(n);
  // fast path: all deterministic
  let simple = true;
  let unboundLocal = false;
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    if (t.k === 'const') vals[i] = t.v;
    else if (t.k === 'local' && f[t.slot] !== undefined) vals[i] = f[t.slot]!;
    else {
      simple = false;
      if (t.k === 'local') unboundLocal = true;
    }
  }
  if (simple) return k(vals);
  if (!unboundLocal) {
    // only the non-simple terms need evaluating (their values may be several)
    const go = (i: number): boolean => {
      while (i < n && (ts[i]!.k === 'const' || ts[i]!.k === 'local')) i++;
      if (i === n) return k(vals);
      return evalTerm(ts[i]!, f, ctx, (v) => {
        vals[i] = v;
        return go(i + 1);
      });
    };
    return go(0);
  }
  // evaluate non-variable terms first: they may bind variables the others read
  // (`x == input.xs[x]`)
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (ts[i]!.k !== 'local') order.push(i);
  for (let i = 0; i < n; i++) if (ts[i]!.k === 'local') order.push(i);
  const go = (j: number): boolean => {
    if (j === n) return k(vals);
    const i = order[j]!;
    return evalTerm(ts[i]!, f, ctx, (v) => {
      vals[i] = v;
      return go(j + 1);
    });
  };
  return go(0);
}

function deref(v: Value, path: readonly CTerm[], i: number, f: Frame, ctx: Ctx, k: VK, dm = false): boolean {
  for (; i < path.length; i++) {
    const p = path[i]!;
    let key: Value | undefined;
    if (p.k === 'const') key = p.v;
    else if (p.k === 'local') {
      key = f[p.slot];
      if (key === undefined) {
        const slot = p.slot;
        const next = i + 1;
        return forEachChild(v, (ck, cv) => {
          step(ctx);
          f[slot] = ck;
          const r = deref(cv, path, next, f, ctx, k, dm);
          f[slot] = undefined;
          return r;
        });
      }
    } else {
      const next = i + 1;
      if (!evaluable(p, f)) {
        return forEachChild(v, (ck, cv) => unify(p, ck, f, ctx, () => deref(cv, path, next, f, ctx, k, dm)));
      }
      return evalTerm(p, f, ctx, (kv) => {
        const c = child(v, kv, dm);
        return c === undefined ? false : deref(c, path, next, f, ctx, k, dm);
      });
    }
    const c = child(v, key, dm);
    if (c === undefined) return false;
    v = c;
  }
  return k(v);
}

/** True if the term can be evaluated now (no unbound variables in pattern positions). */
function evaluable(t: CTerm, f: Frame): boolean {
  switch (t.k) {
    case 'local':
      return f[t.slot] !== undefined;
    case 'array':
    case 'set':
      return t.items.every((x) => evaluable(x, f));
    case 'object':
      return t.keys.every((x) => evaluable(x, f)) && t.values.every((x) => evaluable(x, f));
    case 'const':
    case 'input':
    case 'data':
    case 'ref':
    case 'call':
    case 'template':
    case 'acompr':
    case 'scompr':
    case 'ocompr':
      return true;
  }
}

// ---- unification ------------------------------------------------------------------------

function unifyTerms(a: CTerm, b: CTerm, f: Frame, ctx: Ctx, k: K): boolean {
  if (evaluable(a, f)) return evalTerm(a, f, ctx, (v) => unify(b, v, f, ctx, k));
  if (evaluable(b, f)) return evalTerm(b, f, ctx, (v) => unify(a, v, f, ctx, k));
  if (a.k === 'array' && b.k === 'array') {
    if (a.items.length !== b.items.length) return false;
    const go = (i: number): boolean =>
      i === a.items.length ? k() : unifyTerms(a.items[i]!, b.items[i]!, f, ctx, () => go(i + 1));
    return go(0);
  }
  if (a.k === 'object' && b.k === 'object' && a.keys.length === b.keys.length) {
    const n = a.keys.length;
    const ka: Value[] = [];
    const kb: Value[] = [];
    for (let i = 0; i < n; i++) {
      const x = firstValue(a.keys[i]!, f, ctx);
      const y = firstValue(b.keys[i]!, f, ctx);
      if (x === undefined || y === undefined) return false;
      ka.push(x);
      kb.push(y);
    }
    const pairs: Array<[CTerm, CTerm]> = [];
    for (let i = 0; i < n; i++) {
      const j = kb.findIndex((y) => equals(y, ka[i]!));
      if (j < 0) return false;
      pairs.push([a.values[i]!, b.values[j]!]);
    }
    const go = (i: number): boolean => (i === n ? k() : unifyTerms(pairs[i]![0], pairs[i]![1], f, ctx, () => go(i + 1)));
    return go(0);
  }
  const v = a.k === 'local' ? a : b.k === 'local' ? b : undefined;
  throw new RegoError('rego_unsafe_var_error', `var ${v?.name ?? 'in unification'} is unsafe`, v?.loc);
}

/** Unifies a pattern term with a value. */
export function unify(p: CTerm, v: Value, f: Frame, ctx: Ctx, k: K): boolean {
  switch (p.k) {
    case 'const':
      return equals(p.v, v) ? k() : false;
    case 'local': {
      const cur = f[p.slot];
      if (cur === undefined) {
        step(ctx);
        f[p.slot] = v;
        const r = k();
        f[p.slot] = undefined;
        return r;
      }
      return equals(cur, v) ? k() : false;
    }
    case 'array': {
      if (!Array.isArray(v) || v.length !== p.items.length) return false;
      const arr = v as readonly Value[];
      const go = (i: number): boolean => (i === arr.length ? k() : unify(p.items[i]!, arr[i]!, f, ctx, () => go(i + 1)));
      return go(0);
    }
    case 'object': {
      if (!(v instanceof RObject) || v.size !== p.keys.length) return false;
      const go = (i: number): boolean => {
        if (i === p.keys.length) return k();
        return evalTerm(p.keys[i]!, f, ctx, (key) => {
          const cv = v.get(key);
          return cv === undefined ? false : unify(p.values[i]!, cv, f, ctx, () => go(i + 1));
        });
      };
      return go(0);
    }
    case 'input':
    case 'data':
    case 'ref':
    case 'call':
    case 'template':
    case 'set':
    case 'acompr':
    case 'scompr':
    case 'ocompr':
      return evalTerm(p, f, ctx, (x) => (equals(x, v) ? k() : false));
  }
}

// ---- data tree --------------------------------------------------------------------------

function evalDataHead(node: DataNode, path: readonly CTerm[], f: Frame, ctx: Ctx, k: VK): boolean {
  if (ctx.patch === undefined) return evalData(node, undefined, path, 0, f, ctx, k);
  // walk the patch tree along the node path; an override above the node replaces it
  let pn: Patch | undefined = ctx.patch;
  for (let i = 0; i < node.path.length && pn; i++) {
    if (pn.value !== undefined) {
      const rest: CTerm[] = node.path.slice(i).map((s) => ({ k: 'const', v: s }));
      return deref(applyPatch(undefined, pn), [...rest, ...path], 0, f, ctx, k, true);
    }
    pn = pn.children.get(node.path[i]!);
  }
  return evalData(node, pn, path, 0, f, ctx, k);
}

function evalData(
  node: DataNode,
  pn: Patch | undefined,
  path: readonly CTerm[],
  i: number,
  f: Frame,
  ctx: Ctx,
  k: VK,
): boolean {
  if (pn?.value !== undefined) return deref(applyPatch(undefined, pn), path, i, f, ctx, k, true);
  if (node.kind !== 'none') {
    // base documents shadow rules defined at the same path (OPA's behaviour)
    const v = node.base !== undefined ? node.base : ruleValue(node, ctx);
    if (v === undefined) return false;
    return deref(pn ? applyPatch(v, pn) : v, path, i, f, ctx, k, true);
  }
  if (!node.virtual) {
    const b = pn ? applyPatch(node.base, pn) : node.base;
    return b === undefined ? false : deref(b, path, i, f, ctx, k, true);
  }
  if (i === path.length) {
    const v = fullValue(node, ctx);
    if (v === undefined) return false;
    return k(pn ? applyPatch(v, pn) : v);
  }
  const p = path[i]!;
  let key = p.k === 'const' ? p.v : p.k === 'local' ? f[p.slot] : undefined;
  if (typeof key === 'number') key = String(key);
  if (typeof key === 'string') {
    const c = node.children.get(key);
    if (c) return evalData(c, pn?.children.get(key), path, i + 1, f, ctx, k);
    const b = pn ? applyPatch(node.base, pn) : node.base;
    return b === undefined ? false : deref(b, path, i, f, ctx, k, true);
  }
  const v = fullValue(node, ctx);
  if (v === undefined) return false;
  return deref(pn ? applyPatch(v, pn) : v, path, i, f, ctx, k, true);
}

/** The full value of a node: rules, or base data merged with the values of child nodes. */
function fullValue(node: DataNode, ctx: Ctx): Value | undefined {
  if (node.kind !== 'none') return ruleValue(node, ctx);
  if (!node.virtual) return node.base;
  const full = (ctx.full ??= new Array<Slot>(ctx.shared.nodeCount));
  const cached = full[node.id];
  if (cached !== undefined && cached !== IN_PROGRESS) return cached === UNDEF ? undefined : cached;
  const obj = new StructObject(node.base instanceof RObject ? node.base : undefined);
  for (const c of node.children.values()) {
    if (c.kind === 'none' && !c.virtual && c.base === undefined) continue;
    if (c.kind === 'none' && c.funcArity >= 0) continue;
    const v = fullValue(c, ctx);
    if (v === undefined) continue;
    // base documents shadow rules at the same path; objects merge
    const prev = node.base instanceof RObject ? node.base.getStr(c.key) : undefined;
    obj.set(c.key, prev === undefined ? v : overlay(prev, v));
  }
  full[node.id] = obj;
  return obj;
}

/** Merges a virtual value under a base value; the base wins where both define a leaf. */
function overlay(base: Value, virt: Value): Value {
  if (!(base instanceof RObject) || !(virt instanceof RObject)) return base;
  const out = new StructObject(base);
  virt.some((k, v) => {
    const b = base.get(k);
    out.set(k, b === undefined ? v : overlay(b, v));
    return false;
  });
  return out;
}

function conflict(msg: string, rule: CRule): never {
  throw new RegoError('eval_conflict_error', msg, rule.loc);
}

function enter(ctx: Ctx): void {
  const s = ctx.shared;
  if (++s.depth > s.maxDepth) {
    throw new RegoError('eval_depth_limit_error', `evaluation exceeded the maximum depth of ${s.maxDepth}`);
  }
}

/** The value of the rules at a node (cached per context). */
function ruleValue(node: DataNode, ctx: Ctx): Value | undefined {
  // values that depend on neither input nor per-evaluation state: once per compiled policy
  // (not under `with data` / function mocks, which may change what the rules see)
  const shared = node.pure && ctx.patch === undefined && ctx.mocks === undefined;
  if (shared && node.pureValue !== undefined) return node.pureValue === UNDEF ? undefined : node.pureValue;
  const v = ruleValueOnce(node, ctx);
  if (shared) node.pureValue = v === undefined ? UNDEF : v;
  return v;
}

function ruleValueOnce(node: DataNode, ctx: Ctx): Value | undefined {
  const cached = ctx.cache[node.id];
  if (cached !== undefined) {
    if (cached === IN_PROGRESS) {
      throw new RegoError('rego_recursion_error', `rule data.${node.path.join('.')} is recursive`);
    }
    return cached === UNDEF ? undefined : cached;
  }
  ctx.cache[node.id] = IN_PROGRESS;
  enter(ctx);
  let v: Value | undefined;
  try {
    if (node.kind === 'complete') v = evalComplete(node, ctx);
    else if (node.kind === 'set') v = evalSetRules(node, ctx);
    else v = evalObjectRules(node, ctx);
    if (v instanceof RObject && node.children.size > 0) v = mergeChildren(node, v, ctx);
  } finally {
    ctx.cache[node.id] = undefined;
    ctx.shared.depth--;
  }
  ctx.cache[node.id] = v === undefined ? UNDEF : v;
  return v;
}

function mergeChildren(node: DataNode, value: RObject, ctx: Ctx): RObject {
  // A copy: `value` may be a constant of the compiled policy or a value shared across
  // evaluations (pure-rule cache); merging in place would leak one evaluation into the next.
  const v = value instanceof StructObject ? new StructObject(value) : new RObject(value);
  for (const c of node.children.values()) {
    const cv = fullValue(c, ctx);
    if (cv === undefined) continue;
    const prev = v.getStr(c.key);
    v.set(c.key, prev === undefined ? cv : mergeValues(prev, cv));
  }
  return v;
}

/** Objects built from rule heads (not rule values): only these merge across rules. */
class StructObject extends RObject {}
/** Sets built from rule heads (not rule values): only these union across rules. */
class StructSet extends RSet {}
const STRUCT = {
  has: (v: object): boolean => v instanceof StructObject || v instanceof StructSet,
};

/** Deep merge of values produced for the same key by different rules (objects merge, sets union). */
function mergeValues(a: Value, b: Value): Value {
  const both = typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && STRUCT.has(a) && STRUCT.has(b);
  if (both && a instanceof RSet && b instanceof RSet) return new StructSet([...a.values(), ...b.values()]);
  if (both && a instanceof RObject && b instanceof RObject) {
    const out = new StructObject(a);
    b.some((k, v) => {
      const prev = out.get(k);
      out.set(k, prev === undefined ? v : mergeValues(prev, v));
      return false;
    });
    return out;
  }
  if (!equals(a, b)) throw new RegoError('eval_conflict_error', 'object keys must be unique');
  return a;
}

/** Evaluates one rule's bodies (else chain) to its single value. */
function ruleBodiesValue(rule: CRule, f: Frame, ctx: Ctx, conflictMsg: string): Value | undefined {
  for (const body of rule.bodies) {
    const v = bodyValue(rule, body, f, ctx, conflictMsg);
    if (v !== undefined) return v;
  }
  return undefined;
}

function bodyValue(rule: CRule, body: CBody, f: Frame, ctx: Ctx, conflictMsg: string): Value | undefined {
  const exprs = body.exprs;
  const j = runDet(exprs, 0, f, ctx);
  if (j === FAILED) return undefined;
  const mask = detMask;
  const bound = detBound;
  let result: Value | undefined;
  if (j === exprs.length && direct) {
    // All expressions had one solution (most rule bodies): one value, computed without a
    // continuation (the closures live in functions of their own, so this path allocates none).
    const v = det(body.value!, f, ctx);
    result = v !== GEN ? v : valueOfTerm(rule, body.value!, f, ctx, conflictMsg, body.constValue);
  } else {
    result = bodyValues(rule, body, j, f, ctx, conflictMsg);
  }
  unbindSlots(f, mask, bound);
  return result;
}

/** The value of a body from expression `j` on (runDet ran the ones before), over all solutions. */
function bodyValues(rule: CRule, body: CBody, j: number, f: Frame, ctx: Ctx, conflictMsg: string): Value | undefined {
  let result: Value | undefined;
  const value = body.value!;
  // The value term usually has one value (a constant, a bound variable, a ref): computed
  // directly, as evalTerm would, without a continuation per solution.
  const k = (): boolean => {
    const v = det(value, f, ctx);
    if (v !== GEN) {
      if (v === undefined) return false;
      if (result !== undefined && !equals(result, v)) conflict(conflictMsg, rule);
      result = v;
      return body.constValue;
    }
    return evalTerm(value, f, ctx, (x) => {
      if (result !== undefined && !equals(result, x)) conflict(conflictMsg, rule);
      result = x;
      return body.constValue;
    });
  };
  if (j === body.exprs.length) k();
  else evalGen(body.exprs, j, f, ctx, k);
  return result;
}

/** The value of a rule's value term with several solutions (they must agree). */
function valueOfTerm(rule: CRule, value: CTerm, f: Frame, ctx: Ctx, conflictMsg: string, first: boolean): Value | undefined {
  let result: Value | undefined;
  evalTerm(value, f, ctx, (x) => {
    if (result !== undefined && !equals(result, x)) conflict(conflictMsg, rule);
    result = x;
    return first;
  });
  return result;
}

/**
 * One frame for all rules of a node, of the largest size any needs: a body leaves unbound the
 * slots it binds, which the bodies of an else chain already rely on.
 */
function nodeFrame(rules: readonly CRule[], also: CRule | undefined): Frame {
  let n = also === undefined ? 0 : also.nslots;
  for (const r of rules) if (r.nslots > n) n = r.nslots;
  return new Array<Value | undefined>(n);
}

function evalComplete(node: DataNode, ctx: Ctx): Value | undefined {
  let result: Value | undefined;
  const rules = candidateRules(node, ctx.input);
  const f = nodeFrame(rules, node.defaultRule);
  for (const rule of rules) {
    const v = ruleBodiesValue(rule, f, ctx, 'complete rules must not produce multiple outputs');
    if (v === undefined) continue;
    if (result !== undefined && !equals(result, v)) conflict('complete rules must not produce multiple outputs', rule);
    result = v;
    if (node.earlyExit) break;
  }
  if (result === undefined && node.defaultRule) {
    const d = node.defaultRule;
    result = ruleBodiesValue(d, f, ctx, 'conflict');
  }
  return result;
}

function evalSetRules(node: DataNode, ctx: Ctx): Value {
  const out = new StructSet();
  // One frame and one pair of continuations for all rules of the node (they run only inside
  // the evalBody of the current rule, which sets `term` before it starts).
  const rules = candidateRules(node, ctx.input);
  const f = nodeFrame(rules, undefined);
  let term: CTerm | undefined;
  const add = (v: Value): boolean => (out.add(v), false);
  const head = (): boolean => evalTerm(term!, f, ctx, add);
  for (const rule of rules) {
    term = rule.contains!;
    evalBody(rule.bodies[0]!.exprs, 0, f, ctx, head);
  }
  return out;
}

function evalObjectRules(node: DataNode, ctx: Ctx): Value {
  const out = new StructObject();
  const rules = candidateRules(node, ctx.input);
  const f = nodeFrame(rules, undefined);
  for (const rule of rules) {
    const body = rule.bodies[0]!;
    evalBody(body.exprs, 0, f, ctx, () =>
      evalSeq(rule.suffix, f, ctx, (keys) => {
        if (rule.contains) return evalTerm(rule.contains, f, ctx, (v) => (insert(out, keys, v, true), false));
        return evalTerm(body.value!, f, ctx, (v) => (insert(out, keys, v, false), false));
      }),
    );
  }
  return out;
}

function insert(obj: RObject, keys: readonly Value[], v: Value, multi: boolean): void {
  let o = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const c = o.get(keys[i]!);
    if (c === undefined) {
      const n = new StructObject();
      o.set(keys[i]!, n);
      o = n;
    } else if (c instanceof RObject && STRUCT.has(c)) {
      o = c;
    } else {
      throw new RegoError('eval_conflict_error', 'object keys must be unique');
    }
  }
  const last = keys[keys.length - 1]!;
  const prev = o.get(last);
  if (multi) {
    if (prev === undefined) o.set(last, new StructSet([v]));
    else if (prev instanceof RSet) prev.add(v);
    else throw new RegoError('eval_conflict_error', 'object keys must be unique');
    return;
  }
  if (prev !== undefined && !equals(prev, v)) throw new RegoError('eval_conflict_error', 'object keys must be unique');
  o.set(last, v);
}

// ---- calls ------------------------------------------------------------------------------

function evalCall(t: Extract<CTerm, { k: 'call' }>, f: Frame, outer: Ctx, k: VK): boolean {
  let fn: FnRef = t.fn;
  let ctx = outer;
  if (fn.kind === 'print') return evalPrint(t.args, f, ctx, k);
  if (fn.kind === 'unknown' && !ctx.mocks?.has(fn.name)) {
    throw new RegoError('eval_builtin_error', `unsupported builtin ${fn.name}`, t.loc);
  }
  let mock: Mock | undefined;
  if (ctx.mocks !== undefined) {
    mock = ctx.mocks.get(fn.name);
    if (mock && 'fn' in mock) {
      fn = mock.fn;
      mock = undefined;
      // inside a replacement no mock applies: it calls the originals (OPA semantics)
      ctx = new Ctx({ input: ctx.input, patch: ctx.patch, mocks: undefined, shared: ctx.shared });
    }
  }
  const arity = fnArity(fn, t.args.length);
  const out = t.args.length > arity ? t.args[arity] : undefined;
  const argTerms = out ? t.args.slice(0, arity) : t.args;
  return evalSeq(argTerms, f, outer, (args) => {
    const emit: VK = out ? (v) => unify(out, v, f, outer, () => k(true)) : k;
    if (mock && 'value' in mock) return emit(mock.value);
    return invoke(fn, args, t, ctx, emit);
  });
}

function fnArity(fn: FnRef, given: number): number {
  switch (fn.kind) {
    case 'builtin':
      return fn.def.arity;
    case 'op':
    case 'relation':
      return fn.arity;
    case 'user':
      return fn.node.funcArity >= 0 ? fn.node.funcArity : given;
    case 'print':
    case 'unknown':
      return given;
  }
}

function invoke(fn: FnRef, args: readonly Value[], t: Extract<CTerm, { k: 'call' }>, ctx: Ctx, k: VK): boolean {
  let r: Value | undefined;
  switch (fn.kind) {
    case 'user':
      return callUser(fn.node, args, ctx, k);
    case 'unknown':
      throw new RegoError('eval_builtin_error', `unsupported builtin ${fn.name}`, t.loc);
    case 'print':
      return k(true);
    case 'relation':
      for (const v of fn.gen(args)) if (k(v)) return true;
      return false;
    case 'op':
    case 'builtin':
      r = invokeBuiltin(fn, args, t, ctx);
      return r === undefined ? false : k(r);
  }
}

/** Calls a builtin or operator: its value, or undefined (a type error outside strict mode). */
function invokeBuiltin(
  fn: Extract<FnRef, { kind: 'op' | 'builtin' }>,
  args: readonly Value[],
  t: Extract<CTerm, { k: 'call' }>,
  ctx: Ctx,
): Value | undefined {
  try {
    return fn.kind === 'op' ? fn.impl(args) : fn.def.fn(args, ctx.shared.bctx);
  } catch (err) {
    if (RegoError.isInstance(err) && (err.code === 'eval_type_error' || err.code === 'eval_builtin_error')) {
      if (!ctx.shared.strict) return undefined;
      throw err.withLocation(t.loc);
    }
    if (RegoError.isInstance(err)) throw err;
    if (err instanceof RangeError) throw err;
    throw new RegoError('eval_builtin_error', `${fn.name}: ${err instanceof Error ? err.message : String(err)}`, t.loc);
  }
}

function callUser(node: DataNode, args: readonly Value[], ctx: Ctx, k: VK): boolean {
  enter(ctx);
  let result: Value | undefined;
  try {
    const msg = 'functions must not produce multiple outputs for same inputs';
    for (const rule of node.funcs) {
      const v = funcValue(rule, args, ctx, msg);
      if (v === undefined) continue;
      if (result !== undefined && !equals(result, v)) conflict(msg, rule);
      result = v;
      if (node.funcEarlyExit) break;
    }
    if (result === undefined && node.defaultFunc) result = funcValue(node.defaultFunc, args, ctx, msg);
  } finally {
    ctx.shared.depth--;
  }
  return result === undefined ? false : k(result);
}

function funcValue(rule: CRule, args: readonly Value[], ctx: Ctx, msg: string): Value | undefined {
  const patterns = rule.args!;
  if (patterns.length !== args.length) return undefined;
  const f = new Array<Value | undefined>(rule.nslots);
  for (const body of rule.bodies) {
    let result: Value | undefined;
    const go = (i: number): boolean => {
      if (i < patterns.length) return unify(patterns[i]!, args[i]!, f, ctx, () => go(i + 1));
      result = bodyValueInto(rule, body, f, ctx, msg, result);
      return result !== undefined && body.constValue;
    };
    go(0);
    if (result !== undefined) return result;
  }
  return undefined;
}

function bodyValueInto(rule: CRule, body: CBody, f: Frame, ctx: Ctx, msg: string, prev: Value | undefined): Value | undefined {
  const v = bodyValue(rule, body, f, ctx, msg);
  if (v === undefined) return prev;
  if (prev !== undefined && !equals(prev, v)) conflict(msg, rule);
  return v;
}

/**
 * Renders a template string: strings verbatim, other values as Rego text, undefined as
 * `<undefined>`; an embedded expression with several values is a conflict.
 */
function evalTemplate(parts: readonly (string | CTerm)[], f: Frame, ctx: Ctx): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    let got: Value | undefined;
    evalTerm(part, f, ctx, (v) => {
      if (got !== undefined && !equals(got, v)) {
        throw new RegoError('eval_conflict_error', 'template expressions must not produce multiple outputs');
      }
      got = v;
      return false;
    });
    out += got === undefined ? '<undefined>' : typeof got === 'string' ? got : toRegoString(got);
  }
  return out;
}

function evalPrint(args: readonly CTerm[], f: Frame, ctx: Ctx, k: VK): boolean {
  const parts = args.map((a) => {
    const vals: string[] = [];
    evalTerm(a, f, ctx, (v) => (vals.push(typeof v === 'string' ? v : toRegoString(v)), false));
    return vals.length === 0 ? '<undefined>' : vals.join(' ');
  });
  ctx.shared.print(parts.join(' '));
  return k(true);
}

// ---- with -------------------------------------------------------------------------------

function firstValue(t: CTerm, f: Frame, ctx: Ctx): Value | undefined {
  let out: Value | undefined;
  evalTerm(t, f, ctx, (v) => ((out = v), true));
  return out;
}

function applyWiths(withs: readonly CWith[], f: Frame, ctx: Ctx): Ctx | undefined {
  let input = ctx.input;
  let patch = ctx.patch;
  let mocks = ctx.mocks;
  for (const w of withs) {
    if (w.kind === 'fn' && w.valueFn) {
      const m = new Map(mocks ?? []);
      m.set(w.name, { fn: w.valueFn });
      mocks = m;
      continue;
    }
    const v = firstValue(w.value!, f, ctx);
    if (v === undefined) return undefined;
    if (w.kind === 'input') input = w.path.length === 0 ? v : setPath(input, w.path, v);
    else if (w.kind === 'data') patch = addPatch(patch, w.path, v);
    else {
      const m = new Map(mocks ?? []);
      m.set(w.name, { value: v });
      mocks = m;
    }
  }
  return new Ctx({ input, patch, mocks, shared: ctx.shared });
}
