// Properties of the shared library over generated input documents: it always answers with
// a well-formed writ.decision/v1 document, and its hard rules hold whatever else the
// input says (a tainted A3+ call, a metadata endpoint, an overrun budget, a credential
// leaving the organisation are never allowed).
import { fileURLToPath } from 'node:url';
import { digest, parseDecision } from '@writ/core';
import { loadRegoPolicy } from '@writ/policy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const policy = await loadRegoPolicy({ paths: [root], cwd: root });
const intent = digest('property');
const NOW = '2026-11-24T12:00:00.000Z';

const host = fc.record({
  host: fc.constantFrom('api.example.com', 'evil.test', '10.0.0.5', '169.254.169.254'),
  argument: fc.constant('body'),
  allowed: fc.boolean(),
  internal: fc.constantFrom(null, 'private-ip', 'metadata'),
});
const detection = fc.record({
  code: fc.constantFrom(
    'detect.secret',
    'detect.high-entropy',
    'detect.bulk-read',
    'detect.external-recipient',
  ),
  effect: fc.constant('secret-exposure'),
  argument: fc.constant('body'),
  detail: fc.constant('x'),
  confidence: fc.constantFrom('high', 'low'),
});
const approval = fc.record({
  approver: fc.constantFrom('user:alice', 'user:bob', 'user:carol', 'agent:a'),
  key: fc.constant(null),
  role: fc.constantFrom('manager', 'finance-manager', 'security-officer', 'clerk'),
  intent: fc.constantFrom(intent, digest('other')),
  rule: fc.constantFrom(null, 'dual-control', 'manager-approval'),
  issuedAt: fc.constantFrom(NOW, '2026-11-24T09:00:00.000Z'),
  expiresAt: fc.constantFrom(null, '2026-11-24T13:00:00.000Z'),
});
const budget = fc
  .integer({ min: -50, max: 50 })
  .map((remaining) => ({
    id: 'b',
    limit: 100,
    used: 50,
    reserved: 0,
    requested: 50 - remaining,
    remaining,
  }));
const input = fc.record({
  class: fc.constantFrom('A0', 'A1', 'A2', 'A3', 'A4', 'A5'),
  registered: fc.boolean(),
  audience: fc.constantFrom('none', 'internal', 'customer', 'public'),
  declared: fc.subarray([
    'read',
    'internal-write',
    'external-write',
    'financial',
    'deployment',
    'secret-exposure',
  ]),
  sufficient: fc.boolean(),
  tainted: fc.subarray(['to', 'iban']),
  hosts: fc.array(host, { maxLength: 3 }),
  detections: fc.array(detection, { maxLength: 3 }),
  approvals: fc.array(approval, { maxLength: 3 }),
  budgets: fc.array(budget, { maxLength: 2 }),
  repeated: fc.nat(5),
  alternate: fc.boolean(),
  tenant: fc.constantFrom(null, 'acme', 'globex'),
});

type Generated = typeof input extends fc.Arbitrary<infer T> ? T : never;

function document(g: Generated): unknown {
  return {
    version: 'writ.input/v1',
    action: {
      tool: 'some.tool',
      cmd: 'some.tool',
      args: {},
      intent,
      class: g.class,
      registered: g.registered,
      audience: g.audience,
      target: null,
      resource: null,
      effects: { declared: g.declared, detected: [] },
      detections: g.detections,
      hosts: g.hosts,
      consequential: [],
      sensitive: [],
      scope: null,
      tenant: g.tenant,
    },
    agent: { id: 'agent:a', framework: null, model: null, environment: null },
    principal: { id: 'user:alice', roles: [], tenant: 'acme' },
    basis: {
      score: g.sufficient ? 0.6 : 0,
      threshold: 0.6,
      sufficient: g.sufficient,
      digest: intent,
      findings: [],
      tainted: g.tainted,
      arguments: [],
      items: [],
    },
    approvals: g.approvals,
    context: {
      time: NOW,
      epochSeconds: 1795521600,
      session: 's',
      callId: 'c',
      history: {
        attempts: 0,
        recentDenials: [],
        signals: {
          repeatedDenials: g.repeated,
          alternateToolAfterDenial: g.alternate,
          scopeExpansionAfterNarrowing: false,
        },
      },
      budgets: g.budgets,
    },
    mode: 'enforce',
  };
}

describe('@writ/policies (properties)', () => {
  it('always returns a well-formed decision, and the hard rules hold', () => {
    fc.assert(
      fc.property(input, (g) => {
        const decision = parseDecision(policy.evaluateSync(document(g)));
        const rank = Number(g.class.slice(1));
        const allowed =
          decision.decision === 'allow' || decision.decision === 'allow-with-constraints';
        if (rank >= 3 && g.tainted.length > 0) expect(allowed).toBe(false);
        if (rank >= 3 && !g.sufficient) expect(allowed).toBe(false);
        if (g.hosts.some((h) => h.internal === 'metadata')) expect(decision.decision).toBe('deny');
        if (g.budgets.some((b) => b.remaining < 0)) expect(decision.decision).toBe('deny');
        if (g.tenant === 'globex') expect(decision.decision).toBe('deny');
        if (g.repeated >= 4) expect(decision.decision).toBe('deny');
        if (rank === 5 && allowed) {
          const distinct = new Set(
            g.approvals
              .filter(
                (a) =>
                  a.intent === intent && a.approver !== 'user:alice' && a.approver !== 'agent:a',
              )
              .map((a) => a.approver),
          );
          expect(distinct.size).toBeGreaterThanOrEqual(2);
        }
        const leaves =
          ['customer', 'public'].includes(g.audience) ||
          g.declared.includes('external-write') ||
          g.hosts.some((h) => h.internal === null);
        const key = g.detections.some((d) => d.code === 'detect.secret');
        if (key && leaves && !g.declared.includes('secret-exposure'))
          expect(decision.decision).toBe('deny');
        if (decision.decision === 'deny') expect(decision.reasons.length).toBeGreaterThan(0);
      }),
      { seed: 21, numRuns: 300 },
    );
  });
});
