/**
 * Adversarial review of the authority's HTTP service. Three attackers:
 *
 * - Anyone with network access to the port: no credential, any method, path, headers and body,
 *   as large, slow or strange as they like, and the sidecar (which authenticates by the action
 *   token alone).
 * - A malicious agent holding one agent credential: it chooses principals, session and call ids,
 *   arguments (shown to approvers), basis, timing and concurrency, and may hold statements it
 *   was once given.
 * - An approver holding a console credential and their own key, but no other approver's key.
 *
 * None of them holds the authority key. Cases marked GAP were accepted (or crashed, or hung)
 * before the fix they name; the rest were refused already and stay as regression tests.
 */
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryApprovalStore, MemoryLedgerStore, MemoryNonceStore, digestBytes, toBase64Url, utf8 } from '@writ/core';
import { sharedPolicies } from '@writ/example-kit';
import { hashToken } from './credentials.ts';
import { startAuthority } from './start-authority.ts';
import { AGENT_TOKEN, APPROVER_TOKEN, OTHER_AGENT_TOKEN, TOOLS, createSeededWorld, startHarness } from './test-harness.ts';
import type { Harness } from './test-harness.ts';

let harness: Harness | undefined;
const servers: Server[] = [];
afterEach(async () => {
  await harness?.authority.close();
  harness = undefined;
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A loopback HTTP server that counts the requests reaching it. */
async function countingServer(): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

/** One raw HTTP/1.1 exchange over a socket: what a client that does not normalise sends. */
function rawExchange(options: { url: string; text: string }): Promise<string> {
  const { hostname, port } = new URL(options.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(options.text));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

async function openSession(h: Harness, token = AGENT_TOKEN, sessionId?: string): Promise<string> {
  const opened = await h.call({ path: '/v1/sessions', token, body: { principal: { id: 'user:dana', roles: ['support'], tenant: 'acme' }, ...(sessionId === undefined ? {} : { sessionId }) } });
  expect(opened.status).toBe(201);
  const id = opened.json.sessionId as string;
  await h.call({ path: `/v1/sessions/${id}/basis`, token, body: { kind: 'system-prompt', text: 'You are the support agent of Acme.' } });
  await h.call({ path: `/v1/sessions/${id}/basis`, token, body: { kind: 'user-turn', text: 'Order 5120 never arrived, please refund 750 EUR.' } });
  return id;
}

interface Pending {
  readonly id: string;
  readonly intentDigest: string;
  readonly rule: { readonly rule: string; readonly roles: string[] };
}

async function pendingCall(h: Harness, options: { sessionId: string; callId: string; args: Record<string, unknown>; token?: string }): Promise<Pending> {
  const guarded = await h.call({ path: `/v1/sessions/${options.sessionId}/calls/${options.callId}/guard`, token: options.token ?? AGENT_TOKEN, body: { tool: 'refund_large', args: options.args } });
  const guard = guarded.json.guard as { verdict: string; pending: Pending };
  expect(guard.verdict).toBe('approval-required');
  return guard.pending;
}

function approve(h: Harness, pending: Pending): Record<string, unknown> {
  const role = pending.rule.roles.find((r) => h.world.approvers.has(r))!;
  return h.sign({ signer: h.world.approvers.get(role)!, role, intentDigest: pending.intentDigest, rule: pending.rule.rule });
}

/** POST a chunked body that passes `limit` and never ends; resolves with the status once the server answers. */
function endlessBody(options: { url: string; headers?: Record<string, string>; limit: number }): Promise<number> {
  const target = new URL(options.url);
  return new Promise<number>((resolve) => {
    const outgoing = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'transfer-encoding': 'chunked', ...options.headers } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
      outgoing.destroy();
    });
    outgoing.on('error', () => undefined);
    outgoing.write(Buffer.alloc(options.limit + 1, 0x61));
  });
}

