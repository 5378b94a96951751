/**
 * `opa check` for Writ: every file's syntax errors at once (each module parsed on its own),
 * then the compile errors of the whole set, with locations.
 */
import { WritError } from '@writ/core';
import { parseModule, RegoError } from '@writ/rego';
import { collectPolicyEntries } from './collect-policy-entries.ts';
import { loadRegoPolicy } from './load-rego-policy.ts';
import type { LoadRegoPolicyOptions } from './load-rego-policy.ts';
import { assemblePolicy } from './policy-entries.ts';

/** One problem found by {@link checkPolicy}. */
export interface PolicyProblem {
  /** OPA's error code (`rego_parse_error`, `rego_type_error`, ...) or the WritError code. */
  readonly code: string;
  /** `file:line:col: code: detail` when the location is known, like `opa check`. */
  readonly message: string;
  readonly location?: { readonly file: string; readonly line: number; readonly col: number };
}

/** What {@link checkPolicy} found. */
export interface PolicyCheckReport {
  /** Modules checked, tests included. */
  readonly modules: number;
  readonly problems: readonly PolicyProblem[];
}

function problemOf(error: unknown): PolicyProblem {
  if (RegoError.isInstance(error)) {
    return { code: error.code, message: error.message, ...(error.location ? { location: error.location } : {}) };
  }
  if (WritError.isInstance(error)) {
    const cause = error.cause;
    if (RegoError.isInstance(cause)) return problemOf(cause);
    return { code: error.code, message: error.message };
  }
  throw error;
}

/**
 * Parses every module (tests included) and compiles them together.
 *
 * @throws WritError `ERR_INVALID_ARGUMENT` or `ERR_POLICY_NOT_FOUND` when the paths cannot be
 *   read; everything wrong with the policy itself is returned as problems.
 */
export async function checkPolicy(options: Pick<LoadRegoPolicyOptions, 'paths' | 'cwd' | 'maxBundleBytes'>): Promise<PolicyCheckReport> {
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  const cwd = options.cwd ?? process.cwd();
  let modules: { file: string; source: string }[];
  try {
    const { entries } = await collectPolicyEntries(options.paths, { cwd, ...(options.maxBundleBytes === undefined ? {} : { maxBundleBytes: options.maxBundleBytes }) });
    modules = assemblePolicy(entries, { includeTests: true }).modules;
  } catch (error) {
    if (WritError.isInstance(error) && (error.code === 'ERR_INVALID_ARGUMENT' || error.code === 'ERR_POLICY_NOT_FOUND')) throw error;
    return { modules: 0, problems: [problemOf(error)] };
  }
  const problems: PolicyProblem[] = [];
  for (const module of modules) {
    try {
      parseModule(module.source, module.file);
    } catch (error) {
      problems.push(problemOf(error));
    }
  }
  if (problems.length === 0) {
    try {
      await loadRegoPolicy({ ...options, cwd, includeTests: true, allowMissingEntrypoint: true });
    } catch (error) {
      problems.push(problemOf(error));
    }
  }
  return { modules: modules.length, problems };
}
