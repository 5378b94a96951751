import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import type { WritErrorCode } from '@writ/core';
import { makeBundle } from '../test/support/make-bundle.ts';
import { tempTree } from '../test/support/temp-tree.ts';
import { loadRegoPolicy } from './load-rego-policy.ts';

const MAIN = `package writ

default allow := false

allow if input.action.tool in data.tools.allowed

allow if "admin" in data.writ.roles[input.principal.id]

decision := {"allow": allow, "tool": input.action.tool}
`;
const MAIN_TEST = `package writ

test_allowed_tool if decision.allow with input as {"action": {"tool": "search"}, "principal": {"id": "bob"}}
`;

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

async function expectCode(promise: Promise<unknown>, code: WritErrorCode, pattern?: RegExp): Promise<unknown> {
  const error = await caught(promise);
  expect(isWritError(error, code), String(error)).toBe(true);
  if (pattern) expect((error as Error).message).toMatch(pattern);
  return error;
}

function policyTree(extra: Record<string, string> = {}): Promise<string> {
  return tempTree({
    'policies/writ/main.rego': MAIN,
    'policies/writ/main_test.rego': MAIN_TEST,
    'policies/data.json': '{"tools":{"allowed":["search"]}}',
    'policies/writ/roles/data.yaml': 'alice:\n  - admin\n',
    'policies/README.md': '# not policy',
    'policies/node_modules/x/y.rego': 'this is not parsed',
    'policies/.git/z.rego': 'neither is this',
    ...extra,
  });
}

const input = (tool: string, principal = 'bob') => ({ version: 'writ.input/v1', action: { tool }, principal: { id: principal } });

