/**
 * Firewall judgement benchmarks (steps 2–4 without the policy engine): classify a call,
 * score its basis, build the policy input, parse a decision. Ratios are to one
 * `digest()` of the same call (canonical JSON + SHA-256), measured in the same run —
 * the floor every guarded call pays anyway.
 *
 *   node --conditions=@writ/source packages/core/bench/judgement.ts
 */
import { Bench } from 'tinybench';
import {
  BasisLedger,
  buildPolicyInput,
  createToolRegistry,
  digest,
  parseDecision,
  scoreBasis,
} from '@writ/core';

const NOW = new Date('2026-11-24T12:00:00Z');
const registry = createToolRegistry({
  tools: [
    {
      name: 'payments.transfer',
      actionClass: 'A5',
      effects: ['financial'],
      audience: 'partner',
      consequential: { iban: 'iban', amount: 'amount', reference: 'text' },
    },
    {
      name: 'email.send',
      actionClass: 'A3',
      effects: ['customer-visible'],
      audience: 'customer',
      consequential: { to: 'email' },
    },
  ],
  egressAllowlist: ['*.example.com'],
});
const transfer = {
  tool: 'payments.transfer',
  args: { iban: 'DE89370400440532013000', amount: 120.5, reference: 'invoice 4471' },
};
const email = {
  tool: 'email.send',
  args: {
    to: 'jane@example.com',
    subject: 'Your refund',
    body: 'Hi Jane, your refund of 120.50 EUR for order 4471 was issued today. See https://help.example.com/refunds. Regards',
  },
};

function ledgerWith(items: number): BasisLedger {
  const ledger = new BasisLedger({ tenant: 'acme', now: () => NOW });
  ledger.addSystemPrompt('You are a billing assistant for ACME. Follow the refund policy.');
  ledger.addUserTurn('Please pay invoice 4471, 120.50 EUR, to DE89 3704 0044 0532 0130 00.');
  for (let i = 2; i < items; i++) {
    ledger.addToolOutput({
      tool: 'crm.lookup',
      callId: `c${i}`,
      output: {
        customer: `Customer ${i}`,
        note: `Order ${1000 + i} shipped on time; contact c${i}@example.com, balance ${i * 3}.00 EUR.`,
      },
    });
  }
  return ledger;
}
const small = ledgerWith(10).items();
const large = ledgerWith(100).items();
const classification = registry.classify(transfer);
const report = scoreBasis({
  items: small,
  actionClass: 'A5',
  consequential: classification.consequential,
  tenant: 'acme',
  now: NOW,
});
const decision = {
  version: 'writ.decision/v1',
  decision: 'require-approval',
  reasons: [{ code: 'approval.class', text: 'A5 actions need approval under rule dual-control' }],
  risk: 80,
  constraints: { ttlSeconds: 120, maxUses: 1, secrets: false },
  approval: {
    rule: 'dual-control',
    roles: ['manager', 'finance-manager'],
    threshold: 2,
    separationOfDuties: true,
    expiresInSeconds: 3600,
  },
};

const bench = new Bench({ time: 1000, warmupTime: 200 });
bench
  .add('baseline: digest(call)', () => digest(transfer))
  .add('classify transfer', () => registry.classify(transfer))
  .add('classify email (URL + prose)', () => registry.classify(email))
  .add('scoreBasis, 10 items', () =>
    scoreBasis({
      items: small,
      actionClass: 'A5',
      consequential: classification.consequential,
      tenant: 'acme',
      now: NOW,
    }),
  )
  .add('scoreBasis, 100 items', () =>
    scoreBasis({
      items: large,
      actionClass: 'A5',
      consequential: classification.consequential,
      tenant: 'acme',
      now: NOW,
    }),
  )
  .add('buildPolicyInput', () =>
    buildPolicyInput({
      request: { ...transfer, intentDigest: report.digest },
      classification,
      basisReport: report,
      principal: { id: 'user:alice', tenant: 'acme' },
      agent: { id: 'agent:billing' },
      context: { now: NOW, session: 's1' },
      mode: 'enforce',
    }),
  )
  .add('parseDecision', () => parseDecision(decision));
await bench.run();

const median = (name: string): number => {
  const task = bench.tasks.find((t) => t.name === name);
  const result = task?.result as { latency?: { p50?: number } } | undefined;
  return result?.latency?.p50 ?? Number.NaN;
};
const base = median('baseline: digest(call)');
const rows = bench.tasks.map((task) => {
  const result = task.result as { latency?: { p50?: number; p99?: number } } | undefined;
  const p50 = result?.latency?.p50 ?? Number.NaN;
  const p99 = result?.latency?.p99 ?? Number.NaN;
  return {
    task: task.name,
    'p50 µs': (p50 * 1000).toFixed(1),
    'p99 µs': (p99 * 1000).toFixed(1),
    'p50 / digest': (p50 / base).toFixed(1),
  };
});
console.table(rows);
