/**
 * Compiler: resolves names (locals, imports, rules, builtins), numbers variables into frame
 * slots, builds the data tree and reorders body expressions for safety like OPA.
 * @packageDocumentation
 */
/* eslint-disable max-params -- evaluator/compiler internals: positional arguments keep the per-step hot path free of option-object allocations (see docs/decisions, Rego engine ADR) */
import { builtins } from '../builtins/index.ts';
import { RegoError, type RegoLocation } from '../errors.ts';
import type { Expr, Module, Rule, Term } from '../lang/ast.ts';
import { RObject, RSet, type Value } from '../value.ts';
import { OPS, RELATIONS, isKnownBuiltinNamespace } from './ops.ts';
import { chainMetadata, indexMetadata, normalizeAnnotations, ruleMetadata, type MetadataIndex } from './metadata.ts';
import { checkRecursion } from './recursion.ts';
import { buildIndex, sameConstantValue } from './rule-index.ts';
import { assignIds, ensureNode, findNode, markVirtual } from './tree.ts';
import type { CBody, CExpr, CRule, CTerm, CWith, DataNode, FnRef } from './types.ts';

type Local = Extract<CTerm, { k: 'local' }>;

class Scope {
  readonly vars = new Map<string, Local>();
  /** Names declared with `:=` in this scope. */
  readonly assigned = new Set<string>();
  readonly parent: Scope | undefined;
  constructor(parent?: Scope) {
    this.parent = parent;
  }
  lookup(name: string): Local | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
  }
}

/** Per-package name information. */
interface PkgInfo {
  readonly path: readonly string[];
  /** First segments of rule heads in the package. */
  readonly names: Set<string>;
}

/** Everything the compiler knows about the program. */
export interface Program {
  readonly root: DataNode;
  readonly nodeCount: number;
  readonly rules: Array<{ path: string; file: string; line: number; name: string; annotations?: Record<string, unknown> }>;
}

const NOLOC: RegoLocation = { file: '', line: 0, col: 0 };
const ROOT_NAMES = new Set(['input', 'data']);

/** Compiles parsed modules into the data tree. @throws RegoError compile errors with locations */
export function compileModules(modules: readonly Module[], root: DataNode): Program {
  const pkgs = new Map<string, PkgInfo>();
  for (const m of modules) {
    const key = m.pkg.join('.');
    let info = pkgs.get(key);
    if (!info) {
      info = { path: m.pkg, names: new Set() };
      pkgs.set(key, info);
    }
    for (const r of m.rules) info.names.add(ruleName(r));
  }
  // 1. place rules (nodes must exist before bodies resolve references)
  const placed: Array<{ m: Module; r: Rule; node: DataNode; suffixStart: number }> = [];
  for (const m of modules) {
    ensureNode(root, m.pkg);
    markVirtual(root, m.pkg);
    for (const r of m.rules) {
      let i = 0;
      const staticPath: string[] = [...m.pkg];
      while (i < r.ref.length) {
        const t = r.ref[i]!;
        if (t.t !== 'scalar' || typeof t.v !== 'string') break;
        staticPath.push(t.v);
        i++;
      }
      const node = ensureNode(root, staticPath);
      markVirtual(root, staticPath);
      if (r.args) node.funcArity = r.args.length;
      placed.push({ m, r, node, suffixStart: i });
    }
  }
  const rules: Program['rules'] = [];
  const meta = indexMetadata(modules);
  for (const { m, r, node, suffixStart } of placed) {
    const c = new ModuleCompiler(m, root, pkgs);
    c.metadata = { index: meta, rule: r };
    const full = r.ref.length === suffixStart;
    const kind: DataNode['kind'] = r.args ? 'none' : !full ? 'object' : r.contains ? 'set' : 'complete';
    if (r.elseRule && !r.args && (!full || r.contains)) {
      throw c.error('rego_parse_error', 'else keyword cannot be used on multi-value or partial rules', r.elseRule.loc);
    }
    const rule = c.rule(r, suffixStart);
    if (r.args) {
      if (!full) throw c.error('rego_type_error', 'function names must be static', r.loc);
      if (r.isDefault) node.defaultFunc = rule;
      else node.funcs.push(rule);
      if (node.kind !== 'none') throw c.error('rego_type_error', `conflicting rules ${node.path.join('.')} found`, r.loc);
    } else {
      if (node.funcs.length > 0 || (node.kind !== 'none' && node.kind !== kind)) {
        throw c.error('rego_type_error', `conflicting rules data.${node.path.join('.')} found`, r.loc);
      }
      node.kind = kind;
      if (r.isDefault) {
        if (node.defaultRule) throw c.error('rego_type_error', `multiple default rules data.${node.path.join('.')} found`, r.loc);
        node.defaultRule = rule;
      } else {
        node.rules.push(rule);
      }
    }
    rules.push({
      path: 'data.' + node.path.join('.'),
      file: m.file,
      line: r.loc.line,
      name: node.key,
      ...(r.annotations ? { annotations: { ...normalizeAnnotations(r.annotations, 'rule') } } : {}),
    });
  }
  checkRecursion(root);
  for (const { node } of placed) {
    if (node.index === undefined) node.index = buildIndex(node.rules);
    node.earlyExit = node.kind === 'complete' && sameConstantValue(node.rules);
    node.funcEarlyExit = sameConstantValue(node.funcs);
  }
  return { root, rules, nodeCount: assignIds(root) };
}

