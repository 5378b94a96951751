/**
 * Restart idempotency where a bounded or lost structure no longer knows an executed call.
 *
 * Past the recovered index: on open the firewall indexes only the latest `maxRecovered`
 * calls of its ledger (100 000 in production, a handful here). A call id dropped from the
 * index must still never run its tool again: it is refused like a call id evicted from a
 * live session's journal (`firewall.call-id-evicted`, recorded).
 */
import { describe, expect, it } from 'vitest';
import { signApproval } from '../approval/approval-statement.ts';
import { MemoryApprovalStore } from '../stores/memory-approval-store.ts';
import { Ledger } from '../transcript/ledger.ts';
import { callKey, findUnfinishedReleases } from './recovery.ts';
import { createFirewall, openFirewall } from './create-firewall.ts';
import { FirewallContext } from './firewall-context.ts';
import { parseFirewallOptions } from './firewall-options.ts';
import { T0, allow, entries, firewallOptions, frozenClock, keys, policyDouble, toolOf, trustRootFor, verifyLedger } from './test-support.ts';

const who = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot', framework: 'test' } };
const refund = { tool: 'refund', args: { amount: 50 }, callId: 'c-old' };
const CAP = 3;

function setUp(decide: (input: Record<string, unknown>) => unknown = () => allow) {
  const k = keys();
  const policy = policyDouble(decide);
  const options = firewallOptions({ policy, keys: { authority: k.authority }, trustRoot: trustRootFor(k), clock: frozenClock().now, mode: 'enforce' });
  const forCall = async (type: string, callId: string, sessionId = 's1') =>
    (await entries(options.stores.ledger)).filter((e) => e.type === type && e.body.callId === callId && e.body.sessionId === sessionId);
  const verify = () => verifyLedger(options.stores.ledger, options.trustRoot);
  const denialCodes = async (callId: string) =>
    (await forCall('action-denied', callId)).map((e) => Buffer.from((e.body.denial as { payload: string }).payload, 'base64url').toString('utf8'));
  return { k, policy, options, forCall, verify, denialCodes };
}

/** `count` later calls in session s1 (each one decision in the ledger). */
async function fill(s: { guard: (call: { tool: string; args: Record<string, unknown>; callId: string }) => Promise<unknown> }, count: number) {
  for (let i = 0; i < count; i++) await s.guard({ tool: 'search', args: { q: `q${i}` }, callId: `fill-${i}` });
}

