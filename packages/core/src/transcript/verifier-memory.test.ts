/**
 * The verifier's linkage state stays bounded by calls in flight: a token-free observation
 * (A0/A1) closes its decision with its execution, a released call with its token.
 */
import { describe, expect, it } from 'vitest';
import { createFirewall } from '../firewall/create-firewall.ts';
import { allow, entries, firewallOptions, policyDouble } from '../firewall/test-support.ts';
import { EntryChecker } from './verify-transcript.ts';

describe('EntryChecker memory', () => {
  it('holds no decision of a finished call, token-free or released', async () => {
    const options = firewallOptions({ policy: policyDouble(() => allow) });
    const firewall = await createFirewall(options);
    const s = await firewall.openSession({ principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot' } });
    for (let i = 0; i < 40; i++) {
      const tool = i % 2 === 0 ? 'search' : 'email.send';
      const args = tool === 'search' ? { q: `order ${i}` } : { to: 'a@b.example' };
      expect((await s.execute({ tool, args, callId: `c${i}` }, () => 'ok')).status).toBe('executed');
    }
    await s.end();
    await firewall.close();
    const checker = new EntryChecker({ trustRoot: options.trustRoot, complete: true });
    let open = 0;
    let observations = 0;
    for (const entry of await entries(options.stores.ledger)) {
      checker.check(entry);
      if (entry.type === 'effect-executed') {
        open = Math.max(open, checker.openDecisions);
        if (entry.body.tokenId === null) observations += 1;
      }
    }
    expect(observations).toBe(20);
    // Before this bound, every observation's decision stayed open to the end (40 here).
    expect(open).toBe(0);
    expect(checker.openDecisions).toBe(0);
  });
});