/** Compiles an ad-hoc query body against a program. */
export function compileQuery(
  body: readonly Expr[],
  root: DataNode,
): { exprs: CExpr[]; nslots: number; vars: Array<{ name: string; slot: number }> } {
  const m: Module = { file: 'query', pkg: [], imports: [], rules: [] };
  const c = new ModuleCompiler(m, root, new Map());
  const scope = new Scope();
  const exprs = c.body(body, scope, new Set(), []);
  const vars = [...scope.vars.values()]
    .filter((v) => !v.name.startsWith('_'))
    .map((v) => ({ name: v.name, slot: v.slot }));
  return { exprs, nslots: c.nslots, vars };
}

class ModuleCompiler {
  nslots = 0;
  /** The rule being compiled, for `rego.metadata.*`. */
  metadata: { index: MetadataIndex; rule: Rule } | undefined;
  private readonly m: Module;
  private readonly root: DataNode;
  private readonly pkg: PkgInfo;
  private readonly imports = new Map<string, Term>();

  constructor(m: Module, root: DataNode, pkgs: Map<string, PkgInfo>) {
    this.m = m;
    this.root = root;
    this.pkg = pkgs.get(m.pkg.join('.')) ?? { path: m.pkg, names: new Set() };
    for (const imp of m.imports) {
      const path = refPath(imp.path);
      if (!path || path.length === 0) throw this.error('rego_parse_error', 'invalid import path', imp.loc);
      const head = path[0];
      if (head === 'rego' || head === 'future') continue;
      if (head !== 'data' && head !== 'input') {
        throw this.error('rego_compile_error', 'invalid import, must begin with input or data', imp.loc);
      }
      const alias = imp.alias ?? path[path.length - 1]!;
      this.imports.set(alias, imp.path);
    }
  }

  error(code: RegoError['code'], msg: string, loc: RegoLocation): RegoError {
    return new RegoError(code, msg, loc);
  }

  rule(r: Rule, suffixStart: number): CRule {
    this.nslots = 0;
    const argScope = new Scope();
    const bound = new Set<number>();
    let args: CTerm[] | undefined;
    if (r.args) {
      for (const a of r.args) this.declarePattern(a, argScope);
      args = r.args.map((a) => this.term(a, argScope));
      for (const v of argScope.vars.values()) bound.add(v.slot);
    }
    const bodies: CBody[] = [];
    let suffix: CTerm[] = [];
    let contains: CTerm | undefined;
    for (let cur: Rule | undefined = r; cur; cur = cur.elseRule) {
      const scope = new Scope(argScope);
      const headTerms: Term[] = [];
      if (cur === r) {
        headTerms.push(...r.ref.slice(suffixStart));
        if (r.contains) headTerms.push(r.contains);
      }
      if (cur.value) headTerms.push(cur.value);
      const exprs = this.body(cur.body, scope, bound, headTerms);
      if (cur === r) {
        suffix = r.ref.slice(suffixStart).map((t) => this.term(t, scope));
        contains = r.contains ? this.term(r.contains, scope) : undefined;
      }
      const value = cur.value ? this.term(cur.value, scope) : r.contains ? undefined : { k: 'const' as const, v: true };
      bodies.push({ exprs, value, constValue: value !== undefined && value.k === 'const' && suffix.length === 0 && !contains });
    }
    return {
      file: this.m.file,
      loc: r.loc,
      name: ruleName(r),
      nslots: this.nslots,
      args,
      suffix,
      contains,
      bodies,
    };
  }

