/**
 * ADR 0023: the receipt of a token-free call (A0/A1 admitted without a token) is recorded
 * unsigned and attested by the transcript; every receipt that names a token, and every receipt
 * of a call run without its token (shadow/advisory override), is signed. The verifier accepts an
 * unsigned receipt only without a token and only when it repeats the execution entry.
 */
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../transcript/entry.ts';
import { EntryChecker, verifyTranscript } from '../transcript/verify-transcript.ts';
import { createFirewall } from './create-firewall.ts';
import { allow, entries, firewallOptions, policyDouble, ledgerEvidence } from './test-support.ts';

const session = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot' } };

async function transcriptOf(over: Parameters<typeof firewallOptions>[0], calls: readonly { tool: string; args: Record<string, unknown> }[]) {
  const options = firewallOptions(over);
  const firewall = await createFirewall(options);
  const s = await firewall.openSession(session);
  for (const [i, call] of calls.entries()) expect((await s.execute({ ...call, callId: `c${i}` }, () => 'ok')).status).toBe('executed');
  await s.end();
  await firewall.close();
  const { lines, notes } = await ledgerEvidence(options.stores.ledger);
  return { options, lines, notes, entries: await entries(options.stores.ledger) };
}

const receiptOf = (entry: LedgerEntry) => entry.body.receipt as Record<string, unknown>;
const executions = (list: LedgerEntry[]) => list.filter((e) => e.type === 'effect-executed');

describe('receipts of token-free calls', () => {
  it('are recorded unsigned, repeat the execution entry, and the transcript verifies; token receipts stay signed', async () => {
    const t = await transcriptOf({ policy: policyDouble(() => allow) }, [
      { tool: 'search', args: { q: 'order 7' } },
      { tool: 'email.send', args: { to: 'a@b.example' } },
    ]);
    const [observation, release] = executions(t.entries);
    expect(observation!.body.tokenId).toBeNull();
    expect(receiptOf(observation!)).toMatchObject({ v: 1, id: observation!.body.receiptId, tokenId: null, callId: 'c0', tool: 'search', argsDigest: observation!.body.argsDigest, status: 'succeeded' });
    expect(receiptOf(observation!)).not.toHaveProperty('payloadType');
    expect(typeof release!.body.tokenId).toBe('string');
    expect(receiptOf(release!)).toHaveProperty('payloadType', 'application/vnd.writ.receipt+json');
    const report = await verifyTranscript({ entries: t.lines, checkpoints: t.notes, trustRoot: t.options.trustRoot });
    expect(report.failure).toBeUndefined();
    expect(report.valid).toBe(true);
  });

  it('are signed with signObservationReceipts: true', async () => {
    const t = await transcriptOf({ policy: policyDouble(() => allow), signObservationReceipts: true }, [{ tool: 'search', args: { q: 'x' } }]);
    expect(receiptOf(executions(t.entries)[0]!)).toHaveProperty('signatures');
    expect((await verifyTranscript({ entries: t.lines, checkpoints: t.notes, trustRoot: t.options.trustRoot })).valid).toBe(true);
  });

  it('a call run without its token (shadow override of a gateway refusal) has a signed receipt', async () => {
    const options = firewallOptions({ policy: policyDouble(() => allow), mode: 'shadow' });
    const firewall = await createFirewall(options);
    const s = await firewall.openSession(session);
    const call = { tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c0' };
    const guard = await s.guard(call);
    if (guard.verdict !== 'execute' || guard.tokenId === undefined) throw new Error('expected a released token');
    // Someone spent the nonce: the gateway refuses, shadow runs the call without its token.
    await options.stores.nonces.consume({ id: guard.tokenId, expiresAt: new Date(Date.now() + 60_000), maxUses: 1 });
    const run = await s.execute(call, () => 'ok');
    expect(run.status).toBe('executed');
    await s.end();
    await firewall.close();
    const [execution] = executions(await entries(options.stores.ledger));
    expect(execution!.body.tokenId).toBeNull();
    expect(receiptOf(execution!)).toHaveProperty('signatures');
  });

  it('refuses a bad option', async () => {
    await expect(createFirewall(firewallOptions({ policy: policyDouble(() => allow), signObservationReceipts: 'yes' as never }))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'signObservationReceipts' } });
  });
});

describe('the verifier and unsigned receipts', () => {
  const check = (list: LedgerEntry[], replace: (entry: LedgerEntry) => LedgerEntry | undefined) => list.map((e) => replace(e) ?? e);

  async function failureOf(mutate: (execution: LedgerEntry, list: LedgerEntry[]) => LedgerEntry) {
    const t = await transcriptOf({ policy: policyDouble(() => allow) }, [
      { tool: 'search', args: { q: 'order 7' } },
      { tool: 'email.send', args: { to: 'a@b.example' } },
    ]);
    const checker = new EntryChecker({ trustRoot: t.options.trustRoot, complete: true });
    const target = mutate(executions(t.entries)[0]!, t.entries);
    try {
      for (const entry of check(t.entries, (e) => (e.seq === target.seq ? target : undefined))) checker.check(entry);
    } catch (error) {
      return (error as { failure?: unknown }).failure;
    }
    return undefined;
  }

  it('accepts the untouched transcript entry by entry', async () => {
    expect(await failureOf((execution) => execution)).toBeUndefined();
  });

  it('refuses an unsigned receipt on an execution that names a token', async () => {
    const failure = await failureOf((_observation, list) => {
      const release = executions(list)[1]!;
      const unsigned = { ...receiptOf(executions(list)[0]!), id: release.body.receiptId, callId: release.body.callId, tokenId: release.body.tokenId, intentDigest: release.body.intentDigest, argsDigest: release.body.argsDigest };
      return { ...release, body: { ...release.body, receipt: unsigned } } as LedgerEntry;
    });
    expect(failure).toMatchObject({ check: 'signature', message: 'receipt of an execution with a token is not signed' });
  });

  for (const [field, value] of [
    ['argsDigest', `sha256:${'00'.repeat(32)}`],
    ['intentDigest', `sha256:${'00'.repeat(32)}`],
    ['id', 'rcpt_other'],
    ['callId', 'c9'],
    ['status', 'failed'],
    ['startedAt', 'yesterday'],
    ['tokenId', 'tok_x'],
  ] as const) {
    it(`refuses an unsigned receipt whose ${field} differs from the entry or is malformed`, async () => {
      const failure = await failureOf((execution) => ({ ...execution, body: { ...execution.body, receipt: { ...receiptOf(execution), [field]: value } } }) as LedgerEntry);
      expect(failure).toMatchObject({ code: expect.stringMatching(/^ERR_TRANSCRIPT_(LINKAGE|SIGNATURE)$/) });
    });
  }
});
