/**
 * Rego policies evaluated by `@writ/rego`, Writ's own engine: compiled once at load, then
 * evaluated synchronously per decision with no parsing or I/O.
 */
import { WritError } from '@writ/core';
import { compile, RegoError } from '@writ/rego';
import type { CompiledPolicy, CompileOptions } from '@writ/rego';
import { collectPolicyEntries } from './collect-policy-entries.ts';
import { mergeDataAt } from './data-document.ts';
import type { DataObject } from './data-document.ts';
import { assemblePolicy } from './policy-entries.ts';
import type { PolicyEntry, PolicyModule } from './policy-entries.ts';
import { policyDigest } from './policy-digest.ts';
import { DEFAULT_ENTRYPOINT, entrypointRef, entrypointSegments } from './policy-evaluator.ts';
import type { EvaluateOptions, PolicyEvaluator, PolicySource } from './policy-evaluator.ts';

/** Options of {@link loadRegoPolicy}. Give `paths`, `modules` or both. */
export interface LoadRegoPolicyOptions {
  /**
   * `.rego` and data files, directories (recursive; `data.json`/`data.yaml` merged at their
   * directory path), npm packages as `npm:<name>`, and plain-Rego OPA bundles (`.tar.gz`).
   */
  readonly paths?: readonly string[];
  /** In-memory modules; `file` names them in messages and in the digest. */
  readonly modules?: readonly { readonly file: string; readonly source: string }[];
  /** Extra base data, merged at the root. */
  readonly data?: DataObject;
  /** Defaults to `data.writ.decision`. */
  readonly entrypoint?: string;
  /** Resolves relative paths and npm packages; defaults to `process.cwd()`. */
  readonly cwd?: string;
  /** Also load `*_test.rego` files (the test runner does; evaluation does not). */
  readonly includeTests?: boolean;
  /** Evaluation budgets, passed to `@writ/rego`. */
  readonly limits?: CompileOptions['limits'];
  /** Budget for each inflated bundle, in bytes. */
  readonly maxBundleBytes?: number;
  /**
   * Builtin errors halt evaluation (OPA's strict-builtin-errors) instead of making the
   * expression undefined. Default **true**: with OPA's lenient default a `deny` rule whose
   * builtin fails on hostile input silently does not fire — a fail-open for a firewall.
   * Strict, the evaluation throws and the firewall denies (fail closed). Pass `false` only
   * to reproduce OPA's default exactly.
   */
  readonly strict?: boolean;
  /** Skip the check that the entrypoint names a rule or base document (the test runner does). */
  readonly allowMissingEntrypoint?: boolean;
}

/** A Rego-backed evaluator; also exposes the compiled policy for tooling (`writ policy eval`). */
export interface RegoPolicyEvaluator extends PolicyEvaluator {
  evaluateSync(input: unknown, options?: EvaluateOptions): unknown;
  /** The compiled policy, for queries other than the entrypoint. */
  readonly compiled: CompiledPolicy;
  /** The modules compiled, in load order. */
  readonly modules: readonly PolicyModule[];
}

/**
 * Wraps an engine error into the policy code, keeping OPA's code and the location. Anything
 * else the engine lets escape (a `RangeError` from a cyclic or absurdly deep input) becomes
 * the same code with a generic message, so no raw error crosses the public boundary.
 */
export function fromRegoError(error: unknown, code: 'ERR_POLICY_COMPILE' | 'ERR_POLICY_EVAL'): WritError {
  if (WritError.isInstance(error)) return error;
  if (!RegoError.isInstance(error)) {
    const what = code === 'ERR_POLICY_EVAL' ? 'evaluation' : 'compilation';
    const detail = error instanceof RangeError ? ' (input or data nested too deeply or cyclic)' : '';
    return new WritError(code, `policy ${what} failed${detail}`, { cause: error });
  }
  if (error.code === 'invalid_argument') {
    return new WritError('ERR_INVALID_ARGUMENT', error.detail, { cause: error });
  }
  if (error.code === 'eval_time_limit_error' && code === 'ERR_POLICY_EVAL') {
    return new WritError('ERR_POLICY_TIMEOUT', 'policy evaluation exceeded its time budget', { cause: error, details: { regoCode: error.code } });
  }
  return new WritError(code, error.message, {
    cause: error,
    details: { regoCode: error.code, ...(error.location ? { location: error.location } : {}) },
  });
}

function checkOptions(options: LoadRegoPolicyOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  if (options.paths === undefined && options.modules === undefined) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'pass paths or modules', { details: { parameter: 'options' } });
  }
  const isModule = (value: unknown): boolean => {
    const module = value as { file?: unknown; source?: unknown } | null;
    return typeof module === 'object' && module !== null && typeof module.file === 'string' && module.file !== '' && typeof module.source === 'string';
  };
  const modulesOk = options.modules === undefined || (Array.isArray(options.modules) && (options.modules as readonly unknown[]).every(isModule));
  if (!modulesOk) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'modules must be an array of { file, source } strings', { details: { parameter: 'modules' } });
  }
  if (options.data !== undefined && (typeof options.data !== 'object' || options.data === null || Array.isArray(options.data))) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'data must be an object', { details: { parameter: 'data' } });
  }
}