  /** Compiles a body; `headTerms` are checked for safety after the body. */
  body(exprs: readonly Expr[], scope: Scope, bound: ReadonlySet<number>, headTerms: readonly Term[]): CExpr[] {
    // implicit (unification) vars of this level first; `:=`/`some` names are declared where
    // they appear, so closures before the declaration do not capture them
    const declared = new Set<string>();
    for (const e of exprs) declaredNames(e, declared);
    for (const e of exprs) this.declareLevel(e, scope, declared);
    const compiled = exprs.map((e) => {
      this.declareAt(e, scope);
      return this.expr(e, scope);
    });
    for (const t of headTerms) this.collectImplicit(t, scope);
    const ordered = reorder(compiled, bound, this);
    const boundAfter = new Set(bound);
    for (const e of ordered) for (const s of exprSlots(e).all) boundAfter.add(s);
    for (const t of headTerms) {
      const ct = this.term(t, scope);
      const u: SlotUse = { ins: new Set(), outs: new Set(), all: new Set() };
      classify(ct, 'in', u, false);
      for (const s of termSlots(ct)) {
        if (u.ins.has(s.slot) && !boundAfter.has(s.slot)) {
          const v = this.slotVar(s);
          throw this.error('rego_unsafe_var_error', `var ${v.name} is unsafe`, v.loc);
        }
      }
    }
    return ordered;
  }

  private declareAt(e: Expr, scope: Scope): void {
    if (e.e === 'some') for (const v of e.vars) this.declareVar(v, scope);
    else if (e.e === 'somein') {
      if (e.key) this.declarePattern(e.key, scope);
      this.declarePattern(e.value, scope);
    } else if (e.e === 'term' && e.term.t === 'call' && e.term.fn.t === 'var' && e.term.fn.name === 'assign') {
      const names = new Set<string>();
      patternNames(e.term.args[0]!, names);
      for (const name of names) {
        if (scope.vars.has(name) && !name.startsWith('_$')) {
          const how = scope.assigned.has(name) ? 'assigned' : 'referenced';
          throw this.error('rego_compile_error', `var ${name} ${how} above`, e.loc);
        }
        scope.assigned.add(name);
      }
      this.declarePattern(e.term.args[0]!, scope);
    }
  }

  private declareLevel(e: Expr, scope: Scope, skip: ReadonlySet<string>): void {
    switch (e.e) {
      case 'some':
        return;
      case 'somein':
        this.collectImplicit(e.domain, scope, skip);
        for (const w of e.with) if (!this.namesFunction(w.value, scope)) this.collectImplicit(w.value, scope, skip);
        return;
      case 'every':
        this.collectImplicit(e.domain, scope, skip);
        return;
      case 'term':
        if (e.term.t === 'call' && e.term.fn.t === 'var' && e.term.fn.name === 'assign') {
          this.collectImplicit(e.term.args[1]!, scope, skip);
        } else {
          this.collectImplicit(e.term, scope, skip);
        }
        for (const w of e.with) if (!this.namesFunction(w.value, scope)) this.collectImplicit(w.value, scope, skip);
        return;
    }
  }

  /** Declared variables by slot (names and locations for error messages). */
  readonly slotVars: Local[] = [];

  private newLocal(name: string, loc: RegoLocation): Local {
    const v: Local = { k: 'local', slot: this.nslots++, name, loc };
    this.slotVars[v.slot] = v;
    return v;
  }

  /** The declared variable of a slot (captured slots are reported by their real name). */
  slotVar(l: Local): Local {
    return l.name === '?' ? (this.slotVars[l.slot] ?? l) : l;
  }

  private namesFunction(t: Term, scope: Scope): boolean {
    if (t.t !== 'var' && t.t !== 'ref') return false;
    const name = this.fnName(t);
    return name !== undefined && !scope.lookup(name.split('.')[0]!) && this.resolveFn(name, scope, t.loc) !== undefined;
  }

