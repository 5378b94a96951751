/**
 * What the authority keeps of approval requests in memory: every request that may still be
 * undecided, and the latest `limits.maxDecidedInMemory` decided or expired ones — a
 * long-running authority no longer grows with every approval request. A request that left
 * memory is still answered by id (read from the pending store), its approved call still runs
 * in its live session, and a restart holds the same requests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signRejection } from '@writ/core';
import type { JsonObject } from '@writ/core';
import { AGENT_TOKEN, APPROVER_TOKEN, OTHER_AGENT_TOKEN, createSeededWorld, startHarness } from './test-harness.ts';
import type { Harness } from './test-harness.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const DAY = 24 * 3_600_000;
const principal = { id: 'user:dana', roles: ['support'], tenant: 'acme' };
const refund = (n: number) => ({ tool: 'refund_large', args: { order: String(5100 + n), amount: 750 } });

interface Pending {
  readonly id: string;
  readonly intentDigest: string;
  readonly policyDigest: string;
  readonly rule: { readonly rule: string; readonly roles: string[] };
}

async function openSession(h: Harness, sessionId: string): Promise<void> {
  expect((await h.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { sessionId, principal } })).status).toBe(201);
  await h.call({ path: `/v1/sessions/${sessionId}/basis`, token: AGENT_TOKEN, body: { kind: 'system-prompt', text: 'You are the support agent of Acme.' } });
  await h.call({ path: `/v1/sessions/${sessionId}/basis`, token: AGENT_TOKEN, body: { kind: 'user-turn', text: `Orders ${[0, 1, 2, 3, 4, 5].map((n) => 5100 + n).join(', ')} never arrived, please refund 750 EUR for each.` } });
}

/** Guard call `n` of the session: it waits for approval. */
async function ask(h: Harness, sessionId: string, n: number): Promise<Pending> {
  const answer = await h.call({ path: `/v1/sessions/${sessionId}/calls/c${n}/guard`, token: AGENT_TOKEN, body: refund(n) });
  expect(answer.status).toBe(200);
  const guard = answer.json.guard as { verdict: string; pending: Pending };
  expect(guard.verdict).toBe('approval-required');
  return guard.pending;
}

/** Approve (or reject) `pending` in the console, as the approver the rule names. */
async function decide(h: Harness, pending: Pending, approve: boolean): Promise<void> {
  const role = pending.rule.roles.find((r) => h.world.approvers.has(r))!;
  const signer = h.world.approvers.get(role)!;
  const statement = approve
    ? h.sign({ signer, role, intentDigest: pending.intentDigest, rule: pending.rule.rule })
    : (signRejection({ signer, role, intent: pending.intentDigest as `sha256:${string}`, policy: { digest: pending.policyDigest as `sha256:${string}`, rule: pending.rule.rule }, reason: 'not this one' }).envelope as unknown as JsonObject);
  const answer = await h.call({ path: `/v1/approvals/${pending.id}`, token: APPROVER_TOKEN, body: { statement } });
  expect(answer.json.status).toBe(approve ? 'approved' : 'rejected');
}

const inbox = async (h: Harness) => ((await h.call({ method: 'GET', path: '/v1/approvals', token: APPROVER_TOKEN })).json.approvals as { id: string }[]).map((item) => item.id);
const held = (h: Harness, requests: readonly Pending[]) => requests.filter((p) => h.authority.state.pending.has(p.id)).map((p) => requests.indexOf(p));

