import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
// The OPA-ABI test module of @writ/policy (WAT compiled with wabt at test time).
import { opaTestWasm } from '../../../policy/test/support/opa-test-module.ts';
import { createProgram } from '../program.ts';
import { MAX_POLICY_INPUT_FILE_BYTES, POLICY_EXIT, registerPolicyCommands } from './policy.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO input-file test needs mkfifo (coreutils), which this platform lacks');

const created: string[] = [];
afterAll(async () => {
  await Promise.all(created.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

async function tree(files: Record<string, string | Uint8Array>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'writ-cli-policy-'));
  created.push(root);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

async function run(
  args: string[],
  options: { cwd: string; opa?: string; stdin?: string },
): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let code: number | undefined;
  const program = new Command('writ')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => (stdout += text),
      writeErr: (text) => (stderr += text),
    });
  registerPolicyCommands(program, {
    cwd: options.cwd,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    setExitCode: (value) => (code = value),
    ...(options.opa === undefined ? {} : { opa: options.opa }),
    readStdin: () => (options.stdin === undefined ? Promise.reject(new Error('no stdin')) : Promise.resolve(options.stdin)),
  });
  await program.parseAsync(['policy', ...args], { from: 'user' });
  return { code, stdout, stderr };
}

const MAIN =
  'package writ\n\ndefault allow := false\n\nallow if input.tool == "search"\n\ndecision := {"allow": allow}\n';
const TESTS =
  'package writ\n\ntest_search if allow with input as {"tool": "search"}\n\ntest_shell if {\n  print("tool shell")\n  allow with input as {"tool": "shell"}\n}\n';

describe('writ policy test', () => {
  it('prints each test with its location and exits 1 when one fails', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN, 'p/main_test.rego': TESTS });
    const result = await run(['test', 'p'], { cwd });
    expect(result.stdout).toContain(
      `PASS  data.writ.test_search (${join('p', 'main_test.rego')}:3)`,
    );
    expect(result.stdout).toContain(
      `FAIL  data.writ.test_shell (${join('p', 'main_test.rego')}:5): got undefined\n      tool shell\n`,
    );
    expect(result.stdout).toContain('PASS: 1/2  FAIL: 1  ERROR: 0  SKIP: 0');
    expect(result.code).toBe(POLICY_EXIT.policy);
  });

  it('exits 0 when all pass, and 1 when no tests exist', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN, 'p/main_test.rego': TESTS });
    expect((await run(['test', 'p', '--run', 'search'], { cwd })).code).toBe(POLICY_EXIT.ok);
    const badRun = await run(['test', 'p', '--run', '('], { cwd });
    expect([badRun.code, badRun.stderr]).toEqual([POLICY_EXIT.usage, '--run (: not a valid regular expression [ERR_USAGE]\n']);
    const empty = await run(['test', 'p/main.rego'], { cwd });
    expect(empty.code).toBe(POLICY_EXIT.policy);
    expect(empty.stderr).toContain('no test_ rules found');
  });

  it('warns on stderr about a test name defined twice', async () => {
    const cwd = await tree({ 'p_test.rego': 'package p\n\ntest_same if false\n\ntest_same if true\n' });
    const result = await run(['test', '.'], { cwd });
    expect(result.code).toBe(POLICY_EXIT.ok);
    expect(result.stderr).toBe('warning: data.p.test_same is defined 2 times (p_test.rego:3, p_test.rego:5): the definitions combine, so a passing one hides a failing one\n');
  });

  it('prints the report as JSON with --format json', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN, 'p/main_test.rego': TESTS });
    const result = await run(['test', 'p', '--format', 'json'], { cwd });
    const report = JSON.parse(result.stdout);
    expect([report.passed, report.failed, report.errored, report.skipped]).toEqual([1, 1, 0, 0]);
    expect(report.results[1]).toMatchObject({ name: 'data.writ.test_shell', status: 'fail', line: 5, output: ['tool shell'] });
    expect(result.code).toBe(POLICY_EXIT.policy);
    expect((await run(['test', 'p', '--format', 'xml'], { cwd }).catch((error: unknown) => error)) as Error).toMatchObject({ code: 'commander.invalidArgument' });
  });

  it('exits 2 for a missing path', async () => {
    const cwd = await tree({});
    const result = await run(['test', 'absent'], { cwd });
    expect(result.code).toBe(POLICY_EXIT.usage);
    expect(result.stderr).toContain('absent');
  });
});