  private declareVar(v: Term, scope: Scope): void {
    if (v.t !== 'var') return;
    if (!scope.vars.has(v.name)) scope.vars.set(v.name, this.newLocal(v.name, v.loc));
  }

  private declarePattern(t: Term, scope: Scope): void {
    switch (t.t) {
      case 'var':
        this.declareVar(t, scope);
        return;
      case 'array':
      case 'set':
        for (const x of t.items) this.declarePattern(x, scope);
        return;
      case 'object':
        for (const [, v] of t.pairs) this.declarePattern(v, scope);
        return;
      case 'scalar':
      case 'ref':
      case 'call':
      case 'template':
      case 'acompr':
      case 'scompr':
      case 'ocompr':
        this.collectImplicit(t, scope);
    }
  }

  /** Declares vars of this level that resolve to nothing else (not inside closures). */
  private collectImplicit(t: Term, scope: Scope, skip?: ReadonlySet<string>): void {
    switch (t.t) {
      case 'var':
        if (!skip?.has(t.name) && !this.resolvesGlobally(t.name, scope)) this.declareVar(t, scope);
        return;
      case 'ref':
        this.collectImplicit(t.head, scope, skip);
        for (const p of t.path) this.collectImplicit(p, scope, skip);
        return;
      case 'array':
      case 'set':
        for (const x of t.items) this.collectImplicit(x, scope, skip);
        return;
      case 'object':
        for (const [k, v] of t.pairs) {
          this.collectImplicit(k, scope, skip);
          this.collectImplicit(v, scope, skip);
        }
        return;
      case 'call':
        for (const a of t.args) this.collectImplicit(a, scope, skip);
        return;
      case 'template':
        for (const x of t.parts) if (typeof x !== 'string') this.collectImplicit(x, scope, skip);
        return;
      case 'scalar':
      case 'acompr':
      case 'scompr':
      case 'ocompr':
        return;
    }
  }

  private resolvesGlobally(name: string, scope: Scope): boolean {
    return (
      scope.lookup(name) !== undefined || ROOT_NAMES.has(name) || this.imports.has(name) || this.pkg.names.has(name)
    );
  }

  private dataRef(path: readonly string[], rest: readonly CTerm[], loc: RegoLocation): CTerm {
    // walk the static prefix through non-rule nodes at compile time
    let node = this.root;
    let i = 0;
    const all: CTerm[] = [...path.map((p): CTerm => ({ k: 'const', v: p })), ...rest];
    while (i < all.length && node.kind === 'none' && node.funcArity < 0) {
      const t = all[i]!;
      if (t.k !== 'const' || typeof t.v !== 'string') break;
      const child = node.children.get(t.v);
      if (!child) break;
      node = child;
      i++;
    }
    const head: CTerm = { k: 'data', node };
    return i === all.length ? head : { k: 'ref', head, path: all.slice(i), loc };
  }

  /** Resolves a var name that is not a local. */
  private resolveName(name: string, scope: Scope, loc: RegoLocation): CTerm {
    const local = scope.lookup(name);
    if (local) return local;
    if (name === 'input') return { k: 'input' };
    if (name === 'data') return { k: 'data', node: this.root };
    const imp = this.imports.get(name);
    if (imp) return this.term(imp, new Scope());
    if (this.pkg.names.has(name)) return this.dataRef([...this.pkg.path, name], [], loc);
    // should have been declared by collectImplicit; declare now (e.g. head-only vars)
    const v: Local = this.newLocal(name, loc);
    scope.vars.set(name, v);
    return v;
  }

