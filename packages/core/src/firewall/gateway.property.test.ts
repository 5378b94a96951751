import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFirewall } from './create-firewall.ts';
import { allow, firewallOptions, policyDouble } from './test-support.ts';

const session = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot' } };
// Sorted by key only: the default sort stringifies values, which throws for e.g. {"toString":{}}.
const sortedEntries = (o: object) => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const json = fc.jsonValue({ maxDepth: 2 }).filter((v) => v !== undefined);

describe('runThroughGateway', () => {
  it('never runs a tool whose arguments differ from the ones the token was released for', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), json, { minKeys: 1, maxKeys: 4 }), fc.string({ minLength: 1, maxLength: 8 }), json, async (args, key, value) => {
        const changed = { ...args, [key]: value };
        fc.pre(JSON.stringify(sortedEntries(changed)) !== JSON.stringify(sortedEntries(args)));
        const firewall = await createFirewall(firewallOptions({ policy: policyDouble(() => allow) }));
        const s = await firewall.openSession(session);
        const released = await s.guard({ tool: 'email.send', args, callId: 'c1' });
        expect(released.verdict).toBe('execute');
        let ran = false;
        // Same call id, other arguments: refused as a conflict; a new call id would be judged afresh.
        const result = await s.execute({ tool: 'email.send', args: changed, callId: 'c1' }, () => void (ran = true));
        expect(ran).toBe(false);
        expect(result.status).toBe('blocked');
      }),
      { numRuns: 40 },
    );
  });
});
