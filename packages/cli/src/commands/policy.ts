/**
 * `writ policy test|eval|check|build` — policy tooling over @writ/policy.
 *
 * Exit codes: 0 success · 1 the policy is wrong (a test failed or errored, no tests found, a
 * compile or data error, an undefined result with `--fail`, `opa build` failed) · 2 the
 * command could not run (missing file, malformed input, bad arguments) · 3 `opa` is not on
 * PATH (`writ policy build` only).
 */
import { spawnSync } from 'node:child_process';
import { text } from 'node:stream/consumers';
import { Option } from 'commander';
import type { Command } from 'commander';
import { isWritError } from '@writ/core';
import { RegoError } from '@writ/rego';
import {
  checkPolicy,
  entrypointRef,
  isWasmLocation,
  loadRegoPolicy,
  loadWasmPolicy,
  runPolicyTests,
  wasmEntrypointName,
} from '@writ/policy';
import { UsageError, describeError, fileUsageError, isFileError, processContext } from '../cli-context.ts';
import { readNamedEvidenceFile } from '../trust-root-file.ts';
import type { CommandContext } from '../cli-context.ts';

/** Exit codes of the policy commands (see the module comment). */
export const POLICY_EXIT = { ok: 0, policy: 1, usage: 2, opaMissing: 3 } as const;

/** The CLI's command context plus the `opa` executable `build` runs; tests pass their own. */
export interface PolicyCommandContext extends CommandContext {
  /** The `opa` executable to run for `build` (name on PATH or a path). */
  readonly opa: string;
  /** Reads standard input to its end (`-i -`). */
  readonly readStdin: () => Promise<string>;
}

const POLICY_ERROR_CODES = new Set([
  'ERR_POLICY_COMPILE',
  'ERR_POLICY_DATA_INVALID',
  'ERR_POLICY_SOURCE_INVALID',
  'ERR_POLICY_BUNDLE_INVALID',
  'ERR_POLICY_ENTRYPOINT',
  'ERR_POLICY_WASM_INVALID',
  'ERR_POLICY_EVAL',
]);

function defaultContext(): PolicyCommandContext {
  return { ...processContext(), opa: 'opa', readStdin: () => text(process.stdin) };
}

/** Reports an error and picks its exit code: the policy's fault (1) or the invocation's (2). */
function fail(context: PolicyCommandContext, error: unknown): void {
  context.stderr(`${describeError(error)}\n`);
  if (isWritError(error)) {
    context.setExitCode(POLICY_ERROR_CODES.has(error.code) ? POLICY_EXIT.policy : POLICY_EXIT.usage);
  } else if (RegoError.isInstance(error)) {
    // From `eval QUERY`: a query that does not parse is a usage error; one that fails to evaluate is the policy's.
    context.setExitCode(error.code.startsWith('eval_') ? POLICY_EXIT.policy : POLICY_EXIT.usage);
  } else {
    context.setExitCode(POLICY_EXIT.usage);
  }
}

/**
 * The most bytes an input file (`eval -i FILE`) is read up to (32 MiB): a policy input holds one
 * request — arguments of at most 1 Mi characters (up to ~24 MiB escaped in JSON) beside its
 * context. A larger file is refused unread.
 */
export const MAX_POLICY_INPUT_FILE_BYTES = 32 * 1024 * 1024;

/** Reads a JSON input document from a file, or from standard input for `-`. */
async function readJsonFile(path: string, context: PolicyCommandContext): Promise<unknown> {
  let content: string;
  if (path === '-') {
    try {
      content = await context.readStdin();
    } catch (error) {
      throw isFileError(error) ? fileUsageError(`${path}: cannot read input file`, error) : new UsageError(`${path}: cannot read input file`);
    }
  } else {
    // Bounded, and refused unless a regular file (a link named is followed): a FIFO named here
    // blocked a plain readFile forever, and a huge file was read whole.
    content = await readNamedEvidenceFile({ path, cwd: context.cwd, maxBytes: MAX_POLICY_INPUT_FILE_BYTES, what: `${path}: cannot read input file`, tooLarge: `larger than ${MAX_POLICY_INPUT_FILE_BYTES} bytes, more than any policy input holds` });
  }
  try {
    return JSON.parse(content);
  } catch {
    throw new UsageError(`${path}: not valid JSON`);
  }
}

function parseNow(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`--now: not an RFC 3339 time: ${value}`);
  return new Date(time);
}