  term(t: Term, scope: Scope): CTerm {
    switch (t.t) {
      case 'scalar':
        return { k: 'const', v: t.v };
      case 'var':
        return this.resolveName(t.name, scope, t.loc);
      case 'ref': {
        const head = this.term(t.head, scope);
        const path = t.path.map((p) => this.term(p, scope));
        if (head.k === 'data') {
          return this.dataRef(head.node.path, path, t.loc);
        }
        if (head.k === 'ref') {
          if (head.head.k === 'data') return this.dataRef(head.head.node.path, [...head.path, ...path], t.loc);
          return { k: 'ref', head: head.head, path: [...head.path, ...path], loc: t.loc };
        }
        return { k: 'ref', head, path, loc: t.loc };
      }
      case 'array': {
        const items = t.items.map((x) => this.term(x, scope));
        if (items.every((x) => x.k === 'const')) return { k: 'const', v: items.map((x) => (x as { v: Value }).v) };
        return { k: 'array', items };
      }
      case 'set': {
        const items = t.items.map((x) => this.term(x, scope));
        if (items.every((x) => x.k === 'const')) return { k: 'const', v: new RSet(items.map((x) => (x as { v: Value }).v)) };
        return { k: 'set', items };
      }
      case 'object': {
        const keys = t.pairs.map(([k]) => this.term(k, scope));
        const values = t.pairs.map(([, v]) => this.term(v, scope));
        if (keys.every((x) => x.k === 'const') && values.every((x) => x.k === 'const')) {
          const o = new RObject();
          keys.forEach((k, i) => o.set((k as { v: Value }).v, (values[i] as { v: Value }).v));
          return { k: 'const', v: o };
        }
        return { k: 'object', keys, values };
      }
      case 'call':
        return this.call(t, scope);
      case 'template':
        return { k: 'template', parts: t.parts.map((x) => (typeof x === 'string' ? x : this.term(x, scope))), loc: t.loc };
      case 'acompr':
      case 'scompr': {
        const start = this.nslots;
        const inner = new Scope(scope);
        const body = this.body(t.body, inner, this.outerSlots(scope), [t.head]);
        const head = this.term(t.head, inner);
        const captures = capturesOf([head], body, start);
        return { k: t.t, head, body, captures };
      }
      case 'ocompr': {
        const start = this.nslots;
        const inner = new Scope(scope);
        const body = this.body(t.body, inner, this.outerSlots(scope), [t.key, t.value]);
        const key = this.term(t.key, inner);
        const value = this.term(t.value, inner);
        return { k: 'ocompr', key, value, body, captures: capturesOf([key, value], body, start) };
      }
    }
  }

  /** All slots visible from `scope` (treated as bound inside closures). */
  private outerSlots(scope: Scope): Set<number> {
    const out = new Set<number>();
    for (let s: Scope | undefined = scope; s; s = s.parent) for (const v of s.vars.values()) out.add(v.slot);
    return out;
  }

  private fnName(t: Term): string | undefined {
    if (t.t === 'var') return t.name;
    const p = refPath(t);
    return p ? p.join('.') : undefined;
  }

  /** Resolves a function name to a target. */
  resolveFn(name: string, scope: Scope | undefined, loc: RegoLocation): FnRef | undefined {
    const parts = name.split('.');
    const first = parts[0]!;
    if (scope?.lookup(first)) return undefined;
    let path: string[] | undefined;
    if (first === 'data') path = parts.slice(1);
    else if (this.imports.has(first)) {
      const ip = refPath(this.imports.get(first)!);
      if (ip && ip[0] === 'data') path = [...ip.slice(1), ...parts.slice(1)];
    } else if (this.pkg.names.has(first)) path = [...this.pkg.path, ...parts];
    if (path) {
      const node = findNode(this.root, path);
      if (node && node.funcArity >= 0) return { kind: 'user', name: 'data.' + path.join('.'), node };
      if (first === 'data' || this.imports.has(first)) return undefined;
    }
    if (name === 'print') return { kind: 'print', name: 'print' };
    if (name === 'rego.metadata.rule' || name === 'rego.metadata.chain') {
      const md = this.metadata;
      const v: Value = !md
        ? name === 'rego.metadata.rule'
          ? new RObject()
          : []
        : name === 'rego.metadata.rule'
          ? ruleMetadata(md.index, this.m, md.rule)
          : chainMetadata(md.index, this.m, md.rule);
      return { kind: 'op', name, arity: 0, impl: () => v, binary: undefined };
    }
    const rel = RELATIONS.get(name);
    if (rel) return { kind: 'relation', name, arity: rel.arity, gen: rel.gen };
    const op = OPS.get(name);
    if (op && !builtins.has(name)) return { kind: 'op', name, impl: op.impl, arity: op.arity, binary: op.binary };
    const def = builtins.get(name);
    if (def) return { kind: 'builtin', name, def };
    if (op) return { kind: 'op', name, impl: op.impl, arity: op.arity, binary: op.binary };
    if (isKnownBuiltinNamespace(name)) return { kind: 'unknown', name };
    void loc;
    return undefined;
  }

