/**
 * Public entry point: compile Rego modules once, evaluate many times.
 * @packageDocumentation
 */
import type { BuiltinContext } from './builtins/types.ts';
import { compileModules, compileQuery } from './engine/compiler.ts';
import { Ctx, type Shared } from './engine/context.ts';
import { evalBody, evalTerm, type Frame } from './engine/eval.ts';
import { attachBase, createRoot } from './engine/tree.ts';
import type { CExpr, CTerm, FnRef } from './engine/types.ts';
import { RegoError } from './errors.ts';
import { parseModule, parseQuery } from './lang/parser.ts';
import { markPure } from './engine/purity.ts';
import { uniformExprs, uniformShapes } from './engine/shapes.ts';
import { fromJSON, inputFromJSON, RObject, toJSON, type Value } from './value.ts';

/** Evaluation budgets. */
export interface RegoLimits {
  /** Maximum body expressions evaluated per call (default 10,000,000). */
  readonly maxSteps?: number;
  /** Maximum nesting of rule and function evaluations (default 200). */
  readonly maxDepth?: number;
  /** Wall-clock budget per call in milliseconds (default: none). */
  readonly timeoutMs?: number;
}

/** Options of {@link compile}. */
export interface CompileOptions {
  readonly modules: ReadonlyArray<{ readonly file: string; readonly source: string }>;
  /** Base documents (`data`). */
  readonly data?: unknown;
  readonly limits?: RegoLimits;
  /** Builtin errors halt evaluation (OPA's strict-builtin-errors) instead of making the expression undefined. */
  readonly strict?: boolean;
}

/** Options of {@link CompiledPolicy.evaluate}. */
export interface EvaluateOptions {
  readonly input?: unknown;
  /** Frozen clock for `time.now_ns`, in nanoseconds since the epoch. */
  readonly now?: bigint;
  /** Receives `print` output lines (default: discarded). */
  readonly print?: (line: string) => void;
  /**
   * Wall-clock budget of this call in milliseconds (a positive number); with `limits.timeoutMs`
   * the smaller applies. Checked every 1,024 evaluation steps: one long builtin call is not
   * interrupted. Exceeding it raises `eval_time_limit_error`.
   */
  readonly timeoutMs?: number;
}

/** Options of {@link CompiledPolicy.query}. */
export interface QueryOptions extends EvaluateOptions {
  /** Return integers beyond ±2^53 as bigint (see `toJSON`). */
  readonly exactIntegers?: boolean;
}

/** A compiled policy. */
export interface CompiledPolicy {
  /**
   * Evaluates a data reference such as `data.writ.decision` to plain JSON, or undefined.
   * @throws RegoError `eval_*` on runtime errors and exhausted budgets
   */
  evaluate(path: string, options?: EvaluateOptions): unknown;
  /**
   * Runs a Rego query; returns one binding map (plain JSON values) per solution.
   * @throws RegoError parse/compile errors of the query, `eval_*` runtime errors
   */
  query(query: string, options?: QueryOptions): Array<Record<string, unknown>>;
  /**
   * Like {@link CompiledPolicy.evaluate} but returns the engine value (sets stay sets,
   * numbers stay exact); the input may itself be a Rego value.
   */
  evaluateValue(path: string, options?: EvaluateOptions): Value | undefined;
  /**
   * All rules, for test runners (`test_*`); `annotations` holds the rule's `# METADATA` block
   * (normalized like `rego.metadata.rule()`) when it has one.
   */
  rules(): Array<{ path: string; file: string; line: number; name: string; annotations?: Record<string, unknown> }>;
}

interface CompiledQuery {
  readonly exprs: CExpr[];
  readonly nslots: number;
  readonly vars: Array<{ name: string; slot: number }>;
}

/**
 * Compiles Rego v1 modules.
 * @throws RegoError `rego_parse_error`, `rego_compile_error`, `rego_type_error`,
 * `rego_unsafe_var_error` (with file:line:col), `invalid_argument` for malformed options
 */
export function compile(options: CompileOptions): CompiledPolicy {
  try {
    return compileUnchecked(options);
  } catch (err) {
    if (err instanceof RangeError) throw new RegoError('rego_compile_error', 'policy nested too deeply to compile');
    throw err;
  }
}

