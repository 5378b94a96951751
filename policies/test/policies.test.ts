// Runs every `test_*` rule of the library's `_test.rego` files through @writ/policy's
// OPA-style runner (the engine is @writ/rego), one vitest case per Rego test, and checks
// that what the library decides is a well-formed writ.decision/v1 document.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { digest, parseDecision } from '@writ/core';
import { loadRegoPolicy, runPolicyTests } from '@writ/policy';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const NOW = new Date('2026-11-24T12:00:00Z');
const report = await runPolicyTests({ paths: [root], cwd: root, now: NOW });

describe('@writ/policies Rego tests', () => {
  it('found tests to run (an empty run is a failure, not a pass)', () => {
    expect(report.results.length).toBeGreaterThan(0);
    expect(report.skipped).toBe(0);
  });

  it.each(report.results.map((result) => [result.name, result] as const))('%s', (_name, result) => {
    expect(result.status, `${result.file}:${result.line} ${result.message ?? ''}`).toBe('pass');
  });

  it('has a _test.rego for every module', () => {
    const files = readdirSync(new URL('../writ/', import.meta.url));
    const modules = files.filter((file) => file.endsWith('.rego') && !file.endsWith('_test.rego'));
    const untested = modules.filter(
      (file) => file !== 'decision.rego' && !files.includes(file.replace(/\.rego$/, '_test.rego')),
    );
    expect(modules.length).toBeGreaterThan(0);
    expect(untested).toEqual([]);
  });
});

describe('data.writ.decision', () => {
  const intent = digest('intent');
  const input = {
    version: 'writ.input/v1',
    action: {
      tool: 'payments.transfer',
      cmd: 'payments.transfer',
      args: { iban: 'DE89370400440532013000', amount: 120 },
      intent,
      class: 'A5',
      registered: true,
      audience: 'partner',
      target: null,
      resource: null,
      effects: { declared: ['financial'], detected: [] },
      detections: [],
      hosts: [],
      consequential: [{ path: 'iban', kind: 'iban' }],
      sensitive: ['iban'],
      scope: 120,
      tenant: null,
    },
    agent: { id: 'agent:billing', framework: null, model: null, environment: null },
    principal: { id: 'user:alice', roles: ['clerk'], tenant: 'acme' },
    basis: {
      score: 0.6,
      threshold: 0.6,
      sufficient: true,
      digest: intent,
      findings: [],
      tainted: [],
      arguments: [],
      items: [],
    },
    approvals: [] as unknown[],
    context: {
      time: NOW.toISOString(),
      epochSeconds: NOW.getTime() / 1000,
      session: 's1',
      callId: 'c1',
      history: {
        attempts: 0,
        recentDenials: [],
        signals: {
          repeatedDenials: 0,
          alternateToolAfterDenial: false,
          scopeExpansionAfterNarrowing: false,
        },
      },
      budgets: [],
    },
    mode: 'enforce',
  };
  const approval = (approver: string): unknown => ({
    approver,
    key: null,
    role: 'manager',
    intent,
    rule: null,
    issuedAt: NOW.toISOString(),
    expiresAt: null,
  });

  it.each([
    ['user-sourced IBAN', input, 'require-approval'],
    [
      'email-sourced IBAN',
      { ...input, basis: { ...input.basis, score: 0, sufficient: false, tainted: ['iban'] } },
      'deny',
    ],
    [
      'approved by two people',
      { ...input, approvals: [approval('user:bob'), approval('user:carol')] },
      'allow-with-constraints',
    ],
    ['an observation', { ...input, action: { ...input.action, class: 'A0' } }, 'allow'],
    ['not an input document', { hello: 'world' }, 'deny'],
  ])('is a valid decision document for %s', async (_name, document, expected) => {
    const policy = await loadRegoPolicy({ paths: [root], cwd: root });
    const decision = parseDecision(await policy.evaluate(document));
    expect(decision.decision).toBe(expected);
    if (expected !== 'allow') expect(decision.reasons.length).toBeGreaterThan(0);
  });
});