  private call(t: Extract<Term, { t: 'call' }>, scope: Scope): CTerm {
    const name = this.fnName(t.fn);
    const fn = name ? this.resolveFn(name, scope, t.loc) : undefined;
    if (!fn) throw this.error('rego_type_error', `undefined function ${name ?? 'expression'}`, t.loc);
    const args = t.args.map((a) => this.term(a, scope));
    if (fn.kind === 'builtin' || fn.kind === 'op' || fn.kind === 'relation') {
      const arity = fn.kind === 'builtin' ? fn.def.arity : fn.arity;
      if (arity >= 0 && args.length !== arity && args.length !== arity + 1) {
        throw this.error(
          'rego_type_error',
          `${name}: arity mismatch: expected ${arity} arguments, got ${args.length}`,
          t.loc,
        );
      }
    }
    return { k: 'call', fn, args, loc: t.loc };
  }

  private expr(e: Expr, scope: Scope): CExpr {
    switch (e.e) {
      case 'some':
        return { k: 'noop', neg: false, withs: [], loc: e.loc };
      case 'somein': {
        const withs = this.withs(e.with, scope);
        return {
          k: 'somein',
          key: e.key ? this.term(e.key, scope) : undefined,
          value: this.term(e.value, scope),
          domain: this.term(e.domain, scope),
          neg: false,
          withs,
          loc: e.loc,
        };
      }
      case 'every': {
        const start = this.nslots;
        const inner = new Scope(scope);
        if (e.key) this.declarePattern(e.key, inner);
        this.declarePattern(e.value, inner);
        const key = e.key ? this.term(e.key, inner) : undefined;
        const value = this.term(e.value, inner);
        const outer = this.outerSlots(scope);
        for (const v of inner.vars.values()) outer.add(v.slot);
        const body = this.body(e.body, new Scope(inner), outer, []);
        return {
          k: 'every',
          key,
          value,
          domain: this.term(e.domain, scope),
          body,
          captures: capturesOf([], body, start),
          neg: e.neg,
          withs: this.withs(e.with, scope),
          loc: e.loc,
        };
      }
      case 'term': {
        const withs = this.withs(e.with, scope);
        const t = e.term;
        if (t.t === 'call' && t.fn.t === 'var' && (t.fn.name === 'assign' || t.fn.name === 'eq')) {
          const a = this.term(t.args[0]!, scope);
          const b = this.term(t.args[1]!, scope);
          if (t.fn.name === 'assign') return { k: 'assign', lhs: a, rhs: b, neg: e.neg, withs, loc: e.loc };
          return { k: 'eq', a, b, neg: e.neg, withs, loc: e.loc };
        }
        return { k: 'term', term: this.term(t, scope), neg: e.neg, withs, loc: e.loc };
      }
    }
  }

  private withs(ws: readonly { target: Term; value: Term; loc: RegoLocation }[], scope: Scope): CWith[] {
    return ws.map((w): CWith => {
      const path = refPath(w.target);
      if (!path) throw this.error('rego_type_error', 'with keyword target must reference existing input, data, or a function', w.loc);
      const valueName = w.value.t === 'var' || w.value.t === 'ref' ? this.fnName(w.value) : undefined;
      const valueFn = valueName && !scope.lookup(valueName.split('.')[0]!) ? this.resolveFn(valueName, scope, w.loc) : undefined;
      const mock = (name: string, target: FnRef | undefined): CWith => ({
        kind: 'fn',
        name,
        target,
        value: valueFn ? undefined : this.term(w.value, scope),
        valueFn,
      });
      if (path[0] === 'input') return { kind: 'input', path: path.slice(1), value: this.term(w.value, scope) };
      const full = path[0] === 'data' ? path : undefined;
      if (full) {
        const node = findNode(this.root, full.slice(1));
        if (node && node.funcArity >= 0) return mock(full.join('.'), { kind: 'user', name: full.join('.'), node });
        return { kind: 'data', path: full.slice(1), value: this.term(w.value, scope) };
      }
      const target = this.resolveFn(path.join('.'), undefined, w.loc);
      if (!target) throw this.error('rego_compile_error', `with keyword target ${path.join('.')} is not a function, input or data`, w.loc);
      return mock(target.name, target);
    });
  }
}