describe('loadRegoPolicy', () => {
  it('loads a directory: modules, data.json at the root and data.yaml at its directory path', async () => {
    const root = await policyTree();
    const policy = await loadRegoPolicy({ paths: ['policies'], cwd: root });
    expect(policy.evaluateSync(input('search'))).toEqual({ allow: true, tool: 'search' });
    expect(policy.evaluateSync(input('shell'))).toEqual({ allow: false, tool: 'shell' });
    expect(policy.evaluateSync(input('shell', 'alice'))).toEqual({ allow: true, tool: 'shell' });
    expect(await policy.evaluate(input('shell'))).toEqual({ allow: false, tool: 'shell' });
    expect(policy.entrypoint).toBe('data.writ.decision');
    expect(policy.source).toEqual({ engine: 'rego', locations: ['policies'], files: ['writ/main.rego'] });
    expect(policy.modules.map((module) => module.file)).toEqual([join('policies', 'writ/main.rego')]);
  });

  it('has a digest independent of where the files sit, blind to tests, sensitive to sources and data', async () => {
    const root = await policyTree();
    const relative = await loadRegoPolicy({ paths: ['policies'], cwd: root });
    const absolute = await loadRegoPolicy({ paths: [join(root, 'policies')] });
    expect(absolute.digest).toBe(relative.digest);
    expect(relative.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const otherTest = await policyTree({ 'policies/writ/main_test.rego': `${MAIN_TEST}\ntest_more if true\n` });
    expect((await loadRegoPolicy({ paths: ['policies'], cwd: otherTest })).digest).toBe(relative.digest);
    const otherSource = await policyTree({ 'policies/writ/main.rego': `${MAIN}\n# comment\n` });
    expect((await loadRegoPolicy({ paths: ['policies'], cwd: otherSource })).digest).not.toBe(relative.digest);
    const otherData = await policyTree({ 'policies/writ/roles/data.yaml': 'alice: [admin, ops]\n' });
    expect((await loadRegoPolicy({ paths: ['policies'], cwd: otherData })).digest).not.toBe(relative.digest);
    const withTests = await loadRegoPolicy({ paths: ['policies'], cwd: root, includeTests: true });
    expect(withTests.source.files).toEqual(['writ/main.rego', 'writ/main_test.rego']);
    expect(withTests.digest).not.toBe(relative.digest);
  });

  it('loads explicit files, with .json data at the root', async () => {
    const root = await policyTree({ 'extra.json': '{"writ":{"roles":{"bob":["admin"]}}}' });
    const policy = await loadRegoPolicy({ paths: ['policies/writ/main.rego', 'extra.json', 'policies/data.json'], cwd: root });
    expect(policy.evaluateSync(input('shell'))).toEqual({ allow: true, tool: 'shell' });
  });

  it('loads a file reached through two locations once', async () => {
    const root = await policyTree();
    const twice = await loadRegoPolicy({ paths: ['policies', 'policies/writ/main.rego', './policies/writ'], cwd: root });
    const once = await loadRegoPolicy({ paths: ['policies'], cwd: root });
    expect(twice.modules).toHaveLength(1);
    expect(twice.digest).toBe(once.digest);
    expect(twice.evaluateSync(input('shell', 'alice'))).toEqual({ allow: true, tool: 'shell' });
  });

  it('loads in-memory modules with extra data', async () => {
    const policy = await loadRegoPolicy({ modules: [{ file: 'main.rego', source: MAIN }], data: { tools: { allowed: ['x'] }, writ: { roles: {} } } });
    expect(policy.evaluateSync(input('x'))).toEqual({ allow: true, tool: 'x' });
    expect(policy.source.locations).toEqual(['main.rego']);
  });

  it('resolves npm:<package> by walking node_modules up from cwd', async () => {
    const root = await tempTree({
      'node_modules/@acme/writ-policies/package.json': '{"name":"@acme/writ-policies","version":"1.0.0"}',
      'node_modules/@acme/writ-policies/writ/main.rego': MAIN,
      'node_modules/@acme/writ-policies/data.json': '{"tools":{"allowed":["search"]},"writ":{"roles":{}}}',
      'app/src/.keep': '',
    });
    const policy = await loadRegoPolicy({ paths: ['npm:@acme/writ-policies'], cwd: join(root, 'app/src') });
    expect(policy.evaluateSync(input('search'))).toEqual({ allow: true, tool: 'search' });
    expect(policy.source.files).toEqual(['writ/main.rego']);
    await expectCode(loadRegoPolicy({ paths: ['npm:@acme/missing'], cwd: root }), 'ERR_POLICY_NOT_FOUND', /^npm:@acme\/missing: package @acme\/missing is not installed in node_modules of .* or a folder above it \(npm install @acme\/missing\)$/);
    await expectCode(loadRegoPolicy({ paths: ['npm:../etc'], cwd: root }), 'ERR_INVALID_ARGUMENT');
  });

  it('loads a plain-Rego OPA bundle with its revision', async () => {
    const root = await tempTree({});
    const bundle = await makeBundle([
      { name: '/.manifest', content: '{"revision":"2026-11-24","roots":["writ","tools"]}' },
      { name: '/data.json', content: '{"tools":{"allowed":["search"]}}' },
      { name: '/writ/roles/data.json', content: '{}' },
      { name: '/writ/main.rego', content: MAIN },
    ]);
    await writeFile(join(root, 'bundle.tar.gz'), bundle);
    const policy = await loadRegoPolicy({ paths: ['bundle.tar.gz'], cwd: root });
    expect(policy.evaluateSync(input('search'))).toEqual({ allow: true, tool: 'search' });
    expect(policy.source).toEqual({ engine: 'rego', locations: ['bundle.tar.gz'], files: ['writ/main.rego'], revision: '2026-11-24' });
    const traversal = await makeBundle([{ name: '../writ/main.rego', content: MAIN }]);
    await writeFile(join(root, 'evil.tar.gz'), traversal);
    await expectCode(loadRegoPolicy({ paths: ['evil.tar.gz'], cwd: root }), 'ERR_POLICY_BUNDLE_INVALID', /unsafe entry name/);
    await writeFile(join(root, 'broken.tar.gz'), 'not a bundle');
    await expectCode(loadRegoPolicy({ paths: ['broken.tar.gz'], cwd: root }), 'ERR_POLICY_BUNDLE_INVALID');
    await expectCode(loadRegoPolicy({ paths: ['absent.tar.gz'], cwd: root }), 'ERR_POLICY_NOT_FOUND');
  });

  it('refuses missing paths, unknown file kinds and malformed data', async () => {
    const root = await policyTree({ 'notes.txt': 'x', 'bad/data.json': '[1, 2]', 'worse/data.json': '{"a":' });
    await expectCode(loadRegoPolicy({ paths: ['nope'], cwd: root }), 'ERR_POLICY_NOT_FOUND', /nope/);
    await expectCode(loadRegoPolicy({ paths: ['notes.txt'], cwd: root }), 'ERR_POLICY_SOURCE_INVALID');
    await expectCode(loadRegoPolicy({ paths: ['policies', 'bad'], cwd: root }), 'ERR_POLICY_DATA_INVALID', /must hold an object/);
    await expectCode(loadRegoPolicy({ paths: ['policies', 'worse'], cwd: root }), 'ERR_POLICY_DATA_INVALID', /not valid JSON/);
  });

  it('refuses a named pipe instead of blocking on it, and skips one inside a directory', async () => {
    const root = await policyTree();
    for (const pipe of ['pipe.rego', 'policies/writ/pipe.rego']) {
      const made = spawnSync('mkfifo', [join(root, pipe)]);
      if (made.status !== 0) expect.fail('mkfifo is needed for this test');
    }
    await expectCode(loadRegoPolicy({ paths: ['pipe.rego'], cwd: root }), 'ERR_POLICY_SOURCE_INVALID', /not a regular file/);
    expect((await loadRegoPolicy({ paths: ['policies'], cwd: root })).modules).toHaveLength(1);
  });

  it('lets a later location override data of an earlier one (a project over the library), in the order given', async () => {
    const root = await policyTree({ 'more/data.json': '{"tools":{"allowed":["shell"],"extra":1}}' });
    const layered = await loadRegoPolicy({ paths: ['policies', 'more'], cwd: root });
    expect(layered.evaluateSync(input('shell'))).toEqual({ allow: true, tool: 'shell' });
    expect(layered.evaluateSync(input('search'))).toEqual({ allow: false, tool: 'search' }); // arrays are replaced, not merged
    const reversed = await loadRegoPolicy({ paths: ['more', 'policies'], cwd: root });
    expect(reversed.evaluateSync(input('search'))).toEqual({ allow: true, tool: 'search' });
    // The digest covers the merged data, so the two orders are two policies.
    expect(layered.digest).not.toBe(reversed.digest);
  });

  it('refuses conflicting data within one location', async () => {
    const root = await policyTree({ 'policies/tools/data.json': '{"allowed":["shell"]}' });
    await expectCode(loadRegoPolicy({ paths: ['policies'], cwd: root }), 'ERR_POLICY_DATA_INVALID', /merge conflict at data\.tools\.allowed/);
  });

  it('reports compile errors with file:line:col', async () => {
    const root = await policyTree({ 'policies/writ/broken.rego': 'package writ\n\nbroken if {\n  input.x ==\n}\n' });
    const error = await expectCode(loadRegoPolicy({ paths: ['policies'], cwd: root }), 'ERR_POLICY_COMPILE', /broken\.rego:\d+:\d+/);
    expect((error as { details: { location: { line: number } } }).details.location.line).toBeGreaterThanOrEqual(4);
  });

  it('refuses rules of one package that conflict across files', async () => {
    const root = await policyTree({ 'policies/writ/other.rego': 'package writ\n\ndecision contains "x"\n' });
    await expectCode(loadRegoPolicy({ paths: ['policies'], cwd: root }), 'ERR_POLICY_COMPILE', /decision/);
  });

  it('raises eval_conflict_error when complete rules disagree at evaluation', async () => {
    const policy = await loadRegoPolicy({
      modules: [
        { file: 'a.rego', source: 'package writ\n\ndecision := input.a\n' },
        { file: 'b.rego', source: 'package writ\n\ndecision := input.b\n' },
      ],
    });
    expect(policy.evaluateSync({ a: 1, b: 1 })).toBe(1);
    let error: unknown;
    try {
      policy.evaluateSync({ a: 1, b: 2 });
    } catch (caughtError) {
      error = caughtError;
    }
    expect(isWritError(error, 'ERR_POLICY_EVAL')).toBe(true);
    expect((error as { details: { regoCode: string } }).details.regoCode).toBe('eval_conflict_error');
  });

  it('refuses an entrypoint with no rule or document behind it', async () => {
    const root = await policyTree();
    await expectCode(loadRegoPolicy({ paths: ['policies'], cwd: root, entrypoint: 'data.writ.decisoin' }), 'ERR_POLICY_ENTRYPOINT', /data\.writ\.decisoin/);
    const allow = await loadRegoPolicy({ paths: ['policies'], cwd: root, entrypoint: 'writ/allow' });
    expect(allow.evaluateSync(input('search'))).toBe(true);
  });

  it('evaluates with the clock it is given', async () => {
    const policy = await loadRegoPolicy({ modules: [{ file: 'clock.rego', source: 'package writ\n\ndecision := time.date(time.now_ns())\n' }] });
    expect(policy.evaluateSync({}, { now: Date.parse('2026-01-02T03:04:05Z') })).toEqual([2026, 1, 2]);
    expect(policy.evaluateSync({}, { now: new Date('2024-02-29T00:00:00Z') })).toEqual([2024, 2, 29]);
    expect(() => policy.evaluateSync({}, { now: Number.NaN })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('passes evaluation budgets to the engine and reports exhausting one as ERR_POLICY_EVAL', async () => {
    const source = 'package writ\n\ndecision := count([x | some x in numbers.range(1, input.n); x % 7 == 0])\n';
    const policy = await loadRegoPolicy({ modules: [{ file: 'loop.rego', source }], limits: { maxSteps: 1_000 } });
    expect(policy.evaluateSync({ n: 14 })).toBe(2);
    let error: unknown;
    try {
      policy.evaluateSync({ n: 1_000_000 });
    } catch (caught) {
      error = caught;
    }
    expect(isWritError(error, 'ERR_POLICY_EVAL')).toBe(true);
    expect((error as { details: { regoCode: string } }).details.regoCode).toBe('eval_step_limit_error');
    await expectCode(loadRegoPolicy({ modules: [{ file: 'loop.rego', source }], limits: { maxSteps: -1 } }), 'ERR_INVALID_ARGUMENT');
  });

  it('hands print output to the caller', async () => {
    const policy = await loadRegoPolicy({ modules: [{ file: 'p.rego', source: 'package writ\n\ndecision := x if {\n  x := input.n + 1\n  print("n is", input.n)\n}\n' }] });
    const lines: string[] = [];
    expect(policy.evaluateSync({ n: 1 }, { print: (line) => lines.push(line) })).toBe(2);
    expect(lines).toEqual(['n is 1']);
    expect(policy.evaluateSync({ n: 2 })).toBe(3);
  });

  it('keeps __proto__ input keys as data', async () => {
    const policy = await loadRegoPolicy({ modules: [{ file: 'echo.rego', source: 'package writ\n\ndecision := input\n' }] });
    const hostile = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}') as unknown;
    expect(JSON.stringify(policy.evaluateSync(hostile))).toBe('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses input the engine cannot take, without leaking raw errors', async () => {
    const policy = await loadRegoPolicy({ modules: [{ file: 'echo.rego', source: 'package writ\n\ndecision := input\n' }] });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let deep: unknown = 1;
    for (let index = 0; index < 100_000; index++) deep = [deep];
    for (const bad of [() => 1, Number.NaN, { x: Number.POSITIVE_INFINITY }]) {
      expect(() => policy.evaluateSync(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
    for (const bad of [cyclic, deep]) {
      expect(() => policy.evaluateSync(bad)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^ERR_(INVALID_ARGUMENT|POLICY_EVAL)$/) }));
    }
    expect(policy.evaluateSync({ fine: [1, 'two', null] })).toEqual({ fine: [1, 'two', null] });
  });

  it('refuses bad options', async () => {
    await expectCode(loadRegoPolicy(undefined as never), 'ERR_INVALID_ARGUMENT');
    await expectCode(loadRegoPolicy({}), 'ERR_INVALID_ARGUMENT');
    await expectCode(loadRegoPolicy({ paths: 'policies' as never }), 'ERR_INVALID_ARGUMENT');
    await expectCode(loadRegoPolicy({ paths: [''] }), 'ERR_INVALID_ARGUMENT');
    await expectCode(loadRegoPolicy({ modules: [{ file: 'a.rego' }] as never }), 'ERR_INVALID_ARGUMENT');
    await expectCode(loadRegoPolicy({ modules: [], data: 'x' as never }), 'ERR_INVALID_ARGUMENT');
    await expectCode(loadRegoPolicy({ modules: [], entrypoint: 'data.x[0]' }), 'ERR_INVALID_ARGUMENT');
  });
});

describe('loadRegoPolicy with several bundles', () => {
  it('loads bundles with disjoint roots and refuses overlapping ones', async () => {
    const root = await tempTree({});
    const rules = await makeBundle([
      { name: '.manifest', content: '{"roots":["writ"]}' },
      { name: 'writ/main.rego', content: MAIN },
      { name: 'writ/roles/data.json', content: '{}' },
    ]);
    const tools = await makeBundle([{ name: '.manifest', content: '{"roots":["tools"]}' }, { name: 'data.json', content: '{"tools":{"allowed":["search"]}}' }]);
    const grab = await makeBundle([{ name: '.manifest', content: '{"roots":["writ/roles"]}' }, { name: 'writ/roles/data.json', content: '{"mallory":["admin"]}' }]);
    await writeFile(join(root, 'rules.tar.gz'), rules);
    await writeFile(join(root, 'tools.tar.gz'), tools);
    await writeFile(join(root, 'grab.tar.gz'), grab);
    const policy = await loadRegoPolicy({ paths: ['rules.tar.gz', 'tools.tar.gz'], cwd: root });
    expect(policy.evaluateSync(input('search'))).toEqual({ allow: true, tool: 'search' });
    await expectCode(loadRegoPolicy({ paths: ['rules.tar.gz', 'tools.tar.gz', 'grab.tar.gz'], cwd: root }), 'ERR_POLICY_BUNDLE_INVALID', /rules\.tar\.gz: roots overlap with grab\.tar\.gz at \/writ/);
  });
});