describe('restart idempotency beyond the recovered index', () => {
  it('refuses an executed call id dropped from the index (firewall.call-id-evicted, recorded) and never runs it again; a new call id runs', async () => {
    const t = setUp();
    let runs = 0;
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    expect((await a.execute(refund, () => ++runs)).status).toBe('executed');
    await fill(a, CAP + 2);
    await first.close();

    const second = await openFirewall(t.options, { maxRecovered: CAP });
    const b = await second.openSession({ ...who, sessionId: 's1' });
    const again = await b.execute(refund, () => ++runs);
    expect(runs).toBe(1);
    expect(again.status).toBe('blocked');
    expect(again.guard.reasons.map((r) => r.code)).toEqual(['firewall.call-id-evicted']);
    // A later re-run and a guard say the same; nothing runs.
    expect(await b.guard(refund)).toMatchObject({ verdict: 'block', reasons: [{ code: 'firewall.call-id-evicted' }] });
    expect((await b.execute(refund, () => ++runs)).status).toBe('blocked');
    expect(runs).toBe(1);
    // A call still in the index replays its decision; a new call id is judged and runs.
    expect(await b.guard({ tool: 'search', args: { q: `q${CAP + 1}` }, callId: `fill-${CAP + 1}` })).toMatchObject({ verdict: 'execute', replayed: true });
    expect((await b.execute({ ...refund, callId: 'c-new' }, () => ++runs)).status).toBe('executed');
    expect(runs).toBe(2);
    // The fingerprint is per session: the same call id in another session is another call.
    const other = await second.openSession({ ...who, sessionId: 's2' });
    expect((await other.execute(refund, () => ++runs)).status).toBe('executed');
    expect(runs).toBe(3);
    await b.end();
    await other.end();
    await second.close();

    // One decision, one release, one outcome for the old call; every refusal recorded.
    expect(await t.forCall('decision-made', 'c-old')).toHaveLength(1);
    expect(await t.forCall('token-issued', 'c-old')).toHaveLength(1);
    expect(await t.forCall('effect-executed', 'c-old')).toHaveLength(1);
    const denials = await t.forCall('action-denied', 'c-old');
    expect(denials).toHaveLength(3);
    expect(denials.every((e) => e.body.stage === 'firewall')).toBe(true);
    expect((await t.denialCodes('c-old')).every((payload) => payload.includes('firewall.call-id-evicted'))).toBe(true);
    expect((await t.verify()).failure).toBeUndefined();
  });

  it('with the production cap the same ledger still replays the call (the cap, not the fix, decides what is dropped)', async () => {
    const t = setUp();
    let runs = 0;
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    await a.execute(refund, () => ++runs);
    await fill(a, CAP + 2);
    await first.close();
    const second = await createFirewall(t.options);
    const b = await second.openSession({ ...who, sessionId: 's1' });
    const again = await b.execute(refund, () => ++runs);
    expect(again.status).toBe('blocked');
    expect(again.guard.reasons.map((r) => r.code)).toEqual(['gateway.already-executed']);
    expect(runs).toBe(1);
    await second.close();
  });

  it('refuses a call whose outcome was recorded after it had already been dropped from the index during the scan', async () => {
    const t = setUp();
    let runs = 0;
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    // Released first, then CAP + 2 later decisions, then the outcome: the index drops the
    // call before the scan reaches its `effect-executed`.
    expect((await a.guard(refund)).verdict).toBe('execute');
    await fill(a, CAP + 2);
    expect((await a.execute(refund, () => ++runs)).status).toBe('executed');
    await first.close();
    const second = await openFirewall(t.options, { maxRecovered: CAP });
    const b = await second.openSession({ ...who, sessionId: 's1' });
    expect((await b.execute(refund, () => ++runs)).status).toBe('blocked');
    expect(runs).toBe(1);
    expect(await t.denialCodes('c-old')).toHaveLength(0); // batched: not yet flushed
    await b.end();
    expect(await t.denialCodes('c-old')).toEqual([expect.stringContaining('firewall.call-id-evicted')]);
    await second.close();
    expect((await t.verify()).failure).toBeUndefined();
  });

  it('refuses a released call dropped from the index whose outcome is unknown (it may have run)', async () => {
    const t = setUp();
    let runs = 0;
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    expect((await a.guard(refund)).verdict).toBe('execute');
    await fill(a, CAP + 2);
    await first.close();
    const second = await openFirewall(t.options, { maxRecovered: CAP });
    // Still reported for reconciliation: the unfinished-release scan does not use the index.
    expect(second.unfinished().map((u) => u.callId)).toEqual(['c-old']);
    const b = await second.openSession({ ...who, sessionId: 's1' });
    const again = await b.execute(refund, () => ++runs);
    expect(again.status).toBe('blocked');
    expect(again.guard.reasons.map((r) => r.code)).toEqual(['firewall.call-id-evicted']);
    expect(runs).toBe(0);
    await second.close();
  });

  it('refuses a call pending approval that was dropped from the index, even once approved (fail closed, like the live journal)', async () => {
    const rule = { rule: 'refund.manager', roles: ['manager'], threshold: 1, separationOfDuties: true, expiresInSeconds: 3600 };
    const t = setUp((input) => (toolOf(input) === 'refund' ? { decision: 'require-approval', reasons: [{ code: 'class.approval', text: 'refunds need a manager' }], approval: rule } : allow));
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    const asked = await a.guard(refund);
    if (asked.verdict !== 'approval-required') throw new Error('expected approval-required');
    await fill(a, CAP + 2);
    await first.close();
    const second = await openFirewall(t.options, { maxRecovered: CAP });
    const statement = signApproval({ signer: t.k.approver, role: 'manager', intent: asked.intentDigest, policy: { digest: t.policy.digest as never, rule: 'refund.manager' }, now: T0 });
    expect(await second.submitApproval({ requestId: asked.pending.id, statement: statement.envelope as never })).toMatchObject({ status: 'approved' });
    const b = await second.openSession({ ...who, sessionId: 's1' });
    let runs = 0;
    const again = await b.execute(refund, () => ++runs);
    expect(again.status).toBe('blocked');
    expect(again.guard.reasons.map((r) => r.code)).toEqual(['firewall.call-id-evicted']);
    expect(runs).toBe(0);
    // No second decision or release was made for it.
    expect(await t.forCall('decision-made', 'c-old')).toHaveLength(1);
    expect(await t.forCall('token-issued', 'c-old')).toHaveLength(0);
    await second.close();
  });

  it('never holds more than the cap in the index while scanning; every dropped call is kept as a fingerprint', async () => {
    const t = setUp();
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    await fill(a, 20);
    await first.close();
    const settings = parseFirewallOptions(t.options);
    const context = new FirewallContext(settings, await Ledger.open({ store: settings.stores.ledger, origin: settings.origin, signer: settings.ledgerSigner, now: settings.clock }));
    let largest = 0;
    const set = context.recovered.set.bind(context.recovered);
    context.recovered.set = (key, value) => {
      const out = set(key, value);
      largest = Math.max(largest, context.recovered.size);
      return out;
    };
    await findUnfinishedReleases({ context, maxRecovered: CAP });
    expect(largest).toBe(CAP + 1); // one over, dropped at once
    expect([...context.recovered.keys()]).toEqual([17, 18, 19].map((i) => callKey('s1', `fill-${i}`)));
    expect(context.droppedCalls.size).toBe(17);
    for (let i = 0; i < 17; i++) expect(context.droppedCalls.has(callKey('s1', `fill-${i}`))).toBe(true);
    expect(context.droppedCalls.has(callKey('s1', 'fill-17'))).toBe(false);
  });
});