describe('authority under attack: bodies and paths', () => {
  // GAP: bodies were read whole (`arrayBuffer()`) before their size was checked; only a declared
  // Content-Length was refused early. A chunked body without one was buffered to its end — on the
  // sidecar by anyone with any syntactically valid Writ-Token, on JSON routes by any agent — so
  // one endless request held memory without bound and never got an answer.
  it('refuses a chunked body past the limit as soon as it passes it, on the sidecar and on JSON routes', async () => {
    const { url, hits } = await countingServer();
    const h = (harness = await startHarness({ sidecarTarget: url, limits: { maxBodyBytes: 1024 } }));
    expect(await endlessBody({ url: `${h.authority.url}/sidecar/x`, headers: { 'writ-token': '{}' }, limit: 1024 })).toBe(413);
    expect(await endlessBody({ url: `${h.authority.url}/v1/sessions`, headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' }, limit: 1024 })).toBe(413);
    expect(await endlessBody({ url: `${h.authority.url}/v1/approvals/sha256:${'0'.repeat(64)}`, headers: { authorization: `Bearer ${APPROVER_TOKEN}`, 'content-type': 'application/json' }, limit: 1024 })).toBe(413);
    expect(hits).toEqual([]);
  });

  // GAP: the path after /sidecar was resolved as a URL reference against the target, so
  // `/sidecar//other-host:port/admin` became `http://other-host:port/admin`: the sidecar forwarded
  // to any host the tool's egress allowed, not only to its target. A token released for that
  // URL (egress 127.0.0.1 covers every local port) turned the verifier into an open proxy.
  it('forwards only to its target: a path that reads as another host stays a path on the target', async () => {
    const target = await countingServer();
    const elsewhere = await countingServer();
    const h = (harness = await startHarness({ sidecarTarget: target.url }));
    const sessionId = await openSession(h);
    const escaped = `${elsewhere.url}/admin`;
    const guarded = await h.call({ path: `/v1/sessions/${sessionId}/calls/e1/guard`, token: AGENT_TOKEN, body: { tool: 'http_request', args: { method: 'GET', url: escaped, bodyDigest: digestBytes(new Uint8Array(0)) } } });
    expect((guarded.json.guard as { verdict: string }).verdict).toBe('execute');
    const token = toBase64Url(utf8(JSON.stringify(guarded.json.token)));
    const answer = await rawExchange({ url: h.authority.url, text: `GET /sidecar//${new URL(elsewhere.url).host}/admin HTTP/1.1\r\nHost: x\r\nWrit-Token: ${token}\r\nConnection: close\r\n\r\n` });
    // The request stands for `<target>//127.0.0.1:<port>/admin`, which the token does not cover.
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    expect(answer).toContain('ERR_TOKEN_INTENT');
    expect(elsewhere.hits).toEqual([]);
    expect(target.hits).toEqual([]);
  });

});

describe('authority under attack: what the approver is shown', () => {
  // GAP: the summary (inbox and detail) replaced *any* argument shaped like `{ commitment }` with
  // ‹committed›, and the console rendered any such value as a commitment — so an agent could hide
  // a non-sensitive argument (here a payee) from the approver by wrapping it, and have the
  // approver sign an intent whose arguments they never saw. Only the tool's sensitive keys may be
  // shown as commitments; the authority now says which (`committed`) and the rest are shown as sent.
  it('shows a commitment-shaped value of a non-sensitive argument as sent; only sensitive keys are committed', async () => {
    const h = (harness = await startHarness());
    const sessionId = await openSession(h);
    const pending = await pendingCall(h, { sessionId, callId: 'c1', args: { order: '5120', amount: 750, memo: { commitment: 'sha256:aaaa', payTo: 'IBAN attacker' }, note: 'the customer is a friend' } });
    const detail = await h.call({ method: 'GET', path: `/v1/approvals/${pending.id}`, token: APPROVER_TOKEN });
    expect(detail.json.summary).toContain('IBAN attacker');
    expect(detail.json.summary).not.toContain('friend');
    expect(detail.json.committed).toEqual(['note']);
    expect((detail.json.args as Record<string, unknown>).memo).toEqual({ commitment: 'sha256:aaaa', payTo: 'IBAN attacker' });
    expect(JSON.stringify(detail.json)).not.toContain('friend');
    const inbox = await h.call({ method: 'GET', path: '/v1/approvals', token: APPROVER_TOKEN });
    const summary = (inbox.json.approvals as { summary: string }[])[0]!.summary;
    expect(summary).toContain('IBAN attacker');
    expect(summary).not.toContain('friend');
  });
});

describe('authority under attack: who owns a session', () => {
  // GAP: ownership was checked against the session table (and kept pending requests) and only
  // recorded after `openSession` returned, with awaits in between. While the owner's open was
  // writing its session-started entry, a second agent's open of the same id passed the check, got
  // the very same firewall session back and was entered as its owner: its calls then ran in a
  // session whose transcript names the first agent and principal. Ownership is now claimed
  // synchronously before the session opens.
  it('gives a session id to one agent only when two open it concurrently', async () => {
    const ledger = new MemoryLedgerStore();
    const append = ledger.append.bind(ledger);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const writing = new Promise<void>((resolve) => (entered = resolve));
    // Hold the first session-started write until the second agent has tried the same id.
    ledger.append = async (drafts) => {
      if (drafts.some((draft) => draft.type === 'session-started' && (draft.body as { sessionId?: unknown }).sessionId === 'shared-1')) {
        entered();
        await held;
      }
      return append(drafts);
    };
    const h = (harness = await startHarness({ stores: { ledger, nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() } }));
    const owner = h.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { principal: { id: 'user:dana', tenant: 'acme' }, sessionId: 'shared-1' } });
    await writing;
    const intruder = await h.call({ path: '/v1/sessions', token: OTHER_AGENT_TOKEN, body: { principal: { id: 'user:mallory', tenant: 'acme' }, sessionId: 'shared-1' } });
    release();
    expect((await owner).status).toBe(201);
    expect(intruder.status).toBe(409);
    expect(intruder.json.error).toMatchObject({ code: 'ERR_HTTP_SESSION_TAKEN' });
    expect(h.authority.state.sessions.get('shared-1')?.agentId).toBe('support-agent');
    const guard = await h.call({ path: '/v1/sessions/shared-1/calls/x1/guard', token: OTHER_AGENT_TOKEN, body: { tool: 'tickets_read', args: { id: 'T-1' } } });
    expect(guard.json.error).toMatchObject({ code: 'ERR_HTTP_SESSION_UNKNOWN' });
  });

  // GAP: after a restart the session table is empty, and an id whose requests were all resolved
  // (no kept pending request) had no owner: any agent could open it first, act in it, and lock
  // the agent that opened it out of resuming it (ERR_HTTP_SESSION_TAKEN). The ledger's first
  // session-started entry for the id now names its owner.
  it("keeps a session id its agent's across a restart: another agent cannot take it over", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-authority-owner-'));
    const before = await startHarness({ dir });
    await openSession(before, AGENT_TOKEN, 'support-s1');
    expect((await before.call({ path: '/v1/sessions/support-s1/calls/r1/guard', token: AGENT_TOKEN, body: { tool: 'tickets_read', args: { id: 'T-1' } } })).status).toBe(200);
    await before.authority.close();
    const h = (harness = await startHarness({ dir, world: before.world }));
    const squat = await h.call({ path: '/v1/sessions', token: OTHER_AGENT_TOKEN, body: { principal: { id: 'user:dana', tenant: 'acme' }, sessionId: 'support-s1' } });
    expect(squat.status).toBe(409);
    expect(squat.json.error).toMatchObject({ code: 'ERR_HTTP_SESSION_TAKEN' });
    const resumed = await h.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { principal: { id: 'user:dana', tenant: 'acme' }, sessionId: 'support-s1' } });
    expect(resumed.status).toBe(201);
  });
});