function entrypointExists(compiled: CompiledPolicy, data: DataObject, segments: readonly string[]): boolean {
  const ref = `data.${segments.join('.')}`;
  if (compiled.rules().some((rule) => rule.path === ref || rule.path.startsWith(`${ref}.`) || ref.startsWith(`${rule.path}.`))) return true;
  let node: unknown = data;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, segment)) return false;
    node = (node as DataObject)[segment];
  }
  return true;
}

/** The engine's clock (`time.now_ns`) from a `Date` or epoch milliseconds. */
export function toNowNs(now: Date | number | undefined): bigint | undefined {
  if (now === undefined) return undefined;
  const ms = now instanceof Date ? now.getTime() : now;
  if (typeof ms === 'number' && Number.isFinite(ms)) return BigInt(Math.round(ms)) * 1_000_000n;
  throw new WritError('ERR_INVALID_ARGUMENT', 'now must be a Date or epoch milliseconds', { details: { parameter: 'now' } });
}

/**
 * Loads, compiles and checks a Rego policy.
 *
 * @example
 * ```ts
 * const policy = await loadRegoPolicy({ paths: ['policies/', 'npm:@acme/writ-policies'] });
 * const decision = policy.evaluateSync(input, { now: Date.parse('2026-01-01T00:00:00Z') });
 * ```
 * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_POLICY_NOT_FOUND`, `ERR_POLICY_SOURCE_INVALID`,
 *   `ERR_POLICY_BUNDLE_INVALID`, `ERR_POLICY_DATA_INVALID`, `ERR_POLICY_COMPILE` (with
 *   `file:line:col` in the message and `details.location`) or `ERR_POLICY_ENTRYPOINT` when no
 *   rule or base document lives at the entrypoint.
 */
export async function loadRegoPolicy(options: LoadRegoPolicyOptions): Promise<RegoPolicyEvaluator> {
  checkOptions(options);
  const entrypoint = entrypointRef(options.entrypoint ?? DEFAULT_ENTRYPOINT);
  const cwd = options.cwd ?? process.cwd();
  const collected = options.paths === undefined
    ? { entries: [], manifests: [] }
    : await collectPolicyEntries(options.paths, { cwd, ...(options.maxBundleBytes === undefined ? {} : { maxBundleBytes: options.maxBundleBytes }) });
  const inline: PolicyEntry[] = (options.modules ?? []).map((module) => ({
    path: module.file,
    file: module.file,
    bytes: new TextEncoder().encode(module.source),
    role: 'module',
  }));
  const assembled = assemblePolicy([...collected.entries, ...inline], { includeTests: options.includeTests ?? false });
  const data = assembled.data;
  if (options.data !== undefined) mergeDataAt(data, { segments: [], value: options.data, file: '<options.data>' });
  if (assembled.modules.length === 0 && options.paths !== undefined && collected.entries.some((entry) => entry.path.endsWith('.wasm'))) {
    throw new WritError('ERR_POLICY_SOURCE_INVALID', 'no Rego modules found, only wasm: load it with loadWasmPolicy');
  }

  let compiled: CompiledPolicy;
  try {
    compiled = compile({
      modules: assembled.modules.map((module) => ({ file: module.file, source: module.source })),
      data,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      strict: options.strict ?? true,
    });
  } catch (error) {
    throw fromRegoError(error, 'ERR_POLICY_COMPILE');
  }
  if (!options.allowMissingEntrypoint && !entrypointExists(compiled, data, entrypointSegments(entrypoint))) {
    throw new WritError('ERR_POLICY_ENTRYPOINT', `no rule or document at ${entrypoint}`, { details: { entrypoint } });
  }
  const digest = policyDigest({ engine: 'rego', entrypoint, files: assembled.digestFiles, data });

  const evaluateSync = (input: unknown, evaluateOptions?: EvaluateOptions): unknown => {
    const now = toNowNs(evaluateOptions?.now);
    try {
      const print = evaluateOptions?.print;
      const timeoutMs = evaluateOptions?.timeoutMs;
      return compiled.evaluate(entrypoint, {
        input,
        ...(now === undefined ? {} : { now }),
        ...(print === undefined ? {} : { print }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
    } catch (error) {
      throw fromRegoError(error, 'ERR_POLICY_EVAL');
    }
  };
  const revisions = collected.manifests.map((manifest) => manifest.revision).filter((revision) => revision !== undefined);
  const source: PolicySource = {
    engine: 'rego',
    locations: [...(options.paths ?? []), ...inline.map((entry) => entry.file)],
    files: assembled.modules.map((module) => module.path).sort(),
    ...(revisions.length === 1 ? { revision: revisions[0]! } : {}),
  };
  return {
    entrypoint,
    digest,
    source,
    compiled,
    modules: assembled.modules,
    evaluateSync,
    evaluate: (input, evaluateOptions) => Promise.resolve().then(() => evaluateSync(input, evaluateOptions)),
  };
}
