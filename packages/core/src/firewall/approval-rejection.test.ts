import { describe, expect, it } from 'vitest';
import { signApproval } from '../approval/approval-statement.ts';
import { signRejection } from '../approval/rejection-statement.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import type { LedgerStore } from '../stores/types.ts';
import { parseEntry } from '../transcript/entry.ts';
import { EntryChecker, verifyTranscript } from '../transcript/verify-transcript.ts';
import { createFirewall } from './create-firewall.ts';
import { T0, entries, firewallOptions, frozenClock, keys, policyDouble, trustRootFor } from './test-support.ts';

const session = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot', framework: 'test' } };
const rule = { rule: 'refund.manager', roles: ['manager'], threshold: 1, separationOfDuties: true, expiresInSeconds: 3600 };
const needsApproval = { decision: 'require-approval', reasons: [{ code: 'class.approval', text: 'refunds need a manager' }], approval: rule };
const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };

async function setUp() {
  const k = keys();
  const clock = frozenClock();
  const policy = policyDouble(() => needsApproval);
  const options = firewallOptions({ policy, keys: { authority: k.authority }, trustRoot: trustRootFor(k), clock: clock.now });
  const firewall = await createFirewall(options);
  const s = await firewall.openSession({ ...session, sessionId: 's1' });
  const asked = await s.guard(call);
  if (asked.verdict !== 'approval-required') throw new Error('expected approval-required');
  const scope = { intent: asked.intentDigest, policy: { digest: policy.digest as never, rule: 'refund.manager' }, now: T0 };
  const reject = (signer = k.approver, extra: Partial<Parameters<typeof signRejection>[0]> = {}) =>
    firewall.submitApproval({ requestId: asked.pending.id, statement: signRejection({ signer, role: 'manager', ...scope, reason: 'not our customer', ...extra }).envelope as never });
  const approve = () => firewall.submitApproval({ requestId: asked.pending.id, statement: signApproval({ signer: k.approver, role: 'manager', ...scope }).envelope as never });
  const lines = async (store: LedgerStore = options.stores.ledger) => {
    const out: string[] = [];
    for await (const stored of store.read()) out.push(stored.line);
    const notes: string[] = [];
    for await (const checkpoint of store.checkpoints()) notes.push(checkpoint.note);
    return { entries: out, checkpoints: notes };
  };
  return { k, policy, options, firewall, s, asked, reject, approve, lines };
}