describe('authority under attack: approvals', () => {
  // GAP: `/v1/agent/approvals` lets an agent forward statements for its own requests only, but
  // `/v1/sessions/:id/approvals` checked only that the agent owned the session in the path, not
  // that the request was that session's: any agent could submit to any agent's request (decide
  // it with a statement it held, or probe which request ids exist). The request must now be one
  // of the session's own.
  it("refuses a statement for another agent's request through the session route", async () => {
    const h = (harness = await startHarness());
    const mine = await openSession(h);
    const pending = await pendingCall(h, { sessionId: mine, callId: 'c1', args: { order: '5120', amount: 750 } });
    const theirs = (await h.call({ path: '/v1/sessions', token: OTHER_AGENT_TOKEN, body: { principal: { id: 'user:mallory', tenant: 'acme' } } })).json.sessionId as string;
    const viaSession = await h.call({ path: `/v1/sessions/${theirs}/approvals`, token: OTHER_AGENT_TOKEN, body: { requestId: pending.id, statement: approve(h, pending) } });
    expect(viaSession.status).toBe(404);
    expect(viaSession.json.error).toMatchObject({ code: 'ERR_HTTP_APPROVAL_UNKNOWN' });
    const viaAgent = await h.call({ path: '/v1/agent/approvals', token: OTHER_AGENT_TOKEN, body: { requestId: pending.id, statement: approve(h, pending) } });
    expect(viaAgent.json.error).toMatchObject({ code: 'ERR_HTTP_APPROVAL_UNKNOWN' });
    expect((await h.call({ method: 'GET', path: `/v1/approvals/${pending.id}/status`, token: APPROVER_TOKEN })).json.status).toBe('pending');
    // The owner's own session may forward it.
    const own = await h.call({ path: `/v1/sessions/${mine}/approvals`, token: AGENT_TOKEN, body: { requestId: pending.id, statement: approve(h, pending) } });
    expect(own.json).toMatchObject({ status: 'approved' });
  });
});

