import { afterEach, describe, expect, it } from 'vitest';
import { MemoryApprovalStore, MemoryLedgerStore, MemoryNonceStore, signRejection, verifyTranscript } from '@writ/core';
import type { JsonObject } from '@writ/core';
import { AGENT_TOKEN, APPROVER_TOKEN, startHarness } from './test-harness.ts';
import type { Harness } from './test-harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.authority.close();
  harness = undefined;
});

async function openSession(h: Harness): Promise<string> {
  const opened = await h.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { principal: { id: 'user:dana', roles: ['support'], tenant: 'acme' }, agent: { id: 'ignored', framework: 'ai-sdk' } } });
  expect(opened.status).toBe(201);
  const sessionId = opened.json.sessionId as string;
  await h.call({ path: `/v1/sessions/${sessionId}/basis`, token: AGENT_TOKEN, body: { kind: 'system-prompt', text: 'You are the support agent of Acme.' } });
  await h.call({ path: `/v1/sessions/${sessionId}/basis`, token: AGENT_TOKEN, body: { kind: 'user-turn', text: 'Order 5120 never arrived, please refund 750 EUR.' } });
  return sessionId;
}

describe('authority approval flow', () => {
  it('a large refund waits for a signed approval, then runs once in the agent with a receipt in a valid transcript', async () => {
    const h = (harness = await startHarness());
    const sessionId = await openSession(h);
    const call = { tool: 'refund_large', args: { order: '5120', amount: 750 } };
    const first = await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/guard`, token: AGENT_TOKEN, body: call });
    expect(first.status).toBe(200);
    const guard = first.json.guard as { verdict: string; pending: { id: string; intentDigest: string; rule: { rule: string; roles: string[] } } };
    expect(guard.verdict).toBe('approval-required');

    const list = await h.call({ method: 'GET', path: '/v1/approvals', token: APPROVER_TOKEN });
    expect((list.json.approvals as unknown[]).length).toBe(1);
    const detail = await h.call({ method: 'GET', path: `/v1/approvals/${guard.pending.id}`, token: APPROVER_TOKEN });
    expect(detail.json).toMatchObject({ tool: 'refund_large', intentDigest: guard.pending.intentDigest, agent: 'support-agent', status: 'pending' });
    expect(typeof detail.json.summary).toBe('string');
    expect(typeof detail.json.policyReason).toBe('string');
    expect(detail.json.basis).toMatchObject({ digest: expect.stringMatching(/^sha256:/) });

    // A forged statement (key outside the trust root) is refused and changes nothing.
    const forged = h.sign({ signer: h.world.outsider, role: 'manager', intentDigest: guard.pending.intentDigest, rule: guard.pending.rule.rule });
    const refused = await h.call({ path: `/v1/approvals/${guard.pending.id}`, token: APPROVER_TOKEN, body: { statement: forged } });
    expect(refused.status).toBe(422);
    expect(refused.json.status).toBe('refused');

    const role = guard.pending.rule.roles.find((r) => h.world.approvers.has(r))!;
    const statement = h.sign({ signer: h.world.approvers.get(role)!, role, intentDigest: guard.pending.intentDigest, rule: guard.pending.rule.rule });
    const approved = await h.call({ path: `/v1/approvals/${guard.pending.id}`, token: APPROVER_TOKEN, body: { statement } });
    expect(approved.status).toBe(200);
    expect(approved.json.status).toBe('approved');
    expect((await h.call({ method: 'GET', path: `/v1/approvals/${guard.pending.id}/status`, token: APPROVER_TOKEN })).json.status).toBe('approved');

    const start = await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/start`, token: AGENT_TOKEN, body: call });
    expect(start.json.phase).toBe('run');
    expect(start.json.token).toMatchObject({ payloadType: 'application/vnd.writ.action-token+json' });
    const finish = await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/finish`, token: AGENT_TOKEN, body: { result: { refunded: 750 } } });
    expect(finish.json).toMatchObject({ status: 'executed', receipt: { status: 'succeeded', tool: 'refund_large' } });
    // The token is single use: a second start is refused by the gateway.
    const again = await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/start`, token: AGENT_TOKEN, body: call });
    expect(again.json.phase).toBe('done');

    const ended = await h.call({ path: `/v1/sessions/${sessionId}/end`, token: AGENT_TOKEN, body: {} });
    expect(ended.status).toBe(200);
    const transcript = await h.call({ method: 'GET', path: '/v1/transcript', token: APPROVER_TOKEN });
    const report = await verifyTranscript({ entries: transcript.json.entries as string[], checkpoints: transcript.json.checkpoints as string[], trustRoot: h.world.trustRoot });
    expect(report.valid).toBe(true);
  });

  it('a signed rejection refuses the pending call; unsigned and forged rejections are refused and change nothing', async () => {
    const h = (harness = await startHarness());
    const sessionId = await openSession(h);
    const call = { tool: 'refund_large', args: { order: '5120', amount: 750 } };
    const guard = (await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/guard`, token: AGENT_TOKEN, body: call })).json.guard as { verdict: string; pending: { id: string; intentDigest: string; policyDigest: string; rule: { rule: string; roles: string[] } } };
    expect(guard.verdict).toBe('approval-required');
    const role = guard.pending.rule.roles.find((r) => h.world.approvers.has(r))!;
    const rejection = (signer = h.world.approvers.get(role)!) =>
      signRejection({ signer, role, intent: guard.pending.intentDigest as `sha256:${string}`, policy: { digest: guard.pending.policyDigest as `sha256:${string}`, rule: guard.pending.rule.rule }, reason: 'duplicate request' }).envelope as unknown as JsonObject;
    const post = (statement: unknown) => h.call({ path: `/v1/approvals/${guard.pending.id}`, token: APPROVER_TOKEN, body: { statement } });

    const forged = await post(rejection(h.world.outsider));
    expect(forged.status).toBe(422);
    expect(forged.json).toMatchObject({ status: 'refused', reasons: [{ code: 'approval.ERR_APPROVAL_SIGNER_INVALID' }] });
    const unsigned = await post({ ...rejection(), signatures: [] });
    expect(unsigned.status).toBe(422);
    expect((await post('not an envelope')).status).toBe(400);
    // Without an approver token the endpoint answers nothing about the request.
    expect((await h.call({ path: `/v1/approvals/${guard.pending.id}`, token: AGENT_TOKEN, body: { statement: rejection() } })).status).toBe(401);
    expect((await h.call({ method: 'GET', path: `/v1/approvals/${guard.pending.id}/status`, token: APPROVER_TOKEN })).json.status).toBe('pending');

    const rejected = await post(rejection());
    expect(rejected.status).toBe(200);
    expect(rejected.json).toMatchObject({ status: 'rejected', reasons: [{ code: 'approval.rejected' }] });
    expect((await h.call({ method: 'GET', path: `/v1/approvals/${guard.pending.id}/status`, token: APPROVER_TOKEN })).json.status).toBe('rejected');
    expect((await h.call({ method: 'GET', path: '/v1/approvals', token: APPROVER_TOKEN })).json.approvals).toEqual([]);

    const again = (await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/guard`, token: AGENT_TOKEN, body: call })).json.guard as { verdict: string; reasons: { code: string }[] };
    expect(again.verdict).toBe('block');
    expect(again.reasons.map((r) => r.code)).toContain('approval.rejected');
    const start = await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/start`, token: AGENT_TOKEN, body: call });
    expect(start.json).toMatchObject({ phase: 'done', result: { status: 'blocked' } });

    await h.call({ path: `/v1/sessions/${sessionId}/end`, token: AGENT_TOKEN, body: {} });
    const transcript = await h.call({ method: 'GET', path: '/v1/transcript', token: APPROVER_TOKEN });
    const lines = transcript.json.entries as string[];
    expect(lines.filter((line) => line.includes('"type":"approval-rejected"'))).toHaveLength(1);
    expect((await verifyTranscript({ entries: lines, checkpoints: transcript.json.checkpoints as string[], trustRoot: h.world.trustRoot })).valid).toBe(true);
  });

  it('the inbox reads the status of a decided request once, not on every listing (it used to read every request ever kept)', async () => {
    const approvals = new MemoryApprovalStore();
    const reads: string[] = [];
    const get = approvals.get.bind(approvals);
    approvals.get = (id) => (reads.push(id), get(id));
    const h = (harness = await startHarness({ stores: { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals } }));
    const sessionId = await openSession(h);
    const pendings: { id: string; intentDigest: string; policyDigest: string; rule: { rule: string } }[] = [];
    for (let i = 0; i < 4; i++) {
      await h.call({ path: `/v1/sessions/${sessionId}/basis`, token: AGENT_TOKEN, body: { kind: 'user-turn', text: `Order 51${i}0 never arrived either, please refund ${700 + i} EUR.` } });
      const guarded = await h.call({ path: `/v1/sessions/${sessionId}/calls/c${i}/guard`, token: AGENT_TOKEN, body: { tool: 'refund_large', args: { order: `51${i}0`, amount: 700 + i } } });
      expect((guarded.json.guard as { verdict?: string }).verdict, JSON.stringify(guarded.json)).toBe('approval-required');
      pendings.push((guarded.json.guard as { pending: (typeof pendings)[number] }).pending);
    }
    const ids = pendings.map((p) => p.id);
    for (const p of pendings.slice(0, 3)) {
      const statement = signRejection({ signer: h.world.approvers.get('manager')!, role: 'manager', intent: p.intentDigest as `sha256:${string}`, policy: { digest: p.policyDigest as `sha256:${string}`, rule: p.rule.rule }, reason: 'no' }).envelope as unknown as JsonObject;
      const rejected = await h.call({ path: `/v1/approvals/${p.id}`, token: APPROVER_TOKEN, body: { statement } });
      expect(rejected.json.status, JSON.stringify(rejected.json)).toBe('rejected');
    }
    const list = async () => ((await h.call({ method: 'GET', path: '/v1/approvals', token: APPROVER_TOKEN })).json.approvals as { id: string }[]).map((a) => a.id);
    expect(await list()).toEqual([ids[3]]);
    reads.length = 0;
    expect(await list()).toEqual([ids[3]]);
    expect(reads).toEqual([ids[3]]);
  });
});
