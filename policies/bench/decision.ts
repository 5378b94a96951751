/**
 * Cost of deciding one call with the shared library: data.writ.decision evaluated by
 * @writ/rego for a benign A3 call, an A5 call needing approval, and a denied call with
 * several reasons. Ratios are to one `digest()` of the same input document (canonical
 * JSON + SHA-256) measured in the same run.
 *
 *   pnpm --filter @writ/policies bench
 */
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { digest } from '@writ/core';
import { loadRegoPolicy } from '@writ/policy';

const root = fileURLToPath(new URL('..', import.meta.url));
const policy = await loadRegoPolicy({ paths: [root], cwd: root });
const evaluate = policy.evaluateSync.bind(policy);
const intent = digest('bench');
const benign = {
  version: 'writ.input/v1',
  action: {
    tool: 'email.send',
    cmd: 'email.send',
    args: { to: 'jane@example.com', body: 'Your refund was issued.' },
    intent,
    class: 'A3',
    registered: true,
    audience: 'customer',
    target: null,
    resource: null,
    effects: { declared: ['customer-visible'], detected: [] },
    detections: [],
    hosts: [{ host: 'help.example.com', argument: 'body', internal: null, allowed: true }],
    consequential: [{ path: 'to', kind: 'email' }],
    sensitive: [],
    scope: null,
    tenant: null,
  },
  agent: { id: 'agent:support', framework: null, model: null, environment: null },
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
  approvals: [],
  context: {
    time: '2026-11-24T12:00:00.000Z',
    epochSeconds: 1795521600,
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
    budgets: [
      { id: 'emails-per-hour', limit: 100, used: 3, reserved: 0, requested: 1, remaining: 96 },
    ],
  },
  mode: 'enforce',
};
const approval = {
  ...benign,
  action: { ...benign.action, tool: 'payments.transfer', class: 'A5', audience: 'partner' },
};
const denied = {
  ...benign,
  action: {
    ...benign.action,
    detections: [
      {
        code: 'detect.secret',
        effect: 'secret-exposure',
        argument: 'body',
        detail: 'aws-access-key-id',
        confidence: 'high',
      },
    ],
    hosts: [{ host: 'evil.test', argument: 'body', internal: null, allowed: false }],
  },
  basis: { ...benign.basis, tainted: ['to'], sufficient: false, score: 0 },
};

const bench = new Bench({ time: 1000, warmupTime: 200 });
bench
  .add('baseline: digest(input)', () => digest(benign))
  .add('decide: benign A3 (allow-with-constraints)', () => evaluate(benign))
  .add('decide: A5 (require-approval)', () => evaluate(approval))
  .add('decide: secret + egress + taint (deny)', () => evaluate(denied));
await bench.run();

const p = (name: string, key: 'p50' | 'p99'): number => {
  const result = bench.tasks.find((t) => t.name === name)?.result as
    { latency?: Record<string, number> } | undefined;
  return result?.latency?.[key] ?? Number.NaN;
};
const base = p('baseline: digest(input)', 'p50');
console.table(
  bench.tasks.map((t) => ({
    task: t.name,
    'p50 µs': (p(t.name, 'p50') * 1000).toFixed(1),
    'p99 µs': (p(t.name, 'p99') * 1000).toFixed(1),
    'p50 / digest': (p(t.name, 'p50') / base).toFixed(1),
  })),
);
