import { describe, expect, it } from 'vitest';
import { createFirewall } from './create-firewall.ts';
import { summarizeIntent } from './ports.ts';
import { allow, entries, firewallOptions, policyDouble } from './test-support.ts';

const IBAN = 'DE89370400440532013000';
const tools = {
  tools: [{ name: 'payments.transfer', actionClass: 'A4', effects: ['financial'], audience: 'partner', consequential: { iban: 'iban', amount: 'amount' }, sensitive: ['iban'] }],
};
const needsApproval = { decision: 'require-approval', reasons: [{ code: 'test.approval', text: 'needs a manager' }], approval: { rule: 'm', roles: ['manager'], threshold: 1 } };

describe('summarizeIntent', () => {
  it('masks sensitive arguments (and anything under them) and keeps the rest', () => {
    expect(summarizeIntent({ tool: 't', args: { iban: IBAN, payee: { iban: IBAN }, amount: 5 }, sensitive: ['iban', 'payee.iban'] })).toBe(
      't(iban=<sensitive>, payee=<sensitive>, amount=5)',
    );
  });
});

describe('firewall summaries', () => {
  it('never put a sensitive argument into a pending request, token, denial or the transcript text of a summary', async () => {
    let summaries = 0;
    for (const decide of [allow, needsApproval, { decision: 'deny', reasons: [{ code: 'x', text: 'no' }] }]) {
      const options = firewallOptions({ policy: policyDouble(() => decide), tools });
      const firewall = await createFirewall(options);
      const session = await firewall.openSession({ principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot' } });
      await session.addUserTurn(`pay 120 to ${IBAN}`);
      const guard = await session.guard({ tool: 'payments.transfer', args: { iban: IBAN, amount: 120 }, callId: 'c1' });
      if (guard.verdict === 'approval-required') expect(guard.pending.summary).not.toContain(IBAN);
      await firewall.close();
      for (const entry of await entries(options.stores.ledger)) {
        const text = JSON.stringify(entry.body);
        for (const match of text.matchAll(/"summary":"([^"]*)"/g)) {
          summaries += 1;
          expect(match[1]).not.toContain(IBAN);
        }
        // Token and denial payloads are base64 inside envelopes: decode and check their summaries too.
        for (const payload of text.matchAll(/"payload":"([A-Za-z0-9+/=_-]+)"/g)) {
          const decoded = Buffer.from(payload[1]!, 'base64').toString('utf8');
          const summary = /"summary":"([^"]*)"/.exec(decoded)?.[1];
          if (summary === undefined) continue;
          summaries += 1;
          expect(summary).toContain('iban=<sensitive>');
        }
      }
    }
    expect(summaries).toBeGreaterThanOrEqual(2); // the token and the denial at least
  });
});