describe('writ policy eval', () => {
  it('evaluates a reference with an input file and prints JSON', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN, 'in.json': '{"tool":"search"}' });
    const result = await run(['eval', '-d', 'p', '-i', 'in.json', 'data.writ.decision'], { cwd });
    expect(JSON.parse(result.stdout)).toEqual({ allow: true });
    expect(result.code).toBe(POLICY_EXIT.ok);
    expect(JSON.parse((await run(['eval', '-d', 'p', '-i', 'in.json'], { cwd })).stdout)).toEqual({
      allow: true,
    });
  });

  it('reads the input from standard input with -i -', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN });
    const result = await run(['eval', '-d', 'p', '-i', '-'], { cwd, stdin: '{"tool":"search"}' });
    expect(JSON.parse(result.stdout)).toEqual({ allow: true });
    expect((await run(['eval', '-d', 'p', '-i', '-'], { cwd })).stderr).toBe('-: cannot read input file [ERR_USAGE]\n');
  });

  it('evaluates a query and prints its bindings', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN, 'in.json': '{"tool":"shell"}' });
    const result = await run(['eval', '-d', 'p', '-i', 'in.json', 'x := data.writ.allow'], { cwd });
    expect(JSON.parse(result.stdout)).toEqual([{ x: false }]);
  });

  it('evaluates references and queries with the clock given by --now', async () => {
    const cwd = await tree({ 'p/clock.rego': 'package clock\n\nyear := time.date(time.now_ns())[0]\n' });
    const now = ['--now', '2031-05-06T07:08:09Z'];
    expect(JSON.parse((await run(['eval', '-d', 'p', ...now, 'data.clock.year'], { cwd })).stdout)).toBe(2031);
    expect(JSON.parse((await run(['eval', '-d', 'p', ...now, 'y := data.clock.year'], { cwd })).stdout)).toEqual([{ y: 2031 }]);
    const bad = await run(['eval', '-d', 'p', '--now', 'yesterday', 'data.clock.year'], { cwd });
    expect(bad.code).toBe(POLICY_EXIT.usage);
  });

  it('exits 2 for a query that does not parse and 1 for one that fails to evaluate', async () => {
    const cwd = await tree({ 'p/main.rego': 'package writ\n\nc := 1 if input.x\nc := 2 if input.x\n' });
    const unparsable = await run(['eval', '-d', 'p', 'x := ('], { cwd });
    expect(unparsable.code).toBe(POLICY_EXIT.usage);
    expect(unparsable.stderr).toMatch(/rego_parse_error/);
    await writeFile(join(cwd, 'in.json'), '{"x":true}');
    const conflict = await run(['eval', '-d', 'p', '-i', 'in.json', 'y := data.writ.c'], { cwd });
    expect(conflict.code).toBe(POLICY_EXIT.policy);
    expect(conflict.stderr).toMatch(/eval_conflict_error/);
  });

  it('reports undefined on stderr, and exits 1 for it with --fail', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN });
    const plain = await run(['eval', '-d', 'p', 'data.writ.nothing'], { cwd });
    expect([plain.code, plain.stdout, plain.stderr]).toEqual([
      POLICY_EXIT.ok,
      '',
      'undefined: data.writ.nothing has no value for this input\n',
    ]);
    expect((await run(['eval', '-d', 'p', '--fail', 'data.writ.nothing'], { cwd })).code).toBe(
      POLICY_EXIT.policy,
    );
  });

  it('evaluates an OPA wasm module given with -d', async () => {
    const cwd = await tree({ 'policy.wasm': await opaTestWasm(), 'in.json': '{"tool":"search"}' });
    const result = await run(['eval', '-d', 'policy.wasm', '-i', 'in.json'], { cwd });
    expect(result.code).toBe(POLICY_EXIT.ok);
    expect(JSON.parse(result.stdout)).toEqual({ input: { tool: 'search' }, data: {} });
    const clocked = await run(['eval', '-d', 'policy.wasm', '--now', '2030-01-01T00:00:00Z'], { cwd });
    expect(clocked.stderr).toBe('note: --now is ignored for wasm policies (the OPA SDK reads the wall clock)\n');
    const missing = await run(['eval', '-d', 'policy.wasm', 'data.writ.other'], { cwd });
    expect([missing.code, missing.stderr]).toEqual([
      POLICY_EXIT.policy,
      'policy.wasm: no entrypoint writ/other (has writ/decision, writ/undefined, writ/abort, writ/builtin) [ERR_POLICY_ENTRYPOINT]\n',
    ]);
  });

  it('exits 1 for a file that is not an OPA wasm module', async () => {
    const cwd = await tree({ 'bad.wasm': 'not wasm' });
    const result = await run(['eval', '-d', 'bad.wasm'], { cwd });
    expect([result.code, result.stderr]).toEqual([
      POLICY_EXIT.policy,
      'bad.wasm: not a WebAssembly module [ERR_POLICY_WASM_INVALID]\n',
    ]);
  });

  it('exits 2 for a missing or malformed input file', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN, 'bad.json': '{' });
    const missing = await run(['eval', '-d', 'p', '-i', 'none.json'], { cwd });
    expect([missing.code, missing.stderr]).toEqual([POLICY_EXIT.usage, 'none.json: cannot read input file: no such file or directory [ENOENT]\n']);
    const bad = await run(['eval', '-d', 'p', '-i', 'bad.json'], { cwd });
    expect([bad.code, bad.stderr]).toEqual([POLICY_EXIT.usage, 'bad.json: not valid JSON [ERR_USAGE]\n']);
    const directory = await run(['eval', '-d', 'p', '-i', 'p'], { cwd });
    expect([directory.code, directory.stderr]).toEqual([POLICY_EXIT.usage, 'p: cannot read input file: is a directory, not a file [EISDIR]\n']);
  });

  it.skipIf(!haveMkfifo)('GAP: refuses a FIFO named as the input file at once instead of waiting for a writer', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN });
    expect(spawnSync('mkfifo', [join(cwd, 'pipe.json')]).status).toBe(0);
    const fifo = await run(['eval', '-d', 'p', '-i', 'pipe.json'], { cwd });
    expect([fifo.code, fifo.stderr]).toEqual([POLICY_EXIT.usage, 'pipe.json: cannot read input file: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n']);
  });

  it('refuses an input file over the limit unread (a sparse file)', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN, 'huge.json': '' });
    await truncate(join(cwd, 'huge.json'), MAX_POLICY_INPUT_FILE_BYTES + 1);
    const huge = await run(['eval', '-d', 'p', '-i', 'huge.json'], { cwd });
    expect(huge.code).toBe(POLICY_EXIT.usage);
    expect(huge.stderr).toMatch(/^huge\.json: cannot read input file: larger than \d+ bytes.*\[ERR_FILE_TOO_LARGE\]\n$/u);
  });
});