describe('restart idempotency without the approval record', () => {
  it('refuses a token-free call that ran after its approval when the approval store lost the request (not asked for and run again)', async () => {
    const rule = { rule: 'search.manager', roles: ['manager'], threshold: 1, separationOfDuties: true, expiresInSeconds: 3600 };
    const t = setUp(() => ({ decision: 'require-approval', reasons: [{ code: 'class.approval', text: 'this search needs a manager' }], approval: rule }));
    const call = { tool: 'search', args: { q: 'payroll' }, callId: 'c-search' };
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    const asked = await a.guard(call);
    if (asked.verdict !== 'approval-required') throw new Error('expected approval-required');
    const statement = signApproval({ signer: t.k.approver, role: 'manager', intent: asked.intentDigest, policy: { digest: t.policy.digest as never, rule: 'search.manager' }, now: T0 });
    expect(await first.submitApproval({ requestId: asked.pending.id, statement: statement.envelope as never })).toMatchObject({ status: 'approved' });
    let runs = 0;
    expect((await a.execute(call, () => ++runs)).status).toBe('executed');
    await first.close();

    // A memory approval store does not survive the restart; the ledger does.
    const second = await createFirewall({ ...t.options, stores: { ...t.options.stores, approvals: new MemoryApprovalStore() } });
    const b = await second.openSession({ ...who, sessionId: 's1' });
    const again = await b.execute(call, () => ++runs);
    expect(again.status).toBe('blocked');
    expect(again.guard.reasons.map((r) => r.code)).toEqual(['gateway.already-executed']);
    expect(runs).toBe(1);
    await b.end();
    await second.close();
    // Not judged again: one decision, and no second approval request for it.
    expect(await t.forCall('decision-made', 'c-search')).toHaveLength(1);
    expect((await t.verify()).failure).toBeUndefined();
  });
});
