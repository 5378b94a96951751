/**
 * Cost of deciding one call with the shared library: data.writ.decision evaluated by
 * @writ/rego for a benign A3 call, an A5 call needing approval, and a denied call with
 * several reasons. Ratios are to one `digest()` of the same input document (canonical
 * JSON + SHA-256) measured in the same run.
 *
 *   pnpm --filter @writ/policies bench
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { digest } from '@writ/core';
import { loadRegoPolicy } from '@writ/policy';

const root = fileURLToPath(new URL('..', import.meta.url));
const policy = await loadRegoPolicy({ paths: [root], cwd: root });
const evaluate = policy.evaluateSync.bind(policy);
// The benign A3 call, shared with @writ/rego's benchmark of the project policy set.
const benign = JSON.parse(readFileSync(fileURLToPath(new URL('benign-a3.input.json', import.meta.url)), 'utf8')) as {
  action: Record<string, unknown>;
  basis: Record<string, unknown>;
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