describe('writ policy check', () => {
  it('says ok for policies that compile', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN, 'p/main_test.rego': TESTS });
    const result = await run(['check', 'p'], { cwd });
    expect([result.code, result.stdout]).toEqual([POLICY_EXIT.ok, 'ok: 2 modules compiled\n']);
  });

  it('prints the syntax errors of every file and a count', async () => {
    const cwd = await tree({ 'p/a.rego': 'package a\n\nx := \n', 'p/b.rego': 'package b\n\ny if {\n' });
    const result = await run(['check', 'p'], { cwd });
    expect(result.code).toBe(POLICY_EXIT.policy);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^p\/a\.rego:\d+:\d+: rego_parse_error: /);
    expect(lines[1]).toMatch(/^p\/b\.rego:\d+:\d+: rego_parse_error: /);
    expect(lines[2]).toBe('2 errors');
  });

  it('prints compile errors with file:line:col and exits 1', async () => {
    const cwd = await tree({ 'p/main.rego': 'package writ\n\nallow if {\n  input.x ==\n}\n' });
    const result = await run(['check', 'p'], { cwd });
    expect(result.code).toBe(POLICY_EXIT.policy);
    expect(result.stderr).toMatch(
      new RegExp(`${join('p', 'main.rego').replace('.', '\\.')}:\\d+:\\d+: rego_parse_error`),
    );
  });
});

describe('writ policy build', () => {
  it('says clearly that opa is missing and exits 3', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN });
    const result = await run(['build', 'p'], { cwd, opa: join(cwd, 'no-such-opa') });
    expect(result.code).toBe(POLICY_EXIT.opaMissing);
    expect(result.stderr).toMatch(/^opa is not on PATH/);
  });

  it('runs opa build -t wasm with the entrypoints and output', async () => {
    const cwd = await tree({ 'p/main.rego': MAIN });
    const opa = join(cwd, 'fake-opa');
    await writeFile(
      opa,
      '#!/bin/sh\nif [ "$1" = version ]; then echo "Version: fake"; exit 0; fi\necho "$@" > "$(dirname "$0")/args.txt"\nwhile [ $# -gt 0 ]; do if [ "$1" = -o ]; then shift; echo bundle > "$1"; fi; shift; done\n',
    );
    await chmod(opa, 0o755);
    const result = await run(
      ['build', 'p', '-o', 'out.tar.gz', '-e', 'data.writ.decision', '-e', 'writ/allow'],
      { cwd, opa },
    );
    expect(result.code).toBe(POLICY_EXIT.ok);
    expect(await readFile(join(cwd, 'args.txt'), 'utf8')).toBe(
      'build -t wasm -e writ/decision -e writ/allow -o out.tar.gz p\n',
    );
    expect(await readFile(join(cwd, 'out.tar.gz'), 'utf8')).toBe('bundle\n');
  });

  it('exits 1 when opa build fails', async () => {
    const cwd = await tree({});
    const opa = join(cwd, 'failing-opa');
    await writeFile(
      opa,
      '#!/bin/sh\nif [ "$1" = version ]; then exit 0; fi\necho "1 error occurred: p/main.rego:3: rego_parse_error" >&2\nexit 1\n',
    );
    await chmod(opa, 0o755);
    const result = await run(['build'], { cwd, opa });
    expect(result.code).toBe(POLICY_EXIT.policy);
    expect(result.stderr).toContain('rego_parse_error');
    expect(result.stderr).toContain('opa build failed (exit 1)');
  });
});

describe('registerPolicyCommands', () => {
  it('is registered in the writ program with its four subcommands', () => {
    const policy = createProgram().commands.find((command) => command.name() === 'policy');
    expect(policy?.commands.map((command) => command.name())).toEqual(['test', 'eval', 'check', 'build']);
  });
});