describe('signed rejections through the firewall', () => {
  it('a verified rejection is recorded with its signature, and the pending call is then refused with approval.rejected', async () => {
    const t = await setUp();
    const submitted = await t.reject();
    expect(submitted).toMatchObject({ status: 'rejected', requestId: t.asked.pending.id, reasons: [{ code: 'approval.rejected' }] });
    expect((await t.options.stores.approvals.get(t.asked.pending.id as never))?.status).toBe('rejected');

    const again = await t.s.guard(call);
    expect(again.verdict).toBe('block');
    expect(again.reasons.map((r) => r.code)).toContain('approval.rejected');
    let runs = 0;
    expect((await t.s.execute(call, () => ++runs)).status).toBe('blocked');
    expect(runs).toBe(0);

    const all = await entries(t.options.stores.ledger);
    const rejected = all.filter((e) => e.type === 'approval-rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.body).toMatchObject({ sessionId: 's1', requestId: t.asked.pending.id, intentDigest: t.asked.intentDigest, statement: { payloadType: 'application/vnd.writ.rejection+json' } });
    expect(all.filter((e) => e.type === 'approval-recorded')).toHaveLength(0);
    expect(all.filter((e) => e.type === 'action-denied' && e.body.callId === 'c1').length).toBeGreaterThanOrEqual(1);
    expect(all.some((e) => e.type === 'token-issued')).toBe(false);

    await t.s.end();
    const report = await verifyTranscript({ ...(await t.lines()), trustRoot: t.options.trustRoot });
    expect(report.valid).toBe(true);
  });

  it('a decided request takes no further statement: approval after rejection and rejection after approval are refused', async () => {
    const t = await setUp();
    expect((await t.reject()).status).toBe('rejected');
    expect(await t.approve()).toMatchObject({ status: 'refused', reasons: [{ code: 'approval.rejected' }] });
    const u = await setUp();
    expect((await u.approve()).status).toBe('approved');
    expect(await u.reject()).toMatchObject({ status: 'refused', reasons: [{ code: 'approval.approved' }] });
    expect((await u.s.guard(call)).verdict).toBe('execute');
  });

  it('forged, unsigned and mismatched rejections are refused and change nothing', async () => {
    const t = await setUp();
    const outsider = createSigner(PrivateKey.generate());
    expect(await t.reject(outsider)).toMatchObject({ status: 'refused', reasons: [{ code: 'approval.ERR_APPROVAL_SIGNER_INVALID' }] });
    // The authority key is not an approver.
    expect(await t.reject(t.k.authority)).toMatchObject({ status: 'refused', reasons: [{ code: 'approval.ERR_APPROVAL_SIGNER_INVALID' }] });
    expect(await t.reject(t.k.approver, { intent: `sha256:${'1'.repeat(64)}` as never })).toMatchObject({ status: 'refused', reasons: [{ code: 'approval.ERR_APPROVAL_INTENT_MISMATCH' }] });
    expect(await t.reject(t.k.approver, { role: 'finance' })).toMatchObject({ status: 'refused', reasons: [{ code: 'approval.ERR_APPROVAL_SIGNER_INVALID' }] });
    const genuine = signRejection({ signer: t.k.approver, role: 'manager', intent: t.asked.intentDigest, policy: { digest: t.policy.digest as never, rule: 'refund.manager' }, now: T0 }).envelope;
    const unsigned = { ...genuine, signatures: [] };
    expect((await t.firewall.submitApproval({ requestId: t.asked.pending.id, statement: unsigned })).status).toBe('refused');
    const badSig = { ...genuine, signatures: genuine.signatures.map((s) => ({ ...s, sig: s.sig.slice(0, -4) + (s.sig.endsWith('AAAA') ? 'BBBB' : 'AAAA') })) };
    expect(await t.firewall.submitApproval({ requestId: t.asked.pending.id, statement: badSig })).toMatchObject({ status: 'refused', reasons: [{ code: 'approval.ERR_SIGNATURE_INVALID' }] });

    expect((await t.options.stores.approvals.get(t.asked.pending.id as never))?.status).toBe('pending');
    expect((await entries(t.options.stores.ledger)).some((e) => e.type === 'approval-rejected')).toBe(false);
    // Still pending: a genuine approval still works.
    expect((await t.approve()).status).toBe('approved');
  });

  it('the transcript verifier checks the rejection signature: a tampered approval-rejected entry fails', async () => {
    const t = await setUp();
    await t.reject();
    await t.s.end();
    const { entries: lines, checkpoints } = await t.lines();
    const index = lines.findIndex((line) => line.includes('"type":"approval-rejected"'));
    expect(index).toBeGreaterThan(-1);
    const genuine = parseEntry(lines[index]!);
    const check = (body: Record<string, unknown>) => {
      try {
        new EntryChecker({ trustRoot: t.options.trustRoot, complete: true }).check({ ...genuine, body } as never);
        return 'ok';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    };
    expect(check(genuine.body)).toBe('ok');
    // Signed by a key outside the trust root.
    const forged = signRejection({ signer: createSigner(PrivateKey.generate()), role: 'manager', intent: t.asked.intentDigest, policy: { digest: t.policy.digest as never, rule: 'refund.manager' }, now: T0 });
    expect(check({ ...genuine.body, statement: forged.envelope, rejectionId: forged.payload.id })).toBe('ERR_TRANSCRIPT_SIGNATURE');
    // An approval in place of the rejection.
    const approval = signApproval({ signer: t.k.approver, role: 'manager', intent: t.asked.intentDigest, policy: { digest: t.policy.digest as never, rule: 'refund.manager' }, now: T0 });
    expect(check({ ...genuine.body, statement: approval.envelope })).toBe('ERR_TRANSCRIPT_SIGNATURE');
    // Another intent or id than the entry claims.
    expect(check({ ...genuine.body, intentDigest: `sha256:${'2'.repeat(64)}` })).toBe('ERR_TRANSCRIPT_LINKAGE');
    expect(check({ ...genuine.body, rejectionId: 'other' })).toBe('ERR_TRANSCRIPT_LINKAGE');
    // And the whole transcript with the forged entry does not verify.
    const tampered = [...lines];
    tampered[index] = lines[index]!.replace(JSON.stringify(genuine.body.statement), JSON.stringify(forged.envelope));
    expect((await verifyTranscript({ entries: tampered, checkpoints, trustRoot: t.options.trustRoot })).valid).toBe(false);
  });
});
