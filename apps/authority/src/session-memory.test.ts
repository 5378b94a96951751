/**
 * What the authority keeps of sessions and releases in memory: an ended session leaves at
 * once, an idle one after `limits.sessionIdleMs`, and the release index keeps the latest
 * releases only — a long-running authority no longer grows with every session and call. A
 * session that left memory is answered 410 for its agent (404 for others), reopens with its
 * id unless it ended, and a call id it used is never run again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLedgerStore, createRemoteFirewall } from '@writ/core';
import type { EffectContext } from '@writ/core';
import { ReleaseIndex } from './authority-state.ts';
import { AGENT_TOKEN, OTHER_AGENT_TOKEN, startHarness } from './test-harness.ts';
import type { Harness } from './test-harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.authority.close();
  harness = undefined;
});

const HOUR = 3_600_000;
const principal = { id: 'user:dana', roles: ['support'], tenant: 'acme' };

async function open(h: Harness, sessionId: string, token = AGENT_TOKEN) {
  return h.call({ path: '/v1/sessions', token, body: { principal, sessionId } });
}

async function lookup(h: Harness, sessionId: string, callId: string) {
  const path = `/v1/sessions/${sessionId}/calls/${callId}`;
  const guard = await h.call({ path: `${path}/guard`, token: AGENT_TOKEN, body: { tool: 'orders_lookup', args: { order: '4417' } } });
  if (guard.status !== 200) return { status: guard.status, json: guard.json };
  const start = await h.call({ path: `${path}/start`, token: AGENT_TOKEN, body: { tool: 'orders_lookup', args: { order: '4417' } } });
  if (start.json.phase !== 'run') return { status: start.status, json: start.json };
  return h.call({ path: `${path}/finish`, token: AGENT_TOKEN, body: { result: { status: 'shipped' } } });
}

describe('sessions in the authority’s memory', () => {
  it('lets go of an ended session: ERR_FIREWALL_SESSION_ENDED for its agent (also after a restart), 404 for another, reopening refused; its effects can still be rolled back', async () => {
    const h = (harness = await startHarness());
    const compensated: EffectContext[] = [];
    const firewall = createRemoteFirewall({
      url: h.authority.url,
      token: AGENT_TOKEN,
      timeoutMs: 10_000,
      reconcilers: { refund_issue: { compensate: (context: EffectContext) => (compensated.push(context), { status: 'compensated', residue: [] }) } },
    });
    const s = await firewall.openSession({ sessionId: 'sess-ended', principal, agent: { id: 'support-agent' } });
    await s.addSystemPrompt('You are the support agent of Acme.');
    await s.addUserTurn('Order 4417 arrived broken, please refund 60 EUR.');
    const done = await s.execute({ tool: 'refund_issue', args: { order: '4417', amount: 60 }, callId: 'r1' }, () => ({ refundId: 'rf-4417' }));
    expect(done.status).toBe('executed');
    await s.end();
    expect(h.authority.state.sessions.has('sess-ended')).toBe(false);

    const gone = await h.call({ path: '/v1/sessions/sess-ended/basis', token: AGENT_TOKEN, body: { kind: 'user-turn', text: 'more' } });
    expect(gone).toMatchObject({ status: 409, json: { error: { code: 'ERR_FIREWALL_SESSION_ENDED' } } });
    // The remote session rejects as an in-process one does.
    await expect(s.addUserTurn('more')).rejects.toMatchObject({ code: 'ERR_FIREWALL_SESSION_ENDED' });
    const other = await h.call({ path: '/v1/sessions/sess-ended/basis', token: OTHER_AGENT_TOKEN, body: { kind: 'user-turn', text: 'more' } });
    expect(other).toMatchObject({ status: 404, json: { error: { code: 'ERR_HTTP_SESSION_UNKNOWN' } } });
    expect(await open(h, 'sess-ended')).toMatchObject({ status: 409, json: { error: { code: 'ERR_FIREWALL_SESSION_ENDED' } } });
    expect(await open(h, 'sess-ended', OTHER_AGENT_TOKEN)).toMatchObject({ status: 409, json: { error: { code: 'ERR_HTTP_SESSION_TAKEN' } } });

    // Ownership comes from the ledger, not from the session table.
    const tokenId = done.status === 'executed' ? done.receipt.tokenId! : '';
    await expect(createRemoteFirewall({ url: h.authority.url, token: OTHER_AGENT_TOKEN, timeoutMs: 10_000 }).rollback(tokenId)).rejects.toMatchObject({ code: 'ERR_FIREWALL_TOKEN_UNKNOWN' });
    expect(await firewall.rollback(tokenId)).toMatchObject({ tokenId, status: 'compensated' });
    expect(compensated).toHaveLength(1);
  });

  it('evicts a session idle past sessionIdleMs when another opens; its agent reopens it, and an old call id is refused, not run again', async () => {
    let offset = 0;
    const h = (harness = await startHarness({ clock: () => new Date(Date.now() + offset), limits: { sessionIdleMs: HOUR } }));
    expect((await open(h, 'sess-idle')).status).toBe(201);
    await h.call({ path: '/v1/sessions/sess-idle/basis', token: AGENT_TOKEN, body: { kind: 'user-turn', text: 'Where is order 4417?' } });
    expect(await lookup(h, 'sess-idle', 'c1')).toMatchObject({ status: 200, json: { status: 'executed' } });

    offset += HOUR / 2;
    expect((await open(h, 'sess-b')).status).toBe(201);
    expect(h.authority.state.sessions.has('sess-idle')).toBe(true);
    offset += (3 * HOUR) / 4;
    expect((await open(h, 'sess-c')).status).toBe(201);
    expect(h.authority.state.sessions.has('sess-idle')).toBe(false);
    expect(h.authority.state.sessions.has('sess-b')).toBe(true);

    const gone = await lookup(h, 'sess-idle', 'c2');
    expect(gone).toMatchObject({ status: 410, json: { error: { code: 'ERR_HTTP_SESSION_GONE' } } });
    // Still this agent's id: another agent cannot take it.
    expect(await open(h, 'sess-idle', OTHER_AGENT_TOKEN)).toMatchObject({ status: 409, json: { error: { code: 'ERR_HTTP_SESSION_TAKEN' } } });
    expect((await open(h, 'sess-idle')).status).toBe(201);
    await h.call({ path: '/v1/sessions/sess-idle/basis', token: AGENT_TOKEN, body: { kind: 'user-turn', text: 'Where is order 4417?' } });
    const again = await h.call({ path: '/v1/sessions/sess-idle/calls/c1/guard', token: AGENT_TOKEN, body: { tool: 'orders_lookup', args: { order: '4417' } } });
    expect(again.status).toBe(200);
    expect(again.json.guard).toMatchObject({ verdict: 'block', reasons: [{ code: 'firewall.call-id-evicted' }] });
    expect(await lookup(h, 'sess-idle', 'c3')).toMatchObject({ status: 200, json: { status: 'executed' } });
  });

  it('a remote firewall session that left the authority’s memory rejects with ERR_FIREWALL_SESSION_EVICTED and reopens by id', async () => {
    let offset = 0;
    const h = (harness = await startHarness({ clock: () => new Date(Date.now() + offset), limits: { sessionIdleMs: HOUR } }));
    const firewall = createRemoteFirewall({ url: h.authority.url, token: AGENT_TOKEN, timeoutMs: 10_000 });
    const s = await firewall.openSession({ sessionId: 'remote-idle', principal, agent: { id: 'support-agent' } });
    await s.addUserTurn('Where is order 4417?');
    offset += 2 * HOUR;
    await firewall.openSession({ principal, agent: { id: 'support-agent' } });
    await expect(s.addUserTurn('Still there?')).rejects.toMatchObject({ code: 'ERR_FIREWALL_SESSION_EVICTED', details: { httpStatus: 410, remoteCode: 'ERR_HTTP_SESSION_GONE' } });
    const reopened = await firewall.openSession({ sessionId: 'remote-idle', principal, agent: { id: 'support-agent' } });
    await reopened.addUserTurn('Where is order 4417?');
    expect((await reopened.execute({ tool: 'orders_lookup', args: { order: '4417' }, callId: 'c1' }, () => ({ status: 'shipped' }))).status).toBe('executed');
  });

  it('GAP: a table entry left for a session the firewall evicted (an eviction racing the agent’s reopen) is replaced when the agent opens the id again', async () => {
    let offset = 0;
    const h = (harness = await startHarness({ clock: () => new Date(Date.now() + offset), limits: { sessionIdleMs: HOUR } }));
    expect((await open(h, 'sess-race')).status).toBe(201);
    const stale = h.authority.state.sessions.get('sess-race')!;
    offset += 2 * HOUR;
    expect((await open(h, 'sess-other')).status).toBe(201);
    expect(h.authority.state.sessions.has('sess-race')).toBe(false);
    // What the race leaves: a reopen that got the session back from the firewall just before a
    // sweep evicted it puts it in the table after the eviction took it out.
    h.authority.state.sessions.set('sess-race', stale);
    const basis = { kind: 'user-turn', text: 'Where is order 4417?' };
    expect(await h.call({ path: '/v1/sessions/sess-race/basis', token: AGENT_TOKEN, body: basis })).toMatchObject({ status: 410, json: { error: { code: 'ERR_FIREWALL_SESSION_EVICTED' } } });
    // The agent does what the 410 says: it opens the id again, and the session works.
    expect((await open(h, 'sess-race')).status).toBe(201);
    expect((await h.call({ path: '/v1/sessions/sess-race/basis', token: AGENT_TOKEN, body: basis })).status).toBe(201);
    expect(await lookup(h, 'sess-race', 'c1')).toMatchObject({ status: 200, json: { status: 'executed' } });
  });

  it('after a restart, a session of the earlier run is gone (410) or ended (409) for its agent, unknown for others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-authority-restart-'));
    const first = await startHarness({ dir });
    const world = first.world;
    expect((await open(first, 'sess-kept')).status).toBe(201);
    expect((await open(first, 'sess-done')).status).toBe(201);
    expect((await first.call({ path: '/v1/sessions/sess-done/end', token: AGENT_TOKEN, body: {} })).status).toBe(200);
    await first.authority.close();
    const h = (harness = await startHarness({ dir, world }));
    const basis = (sessionId: string, token = AGENT_TOKEN) => h.call({ path: `/v1/sessions/${sessionId}/basis`, token, body: { kind: 'user-turn', text: 'hello' } });
    expect(await basis('sess-kept')).toMatchObject({ status: 410, json: { error: { code: 'ERR_HTTP_SESSION_GONE' } } });
    expect(await basis('sess-done')).toMatchObject({ status: 409, json: { error: { code: 'ERR_FIREWALL_SESSION_ENDED' } } });
    expect(await basis('sess-kept', OTHER_AGENT_TOKEN)).toMatchObject({ status: 404, json: { error: { code: 'ERR_HTTP_SESSION_UNKNOWN' } } });
    expect((await open(h, 'sess-kept')).status).toBe(201);
    expect((await basis('sess-kept')).status).toBe(201);
    expect(await open(h, 'sess-done')).toMatchObject({ status: 409, json: { error: { code: 'ERR_FIREWALL_SESSION_ENDED' } } });
  });

  it('refuses a bad sessionIdleMs in the config limits', async () => {
    const { parseConfig } = await import('./load-config.ts');
    for (const sessionIdleMs of [0, -1, 1.5, '3600000', null]) {
      expect(() => parseConfig({ config: { trustRoot: 't.json', tools: 'tools.json', policy: ['p'], authorityKeyFile: 'k', limits: { sessionIdleMs } }, env: {}, baseDir: '/tmp' })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: expect.objectContaining({ parameter: 'limits.sessionIdleMs' }) }),
      );
    }
  });
});

describe('ReleaseIndex', () => {
  async function withReleases(count: number, maxReleases: number) {
    const ledger = new MemoryLedgerStore();
    const time = '2026-03-01T10:00:00Z';
    await ledger.append([{ type: 'session-started', time, body: { sessionId: 's1', agent: { id: 'agent-a' } } }]);
    for (let i = 0; i < count; i++) {
      await ledger.append([{ type: 'token-issued', time, body: { sessionId: 's1', callId: `c${i}`, tokenId: `tok_${i}`, token: { n: i } } }]);
    }
    const index = new ReleaseIndex(ledger, { maxReleases });
    await index.refresh();
    return index;
  }

  it('keeps the latest maxReleases releases, by token and by call', async () => {
    const index = await withReleases(50, 20);
    expect(index.size).toBe(20);
    expect(await index.forToken('tok_49')).toMatchObject({ callId: 'c49', token: { n: 49 } });
    expect(await index.forCall({ sessionId: 's1', callId: 'c30' })).toMatchObject({ tokenId: 'tok_30' });
    expect(await index.forToken('tok_29')).toBeUndefined();
    expect(await index.forCall({ sessionId: 's1', callId: 'c29' })).toBeUndefined();
  });

  it('knows session owners from the ledger and from claims: one owner per id, the owner always', async () => {
    const index = await withReleases(1, 20);
    expect(index.owns({ sessionId: 's1', agentId: 'agent-a' })).toBe(true);
    expect(index.owns({ sessionId: 's1', agentId: 'agent-b' })).toBe(false);
    expect(index.claimSession({ sessionId: 's1', agentId: 'agent-b' })).toBe(false);
    expect(index.claimSession({ sessionId: 's1', agentId: 'agent-a' })).toBe(true);
    expect(index.claimSession({ sessionId: 's2', agentId: 'agent-b' })).toBe(true);
    expect(index.claimSession({ sessionId: 's2', agentId: 'agent-a' })).toBe(false);
    // Many sessions: still exact for every one of them (fingerprints fold past 4096 recent ids).
    for (let i = 0; i < 10_000; i++) expect(index.claimSession({ sessionId: `many-${i}`, agentId: `agent-${i % 3}` })).toBe(true);
    for (let i = 0; i < 10_000; i += 97) {
      expect(index.owns({ sessionId: `many-${i}`, agentId: `agent-${i % 3}` })).toBe(true);
      expect(index.claimSession({ sessionId: `many-${i}`, agentId: `agent-${(i + 1) % 3}` })).toBe(false);
    }
  });
});
