import { describe, expect, it } from 'vitest';
import { signApproval } from '../approval/approval-statement.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import type { LedgerStore } from '../stores/types.ts';
import type { LedgerEntry } from '../transcript/entry.ts';
import { Ledger } from '../transcript/ledger.ts';
import { verifyTranscript } from '../transcript/verify-transcript.ts';
import { createFirewall } from './create-firewall.ts';
import { T0, deny, entries, firewallOptions, frozenClock, keys, policyDouble, trustRootFor } from './test-support.ts';

const session = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot', framework: 'test' } };
const rule = { rule: 'refund.manager', roles: ['manager'], threshold: 1, separationOfDuties: true, expiresInSeconds: 3600 };
const needsApproval = { decision: 'require-approval', reasons: [{ code: 'class.approval', text: 'refunds need a manager' }], approval: rule };
const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };

/** A firewall whose policy asks for approval (or answers `decide()`), with an approver key. */
async function setUp(decide: () => unknown = () => needsApproval) {
  const k = keys();
  const clock = frozenClock();
  const policy = policyDouble(decide);
  const options = firewallOptions({ policy, keys: { authority: k.authority }, trustRoot: trustRootFor(k), clock: clock.now });
  const firewall = await createFirewall(options);
  const s = await firewall.openSession({ ...session, sessionId: 's1' });
  const asked = await s.guard(call);
  if (asked.verdict !== 'approval-required') throw new Error('expected approval-required');
  const approve = async () => {
    const statement = signApproval({ signer: k.approver, role: 'manager', intent: asked.intentDigest, policy: { digest: policy.digest as never, rule: 'refund.manager' }, now: T0 });
    return firewall.submitApproval({ requestId: asked.pending.id, statement: statement.envelope as never });
  };
  const forCall = async (type: string, callId = 'c1') => (await entries(options.stores.ledger)).filter((e) => e.type === type && e.body.callId === callId);
  const verify = async (store: LedgerStore = options.stores.ledger) => {
    const lines: string[] = [];
    for await (const stored of store.read()) lines.push(stored.line);
    const notes: string[] = [];
    for await (const checkpoint of store.checkpoints()) notes.push(checkpoint.note);
    return verifyTranscript({ entries: lines, checkpoints: notes, trustRoot: options.trustRoot });
  };
  return { k, clock, policy, options, firewall, s, asked, approve, forCall, verify };
}

describe('approval resume: one decision per tool call', () => {
  it('releases an approved call under its original decision: one decision-made, the token cites it and the approval', async () => {
    const t = await setUp();
    expect((await t.approve()).status).toBe('approved');
    // Frameworks re-run the callback on resume, sometimes concurrently.
    const [a, b] = await Promise.all([t.s.guard(call), t.s.guard(call)]);
    expect(a).toMatchObject({ verdict: 'execute', intentDigest: t.asked.intentDigest });
    expect(b).toMatchObject({ verdict: 'execute' });
    expect(a.verdict === 'execute' && b.verdict === 'execute' && a.tokenId === b.tokenId).toBe(true);
    let runs = 0;
    expect((await t.s.execute(call, () => ++runs)).status).toBe('executed');
    expect((await t.s.execute(call, () => ++runs)).status).toBe('executed');
    expect(runs).toBe(1);

    const decisions = await t.forCall('decision-made');
    expect(decisions).toHaveLength(1);
    expect(decisions[0]!.body).toMatchObject({ verdict: 'approval-required', decision: 'require-approval' });
    const tokens = await t.forCall('token-issued');
    expect(tokens).toHaveLength(1);
    const approvals = (await entries(t.options.stores.ledger)).filter((e) => e.type === 'approval-recorded');
    expect(approvals).toHaveLength(1);
    expect(tokens[0]!.body.decisionId).toBe(decisions[0]!.body.decisionId);
    // The re-check rides the release: policy re-evaluated with the verified approval.
    expect(tokens[0]!.body.recheck).toMatchObject({ decision: 'require-approval', verdict: 'execute', approvals: [expect.stringMatching(/^sha256:/)] });
    expect(approvals[0]!.seq).toBeLessThan(tokens[0]!.seq);
    // The policy saw the approval on the re-check (two evaluations, one recorded decision).
    expect(t.policy.inputs).toHaveLength(2);
    expect(t.policy.inputs[1]!.approvals).toHaveLength(1);
    await t.s.end();
    await t.firewall.close();
    expect((await t.verify()).failure).toBeUndefined();
  });

  it('an approval that no longer verifies at resume (expired) records nothing and keeps the call pending', async () => {
    const t = await setUp();
    expect((await t.approve()).status).toBe('approved');
    // The statement expires (its own exp); the re-check verifies it now and refuses it.
    t.clock.advance(25 * 3600 * 1000);
    const resumed = await t.s.guard(call);
    expect(resumed).toMatchObject({ verdict: 'approval-required' });
    expect(await t.forCall('decision-made')).toHaveLength(1);
    expect(await t.forCall('token-issued')).toHaveLength(0);
    expect(await t.forCall('action-denied')).toHaveLength(0);
    let runs = 0;
    expect((await t.s.execute(call, () => ++runs)).status).toBe('approval-required');
    expect(runs).toBe(0);
  });

  it('a policy that denies at the re-check refuses under the original decision (action-denied cites it, no second decision)', async () => {
    let answer: unknown = needsApproval;
    const t = await setUp(() => answer);
    expect((await t.approve()).status).toBe('approved');
    answer = deny;
    let runs = 0;
    const result = await t.s.execute(call, () => ++runs);
    expect(result.status).toBe('blocked');
    expect(runs).toBe(0);
    const decisions = await t.forCall('decision-made');
    expect(decisions).toHaveLength(1);
    const denials = await t.forCall('action-denied');
    expect(denials).toHaveLength(1);
    expect(denials[0]!.body).toMatchObject({ decisionId: decisions[0]!.body.decisionId, recheck: { decision: 'deny', verdict: 'block' } });
    // The refusal is the call's answer now: re-runs replay it.
    expect(await t.s.guard(call)).toMatchObject({ verdict: 'block', replayed: true });
    expect(await t.forCall('action-denied')).toHaveLength(1);
  });

  it('after a restart: a pending call resumes under its recorded decision; a released one is never released again', async () => {
    const t = await setUp();
    await t.firewall.close();
    const second = await createFirewall(t.options);
    const b = await second.openSession({ ...session, sessionId: 's1' });
    const statement = signApproval({ signer: t.k.approver, role: 'manager', intent: t.asked.intentDigest, policy: { digest: t.policy.digest as never, rule: 'refund.manager' }, now: T0 });
    expect(await second.submitApproval({ requestId: t.asked.pending.id, statement: statement.envelope as never })).toMatchObject({ status: 'approved' });
    const released = await b.guard(call);
    expect(released).toMatchObject({ verdict: 'execute' });
    const decisions = await t.forCall('decision-made');
    expect(decisions).toHaveLength(1);
    expect((await t.forCall('token-issued'))[0]!.body.decisionId).toBe(decisions[0]!.body.decisionId);
    await second.close();

    // Released without an outcome before this restart: replayed as released, not judged or released again.
    const third = await createFirewall(t.options);
    const c = await third.openSession({ ...session, sessionId: 's1' });
    expect(await c.guard(call)).toMatchObject({ verdict: 'execute', replayed: true });
    let runs = 0;
    const again = await c.execute(call, () => ++runs);
    expect(again.status).toBe('blocked');
    expect(again.guard.reasons[0]!.code).toBe('gateway.outcome-unknown');
    expect(runs).toBe(0);
    expect(await t.forCall('decision-made')).toHaveLength(1);
    expect(await t.forCall('token-issued')).toHaveLength(1);
    await third.close();
  });
});