function patternNames(t: Term, out: Set<string>): void {
  if (t.t === 'var') out.add(t.name);
  else if (t.t === 'array' || t.t === 'set') for (const x of t.items) patternNames(x, out);
  else if (t.t === 'object') for (const [, v] of t.pairs) patternNames(v, out);
}

function declaredNames(e: Expr, out: Set<string>): void {
  if (e.e === 'some') for (const v of e.vars) patternNames(v, out);
  else if (e.e === 'somein') {
    if (e.key) patternNames(e.key, out);
    patternNames(e.value, out);
  } else if (e.e === 'term' && e.term.t === 'call' && e.term.fn.t === 'var' && e.term.fn.name === 'assign') {
    patternNames(e.term.args[0]!, out);
  }
}

function ruleName(r: Rule): string {
  const t = r.ref[0]!;
  return t.t === 'scalar' && typeof t.v === 'string' ? t.v : '';
}

/** Static dotted path of a var/ref term with string keys, or undefined. */
function refPath(t: Term): string[] | undefined {
  if (t.t === 'var') return [t.name];
  if (t.t !== 'ref' || t.head.t !== 'var') return undefined;
  const out = [t.head.name];
  for (const p of t.path) {
    if (p.t !== 'scalar' || typeof p.v !== 'string') return undefined;
    out.push(p.v);
  }
  return out;
}

// ---- safety analysis -------------------------------------------------------------------

interface SlotUse {
  readonly ins: Set<number>;
  readonly outs: Set<number>;
  readonly all: Set<number>;
}

function termSlots(t: CTerm, acc: Local[] = []): Local[] {
  switch (t.k) {
    case 'local':
      acc.push(t);
      break;
    case 'ref':
      termSlots(t.head, acc);
      for (const p of t.path) termSlots(p, acc);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) termSlots(x, acc);
      break;
    case 'object':
      for (const x of t.keys) termSlots(x, acc);
      for (const x of t.values) termSlots(x, acc);
      break;
    case 'call':
      for (const x of t.args) termSlots(x, acc);
      break;
    case 'template':
      for (const x of t.parts) if (typeof x !== 'string') termSlots(x, acc);
      break;
    case 'acompr':
    case 'scompr':
    case 'ocompr':
      for (const slot of t.captures) acc.push({ k: 'local', slot, name: '?', loc: NOLOC });
      break;
    case 'const':
    case 'data':
    case 'input':
      break;
  }
  return acc;
}

function exprLocals(e: CExpr): Local[] {
  const acc: Local[] = [];
  switch (e.k) {
    case 'term':
      termSlots(e.term, acc);
      break;
    case 'eq':
      termSlots(e.a, acc);
      termSlots(e.b, acc);
      break;
    case 'assign':
      termSlots(e.lhs, acc);
      termSlots(e.rhs, acc);
      break;
    case 'somein':
    case 'every':
      if (e.key) termSlots(e.key, acc);
      termSlots(e.value, acc);
      termSlots(e.domain, acc);
      if (e.k === 'every') for (const slot of e.captures) acc.push({ k: 'local', slot, name: '?', loc: NOLOC });
      break;
    case 'noop':
      break;
  }
  for (const w of e.withs) if (w.value) termSlots(w.value, acc);
  return acc;
}

