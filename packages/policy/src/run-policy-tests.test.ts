import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import { tempTree } from '../test/support/temp-tree.ts';
import { runPolicyTests } from './run-policy-tests.ts';

const MAIN = `package writ

default allow := false

allow if input.tool in data.allowed

double(x) := x * 2
`;
const TESTS = `package writ

test_allows_listed_tool if allow with input as {"tool": "search"} with data.allowed as ["search"]

test_denies_other_tool if not allow with input as {"tool": "shell"}

test_mocks_a_function if double(2) == 5 with double as mock_double

mock_double(x) := x + 3

test_fails_when_false if allow with input as {"tool": "shell"}

test_fails_when_undefined if input.missing

test_errors_on_conflict if {
  x := conflict
  x == 1
}

conflict := 1 if count(data.allowed) >= 0
conflict := 2 if count(data.allowed) >= 0

todo_test_later if false
`;

describe('runPolicyTests', () => {
  it('runs every test_ rule and reports pass, fail, error and skip with file:line', async () => {
    const root = await tempTree({ 'p/main.rego': MAIN, 'p/main_test.rego': TESTS, 'p/data.json': '{"allowed":[]}' });
    const report = await runPolicyTests({ paths: ['p'], cwd: root });
    const summary = report.results.map((result) => [result.name, result.status, result.line]);
    expect(summary).toEqual([
      ['data.writ.test_allows_listed_tool', 'pass', 3],
      ['data.writ.test_denies_other_tool', 'pass', 5],
      ['data.writ.test_mocks_a_function', 'pass', 7],
      ['data.writ.test_fails_when_false', 'fail', 11],
      ['data.writ.test_fails_when_undefined', 'fail', 13],
      ['data.writ.test_errors_on_conflict', 'error', 15],
      ['data.writ.todo_test_later', 'skip', 23],
    ]);
    expect(report.results.every((result) => result.file === join('p', 'main_test.rego'))).toBe(true);
    expect(report.results[4]!.message).toBe('undefined');
    expect(report.results[5]!.message).toMatch(/eval_conflict_error/);
    expect([report.passed, report.failed, report.errored, report.skipped]).toEqual([3, 2, 1, 1]);
    expect(report.warnings).toEqual([]);
  });

  it('keeps what each test prints', async () => {
    const root = await tempTree({ 'p_test.rego': 'package p\n\ntest_prints if {\n  print("checking", 1 + 1)\n  false\n}\n\ntest_quiet if true\n' });
    const report = await runPolicyTests({ paths: ['.'], cwd: root });
    expect(report.results.map((result) => [result.status, result.output])).toEqual([
      ['fail', ['checking 2']],
      ['pass', []],
    ]);
  });

  it('warns about a test name defined twice, whose definitions combine as in OPA', async () => {
    const root = await tempTree({ 'p_test.rego': 'package p\n\ntest_same if false\n\ntest_same if true\n\ntest_other if true\n' });
    const report = await runPolicyTests({ paths: ['.'], cwd: root });
    expect(report.results.map((result) => [result.name, result.status])).toEqual([
      ['data.p.test_same', 'pass'],
      ['data.p.test_other', 'pass'],
    ]);
    expect(report.warnings).toEqual(['data.p.test_same is defined 2 times (p_test.rego:3, p_test.rego:5): the definitions combine, so a passing one hides a failing one']);
  });

  it('filters by name like opa test --run', async () => {
    const root = await tempTree({ 'p/main.rego': MAIN, 'p/main_test.rego': TESTS });
    const report = await runPolicyTests({ paths: ['p'], cwd: root, run: 'denies|mocks' });
    expect(report.results.map((result) => result.name)).toEqual(['data.writ.test_denies_other_tool', 'data.writ.test_mocks_a_function']);
    await expect(runPolicyTests({ paths: ['p'], cwd: root, run: '(' })).rejects.toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('uses the clock it is given', async () => {
    const root = await tempTree({ 't_test.rego': 'package t\n\ntest_year if time.date(time.now_ns())[0] == 2030\n' });
    expect((await runPolicyTests({ paths: ['.'], cwd: root, now: Date.parse('2030-06-01T00:00:00Z') })).passed).toBe(1);
    expect((await runPolicyTests({ paths: ['.'], cwd: root, now: Date.parse('2031-06-01T00:00:00Z') })).failed).toBe(1);
  });

  it('reports a directory without tests as an empty run', async () => {
    const root = await tempTree({ 'p/main.rego': MAIN });
    const report = await runPolicyTests({ paths: ['p'], cwd: root });
    expect(report.results).toEqual([]);
  });

  it('throws when the policies do not compile', async () => {
    const root = await tempTree({ 'p/main.rego': MAIN, 'p/broken_test.rego': 'package writ\n\ntest_x if {\n' });
    const error = await runPolicyTests({ paths: ['p'], cwd: root }).catch((caught: unknown) => caught);
    expect(isWritError(error, 'ERR_POLICY_COMPILE')).toBe(true);
    expect((error as Error).message).toMatch(/broken_test\.rego:\d+:\d+/);
  });
});
