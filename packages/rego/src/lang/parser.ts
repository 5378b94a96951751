/**
 * Recursive-descent parser for Rego v1 (OPA 1.x syntax).
 * @packageDocumentation
 */
import { RegoError, type RegoLocation } from '../errors.ts';
import { numberValue, RSet } from '../value.ts';
import type { Expr, Import, Module, Rule, Term, With } from './ast.ts';
import { parse as parseYaml } from 'yaml';
import { tokenize, type Token } from './lexer.ts';

const KEYWORDS = new Set([
  'if', 'contains', 'in', 'every', 'some', 'not', 'with', 'as', 'default', 'else', 'package', 'import',
]);

let wildcardCounter = 0;
/** Maximum nesting of terms; deeper sources are rejected (no stack exhaustion). */
const MAX_DEPTH = 200;

/** Parses a module. @throws RegoError `rego_parse_error` */
export function parseModule(src: string, file: string): Module {
  return new Parser(src, file).module();
}

/** Parses a query (body). @throws RegoError `rego_parse_error` */
export function parseQuery(src: string, file = 'query'): Expr[] {
  return new Parser(src, file).query();
}

class Parser {
  private toks: Token[];
  private p = 0;
  private readonly file: string;
  /** >0 while inside (), [] or {} literals: newlines are insignificant there. */
  private group = 0;
  private noOr = false;
  private depth = 0;

  /** Metadata blocks keyed by the line of the statement they annotate. */
  private readonly metadata = new Map<number, { yaml: string; line: number }>();

  constructor(src: string, file: string, offset?: { line: number; col: number }) {
    this.file = file;
    const comments: Array<{ line: number; text: string }> = [];
    this.toks = tokenize(src, file, comments);
    this.collectMetadata(comments);
    if (offset) {
      // tokens of an embedded template expression: shift to their place in the file
      this.toks = this.toks.map((t) => ({
        ...t,
        col: t.line === 1 ? t.col + offset.col - 1 : t.col,
        line: t.line + offset.line - 1,
      }));
    }
  }

  private collectMetadata(comments: ReadonlyArray<{ line: number; text: string }>): void {
    for (let i = 0; i < comments.length; i++) {
      if (comments[i]!.text.trim() !== 'METADATA') continue;
      const start = comments[i]!.line;
      const lines: string[] = [];
      let last = start;
      while (i + 1 < comments.length && comments[i + 1]!.line === last + 1) {
        i++;
        last = comments[i]!.line;
        lines.push(comments[i]!.text.replace(/^ /, ''));
      }
      const next = this.toks.find((t) => t.line > last);
      if (next) this.metadata.set(next.line, { yaml: lines.join('\n'), line: start });
    }
  }