function compileUnchecked(options: CompileOptions): CompiledPolicy {
  if (typeof options !== 'object' || options === null) throw new RegoError('invalid_argument', 'options must be an object');
  if (!Array.isArray(options.modules)) throw new RegoError('invalid_argument', 'options.modules must be an array');
  const parsed = (options.modules as readonly unknown[]).map((m, i) => {
    const mod = m as { file?: unknown; source?: unknown } | null;
    if (typeof mod !== 'object' || mod === null || typeof mod.file !== 'string' || typeof mod.source !== 'string') {
      throw new RegoError('invalid_argument', `options.modules[${i}] must be { file: string, source: string }`);
    }
    return parseModule(mod.source, mod.file);
  });
  const data = options.data === undefined ? new RObject() : fromJSON(options.data, 'options.data');
  if (!(data instanceof RObject)) throw new RegoError('invalid_argument', 'options.data must be an object');
  const root = createRoot();
  const program = compileModules(parsed, root);
  attachBase(root, data);
  markPure(root);
  const fnCopies = new Map<FnRef, FnRef>();
  uniformShapes(root, fnCopies);
  const limits = options.limits ?? {};
  const maxSteps = positive(limits.maxSteps, 'limits.maxSteps') ?? 10_000_000;
  const maxDepth = positive(limits.maxDepth, 'limits.maxDepth') ?? 200;
  const timeoutMs = positive(limits.timeoutMs, 'limits.timeoutMs');
  const strict = options.strict === true;
  const queries = new Map<string, CompiledQuery>();

  const prepare = (q: string): CompiledQuery => {
    let cq = queries.get(q);
    if (!cq) {
      const compiled = compileQuery(parseQuery(q), root);
      cq = { ...compiled, exprs: uniformExprs(compiled.exprs, fnCopies) };
      if (queries.size > 1000) queries.clear();
      queries.set(q, cq);
    }
    return cq;
  };

  const run = <T>(opts: EvaluateOptions | undefined, body: (ctx: Ctx) => T): T => {
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) {
      throw new RegoError('invalid_argument', 'options must be an object');
    }
    const nowNs = opts?.now;
    if (nowNs !== undefined && typeof nowNs !== 'bigint') throw new RegoError('invalid_argument', 'options.now must be a bigint');
    const callTimeout = opts?.timeoutMs;
    if (callTimeout !== undefined && (typeof callTimeout !== 'number' || !(callTimeout > 0) || !Number.isFinite(callTimeout))) {
      throw new RegoError('invalid_argument', 'options.timeoutMs must be a positive number');
    }
    const budgetMs = callTimeout === undefined ? timeoutMs : timeoutMs === undefined ? callTimeout : Math.min(timeoutMs, callTimeout);
    let frozen: bigint | undefined = nowNs;
    const printer = opts?.print ?? (() => undefined);
    const bctx: BuiltinContext = {
      now: () => (frozen ??= BigInt(Date.now()) * 1_000_000n),
      print: (...parts: string[]) => printer(parts.join(' ')),
      cache: new Map(),
      strict,
    };
    const shared: Shared = {
      steps: 0,
      maxSteps,
      deadline: budgetMs === undefined ? Infinity : performance.now() + budgetMs,
      depth: 0,
      maxDepth,
      strict,
      bctx,
      print: printer,
      nodeCount: program.nodeCount,
    };
    try {
      const input = opts?.input === undefined ? undefined : inputFromJSON(opts.input, 'options.input');
      return body(new Ctx({ input, shared }));
    } catch (err) {
      if (err instanceof RangeError && /call stack/i.test(err.message)) {
        throw new RegoError('eval_depth_limit_error', 'evaluation exceeded the JavaScript stack (nesting too deep)');
      }
      throw err;
    }
  };

  /** Deep values (nested results) exhaust the JS stack as a RegoError, not a RangeError. */
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof RangeError && /call stack/i.test(err.message)) {
        throw new RegoError('eval_depth_limit_error', 'evaluation exceeded the JavaScript stack (nesting too deep)');
      }
      throw err;
    }
  };

  const evaluateRef = (path: string, opts: EvaluateOptions | undefined): Value | undefined => {
    if (typeof path !== 'string') throw new RegoError('invalid_argument', 'path must be a string');
    const cq = prepare(path);
    const first = cq.exprs[0];
    if (cq.exprs.length !== 1 || first?.k !== 'term' || first.neg || first.withs.length > 0) {
      throw new RegoError('invalid_argument', 'path must be a reference such as data.pkg.rule');
    }
    const term: CTerm = first.term;
    return run(opts, (ctx) => {
      const f: Frame = new Array<Value | undefined>(cq.nslots);
      let out: Value | undefined;
      evalTerm(term, f, ctx, (v) => {
        if (out !== undefined) throw new RegoError('invalid_argument', 'path must not contain variables');
        out = v;
        return false;
      });
      return out;
    });
  };

  return {
    evaluate(path, opts) {
      const v = evaluateRef(path, opts);
      return v === undefined ? undefined : guard(() => toJSON(v));
    },
    evaluateValue(path, opts) {
      return evaluateRef(path, opts);
    },
    query(q, opts) {
      if (typeof q !== 'string') throw new RegoError('invalid_argument', 'query must be a string');
      const cq = prepare(q);
      return run(opts, (ctx) => {
        const f: Frame = new Array<Value | undefined>(cq.nslots);
        const results: Array<Record<string, unknown>> = [];
        evalBody(cq.exprs, 0, f, ctx, () => {
          const row: Record<string, unknown> = {};
          for (const v of cq.vars) {
            const val = f[v.slot];
            if (val !== undefined) row[v.name] = toJSON(val, { exactIntegers: opts?.exactIntegers === true });
          }
          results.push(row);
          return false;
        });
        return results;
      });
    },
    rules() {
      return program.rules.map((r) => ({ ...r }));
    },
  };
}

function positive(x: number | undefined, name: string): number | undefined {
  if (x === undefined) return undefined;
  if (typeof x !== 'number' || !(x > 0)) throw new RegoError('invalid_argument', `${name} must be a positive number`);
  return x;
}
