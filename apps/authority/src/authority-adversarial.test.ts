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
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryApprovalStore, MemoryLedgerStore, MemoryNonceStore, WritError, digestBytes, signRejection, toBase64Url, utf8 } from '@writ/core';
import { sharedPolicies } from '@writ/example-kit';
import { hashToken } from './credentials.ts';
import { toErrorResponse } from './http-error.ts';
import { MemoryPendingStore } from './pending-store.ts';
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

/** A loopback HTTP server that records the headers of every request reaching it. */
async function recordingServer(): Promise<{ url: string; headers: Record<string, string | string[] | undefined>[] }> {
  const headers: Record<string, string | string[] | undefined>[] = [];
  const server = createServer((req, res) => {
    headers.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, headers };
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


  // GAP: the token covers method, URL and body, but every request header except hop-by-hop ones
  // went through to the target. An agent holding a token for `POST /ledger/sync` could add
  // `X-HTTP-Method-Override: DELETE`, a `Cookie`, or `X-Forwarded-For: 127.0.0.1` and have the
  // target act on what no token covered. Only representation headers are forwarded now.
  it('forwards no header the token does not cover, except the representation ones', async () => {
    const target = await recordingServer();
    const h = (harness = await startHarness({ sidecarTarget: target.url }));
    const sessionId = await openSession(h);
    const body = '{"amount":10}';
    const args = { method: 'POST', url: `${target.url}/ledger/sync`, bodyDigest: digestBytes(utf8(body)) };
    const guarded = await h.call({ path: `/v1/sessions/${sessionId}/calls/s1/guard`, token: AGENT_TOKEN, body: { tool: 'http_request', args } });
    const token = toBase64Url(utf8(JSON.stringify(guarded.json.token)));
    const response = await fetch(`${h.authority.url}/sidecar/ledger/sync`, {
      method: 'POST',
      headers: { 'writ-token': token, 'content-type': 'application/json', accept: 'application/json', 'x-http-method-override': 'DELETE', cookie: 'session=admin', 'x-forwarded-for': '127.0.0.1', forwarded: 'for=127.0.0.1', 'x-admin': 'true' },
      body,
    });
    expect(response.status).toBe(200);
    expect(target.headers).toHaveLength(1);
    const received = target.headers[0]!;
    expect(received['content-type']).toBe('application/json');
    expect(received.accept).toBe('application/json');
    for (const name of ['x-http-method-override', 'cookie', 'x-forwarded-for', 'forwarded', 'x-admin', 'writ-token']) expect(received[name], name).toBeUndefined();
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

  // GAP: the approver signs an intent digest over tool, arguments, audience, principal and tenant,
  // but the detail showed no principal or tenant: an agent acting for another principal or in
  // another tenant got the same-looking request signed. Both are now shown as the intent names them.
  it('shows on whose behalf and in which tenant the signed intent acts', async () => {
    const h = (harness = await startHarness());
    const opened = await h.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { principal: { id: 'user:ceo', tenant: 'globex' } } });
    const sessionId = opened.json.sessionId as string;
    await h.call({ path: `/v1/sessions/${sessionId}/basis`, token: AGENT_TOKEN, body: { kind: 'user-turn', text: 'Order 5120 never arrived, please refund 750 EUR.' } });
    const pending = await pendingCall(h, { sessionId, callId: 'c1', args: { order: '5120', amount: 750 } });
    const detail = await h.call({ method: 'GET', path: `/v1/approvals/${pending.id}`, token: APPROVER_TOKEN });
    expect(detail.json).toMatchObject({ principal: 'user:ceo', tenant: 'globex', agent: 'support-agent' });
  });

  // GAP: the approver's view replaced the top-level key named by the first segment of each
  // sensitive pattern. A pattern that starts with a wildcard (`*.diagnosis`: the diagnosis in any
  // argument) names no key, so nothing was replaced: the detail showed the value in clear, and so
  // did the summary. Every top-level argument holding a match of a sensitive pattern is now
  // committed, whatever the pattern's shape.
  it('commits the arguments a wildcard sensitive pattern reaches', async () => {
    const vault = { name: 'record_update', actionClass: 'A4', effects: ['financial'], audience: 'internal', sensitive: ['*.diagnosis', 'items.*.dob'] };
    const h = (harness = await startHarness({ tools: { tools: [...TOOLS.tools, vault] } }));
    const sessionId = await openSession(h);
    const args = { patient: { id: 'p-7', diagnosis: 'condition-XYZ' }, items: [{ sku: 'a', dob: '1970-01-02' }], memo: 'rotate' };
    const guarded = await h.call({ path: `/v1/sessions/${sessionId}/calls/v1/guard`, token: AGENT_TOKEN, body: { tool: 'record_update', args } });
    const pending = (guarded.json.guard as { verdict: string; pending: Pending }).pending;
    expect((guarded.json.guard as { verdict: string }).verdict, JSON.stringify(guarded.json.guard)).toBe('approval-required');
    const detail = await h.call({ method: 'GET', path: `/v1/approvals/${pending.id}`, token: APPROVER_TOKEN });
    expect(detail.json.committed).toEqual(['patient', 'items']);
    expect(JSON.stringify(detail.json)).not.toContain('condition-XYZ');
    expect(JSON.stringify(detail.json)).not.toContain('1970-01-02');
    expect(detail.json.summary).toContain('rotate');
    const inbox = await h.call({ method: 'GET', path: '/v1/approvals', token: APPROVER_TOKEN });
    expect(JSON.stringify(inbox.json)).not.toContain('condition-XYZ');
    // Nor does the transcript the approver reads (core's summaries use the concrete paths).
    await h.authority.state.firewall.close();
    const transcript = await h.call({ method: 'GET', path: '/v1/transcript', token: APPROVER_TOKEN });
    expect(JSON.stringify(transcript.json)).not.toContain('condition-XYZ');
  });

  it('shows an argument named __proto__ like any other (refused already: it is in the signed intent and in view)', async () => {
    const h = (harness = await startHarness());
    const sessionId = await openSession(h);
    const guarded = await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/guard`, token: AGENT_TOKEN, body: '{"tool":"refund_large","args":{"order":"5120","amount":750,"__proto__":{"payTo":"IBAN-ATTACKER"}}}' });
    const pending = (guarded.json.guard as { pending: Pending }).pending;
    const detail = await h.call({ method: 'GET', path: `/v1/approvals/${pending.id}`, token: APPROVER_TOKEN });
    expect(Object.hasOwn(detail.json.args as object, '__proto__')).toBe(true);
    expect(detail.json.summary).toContain('IBAN-ATTACKER');
  });

  // GAP: the summary quoted arguments with JSON.stringify, which leaves bidirectional controls and
  // invisible characters as they are: `"IBAN \u202E9876 5432"` is drawn reversed, so the approver
  // read another payee than the one signed. The summary now spells them out (`\u202e`), and the
  // console does the same for every argument it shows.
  it('spells out bidirectional controls and invisible characters in the summary', async () => {
    const h = (harness = await startHarness());
    const sessionId = await openSession(h);
    const pending = await pendingCall(h, { sessionId, callId: 'c1', args: { order: '5120', amount: 750, payee: 'IBAN \u202E9876\u200B 5432' } });
    const detail = await h.call({ method: 'GET', path: `/v1/approvals/${pending.id}`, token: APPROVER_TOKEN });
    expect(detail.json.summary).toContain('IBAN \\u202e9876\\u200b 5432');
    expect(detail.json.summary).not.toMatch(/[\u202E\u200B]/);
    const inbox = await h.call({ method: 'GET', path: '/v1/approvals', token: APPROVER_TOKEN });
    expect((inbox.json.approvals as { summary: string }[])[0]!.summary).not.toMatch(/[\u202E\u200B]/);
    // The arguments themselves are data, kept exactly as signed.
    expect((detail.json.args as { payee: string }).payee).toBe('IBAN \u202E9876\u200B 5432');
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

describe('authority under attack: rate limits', () => {
  // GAP: the limiter keyed agents by their bare id and approvers by `approver:<id>`, so an agent
  // configured with the id `approver:maria` spent maria's bucket: it could lock the approver out of
  // the console (429) by sending requests of its own. Agents are now keyed `agent:<id>`.
  it("an agent cannot spend an approver's rate limit, whatever its id", async () => {
    const world = createSeededWorld();
    const authority = await startAuthority({
      policy: await sharedPolicies(),
      trustRoot: world.trustRoot,
      authority: world.authority,
      stores: { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() },
      tools: TOOLS,
      agents: [{ id: 'approver:maria', tokenSha256: hashToken(AGENT_TOKEN) }],
      approvers: [{ id: 'maria', tokenSha256: hashToken(APPROVER_TOKEN) }],
      limits: { ratePerMinute: 3 },
      port: 0,
      clock: () => new Date('2026-06-01T00:00:00Z'),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await fetch(`${authority.url}/v1/sessions/none/end`, { method: 'POST', headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' }, body: '{}' })).status);
      expect(statuses).toEqual([404, 404, 404, 429]);
      expect((await fetch(`${authority.url}/v1/approvals`, { headers: { authorization: `Bearer ${APPROVER_TOKEN}` } })).status).toBe(200);
    } finally {
      await authority.close();
    }
  });
});

describe('authority under attack: public reads', () => {
  // GAP: GET /v1/checkpoints (no credential, no rate limit) built the list of every checkpoint the
  // ledger ever signed for each request, and /latest walked all of them; every session end adds
  // one, so any agent could grow what each anonymous request costs without bound. It is now a
  // page of at most 1000 from `from`, with `next` while more follow; /latest reads the latest.
  it('answers the public checkpoint list a bounded page at a time', async () => {
    const ledger = new MemoryLedgerStore();
    const many = Array.from({ length: 2500 }, (_, i) => ({ size: i + 1, root: `r${i}`, note: `note ${i}` }));
    ledger.checkpoints = async function* () {
      await Promise.resolve();
      yield* many as never[];
    };
    ledger.latestCheckpoint = () => Promise.resolve(many.at(-1) as never);
    const h = (harness = await startHarness({ stores: { ledger, nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() } }));
    const first = await h.call({ method: 'GET', path: '/v1/checkpoints' });
    expect(first.json.checkpoints).toHaveLength(1000);
    expect(first.json).toMatchObject({ from: 0, next: 1000 });
    const last = await h.call({ method: 'GET', path: '/v1/checkpoints?from=2000' });
    expect(last.json.checkpoints).toHaveLength(500);
    expect((last.json.checkpoints as string[])[0]).toBe('note 2000');
    expect(last.json.next).toBeUndefined();
    expect((await h.call({ method: 'GET', path: '/v1/checkpoints?from=-1' })).json.error).toMatchObject({ code: 'ERR_HTTP_BAD_REQUEST', parameter: 'from' });
    const latest = await fetch(`${h.authority.url}/v1/checkpoints/latest`);
    expect(await latest.text()).toBe('note 2499');
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

describe('authority under attack: flooding the inbox', () => {
  // GAP: every approval request an agent raised was kept in the inbox and in memory with its
  // arguments (up to maxBodyBytes each), without bound: one agent credential could fill the
  // authority's memory at its rate limit, and bury the request it wants approved among thousands
  // for the approver. An agent now has at most limits.maxPendingPerAgent requests waiting.
  it('keeps at most maxPendingPerAgent requests of one agent waiting; a decided one makes room', async () => {
    const h = (harness = await startHarness({ limits: { maxPendingPerAgent: 2 } }));
    const sessionId = await openSession(h);
    const args = (note: string) => ({ order: '5120', amount: 750, note });
    const first = await pendingCall(h, { sessionId, callId: 'c1', args: args('one') });
    await pendingCall(h, { sessionId, callId: 'c2', args: args('two') });
    const third = await h.call({ path: `/v1/sessions/${sessionId}/calls/c3/guard`, token: AGENT_TOKEN, body: { tool: 'refund_large', args: args('three') } });
    expect(third.status).toBe(429);
    expect(third.json.error).toMatchObject({ code: 'ERR_HTTP_PENDING_LIMIT' });
    const started = await h.call({ path: `/v1/sessions/${sessionId}/calls/c3/start`, token: AGENT_TOKEN, body: { tool: 'refund_large', args: args('three') } });
    expect(started.json.error).toMatchObject({ code: 'ERR_HTTP_PENDING_LIMIT' });
    expect((await h.call({ method: 'GET', path: '/v1/approvals', token: APPROVER_TOKEN })).json.approvals).toHaveLength(2);
    // Guarding a request that is kept already is not a new one.
    expect((await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/guard`, token: AGENT_TOKEN, body: { tool: 'refund_large', args: args('one') } })).status).toBe(200);
    expect((await h.call({ path: `/v1/approvals/${first.id}`, token: APPROVER_TOKEN, body: { statement: approve(h, first) } })).json.status).toBe('approved');
    await pendingCall(h, { sessionId, callId: 'c3', args: args('three') });
    expect((await h.call({ method: 'GET', path: '/v1/approvals', token: APPROVER_TOKEN })).json.approvals).toHaveLength(2);
  });
});