  private annotationsAt(line: number): Record<string, unknown> | undefined {
    const block = this.metadata.get(line);
    if (!block) return undefined;
    let doc: unknown;
    try {
      doc = parseYaml(block.yaml, { maxAliasCount: 10 });
    } catch (err) {
      throw new RegoError('rego_parse_error', `invalid METADATA block: ${(err as Error).message.split('\n')[0]}`, {
        file: this.file,
        line: block.line,
        col: 1,
      });
    }
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new RegoError('rego_parse_error', 'METADATA block must be a YAML mapping', { file: this.file, line: block.line, col: 1 });
    }
    return doc as Record<string, unknown>;
  }

  get tok(): Token {
    return this.toks[this.p]!;
  }
  private loc(t: Token = this.tok): RegoLocation {
    return { file: this.file, line: t.line, col: t.col };
  }
  err(msg: string, t: Token = this.tok): never {
    throw new RegoError('rego_parse_error', msg, this.loc(t));
  }
  private isOp(v: string, t: Token = this.tok): boolean {
    return t.k === 'op' && t.v === v;
  }
  private isKw(v: string, t: Token = this.tok): boolean {
    return t.k === 'ident' && t.v === v;
  }
  private expectOp(v: string): Token {
    if (!this.isOp(v)) this.err(`unexpected ${this.describe()}, expected ${v}`);
    return this.toks[this.p++]!;
  }
  describe(t: Token = this.tok): string {
    return t.k === 'eof' ? 'eof token' : `${t.k} token ${JSON.stringify(t.v)}`;
  }
  /** True if the current token continues the current term (same line or inside a group). */
  private cont(): boolean {
    return this.group > 0 || !this.tok.nl;
  }

  module(): Module {
    if (!this.isKw('package')) this.err('package expected');
    const pkgAnnotations = this.annotationsAt(this.tok.line);
    this.p++;
    const pkgTerm = this.headRef();
    const pkg = pkgTerm.map((t) => {
      if (t.t !== 'scalar' || typeof t.v !== 'string') this.err('package path must be static strings');
      return t.v;
    });
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (this.isKw('import')) {
      const loc = this.loc();
      this.p++;
      const path = this.postfix(this.primary());
      let alias: string | undefined;
      if (this.isKw('as') && !this.tok.nl) {
        this.p++;
        if (this.tok.k !== 'ident') this.err('alias expected');
        alias = this.toks[this.p++]!.v;
      }
      imports.push({ path, alias, loc });
    }
    while (this.tok.k !== 'eof') {
      if (this.isKw('import')) this.err('imports must appear before rules');
      rules.push(this.rule());
    }
    return { file: this.file, pkg, imports, rules, ...(pkgAnnotations ? { annotations: pkgAnnotations } : {}) };
  }

  query(): Expr[] {
    const body = this.bodyUntil('eof');
    if (body.length === 0) this.err('empty query');
    return body;
  }

  /** `name(.name | [term])*` */
  private headRef(): Term[] {
    const t = this.tok;
    if (t.k !== 'ident' || KEYWORDS.has(t.v)) this.err(`unexpected ${this.describe()}, expected rule name`);
    this.p++;
    const out: Term[] = [{ t: 'scalar', v: t.v, loc: this.loc(t) }];
    for (;;) {
      if (this.isOp('.') && !this.tok.nl) {
        this.p++;
        const n = this.tok;
        if (n.k !== 'ident') this.err('name expected after .');
        this.p++;
        out.push({ t: 'scalar', v: n.v, loc: this.loc(n) });
      } else if (this.isOp('[') && !this.tok.nl) {
        this.p++;
        this.group++;
        out.push(this.inExpr());
        this.group--;
        this.expectOp(']');
      } else {
        return out;
      }
    }
  }

  private rule(): Rule {
    const annotations = this.annotationsAt(this.tok.line);
    const rule = this.ruleInner();
    return annotations ? { ...rule, annotations } : rule;
  }

  private ruleInner(): Rule {
    const start = this.tok;
    let isDefault = false;
    if (this.isKw('default')) {
      isDefault = true;
      this.p++;
    }
    const ref = this.headRef();
    let args: Term[] | undefined;
    if (this.isOp('(') && !this.tok.nl) {
      this.p++;
      this.group++;
      args = this.termList(')');
      this.group--;
    }
    let contains: Term | undefined;
    let value: Term | undefined;
    if (isDefault) {
      if (!this.isOp(':=') && !this.isOp('=')) this.err('default rules must use := or =');
      this.p++;
      value = this.inExpr();
      return { loc: this.loc(start), isDefault, ref, args, contains, value, body: [], elseRule: undefined };
    }
    if (this.isKw('contains')) {
      this.p++;
      contains = this.inExpr();
    } else if ((this.isOp(':=') || this.isOp('=')) && !this.tok.nl) {
      this.p++;
      value = this.inExpr();
    }
    const body = this.ruleBody();
    let elseRule: Rule | undefined;
    if (this.isKw('else')) elseRule = this.elseChain(ref, args);
    return { loc: this.loc(start), isDefault, ref, args, contains, value, body: body ?? [], elseRule };
  }

  private elseChain(ref: Term[], args: Term[] | undefined): Rule {
    const start = this.tok;
    this.p++;
    let value: Term | undefined;
    if (this.isOp(':=') || this.isOp('=')) {
      this.p++;
      value = this.inExpr();
    }
    const body = this.ruleBody() ?? [];
    const elseRule = this.isKw('else') ? this.elseChain(ref, args) : undefined;
    return { loc: this.loc(start), isDefault: false, ref, args, contains: undefined, value, body, elseRule };
  }

  private ruleBody(): Expr[] | undefined {
    if (this.isKw('if')) {
      this.p++;
      if (this.isOp('{')) {
        const save = this.p;
        try {
          return this.braceBody();
        } catch (err) {
          // `if {x: 1 | ...}`: a term that starts with a brace, not a body
          this.p = save;
          try {
            const saved = this.group;
            this.group = 0;
            const e = this.literal();
            this.group = saved;
            return [e];
          } catch {
            throw err;
          }
        }
      }
      const saved = this.group;
      this.group = 0;
      const e = this.literal();
      this.group = saved;
      return [e];
    }
    if (this.isOp('{') && !this.tok.nl) return this.braceBody();
    return undefined;
  }

  private braceBody(): Expr[] {
    this.expectOp('{');
    const body = this.bodyUntil('}');
    this.expectOp('}');
    return body;
  }

  /** Parses literals separated by `;` or newlines until the closing token (not consumed). */
  private bodyUntil(close: string): Expr[] {
    const saved = this.group;
    const savedOr = this.noOr;
    this.group = 0;
    this.noOr = false;
    const out: Expr[] = [];
    const atEnd = (): boolean => (close === 'eof' ? this.tok.k === 'eof' : this.isOp(close));
    while (!atEnd()) {
      if (out.length > 0) {
        if (this.isOp(';')) {
          this.p++;
          if (atEnd()) break;
        } else if (!this.tok.nl) {
          this.err(`unexpected ${this.describe()}`);
        }
      }
      out.push(this.literal());
    }
    this.group = saved;
    this.noOr = savedOr;
    return out;
  }

  private literal(): Expr {
    const loc = this.loc();
    if (this.isKw('some')) {
      this.p++;
      return this.some(loc);
    }
    if (this.isKw('every')) {
      this.p++;
      return this.every(loc, false);
    }
    let neg = false;
    if (this.isKw('not')) {
      this.p++;
      neg = true;
      if (this.isKw('every')) {
        this.p++;
        return this.every(loc, true);
      }
    }
    const lhs = this.memberOrIn();
    let term = lhs;
    if ((this.isOp(':=') || this.isOp('=')) && this.cont()) {
      const op = this.toks[this.p++]!;
      const rhs = this.inExpr();
      term = this.call(op.v === ':=' ? 'assign' : 'eq', [lhs, rhs], this.loc(op));
    }
    return { e: 'term', term, neg, with: this.withs(), loc };
  }

  private withs(): With[] {
    const out: With[] = [];
    while (this.isKw('with')) {
      const loc = this.loc();
      this.p++;
      const target = this.postfix(this.primary());
      if (!this.isKw('as')) this.err('expected as');
      this.p++;
      const value = this.inExpr();
      out.push({ target, value, loc });
    }
    return out;
  }

  private some(loc: RegoLocation): Expr {
    const first = this.relation();
    let second: Term | undefined;
    if (this.isOp(',') && this.cont()) {
      // either `some k, v in xs` or `some x, y`
      const save = this.p;
      this.p++;
      const t = this.relation();
      if (this.isKw('in')) second = t;
      else this.p = save;
    }
    if (this.isKw('in') && this.cont()) {
      this.p++;
      const domain = this.relation();
      return second
        ? { e: 'somein', key: first, value: second, domain, with: this.withs(), loc }
        : { e: 'somein', key: undefined, value: first, domain, with: this.withs(), loc };
    }
    const vars: Term[] = [first];
    while (this.isOp(',') && this.cont()) {
      this.p++;
      vars.push(this.relation());
    }
    for (const v of vars) if (v.t !== 'var') this.err('expected var in some declaration');
    return { e: 'some', vars, loc };
  }

  private every(loc: RegoLocation, neg: boolean): Expr {
    const first = this.relation();
    let key: Term | undefined;
    let value = first;
    if (this.isOp(',')) {
      this.p++;
      key = first;
      value = this.relation();
    }
    if (!this.isKw('in')) this.err('expected in after every');
    this.p++;
    const domain = this.relation();
    const body = this.braceBody();
    return { e: 'every', key, value, domain, body, neg, with: this.withs(), loc };
  }

  private call(name: string, args: Term[], loc: RegoLocation): Term {
    return { t: 'call', fn: { t: 'var', name, loc }, args, loc };
  }

  /** `k, v in xs` (where a comma cannot mean a list separator), else {@link inExpr}. */
  private memberOrIn(): Term {
    const save = this.p;
    const first = this.relation();
    if (this.isOp(',') && this.cont()) {
      this.p++;
      const second = this.relation();
      if (this.isKw('in') && this.cont()) {
        const op = this.toks[this.p++]!;
        const domain = this.relation();
        let t = this.call('internal.member_3', [first, second, domain], this.loc(op));
        while (this.isKw('in') && this.cont()) {
          const op2 = this.toks[this.p++]!;
          t = this.call('internal.member_2', [t, this.relation()], this.loc(op2));
        }
        return t;
      }
    }
    this.p = save;
    return this.inExpr();
  }

  /** `x in xs`: lowest precedence infix. */
  inExpr(): Term {
    if (++this.depth > MAX_DEPTH) this.err(`nesting deeper than ${MAX_DEPTH} levels`);
    try {
      return this.inExprInner();
    } finally {
      this.depth--;
    }
  }

  private inExprInner(): Term {
    let lhs = this.relation();
    while (this.isKw('in') && this.cont()) {
      const op = this.toks[this.p++]!;
      const rhs = this.relation();
      lhs = this.call('internal.member_2', [lhs, rhs], this.loc(op));
    }
    return lhs;
  }

  private binary(next: () => Term, ops: Record<string, string>): Term {
    let lhs = next();
    for (;;) {
      const t = this.tok;
      if (t.k !== 'op' || !this.cont()) return lhs;
      const name = ops[t.v];
      if (name === undefined || (t.v === '|' && this.noOr)) return lhs;
      this.p++;
      const rhs = next();
      lhs = this.call(name, [lhs, rhs], this.loc(t));
    }
  }

  private relation(): Term {
    return this.binary(() => this.or(), {
      '==': 'equal', '!=': 'neq', '<': 'lt', '>': 'gt', '<=': 'lte', '>=': 'gte',
    });
  }
  private or(): Term {
    return this.binary(() => this.and(), { '|': 'or' });
  }
  private and(): Term {
    return this.binary(() => this.arith(), { '&': 'and' });
  }
  private arith(): Term {
    return this.binary(() => this.factor(), { '+': 'plus', '-': 'minus' });
  }
  private factor(): Term {
    return this.binary(() => this.postfix(this.primary()), { '*': 'mul', '/': 'div', '%': 'rem' });
  }

  private termList(close: string): Term[] {
    const out: Term[] = [];
    while (!this.isOp(close)) {
      out.push(this.inExpr());
      if (this.isOp(',')) this.p++;
      else if (!this.isOp(close)) this.err(`unexpected ${this.describe()}, expected ${close}`);
    }
    this.p++;
    return out;
  }

  private postfix(head: Term): Term {
    let term = head;
    for (;;) {
      if (this.isOp('.') && this.cont()) {
        const n = this.toks[this.p + 1]!;
        if (n.k !== 'ident') this.err('name expected after .', n);
        this.p += 2;
        term = this.extend(term, { t: 'scalar', v: n.v, loc: this.loc(n) });
      } else if (this.isOp('[') && !this.tok.nl) {
        this.p++;
        this.group++;
        const savedOr = this.noOr;
        this.noOr = false;
        const k = this.inExpr();
        this.noOr = savedOr;
        this.group--;
        this.expectOp(']');
        term = this.extend(term, k);
      } else if (this.isOp('(') && !this.tok.nl && (term.t === 'var' || term.t === 'ref')) {
        const loc = this.loc();
        this.p++;
        this.group++;
        const savedOr = this.noOr;
        this.noOr = false;
        const args = this.termList(')');
        this.noOr = savedOr;
        this.group--;
        term = { t: 'call', fn: term, args, loc: term.loc ?? loc };
      } else {
        return term;
      }
    }
  }

  private extend(term: Term, key: Term): Term {
    if (term.t === 'ref') return { t: 'ref', head: term.head, path: [...term.path, key], loc: term.loc };
    return { t: 'ref', head: term, path: [key], loc: term.loc };
  }

  private primary(): Term {
    const t = this.tok;
    const loc = this.loc(t);
    switch (t.k) {
      case 'number':
        this.p++;
        return { t: 'scalar', v: numberValue(t.v), loc };
      case 'string':
      case 'rawstring':
        this.p++;
        return { t: 'scalar', v: t.v, loc };
      case 'template': {
        this.p++;
        const parts = (t.parts ?? []).map((part): string | Term => {
          if ('text' in part) return part.text;
          const sub = new Parser(part.expr, this.file, { line: part.line, col: part.col });
          const term = sub.inExpr();
          if (sub.tok.k !== 'eof') sub.err(`unexpected ${sub.describe()} in template expression`);
          return term;
        });
        return { t: 'template', parts, loc };
      }
      case 'ident': {
        if (KEYWORDS.has(t.v) && !(t.v === 'contains' && this.isOp('(', this.toks[this.p + 1]))) {
          this.err(`unexpected ${this.describe()}`);
        }
        this.p++;
        if (t.v === 'true' || t.v === 'false') return { t: 'scalar', v: t.v === 'true', loc };
        if (t.v === 'null') return { t: 'scalar', v: null, loc };
        if (t.v === 'set' && this.isOp('(') && this.isOp(')', this.toks[this.p + 1])) {
          this.p += 2;
          return { t: 'set', items: [], loc };
        }
        if (t.v === '_') return { t: 'var', name: `_$${wildcardCounter++}`, loc };
        return { t: 'var', name: t.v, loc };
      }
      case 'op':
        break;
      case 'eof':
        this.err('unexpected eof token');
    }
    if (t.v === '-' && this.toks[this.p + 1]!.k === 'number') {
      const n = this.toks[this.p + 1]!;
      this.p += 2;
      return { t: 'scalar', v: numberValue('-' + n.v), loc };
    }
    if (t.v === '(') {
      this.p++;
      this.group++;
      const savedOr = this.noOr;
      this.noOr = false;
      const inner = this.memberOrIn();
      this.noOr = savedOr;
      this.group--;
      this.expectOp(')');
      return inner;
    }
    if (t.v === '[') return this.array(loc);
    if (t.v === '{') return this.brace(loc);
    return this.err(`unexpected ${this.describe()}`);
  }

  private withGroup<T>(noOr: boolean, f: () => T): T {
    const savedOr = this.noOr;
    this.group++;
    this.noOr = noOr;
    try {
      return f();
    } finally {
      this.group--;
      this.noOr = savedOr;
    }
  }

  private array(loc: RegoLocation): Term {
    this.p++;
    if (this.isOp(']')) {
      this.p++;
      return { t: 'array', items: [], loc };
    }
    const first = this.withGroup(true, () => this.inExpr());
    if (this.isOp('|')) {
      this.p++;
      const body = this.bodyUntil(']');
      this.expectOp(']');
      return { t: 'acompr', head: first, body, loc };
    }
    const items = [first];
    this.withGroup(false, () => {
      while (this.isOp(',')) {
        this.p++;
        if (this.isOp(']')) break;
        items.push(this.inExpr());
      }
    });
    this.expectOp(']');
    return { t: 'array', items, loc };
  }

  private brace(loc: RegoLocation): Term {
    this.p++;
    if (this.isOp('}')) {
      this.p++;
      return { t: 'object', pairs: [], loc };
    }
    const first = this.withGroup(true, () => this.inExpr());
    if (this.isOp(':')) {
      this.p++;
      const v = this.withGroup(true, () => this.inExpr());
      if (this.isOp('|')) {
        this.p++;
        const body = this.bodyUntil('}');
        this.expectOp('}');
        return { t: 'ocompr', key: first, value: v, body, loc };
      }
      const pairs: [Term, Term][] = [[first, v]];
      this.withGroup(false, () => {
        while (this.isOp(',')) {
          this.p++;
          if (this.isOp('}')) break;
          const k = this.inExpr();
          this.expectOp(':');
          pairs.push([k, this.inExpr()]);
        }
      });
      this.expectOp('}');
      return { t: 'object', pairs, loc };
    }
    if (this.isOp('|')) {
      this.p++;
      const body = this.bodyUntil('}');
      this.expectOp('}');
      return { t: 'scompr', head: first, body, loc };
    }
    const items = [first];
    this.withGroup(false, () => {
      while (this.isOp(',')) {
        this.p++;
        if (this.isOp('}')) break;
        items.push(this.inExpr());
      }
    });
    this.expectOp('}');
    // constant sets become scalar-free set terms; evaluation builds the RSet
    void RSet;
    return { t: 'set', items, loc };
  }
}
