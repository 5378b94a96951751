/**
 * Runs Rego unit tests the way `opa test` does: every rule whose name starts with `test_` is
 * evaluated without input and passes when it is `true`; `todo_test_` rules are reported as
 * skipped. Tests use `with` to mock input, data and functions, as in OPA.
 */
import { performance } from 'node:perf_hooks';
import { WritError } from '@writ/core';
import { fromRegoError, loadRegoPolicy, toNowNs } from './load-rego-policy.ts';
import type { LoadRegoPolicyOptions } from './load-rego-policy.ts';

/** Outcome of one test rule. */
export type PolicyTestStatus = 'pass' | 'fail' | 'error' | 'skip';

/** One test rule's result. */
export interface PolicyTestResult {
  /** `data.<package>.test_<name>`. */
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly status: PolicyTestStatus;
  /** For `fail`: what the rule evaluated to (`undefined` or a non-true value). For `error`: the message. */
  readonly message?: string;
  /** Lines the test wrote with `print`, in order. */
  readonly output: readonly string[];
  /** Wall-clock duration; informational only. */
  readonly durationMs: number;
}

/** The results of a run, in file and line order, with counts. */
export interface PolicyTestReport {
  readonly results: readonly PolicyTestResult[];
  readonly passed: number;
  readonly failed: number;
  readonly errored: number;
  readonly skipped: number;
  /**
   * Problems that do not fail the run but can hide a failure: a test name defined more than
   * once (OPA combines the definitions, so one passing definition hides a failing one).
   */
  readonly warnings: readonly string[];
}

/** Options of {@link runPolicyTests}. */
export interface RunPolicyTestsOptions extends Pick<LoadRegoPolicyOptions, 'paths' | 'modules' | 'data' | 'cwd' | 'limits' | 'maxBundleBytes'> {
  /** Runs only tests whose full name matches (like `opa test --run`). */
  readonly run?: RegExp | string;
  /** The evaluation clock for every test; defaults to the engine's clock. */
  readonly now?: Date | number;
}

function describeValue(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value).slice(0, 200);
}

function toRegExp(run: RegExp | string | undefined): RegExp | undefined {
  if (run === undefined || run instanceof RegExp) return run;
  if (typeof run !== 'string') throw new WritError('ERR_INVALID_ARGUMENT', 'run must be a RegExp or string', { details: { parameter: 'run' } });
  try {
    return new RegExp(run);
  } catch (error) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'run is not a valid regular expression', { cause: error, details: { parameter: 'run' } });
  }
}

/**
 * Loads policies with their `*_test.rego` files and runs every test rule.
 *
 * @example
 * ```ts
 * const report = await runPolicyTests({ paths: ['policies/'] });
 * if (report.failed + report.errored > 0) process.exitCode = 1;
 * ```
 * @throws WritError what {@link loadRegoPolicy} throws when the policies do not load or compile;
 *   test failures and runtime errors are reported in the results, never thrown.
 */
export async function runPolicyTests(options: RunPolicyTestsOptions): Promise<PolicyTestReport> {
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  const filter = toRegExp(options.run);
  const { run: _run, now: clock, ...load } = options;
  const now = toNowNs(clock);
  const policy = await loadRegoPolicy({ ...load, includeTests: true, allowMissingEntrypoint: true });
  const definitions = new Map<string, { path: string; file: string; line: number; name: string }[]>();
  for (const rule of policy.compiled.rules()) {
    if (!/^(todo_)?test_/.test(rule.name) || (filter !== undefined && !filter.test(rule.path))) continue;
    definitions.set(rule.path, [...(definitions.get(rule.path) ?? []), rule]);
  }
  const warnings = [...definitions.values()]
    .filter((rules) => rules.length > 1)
    .map((rules) => `${rules[0]!.path} is defined ${rules.length} times (${rules.map((rule) => `${rule.file}:${rule.line}`).join(', ')}): the definitions combine, so a passing one hides a failing one`);
  const tests = [...definitions.values()]
    .map((rules) => rules[0]!)
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));

  const results: PolicyTestResult[] = [];
  for (const rule of tests) {
    const output: string[] = [];
    const base = { name: rule.path, file: rule.file, line: rule.line, output };
    if (rule.name.startsWith('todo_')) {
      results.push({ ...base, status: 'skip', durationMs: 0 });
      continue;
    }
    const started = performance.now();
    try {
      const value = policy.compiled.evaluate(rule.path, { input: undefined, print: (line) => output.push(line), ...(now === undefined ? {} : { now }) });
      const durationMs = performance.now() - started;
      results.push(value === true ? { ...base, status: 'pass', durationMs } : { ...base, status: 'fail', message: describeValue(value), durationMs });
    } catch (error) {
      const message = fromRegoError(error, 'ERR_POLICY_EVAL').message;
      results.push({ ...base, status: 'error', message, durationMs: performance.now() - started });
    }
  }
  const count = (status: PolicyTestStatus): number => results.filter((result) => result.status === status).length;
  return { results, passed: count('pass'), failed: count('fail'), errored: count('error'), skipped: count('skip'), warnings };
}
