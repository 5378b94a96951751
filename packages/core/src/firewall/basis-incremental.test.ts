import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BasisLedger } from '../basis/basis-ledger.ts';
import { scoreBasis } from '../basis/score-basis.ts';
import { buildPolicyInput } from '../policy-contract/build-policy-input.ts';
import { createToolRegistry } from '../registry/tool-registry.ts';
import type { JsonObject } from '../stores/types.ts';
import type { BasisItemInput } from './types.ts';
import { createFirewall } from './create-firewall.ts';
import { TOOLS, allow, entries, firewallOptions, frozenClock, policyDouble } from './test-support.ts';

const registry = createToolRegistry({ tools: [...TOOLS] });
const email = fc.constantFrom('bob@example.com', 'jane@example.com');

type Op =
  | { op: 'send'; to: string }
  | { op: 'search' }
  | { op: 'output'; to: string }
  | { op: 'basis'; text: string; maxAgeMs: number | undefined; parent: number | undefined; contradicts: number | undefined; tenant: string | undefined }
  | { op: 'clock'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('send' as const), to: email }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('search' as const) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('output' as const), to: email }), weight: 3 },
  {
    arbitrary: fc.record({
      op: fc.constant('basis' as const),
      text: fc.constantFrom('email bob@example.com', 'mail jane@example.com', 'nothing here'),
      maxAgeMs: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }),
      parent: fc.option(fc.nat(6), { nil: undefined }),
      contradicts: fc.option(fc.nat(6), { nil: undefined }),
      tenant: fc.constantFrom<string | undefined>(undefined, undefined, 'other'),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ op: fc.constant('clock' as const), ms: fc.integer({ min: -2000, max: 4000 }) }), weight: 1 },
);

describe('the firewall’s basis (incremental) against scoreBasis', () => {
  it('records and hands policy exactly what scoreBasis gives over the session’s items, call after call', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const clock = frozenClock();
        const policy = policyDouble(() => allow);
        // Every class recorded at once, so each call's decision can be read right after it.
        const options = firewallOptions({ policy, clock: clock.now, durability: { default: 'sync' } });
        const firewall = await createFirewall(options);
        const session = await firewall.openSession({ principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot' }, sessionId: 's1' });
        const mirror = new BasisLedger({ tenant: 'acme', now: clock.now });
        const add = async (item: BasisItemInput): Promise<void> => {
          mirror.add(item);
          await session.addBasis(item);
        };
        await add({ kind: 'instruction', content: 'You are the support agent.', source: 'system', authority: 'verified' });
        let calls = 0;
        let added = 0;
        for (const o of ops) {
          if (o.op === 'clock') clock.advance(o.ms);
          else if (o.op === 'output') {
            await session.addToolOutput({ tool: 'email.send', callId: `c${calls}`, output: { sent: true, to: o.to } });
            mirror.add({ kind: 'tool-output', content: { sent: true, to: o.to }, source: `tool:email.send#c${calls}`, authority: 'untrusted' });
          } else if (o.op === 'basis') {
            await add({
              kind: 'memory',
              content: o.text,
              source: 'memory',
              authority: 'user',
              id: `m${added}`,
              derivedFrom: o.parent === undefined ? [] : [`m${o.parent}`],
              contradicts: o.contradicts === undefined ? [] : [`m${o.contradicts}`],
              ...(o.maxAgeMs === undefined ? {} : { maxAgeMs: o.maxAgeMs }),
              ...(o.tenant === undefined ? {} : { tenant: o.tenant }),
            });
            added++;
          } else {
            const args: JsonObject = o.op === 'send' ? { to: o.to, body: 'hi' } : { q: 'x' };
            const call = { tool: o.op === 'send' ? 'email.send' : 'search', args, callId: `c${++calls}` };
            await session.guard(call);
            const classification = registry.classify(call);
            const expected = scoreBasis({ items: mirror.items(), actionClass: classification.actionClass, consequential: classification.consequential, tenant: 'acme', now: clock.now() });
            const expectedInput = buildPolicyInput({
              request: { tool: call.tool, args: call.args, intentDigest: `sha256:${'ab'.repeat(32)}` },
              classification,
              basisReport: expected,
              principal: { id: 'alice' },
              agent: { id: 'bot' },
              context: { now: clock.now(), session: 's1' },
              mode: 'enforce',
            });
            expect(JSON.stringify(policy.inputs.at(-1)?.basis)).toBe(JSON.stringify(expectedInput.basis));
            const decision = (await entries(options.stores.ledger)).filter((e) => e.type === 'decision-made').at(-1);
            expect(decision?.body.basis).toEqual({ digest: expected.digest, score: expected.score, sufficient: expected.sufficient, findings: expected.findings.map((f) => f.code) });
          }
        }
        await firewall.close();
      }),
      { numRuns: 40 },
    );
  });
});