describe('authority under attack: races and failing stores (refused already)', () => {
  it('runs a call once when its start is sent twice at the same time', async () => {
    const h = (harness = await startHarness());
    const sessionId = await openSession(h);
    const call = { tool: 'tickets_read', args: { id: 'T-7' } };
    const starts = [0, 1].map(() => h.call({ path: `/v1/sessions/${sessionId}/calls/t1/start`, token: AGENT_TOKEN, body: call }));
    const first = await Promise.race(starts);
    expect(first.json.phase).toBe('run');
    const finish = await h.call({ path: `/v1/sessions/${sessionId}/calls/t1/finish`, token: AGENT_TOKEN, body: { result: { ticket: 'T-7' } } });
    expect(finish.json).toMatchObject({ status: 'executed' });
    const both = await Promise.all(starts);
    // One was admitted to run; the other is answered from the journal (or refused as running).
    expect(both.filter((r) => r.json.phase === 'run')).toHaveLength(1);
    const other = both.find((r) => r.json.phase !== 'run')!;
    expect(other.json.phase === 'done' || (other.json.error as { code?: string } | undefined)?.code === 'ERR_HTTP_CALL_RUNNING').toBe(true);
    const again = await h.call({ path: `/v1/sessions/${sessionId}/calls/t1/start`, token: AGENT_TOKEN, body: call });
    expect(again.json.phase).toBe('done');
  });

  it('starts one rollback of a token when two are sent at the same time, and only for its agent', async () => {
    const h = (harness = await startHarness());
    const opened = await h.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { principal: { id: 'user:dana', roles: ['support'], tenant: 'acme' } } });
    const sessionId = opened.json.sessionId as string;
    await h.call({ path: `/v1/sessions/${sessionId}/basis`, token: AGENT_TOKEN, body: { kind: 'system-prompt', text: 'You are the support agent of Acme.' } });
    await h.call({ path: `/v1/sessions/${sessionId}/basis`, token: AGENT_TOKEN, body: { kind: 'user-turn', text: 'Order 4417 arrived broken, please refund 60 EUR and email me at dana@example.com.' } });
    const call = { tool: 'refund_issue', args: { order: '4417', amount: 60 } };
    expect((await h.call({ path: `/v1/sessions/${sessionId}/calls/r1/start`, token: AGENT_TOKEN, body: call })).json.phase).toBe('run');
    const finished = await h.call({ path: `/v1/sessions/${sessionId}/calls/r1/finish`, token: AGENT_TOKEN, body: { result: { refundId: 'rf-1' } } });
    const tokenId = (finished.json.receipt as { tokenId: string }).tokenId;
    expect((await h.call({ path: `/v1/agent/rollbacks/${tokenId}/start`, token: OTHER_AGENT_TOKEN, body: {} })).json.error).toMatchObject({ code: 'ERR_FIREWALL_TOKEN_UNKNOWN' });
    const both = await Promise.all([0, 1].map(() => h.call({ path: `/v1/agent/rollbacks/${tokenId}/start`, token: AGENT_TOKEN, body: {} })));
    expect(both.filter((r) => r.json.phase === 'run')).toHaveLength(1);
    expect(both.filter((r) => (r.json.error as { code?: string } | undefined)?.code === 'ERR_HTTP_ROLLBACK_RUNNING')).toHaveLength(1);
    expect((await h.call({ path: `/v1/agent/rollbacks/${tokenId}/finish`, token: OTHER_AGENT_TOKEN, body: { status: 'compensated' } })).status).toBe(404);
    expect((await h.call({ path: `/v1/agent/rollbacks/${tokenId}/finish`, token: AGENT_TOKEN, body: { status: 'compensated' } })).json.report).toMatchObject({ status: 'compensated' });
  });

  it('an approval for one request does not decide another; a statement replayed on a second call with the same arguments releases nothing', async () => {
    const h = (harness = await startHarness());
    const sessionId = await openSession(h);
    const args = { order: '5120', amount: 750 };
    const first = await pendingCall(h, { sessionId, callId: 'c1', args });
    const other = await pendingCall(h, { sessionId, callId: 'c9', args: { ...args, note: 'another request' } });
    // A statement over c1's intent, posted to the request of other arguments: refused, nothing changes.
    const crossed = await h.call({ path: `/v1/approvals/${other.id}`, token: APPROVER_TOKEN, body: { statement: approve(h, first) } });
    expect(crossed.status).toBe(422);
    expect(crossed.json).toMatchObject({ status: 'refused', reasons: [{ code: 'approval.ERR_APPROVAL_INTENT_MISMATCH' }] });
    const statement = approve(h, first);
    expect((await h.call({ path: `/v1/approvals/${first.id}`, token: APPROVER_TOKEN, body: { statement } })).json.status).toBe('approved');
    expect((await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/start`, token: AGENT_TOKEN, body: { tool: 'refund_large', args } })).json.phase).toBe('run');
    await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/finish`, token: AGENT_TOKEN, body: { result: { refunded: 750 } } });
    // Same arguments, same intent, new call id: the single-use statement released c1 and nothing more.
    const second = await pendingCall(h, { sessionId, callId: 'c2', args });
    expect(second.intentDigest).toBe(first.intentDigest);
    await h.call({ path: '/v1/agent/approvals', token: AGENT_TOKEN, body: { requestId: second.id, statement } });
    const replayed = await h.call({ path: `/v1/sessions/${sessionId}/calls/c2/start`, token: AGENT_TOKEN, body: { tool: 'refund_large', args, approvals: [statement] } });
    expect(replayed.json).toMatchObject({ phase: 'done', result: { status: 'blocked' } });
    expect(JSON.stringify(replayed.json)).toContain('approval.statement-used');
  });

  it('an approval and a rejection sent at the same time: exactly one decides, and the answers say which', async () => {
    const h = (harness = await startHarness());
    const sessionId = await openSession(h);
    const args = { order: '5120', amount: 750 };
    for (let round = 0; round < 4; round += 1) {
      const pending = await pendingCall(h, { sessionId, callId: `r${round}`, args: { ...args, note: `round ${round}` } });
      const detail = (await h.call({ method: 'GET', path: `/v1/approvals/${pending.id}`, token: APPROVER_TOKEN })).json as { policyDigest: string };
      const role = pending.rule.roles.find((r) => h.world.approvers.has(r))!;
      const rejection = signRejection({ signer: h.world.approvers.get(role)!, role, intent: pending.intentDigest as `sha256:${string}`, policy: { digest: detail.policyDigest as `sha256:${string}`, rule: pending.rule.rule } }).envelope;
      const post = (statement: unknown) => h.call({ path: `/v1/approvals/${pending.id}`, token: APPROVER_TOKEN, body: { statement } });
      const answers = await Promise.all(round % 2 === 0 ? [post(approve(h, pending)), post(rejection)] : [post(rejection), post(approve(h, pending))]);
      const final = (await h.call({ method: 'GET', path: `/v1/approvals/${pending.id}/status`, token: APPROVER_TOKEN })).json.status;
      const decided = answers.map((answer) => answer.json.status).filter((status) => status === 'approved' || status === 'rejected');
      expect(decided, `round ${round}`).toEqual([final]);
      const started = await h.call({ path: `/v1/sessions/${sessionId}/calls/r${round}/start`, token: AGENT_TOKEN, body: { tool: 'refund_large', args: { ...args, note: `round ${round}` } } });
      expect(started.json.phase, `round ${round}`).toBe(final === 'approved' ? 'run' : 'done');
      if (final === 'approved') await h.call({ path: `/v1/sessions/${sessionId}/calls/r${round}/finish`, token: AGENT_TOKEN, body: { result: { ok: true } } });
    }
  });

  it('the sidecar forwards nothing when the nonce store fails', async () => {
    const { url, hits } = await countingServer();
    const nonces = new MemoryNonceStore();
    let failing = false;
    const consume = nonces.consume.bind(nonces);
    nonces.consume = (input) => (failing ? Promise.reject(new Error('nonce store down')) : consume(input));
    const h = (harness = await startHarness({ stores: { ledger: new MemoryLedgerStore(), nonces, approvals: new MemoryApprovalStore() }, sidecarTarget: url }));
    const sessionId = await openSession(h);
    const args = { method: 'GET', url: `${url}/x`, bodyDigest: digestBytes(new Uint8Array(0)) };
    const guarded = await h.call({ path: `/v1/sessions/${sessionId}/calls/n1/guard`, token: AGENT_TOKEN, body: { tool: 'http_request', args } });
    const token = toBase64Url(utf8(JSON.stringify(guarded.json.token)));
    failing = true;
    const response = await fetch(`${h.authority.url}/sidecar/x`, { headers: { 'writ-token': token } });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(hits).toEqual([]);
    failing = false;
    // Nor later: the call's one execution was refused, and a retry is answered from the journal.
    const retry = await fetch(`${h.authority.url}/sidecar/x`, { headers: { 'writ-token': token } });
    expect(retry.status).toBe(403);
    expect(((await retry.json()) as { error: { code: string } }).error.code).toBe('ERR_SIDECAR_REFUSED');
    expect(hits).toEqual([]);
  });

  it('a failing store refuses the call with a generic 5xx and leaks nothing of the failure', async () => {
    const secret = 'postgres://writ:hunter2@db.internal/writ';
    const approvals = new MemoryApprovalStore();
    const pendingStore = new MemoryPendingStore();
    const failing = { approvals: false, pending: true };
    const get = approvals.get.bind(approvals);
    approvals.get = (key) => (failing.approvals ? Promise.reject(new Error(`connect ECONNREFUSED ${secret}`)) : get(key));
    const put = pendingStore.put.bind(pendingStore);
    pendingStore.put = (detail) => (failing.pending ? Promise.reject(new Error(`relation missing at ${secret}`)) : put(detail));
    const h = (harness = await startHarness({ stores: { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals }, pendingStore }));
    const sessionId = await openSession(h);
    const call = { tool: 'refund_large', args: { order: '5120', amount: 750 } };
    const answers = [];
    // The inbox cannot keep the request: the agent hears an error, never a token.
    answers.push(await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/guard`, token: AGENT_TOKEN, body: call }));
    answers.push(await h.call({ path: `/v1/sessions/${sessionId}/calls/c1/start`, token: AGENT_TOKEN, body: call }));
    failing.pending = false;
    const pending = await pendingCall(h, { sessionId, callId: 'c2', args: call.args });
    // The approval store fails: neither the agent nor the approver gets anything but an error.
    failing.approvals = true;
    answers.push(await h.call({ path: `/v1/sessions/${sessionId}/calls/c2/start`, token: AGENT_TOKEN, body: call }));
    answers.push(await h.call({ method: 'GET', path: '/v1/approvals', token: APPROVER_TOKEN }));
    answers.push(await h.call({ path: `/v1/approvals/${pending.id}`, token: APPROVER_TOKEN, body: { statement: approve(h, pending) } }));
    expect(answers.map((answer) => answer.status)).toEqual([500, 500, 200, 500, 500]);
    // The start while the approval store fails: judged not approved, nothing admitted.
    expect(answers[2]!.json).toMatchObject({ phase: 'done', result: { status: 'approval-required' } });
    for (const answer of answers) {
      expect(answer.json.token ?? null).toBeNull();
      expect(JSON.stringify(answer.json)).not.toContain('hunter2');
      if (answer.status >= 500) expect(answer.json.error).toEqual({ code: 'ERR_INTERNAL', message: 'the authority could not complete the request' });
    }
    failing.approvals = false;
    expect((await h.call({ method: 'GET', path: `/v1/approvals/${pending.id}/status`, token: APPROVER_TOKEN })).json.status).toBe('pending');
  });
});

describe('authority under attack: headers, paths and shapes (refused already)', () => {
  it('two Authorization headers authenticate nobody, whatever their order', async () => {
    const h = (harness = await startHarness());
    for (const [first, second] of [[AGENT_TOKEN, APPROVER_TOKEN], [APPROVER_TOKEN, AGENT_TOKEN], [APPROVER_TOKEN, APPROVER_TOKEN]]) {
      const answer = await rawExchange({ url: h.authority.url, text: `GET /v1/approvals HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${first}\r\nAuthorization: Bearer ${second}\r\nConnection: close\r\n\r\n` });
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    }
    // Scheme and token must be exactly `Bearer <token>`: no padding, no second token after a comma.
    for (const header of [`Bearer  ${APPROVER_TOKEN}`, `Bearer ${APPROVER_TOKEN}, Bearer ${AGENT_TOKEN}`, `Basic ${APPROVER_TOKEN}`, APPROVER_TOKEN]) {
      expect((await fetch(`${h.authority.url}/v1/approvals`, { headers: { authorization: header } })).status, header).toBe(401);
    }
  });

  it('no spelling of a protected path reaches its route without the credential', async () => {
    const h = (harness = await startHarness());
    const sessionId = await openSession(h);
    const spellings = ['/v1/transcript', '/v1/%74ranscript', '/v1/./transcript', '/x/../v1/transcript', '/v1/transcript/', '//v1/transcript', '/v1//transcript', '/v1/transcript;x', '/V1/transcript', '/v1/approvals/', '/v1/%61pprovals', `/v1/%73essions/${sessionId}/end`, `/v1/sessions/${sessionId}/%65nd`];
    for (const path of spellings) {
      const method = path.endsWith('end') ? 'POST' : 'GET';
      const answer = await rawExchange({ url: h.authority.url, text: `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}` });
      expect(['HTTP/1.1 401 Unauthorized', 'HTTP/1.1 404 Not Found'], path).toContain(answer.split('\r\n')[0]);
    }
  });

  it('serves no file outside the console directory, however the path is spelled', async () => {
    const root = mkdtempSync(join(tmpdir(), 'writ-console-root-'));
    mkdirSync(join(root, 'dist'));
    mkdirSync(join(root, 'dist-secret'));
    writeFileSync(join(root, 'dist', 'index.html'), '<p>console</p>');
    writeFileSync(join(root, 'secret.js'), 'SECRET');
    writeFileSync(join(root, 'dist-secret', 'x.js'), 'SECRET');
    const h = (harness = await startHarness({ consoleDir: join(root, 'dist') }));
    for (const path of ['/console/../secret.js', '/console/%2e%2e/secret.js', '/console/..%2fsecret.js', '/console/%2e%2e%2fsecret.js', '/console//../secret.js', '/console/../dist-secret/x.js', '/console/..%5csecret.js']) {
      const answer = await rawExchange({ url: h.authority.url, text: `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` });
      expect(answer.split('\r\n')[0], path).toBe('HTTP/1.1 404 Not Found');
      expect(answer).not.toContain('SECRET');
    }
  });

  // GAP: a session's basis holds at most 10 000 items (core's BasisLedger); the 10 001st made core
  // throw ERR_BASIS_LEDGER_FULL, which no prefix mapped, so the agent's own doing was answered
  // 500 with the generic message — an error an agent could raise at will to page the operator.
  it("answers a full basis as the agent's error (409 with its code and message), not a 500", () => {
    const { status, body } = toErrorResponse(new WritError('ERR_BASIS_LEDGER_FULL', 'the basis ledger is full'));
    expect(status).toBe(409);
    expect(body.error).toEqual({ code: 'ERR_BASIS_LEDGER_FULL', message: 'the basis ledger is full' });
  });

  it('refuses arguments and basis nested past the canonical limit with a 400, and keeps working', async () => {
    const h = (harness = await startHarness());
    const sessionId = await openSession(h);
    const depth = 20_000;
    const deep = await h.call({ path: `/v1/sessions/${sessionId}/calls/d1/guard`, token: AGENT_TOKEN, body: `{"tool":"tickets_read","args":{"x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}` });
    expect(deep.status).toBe(400);
    const deepBasis = await h.call({ path: `/v1/sessions/${sessionId}/basis`, token: AGENT_TOKEN, body: `{"kind":"tool-output","tool":"tickets_read","callId":"d0","output":${'['.repeat(depth)}${']'.repeat(depth)}}` });
    expect(deepBasis.status).toBe(400);
    expect(deepBasis.json.error).toMatchObject({ code: 'ERR_CANONICAL_UNSUPPORTED' });
    expect((await h.call({ path: `/v1/sessions/${sessionId}/calls/d2/guard`, token: AGENT_TOKEN, body: { tool: 'tickets_read', args: { id: 'T-1' } } })).status).toBe(200);
    const ended = await h.call({ path: `/v1/sessions/${sessionId}/end`, token: AGENT_TOKEN, body: {} });
    expect(ended.status).toBe(200);
  });
});