const REF = /^data(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

async function testAction(
  context: PolicyCommandContext,
  paths: string[],
  options: { run?: string; now?: string; format: 'text' | 'json' },
): Promise<void> {
  const now = parseNow(options.now);
  if (options.run !== undefined) {
    try {
      new RegExp(options.run);
    } catch {
      throw new UsageError(`--run ${options.run}: not a valid regular expression`);
    }
  }
  const report = await runPolicyTests({
    paths: paths.length > 0 ? paths : ['.'],
    cwd: context.cwd,
    ...(options.run === undefined ? {} : { run: options.run }),
    ...(now === undefined ? {} : { now }),
  });
  const failed = report.failed + report.errored > 0 || report.results.length === 0;
  if (options.format === 'json') {
    context.stdout(`${JSON.stringify(report, null, 2)}\n`);
    context.setExitCode(failed ? POLICY_EXIT.policy : POLICY_EXIT.ok);
    return;
  }
  for (const result of report.results) {
    const where = `${result.file}:${result.line}`;
    const detail =
      result.message === undefined
        ? ''
        : `: ${result.status === 'fail' ? 'got ' : ''}${result.message}`;
    context.stdout(`${result.status.toUpperCase().padEnd(5)} ${result.name} (${where})${detail}\n`);
    // Like `opa test`, show what a test printed only when it did not pass.
    if (result.status === 'fail' || result.status === 'error')
      for (const line of result.output) context.stdout(`      ${line}\n`);
  }
  const total = report.results.length;
  context.stdout(
    `${'-'.repeat(60)}\nPASS: ${report.passed}/${total}  FAIL: ${report.failed}  ERROR: ${report.errored}  SKIP: ${report.skipped}\n`,
  );
  for (const warning of report.warnings) context.stderr(`warning: ${warning}\n`);
  if (total === 0) context.stderr('no test_ rules found\n');
  context.setExitCode(failed ? POLICY_EXIT.policy : POLICY_EXIT.ok);
}

async function evalAction(
  context: PolicyCommandContext,
  query: string,
  options: { data: string[]; input?: string; now?: string; fail?: boolean },
): Promise<void> {
  const now = parseNow(options.now);
  const input =
    options.input === undefined ? undefined : await readJsonFile(options.input, context);
  const wasmPath =
    options.data.length === 1 && (await isWasmLocation(options.data[0]!, { cwd: context.cwd }))
      ? options.data[0]!
      : undefined;
  let value: unknown;
  if (wasmPath !== undefined) {
    const policy = await loadWasmPolicy({
      cwd: context.cwd,
      entrypoint: entrypointRef(query),
      ...(wasmPath.endsWith('.wasm') ? { wasm: wasmPath } : { bundle: wasmPath }),
    });
    if (now !== undefined) context.stderr('note: --now is ignored for wasm policies (the OPA SDK reads the wall clock)\n');
    value = policy.evaluateSync(input);
  } else {
    const isRef = REF.test(query);
    const policy = await loadRegoPolicy({
      paths: options.data,
      cwd: context.cwd,
      allowMissingEntrypoint: true,
      ...(isRef && query !== 'data' ? { entrypoint: query } : {}),
    });
    if (isRef && query !== 'data') {
      value = policy.evaluateSync(input, now === undefined ? undefined : { now });
    } else {
      const bindings = policy.compiled.query(query, { input, ...(now === undefined ? {} : { now: BigInt(now.getTime()) * 1_000_000n }) });
      value = bindings.length === 0 ? undefined : bindings;
    }
  }
  if (value === undefined) {
    context.stderr(`undefined: ${query} has no value for this input\n`);
    context.setExitCode(options.fail ? POLICY_EXIT.policy : POLICY_EXIT.ok);
    return;
  }
  context.stdout(`${JSON.stringify(value, null, 2)}\n`);
  context.setExitCode(POLICY_EXIT.ok);
}

async function checkAction(context: PolicyCommandContext, paths: string[]): Promise<void> {
  const report = await checkPolicy({ paths: paths.length > 0 ? paths : ['.'], cwd: context.cwd });
  for (const problem of report.problems) context.stderr(`${problem.message}\n`);
  if (report.problems.length > 0) {
    context.stderr(`${report.problems.length} error${report.problems.length === 1 ? '' : 's'}\n`);
    context.setExitCode(POLICY_EXIT.policy);
    return;
  }
  context.stdout(`ok: ${report.modules} module${report.modules === 1 ? '' : 's'} compiled\n`);
  context.setExitCode(POLICY_EXIT.ok);
}

function buildAction(
  context: PolicyCommandContext,
  paths: string[],
  options: { output: string; entrypoint: string[] },
): void {
  const probe = spawnSync(context.opa, ['version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    context.stderr(
      `opa is not on PATH: writ policy build runs "opa build -t wasm", which needs the OPA binary (https://www.openpolicyagent.org/docs/latest/#running-opa).\n` +
        'Writ evaluates Rego sources itself; a wasm bundle is only needed to run OPA-compiled policies.\n',
    );
    context.setExitCode(POLICY_EXIT.opaMissing);
    return;
  }
  const entrypoints = (options.entrypoint.length > 0 ? options.entrypoint : ['writ/decision']).map(
    (entry) => wasmEntrypointName(entry),
  );
  const args = [
    'build',
    '-t',
    'wasm',
    ...entrypoints.flatMap((entry) => ['-e', entry]),
    '-o',
    options.output,
    ...(paths.length > 0 ? paths : ['.']),
  ];
  const build = spawnSync(context.opa, args, { cwd: context.cwd, encoding: 'utf8' });
  if (build.stdout) context.stdout(build.stdout);
  if (build.stderr) context.stderr(build.stderr);
  if (build.status !== 0) {
    context.stderr(`opa build failed (exit ${build.status ?? 'signal'})\n`);
    context.setExitCode(POLICY_EXIT.policy);
    return;
  }
  context.stdout(`wrote ${options.output}\n`);
  context.setExitCode(POLICY_EXIT.ok);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Adds `policy test|eval|check|build` to `program`.
 *
 * @example
 * ```ts
 * const program = new Command('writ');
 * registerPolicyCommands(program);
 * await program.parseAsync(process.argv);
 * ```
 */
export function registerPolicyCommands(
  program: Command,
  overrides: Partial<PolicyCommandContext> = {},
): Command {
  const context: PolicyCommandContext = { ...defaultContext(), ...overrides };
  const guard =
    <A extends unknown[]>(action: (...args: A) => Promise<void> | void) =>
    async (...args: A): Promise<void> => {
      try {
        await action(...args);
      } catch (error) {
        fail(context, error);
      }
    };
  const policy = program
    .command('policy')
    .description('test, evaluate, check and build Rego policies');
  policy
    .command('test')
    .description('run test_* rules like opa test; exits 1 when a test fails or errors')
    .argument('[paths...]', 'policy files, directories, npm:<package> or bundles', [])
    .option('-r, --run <regex>', 'only run tests whose name matches')
    .option('--now <time>', 'evaluation clock (RFC 3339)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(
      guard((paths: string[], options: { run?: string; now?: string; format: 'text' | 'json' }) =>
        testAction(context, paths, options),
      ),
    );
  policy
    .command('eval')
    .description('evaluate a query (default data.writ.decision) and print the result as JSON')
    .argument('[query]', 'a data reference or a Rego query', 'data.writ.decision')
    .option(
      '-d, --data <path>',
      'policy file, directory, npm:<package>, bundle or .wasm (repeatable)',
      collect,
      [],
    )
    .option('-i, --input <file>', 'input document (JSON; - reads standard input)')
    .option('--now <time>', 'evaluation clock (RFC 3339)')
    .option('--fail', 'exit 1 when the result is undefined')
    .action(
      guard(
        (
          query: string,
          options: { data: string[]; input?: string; now?: string; fail?: boolean },
        ) => evalAction(context, query, options),
      ),
    );
  policy
    .command('check')
    .description('compile policies and report errors with file:line:col; exits 1 on errors')
    .argument('[paths...]', 'policy files, directories, npm:<package> or bundles', [])
    .action(guard((paths: string[]) => checkAction(context, paths)));
  policy
    .command('build')
    .description(
      'build an OPA wasm bundle with "opa build -t wasm" (needs opa on PATH; exits 3 without it)',
    )
    .argument('[paths...]', 'policy files or directories', [])
    .option('-o, --output <file>', 'bundle to write', 'bundle.tar.gz')
    .option('-e, --entrypoint <ref>', 'entrypoint (repeatable; default writ/decision)', collect, [])
    .action(
      guard((paths: string[], options: { output: string; entrypoint: string[] }) =>
        buildAction(context, paths, options),
      ),
    );
  return policy;
}