describe('verifier linkage of releases after approval', () => {
  /** Re-chain `kept` entries of a transcript into a fresh ledger signed by the same key. */
  async function rechain(source: LedgerEntry[], signer: ReturnType<typeof keys>['authority'], keep: (e: LedgerEntry) => boolean) {
    const store = new MemoryLedgerStore();
    const ledger = await Ledger.open({ store, origin: 'writ/ledger', signer, now: frozenClock().now });
    await ledger.append(source.filter(keep).map((e) => ({ type: e.type, time: e.time, body: e.body })));
    // A final checkpoint signs the whole slice (closing would close the store too).
    await ledger.checkpoint();
    return store;
  }

  async function approvedTranscript() {
    const t = await setUp();
    await t.approve();
    await t.s.execute(call, () => 'refunded');
    await t.s.end();
    await t.firewall.close();
    return { t, all: (await entries(t.options.stores.ledger)).filter((e) => e.type !== 'checkpoint') };
  }

  it('accepts a token released by an approval-required decision and the approval recorded for its intent', async () => {
    const { t, all } = await approvedTranscript();
    const store = await rechain(all, t.k.authority, () => true);
    expect((await t.verify(store)).failure).toBeUndefined();
  });

  it('refuses a token after an approval-required decision that no recorded approval approved', async () => {
    const { t, all } = await approvedTranscript();
    const store = await rechain(all, t.k.authority, (e) => e.type !== 'approval-recorded');
    expect((await t.verify(store)).failure).toMatchObject({ check: 'linkage', code: 'ERR_TRANSCRIPT_LINKAGE', entryType: 'token-issued' });
  });

  it('refuses a token whose decision was a denial (only execute or approved approval-required decisions release)', async () => {
    const { t, all } = await approvedTranscript();
    const denied = all.map((e) => (e.type === 'decision-made' ? { ...e, body: { ...e.body, verdict: 'block' } } : e));
    const store = await rechain(denied, t.k.authority, () => true);
    expect((await t.verify(store)).failure).toMatchObject({ check: 'linkage', entryType: 'token-issued' });
  });

  it('refuses a token after an approval-required decision when the recorded approval is for another intent', async () => {
    const { t, all } = await approvedTranscript();
    const other = `sha256:${'1'.repeat(64)}`;
    // The decision (and the token it would release) is about another intent than the approval.
    const moved = all.map((e) => (e.type === 'decision-made' ? { ...e, body: { ...e.body, intentDigest: other } } : e));
    const store = await rechain(moved, t.k.authority, () => true);
    expect((await t.verify(store)).failure).toMatchObject({ check: 'linkage', entryType: 'token-issued' });
  });
});
