/**
 * The Rego abstract syntax tree produced by the parser and consumed by the compiler.
 * @packageDocumentation
 */
import type { RegoLocation } from '../errors.ts';
import type { Value } from '../value.ts';

/** A term: a value-producing piece of syntax. */
export type Term =
  | { readonly t: 'scalar'; readonly v: Value; readonly loc: RegoLocation }
  | { readonly t: 'var'; readonly name: string; readonly loc: RegoLocation }
  | { readonly t: 'ref'; readonly head: Term; readonly path: readonly Term[]; readonly loc: RegoLocation }
  | { readonly t: 'array'; readonly items: readonly Term[]; readonly loc: RegoLocation }
  | { readonly t: 'set'; readonly items: readonly Term[]; readonly loc: RegoLocation }
  | { readonly t: 'object'; readonly pairs: readonly (readonly [Term, Term])[]; readonly loc: RegoLocation }
  | { readonly t: 'call'; readonly fn: Term; readonly args: readonly Term[]; readonly loc: RegoLocation }
  /** A template string (`$"a {x} b"`): literal text and embedded expressions. */
  | { readonly t: 'template'; readonly parts: readonly (string | Term)[]; readonly loc: RegoLocation }
  | { readonly t: 'acompr'; readonly head: Term; readonly body: readonly Expr[]; readonly loc: RegoLocation }
  | { readonly t: 'scompr'; readonly head: Term; readonly body: readonly Expr[]; readonly loc: RegoLocation }
  | {
      readonly t: 'ocompr';
      readonly key: Term;
      readonly value: Term;
      readonly body: readonly Expr[];
      readonly loc: RegoLocation;
    };

/** `with target as value`. */
export interface With {
  readonly target: Term;
  readonly value: Term;
  readonly loc: RegoLocation;
}

/** A body expression (literal). */
export type Expr =
  | { readonly e: 'term'; readonly term: Term; readonly neg: boolean; readonly with: readonly With[]; readonly loc: RegoLocation }
  | { readonly e: 'some'; readonly vars: readonly Term[]; readonly loc: RegoLocation }
  | {
      readonly e: 'somein';
      readonly key: Term | undefined;
      readonly value: Term;
      readonly domain: Term;
      readonly with: readonly With[];
      readonly loc: RegoLocation;
    }
  | {
      readonly e: 'every';
      readonly key: Term | undefined;
      readonly value: Term;
      readonly domain: Term;
      readonly body: readonly Expr[];
      readonly neg: boolean;
      readonly with: readonly With[];
      readonly loc: RegoLocation;
    };

/** One rule, possibly with an `else` chain. */
export interface Rule {
  readonly loc: RegoLocation;
  readonly isDefault: boolean;
  /** Head reference: first element is the rule name as a string scalar. */
  readonly ref: readonly Term[];
  readonly args: readonly Term[] | undefined;
  /** `contains` key for multi-value rules. */
  readonly contains: Term | undefined;
  readonly value: Term | undefined;
  readonly body: readonly Expr[];
  readonly elseRule: Rule | undefined;
  /** `# METADATA` annotations directly above the rule (parsed YAML). */
  readonly annotations?: Record<string, unknown>;
}

/** `import path [as alias]`. */
export interface Import {
  readonly path: Term;
  readonly alias: string | undefined;
  readonly loc: RegoLocation;
}

/** A parsed module. */
export interface Module {
  readonly file: string;
  readonly pkg: readonly string[];
  readonly imports: readonly Import[];
  readonly rules: readonly Rule[];
  /** `# METADATA` annotations directly above the package statement (parsed YAML). */
  readonly annotations?: Record<string, unknown>;
}
