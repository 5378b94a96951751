import { describe, expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import { tempTree } from '../test/support/temp-tree.ts';
import { checkPolicy } from './check-policy.ts';

describe('checkPolicy', () => {
  it('finds nothing wrong with good policies and counts tests too', async () => {
    const root = await tempTree({ 'p/a.rego': 'package a\n\nx := 1\n', 'p/a_test.rego': 'package a\n\ntest_x if x == 1\n' });
    expect(await checkPolicy({ paths: ['p'], cwd: root })).toEqual({ modules: 2, problems: [] });
  });

  it('reports the syntax errors of every file, with locations', async () => {
    const root = await tempTree({
      'p/a.rego': 'package a\n\nx := \n',
      'p/b.rego': 'package b\n\ny if {\n',
      'p/c.rego': 'package c\n\nz := 1\n',
    });
    const report = await checkPolicy({ paths: ['p'], cwd: root });
    expect(report.modules).toBe(3);
    expect(report.problems.map((problem) => [problem.code, problem.location?.file])).toEqual([
      ['rego_parse_error', 'p/a.rego'],
      ['rego_parse_error', 'p/b.rego'],
    ]);
    expect(report.problems[0]!.message).toMatch(/^p\/a\.rego:\d+:\d+: rego_parse_error: /);
  });

  it('reports compile errors across files once syntax is fine', async () => {
    const root = await tempTree({ 'p/a.rego': 'package a\n\nx := 1\n', 'p/b.rego': 'package a\n\nx contains 2\n' });
    const report = await checkPolicy({ paths: ['p'], cwd: root });
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]!.code).toBe('rego_type_error');
    expect(report.problems[0]!.location?.file).toMatch(/^p\/[ab]\.rego$/);
  });

  it('reports malformed data as a problem and throws for paths that do not exist', async () => {
    const root = await tempTree({ 'p/data.json': '[]', 'p/a.rego': 'package a\n' });
    const report = await checkPolicy({ paths: ['p'], cwd: root });
    expect(report.problems.map((problem) => problem.code)).toEqual(['ERR_POLICY_DATA_INVALID']);
    const error = await checkPolicy({ paths: ['absent'], cwd: root }).catch((caught: unknown) => caught);
    expect(isWritError(error, 'ERR_POLICY_NOT_FOUND')).toBe(true);
  });
});