describe('authority under attack: credentials', () => {
  // GAP: credentials were indexed by token digest with no check, so one token configured for an
  // agent and for an approver (a copy-paste in the config) gave that agent the console routes —
  // the inbox and every agent's transcript — and a token listed twice silently became the later
  // principal's. Such a config is now refused at start.
  it('refuses to start when one bearer token stands for two principals', async () => {
    const world = createSeededWorld();
    const policy = await sharedPolicies();
    const start = (agents: { id: string; tokenSha256: string }[], approvers: { id: string; tokenSha256: string }[]) =>
      startAuthority({ policy, trustRoot: world.trustRoot, authority: world.authority, stores: { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() }, tools: TOOLS, agents, approvers, port: 0, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    await expect(start([{ id: 'support-agent', tokenSha256: hashToken(AGENT_TOKEN) }], [{ id: 'maria', tokenSha256: hashToken(AGENT_TOKEN).toUpperCase() }])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'approvers[0].tokenSha256' } });
    await expect(start([{ id: 'a', tokenSha256: hashToken(AGENT_TOKEN) }, { id: 'b', tokenSha256: hashToken(AGENT_TOKEN) }], [])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'agents[1].tokenSha256' } });
    // Two tokens for one principal (rotation) are fine.
    const rotated = await start([{ id: 'a', tokenSha256: hashToken(AGENT_TOKEN) }, { id: 'a', tokenSha256: hashToken(OTHER_AGENT_TOKEN) }], [{ id: 'maria', tokenSha256: hashToken(APPROVER_TOKEN) }]);
    await rotated.close();
  });
});

describe('authority under attack: the browser', () => {
  // GAP: the console (where an approver's click signs an approval with the key kept in the page)
  // could be framed by any site — no frame-ancestors, no X-Frame-Options — so a page could overlay
  // it and steer the click; and the API's answers (the inbox and transcript carry arguments) had no
  // Cache-Control or nosniff. Every answer of the authority's own now carries them.
  it('the console cannot be framed, and no answer is cached or sniffed', async () => {
    const consoleDir = mkdtempSync(join(tmpdir(), 'writ-console-'));
    writeFileSync(join(consoleDir, 'index.html'), '<p>console</p>');
    const h = (harness = await startHarness({ consoleDir }));
    const page = await fetch(`${h.authority.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    for (const response of [
      page,
      await fetch(`${h.authority.url}/v1/approvals`, { headers: { authorization: `Bearer ${APPROVER_TOKEN}` } }),
      await fetch(`${h.authority.url}/v1/transcript`),
      await fetch(`${h.authority.url}/nowhere`),
    ]) {
      expect(response.headers.get('cache-control'), response.url).toBe('no-store');
      expect(response.headers.get('x-content-type-options'), response.url).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), response.url).toBe('no-referrer');
    }
    // No CORS: a page on another origin gets no grant to read an answer, preflight or not.
    const preflight = await fetch(`${h.authority.url}/v1/approvals`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const read = await fetch(`${h.authority.url}/v1/approvals`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${APPROVER_TOKEN}` } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
  });
});
