/**
 * Compiled (resolved, slot-numbered, safety-ordered) program representation.
 * @packageDocumentation
 */
import type { BuiltinDef } from '../builtins/types.ts';
import type { RegoLocation } from '../errors.ts';
import type { Value } from '../value.ts';
import type { UNDEF } from './context.ts';
import type { RuleIndex } from './rule-index.ts';

/** A node of the data tree: a package, a rule or a prefix of rule paths. */
export interface DataNode {
  /** Dense index of the node in its tree (per-evaluation caches are arrays indexed by it). */
  id: number;
  readonly key: string;
  readonly path: readonly string[];
  readonly pathKey: string;
  readonly children: Map<string, DataNode>;
  /** Base data at this path (from `data` passed to compile), or undefined. */
  base: Value | undefined;
  /** Valued rules whose static head prefix ends here. */
  kind: 'none' | 'complete' | 'set' | 'object';
  readonly rules: CRule[];
  defaultRule: CRule | undefined;
  /** Function definitions at this path. */
  readonly funcs: CRule[];
  defaultFunc: CRule | undefined;
  /** Number of arguments when functions are defined here, else -1 (known before bodies compile). */
  funcArity: number;
  /** Equality index over `rules` (see rule-index.ts), built after compilation. */
  index: RuleIndex | undefined;
  /**
   * True if every body of every rule here has the same constant value (`allow if ...`):
   * once one rule succeeds the others cannot change the value or conflict, so evaluation
   * stops there (OPA's early exit). Set after compilation.
   */
  earlyExit: boolean;
  /** {@link earlyExit} for the function definitions at this node. */
  funcEarlyExit: boolean;
  /** True if this node or a descendant has rules (evaluation needed). */
  virtual: boolean;
  /**
   * True if the value of this node (its rules and descendants) depends on neither `input`
   * nor per-evaluation state, so it can be computed once per compiled policy (purity.ts).
   */
  pure: boolean;
  /** The cached value of a {@link pure} node (UNDEF when undefined), once computed. */
  pureValue: Value | typeof UNDEF | undefined;
}

/** A body (else chain entries share the frame of the first rule). */
export interface CBody {
  readonly exprs: readonly CExpr[];
  readonly value: CTerm | undefined;
  /** True if the head value does not depend on body bindings: first solution suffices. */
  readonly constValue: boolean;
}

/** A compiled rule. */
export interface CRule {
  readonly file: string;
  readonly loc: RegoLocation;
  readonly name: string;
  readonly nslots: number;
  /** Function argument patterns. */
  readonly args: readonly CTerm[] | undefined;
  /** Dynamic head suffix after the node path (object rules). */
  readonly suffix: readonly CTerm[];
  /** `contains` term for set rules / multi-value leaves. */
  readonly contains: CTerm | undefined;
  /** Primary body followed by else bodies. */
  readonly bodies: readonly CBody[];
}

/** A resolved function reference. */
export type FnRef =
  | { readonly kind: 'builtin'; readonly name: string; readonly def: BuiltinDef }
  | {
      readonly kind: 'op';
      readonly name: string;
      readonly impl: (args: readonly Value[]) => Value | undefined;
      readonly arity: number;
      /** The operator on two operands without an argument array (binary operators that cannot fail). */
      readonly binary: ((a: Value, b: Value) => Value) | undefined;
    }
  | { readonly kind: 'user'; readonly name: string; readonly node: DataNode }
  | { readonly kind: 'print'; readonly name: 'print' }
  /** A builtin with several results per call (`walk`): each result is unified with the output. */
  | {
      readonly kind: 'relation';
      readonly name: string;
      readonly arity: number;
      readonly gen: (args: readonly Value[]) => Iterable<Value>;
    }
  | { readonly kind: 'unknown'; readonly name: string };

/** A compiled term. */
export type CTerm =
  | { readonly k: 'const'; readonly v: Value }
  | { readonly k: 'local'; readonly slot: number; readonly name: string; readonly loc: RegoLocation }
  | { readonly k: 'input' }
  | { readonly k: 'data'; readonly node: DataNode }
  | { readonly k: 'ref'; readonly head: CTerm; readonly path: readonly CTerm[]; readonly loc: RegoLocation }
  | { readonly k: 'array'; readonly items: readonly CTerm[] }
  | { readonly k: 'set'; readonly items: readonly CTerm[] }
  | { readonly k: 'object'; readonly keys: readonly CTerm[]; readonly values: readonly CTerm[] }
  | { readonly k: 'call'; readonly fn: FnRef; readonly args: readonly CTerm[]; readonly loc: RegoLocation }
  | { readonly k: 'template'; readonly parts: readonly (string | CTerm)[]; readonly loc: RegoLocation }
  | { readonly k: 'acompr'; readonly head: CTerm; readonly body: readonly CExpr[]; readonly captures: readonly number[] }
  | { readonly k: 'scompr'; readonly head: CTerm; readonly body: readonly CExpr[]; readonly captures: readonly number[] }
  | {
      readonly k: 'ocompr';
      readonly key: CTerm;
      readonly value: CTerm;
      readonly body: readonly CExpr[];
      readonly captures: readonly number[];
    };

/** A compiled `with` modifier. */
export type CWith =
  | { readonly kind: 'input'; readonly path: readonly string[]; readonly value: CTerm }
  | { readonly kind: 'data'; readonly path: readonly string[]; readonly value: CTerm }
  | {
      readonly kind: 'fn';
      readonly name: string;
      readonly value: CTerm | undefined;
      readonly valueFn: FnRef | undefined;
      readonly target: FnRef | undefined;
    };

interface ExprBase {
  readonly neg: boolean;
  readonly withs: readonly CWith[];
  readonly loc: RegoLocation;
}

/** A compiled body expression. */
export type CExpr =
  | (ExprBase & { readonly k: 'term'; readonly term: CTerm })
  | (ExprBase & { readonly k: 'eq'; readonly a: CTerm; readonly b: CTerm })
  | (ExprBase & { readonly k: 'assign'; readonly lhs: CTerm; readonly rhs: CTerm })
  | (ExprBase & { readonly k: 'somein'; readonly key: CTerm | undefined; readonly value: CTerm; readonly domain: CTerm })
  | (ExprBase & {
      readonly k: 'every';
      readonly key: CTerm | undefined;
      readonly value: CTerm;
      readonly domain: CTerm;
      readonly body: readonly CExpr[];
      readonly captures: readonly number[];
    })
  | (ExprBase & { readonly k: 'noop' });