/** Classifies slot uses of a term: `out` positions can be bound by evaluating the term. */
function classify(t: CTerm, mode: 'in' | 'out', u: SlotUse, closureOuter: boolean): void {
  switch (t.k) {
    case 'local':
      (mode === 'out' ? u.outs : u.ins).add(t.slot);
      u.all.add(t.slot);
      return;
    case 'ref':
      classify(t.head, 'in', u, closureOuter);
      for (const p of t.path) classify(p, p.k === 'call' || p.k === 'ref' ? 'in' : 'out', u, closureOuter);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) classify(x, t.k === 'set' ? 'in' : mode, u, closureOuter);
      return;
    case 'object':
      for (const x of t.keys) classify(x, 'in', u, closureOuter);
      for (const x of t.values) classify(x, mode, u, closureOuter);
      return;
    case 'call': {
      const fn = t.fn;
      const arity =
        fn.kind === 'builtin'
          ? fn.def.arity
          : fn.kind === 'op' || fn.kind === 'relation'
            ? fn.arity
            : fn.kind === 'user'
              ? fn.node.funcArity
              : fn.kind === 'unknown'
                ? 0
                : -1;
      t.args.forEach((a, i) => classify(a, arity >= 0 && i >= arity ? 'out' : 'in', u, closureOuter));
      return;
    }
    case 'template':
      for (const x of t.parts) if (typeof x !== 'string') classify(x, 'in', u, closureOuter);
      return;
    case 'acompr':
    case 'scompr':
    case 'ocompr':
      for (const s of t.captures) {
        u.ins.add(s);
        u.all.add(s);
      }
      return;
    case 'const':
    case 'data':
    case 'input':
      return;
  }
}

function capturesOf(heads: readonly CTerm[], body: readonly CExpr[], start: number): number[] {
  const out = new Set<number>();
  for (const h of heads) for (const l of termSlots(h)) if (l.slot < start) out.add(l.slot);
  for (const e of body) for (const l of exprLocals(e)) if (l.slot < start) out.add(l.slot);
  return [...out];
}

function exprSlots(e: CExpr): SlotUse {
  const u: SlotUse = { ins: new Set(), outs: new Set(), all: new Set() };
  switch (e.k) {
    case 'term':
      classify(e.term, 'in', u, false);
      break;
    case 'eq':
      classify(e.a, 'out', u, false);
      classify(e.b, 'out', u, false);
      break;
    case 'assign':
      classify(e.lhs, 'out', u, false);
      classify(e.rhs, 'in', u, false);
      break;
    case 'somein':
      if (e.key) classify(e.key, 'out', u, false);
      classify(e.value, 'out', u, false);
      classify(e.domain, 'in', u, false);
      break;
    case 'every':
      classify(e.domain, 'in', u, false);
      for (const s of e.captures) {
        u.ins.add(s);
        u.all.add(s);
      }
      break;
    case 'noop':
      break;
  }
  for (const w of e.withs) if (w.value) classify(w.value, 'in', u, false);
  return u;
}

/** OPA-style safety reordering: an expression runs once the vars it reads are bound. */
function reorder(exprs: CExpr[], bound: ReadonlySet<number>, c: ModuleCompiler): CExpr[] {
  const uses = exprs.map(exprSlots);
  // vars used by more than one expression: negations must wait for them
  const counts = new Map<number, number>();
  for (const u of uses) for (const s of u.all) counts.set(s, (counts.get(s) ?? 0) + 1);
  const needs = exprs.map((e, i) => {
    const u = uses[i]!;
    const n = new Set(u.ins);
    // a var bound by iteration inside the expression (`x == xs[x]`) is not an input
    if (!e.neg) for (const s of u.outs) n.delete(s);
    if (e.neg || e.k === 'every') for (const s of u.outs) if ((counts.get(s) ?? 0) > 1) n.add(s);
    if (e.neg) for (const s of u.ins) n.add(s);
    return n;
  });
  const have = new Set(bound);
  const out: CExpr[] = [];
  const done = new Array<boolean>(exprs.length).fill(false);
  for (let placed = 0; placed < exprs.length; placed++) {
    let pick = -1;
    for (let i = 0; i < exprs.length; i++) {
      if (done[i]) continue;
      let ok = true;
      for (const s of needs[i]!) {
        if (!have.has(s)) {
          ok = false;
          break;
        }
      }
      if (ok) {
        pick = i;
        break;
      }
    }
    if (pick < 0) {
      const i = done.findIndex((d) => !d);
      const e = exprs[i]!;
      const found = exprLocals(e).find((l) => needs[i]!.has(l.slot) && !have.has(l.slot));
      const missing = found ? c.slotVar(found) : undefined;
      throw c.error('rego_unsafe_var_error', `var ${missing?.name ?? '?'} is unsafe`, missing?.loc ?? e.loc);
    }
    done[pick] = true;
    out.push(exprs[pick]!);
    if (!exprs[pick]!.neg) for (const s of uses[pick]!.all) have.add(s);
  }
  return out;
}
