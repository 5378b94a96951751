import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BasisLedger } from './basis-ledger.ts';
import type { JsonValue } from '../stores/types.ts';
import { createFirewall } from '../firewall/create-firewall.ts';
import { allow, firewallOptions, policyDouble } from '../firewall/test-support.ts';

const NOW = new Date('2026-03-01T10:00:00.000Z');

describe('default basis item ids', () => {
  it('the same content from two sources is two items; from one source, one', () => {
    const ledger = new BasisLedger({ now: () => NOW });
    const output = { balance: 120, currency: 'EUR' };
    const first = ledger.add({ kind: 'tool-output', content: output, source: 'tool:balance#c1', authority: 'verified' });
    const second = ledger.add({ kind: 'tool-output', content: output, source: 'tool:balance#c2', authority: 'verified' });
    expect(second.id).not.toBe(first.id);
    expect(second.digest).toBe(first.digest);
    // A framework re-delivering the same output of the same call: the same item.
    expect(ledger.add({ kind: 'tool-output', content: output, source: 'tool:balance#c1', authority: 'verified' })).toEqual(first);
    expect(ledger.size).toBe(2);
  });

  it('a system prompt and a user turn with the same text are two items', () => {
    const ledger = new BasisLedger({ now: () => NOW });
    const system = ledger.add({ kind: 'instruction', content: 'Be brief.', source: 'system', authority: 'verified' });
    const user = ledger.add({ kind: 'instruction', content: 'Be brief.', source: 'user', authority: 'user' });
    expect(user.id).not.toBe(system.id);
  });

  it('ids are a function of (kind, source, content): equal inputs agree, any differing source differs', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.jsonValue(), (a, b, value) => {
        const content = value as JsonValue;
        const ledger = new BasisLedger({ now: () => NOW });
        const x = ledger.add({ kind: 'retrieval', content, source: a, authority: 'unverified' });
        const again = new BasisLedger({ now: () => NOW }).add({ kind: 'retrieval', content, source: a, authority: 'unverified' });
        expect(again.id).toBe(x.id);
        if (a !== b) expect(ledger.add({ kind: 'retrieval', content, source: b, authority: 'unverified' }).id).not.toBe(x.id);
      }),
      { numRuns: 200 },
    );
  });

  it('a session records identical outputs of two tool calls without a duplicate-id error', async () => {
    const firewall = await createFirewall(firewallOptions({ policy: policyDouble(() => allow) }));
    const s = await firewall.openSession({ principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot' } });
    const a = await s.addToolOutput({ tool: 'search', callId: 'c1', output: 'no results' });
    const b = await s.addToolOutput({ tool: 'search', callId: 'c2', output: 'no results' });
    expect(b.id).not.toBe(a.id);
    await firewall.close();
  });
});