describe('approval requests in the authority’s memory', () => {
  it('holds every undecided request and the latest maxDecidedInMemory decided ones; one that left memory is answered by id and its approved call still runs', async () => {
    const h = await startHarness({ limits: { maxDecidedInMemory: 2 } });
    cleanup.push(() => h.authority.close());
    await openSession(h, 'sess-many');
    const requests: Pending[] = [await ask(h, 'sess-many', 0)];
    // Five more, each decided in the console before the next is asked (which reads their status).
    for (const n of [1, 2, 3, 4, 5]) {
      requests.push(await ask(h, 'sess-many', n));
      await decide(h, requests[n]!, n !== 2);
    }
    expect(await inbox(h)).toEqual([requests[0]!.id]);
    // The oldest request, undecided, stays; of the five decided only the latest two do.
    expect(held(h, requests)).toEqual([0, 4, 5]);
    expect(h.authority.state.pending.size).toBe(3);

    // Left memory: still answered by id, read from the pending store.
    const detail = await h.call({ method: 'GET', path: `/v1/approvals/${requests[1]!.id}`, token: APPROVER_TOKEN });
    expect(detail).toMatchObject({ status: 200, json: { id: requests[1]!.id, status: 'approved', tool: 'refund_large', sessionId: 'sess-many', callId: 'c1', agent: 'support-agent', intentDigest: requests[1]!.intentDigest } });
    expect((await h.call({ method: 'GET', path: `/v1/approvals/${requests[2]!.id}/status`, token: APPROVER_TOKEN })).json).toMatchObject({ id: requests[2]!.id, status: 'rejected' });
    // A statement posted for it reaches the firewall, which answers as for any decided request.
    const role = requests[2]!.rule.roles.find((r) => h.world.approvers.has(r))!;
    const late = h.sign({ signer: h.world.approvers.get(role)!, role, intentDigest: requests[2]!.intentDigest, rule: requests[2]!.rule.rule });
    expect(await h.call({ path: `/v1/approvals/${requests[2]!.id}`, token: APPROVER_TOKEN, body: { statement: late } })).toMatchObject({ status: 422, json: { status: 'refused' } });
    // Not read back into memory.
    expect(held(h, requests)).toEqual([0, 4, 5]);
    // The agent's own approval routes find it too (a decided request: the firewall answers).
    const forwarded = await h.call({ path: '/v1/agent/approvals', token: AGENT_TOKEN, body: { requestId: requests[1]!.id, statement: { payloadType: 'x', payload: '', signatures: [] } } });
    expect(forwarded.status).toBe(200);
    expect((await h.call({ path: '/v1/agent/approvals', token: OTHER_AGENT_TOKEN, body: { requestId: requests[1]!.id, statement: {} } })).status).toBe(404);
    expect((await h.call({ path: '/v1/sessions/sess-many/approvals', token: AGENT_TOKEN, body: { requestId: requests[1]!.id, statement: { payloadType: 'x', payload: '', signatures: [] } } })).status).toBe(200);
    const unknown = `sha256:${'f'.repeat(64)}`;
    expect((await h.call({ method: 'GET', path: `/v1/approvals/${unknown}`, token: APPROVER_TOKEN })).json).toMatchObject({ error: { code: 'ERR_HTTP_APPROVAL_UNKNOWN' } });

    // The calls of a live session whose approved request left memory still run once, through
    // the guard (the firewall resumes the call from the approval store) and through start.
    const guarded = await h.call({ path: '/v1/sessions/sess-many/calls/c1/guard', token: AGENT_TOKEN, body: refund(1) });
    expect(guarded.json).toMatchObject({ guard: { verdict: 'execute' }, token: { payloadType: 'application/vnd.writ.action-token+json' } });
    const started = await h.call({ path: '/v1/sessions/sess-many/calls/c3/start', token: AGENT_TOKEN, body: refund(3) });
    expect(started.json.phase).toBe('run');
    expect((await h.call({ path: '/v1/sessions/sess-many/calls/c3/finish', token: AGENT_TOKEN, body: { result: { refunded: 750 } } })).json).toMatchObject({ status: 'executed' });
    // The rejected one is refused.
    expect((await h.call({ path: '/v1/sessions/sess-many/calls/c2/guard', token: AGENT_TOKEN, body: refund(2) })).json).toMatchObject({ guard: { verdict: 'block' } });
    expect(held(h, requests)).toEqual([0, 4, 5]);
  });

  it('counts expired requests as decided; a request that left memory is not counted towards the per-agent limit nor held again when its call is guarded again', async () => {
    let offset = 0;
    const h = await startHarness({ clock: () => new Date(Date.now() + offset), limits: { maxDecidedInMemory: 1, maxPendingPerAgent: 1 } });
    cleanup.push(() => h.authority.close());
    await openSession(h, 'sess-expiring');
    const requests = [await ask(h, 'sess-expiring', 0)];
    for (const n of [1, 2]) {
      // The earlier request expires (the approval lifetime is 24 h): asking again is within the limit.
      offset += DAY + 60_000;
      requests.push(await ask(h, 'sess-expiring', n));
    }
    expect(held(h, requests)).toEqual([1, 2]);
    // Call 0 again: the firewall answers its recorded request, which is kept already.
    const again = await h.call({ path: '/v1/sessions/sess-expiring/calls/c0/guard', token: AGENT_TOKEN, body: refund(0) });
    expect(again.json).toMatchObject({ guard: { verdict: 'approval-required', pending: { id: requests[0]!.id } } });
    expect(held(h, requests)).toEqual([1, 2]);
    expect(await inbox(h)).toEqual([requests[2]!.id]);
    expect((await h.call({ method: 'GET', path: `/v1/approvals/${requests[0]!.id}`, token: APPROVER_TOKEN })).json).toMatchObject({ id: requests[0]!.id, callId: 'c0' });
  });

  it('holds the same requests after a restart, and answers the others by id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-authority-pending-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const world = createSeededWorld();
    const limits = { maxDecidedInMemory: 2 };
    const before = await startHarness({ dir, world, limits });
    await openSession(before, 'sess-restart');
    const requests = [await ask(before, 'sess-restart', 0)];
    for (const n of [1, 2, 3, 4]) {
      requests.push(await ask(before, 'sess-restart', n));
      await decide(before, requests[n]!, n % 2 === 1);
    }
    // Decided after the last listing: found decided at the next one, or at the restart.
    requests.push(await ask(before, 'sess-restart', 5));
    await decide(before, requests[5]!, true);
    expect(held(before, requests)).toEqual([0, 3, 4, 5]);
    await before.authority.close();

    const after = await startHarness({ dir, world, limits });
    cleanup.push(() => after.authority.close());
    expect(held(after, requests)).toEqual([0, 4, 5]);
    expect(await inbox(after)).toEqual([requests[0]!.id]);
    expect((await after.call({ method: 'GET', path: `/v1/approvals/${requests[1]!.id}`, token: APPROVER_TOKEN })).json).toMatchObject({ status: 'approved', callId: 'c1', sessionId: 'sess-restart' });
    // The session's owner comes from the ledger, also for requests that left memory.
    expect((await after.call({ path: '/v1/sessions', token: OTHER_AGENT_TOKEN, body: { sessionId: 'sess-restart', principal: { id: 'mallory' } } })).status).toBe(409);
    // The undecided request is approved after the restart and its call runs.
    await decide(after, requests[0]!, true);
    await openSession(after, 'sess-restart');
    expect((await after.call({ path: '/v1/sessions/sess-restart/calls/c0/start', token: AGENT_TOKEN, body: refund(0) })).json.phase).toBe('run');
    expect((await after.call({ path: '/v1/sessions/sess-restart/calls/c0/finish', token: AGENT_TOKEN, body: { result: { refunded: 750 } } })).json).toMatchObject({ status: 'executed' });
  });
});
