import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedgerStore, verifyTranscript } from '@writ/core';
import { AGENT_TOKEN, APPROVER_TOKEN, OTHER_AGENT_TOKEN, startHarness } from './test-harness.ts';
import type { Harness } from './test-harness.ts';

let h: Harness;
let sessionId: string;
beforeAll(async () => {
  h = await startHarness({ limits: { maxBodyBytes: 4096 } });
  sessionId = (await h.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { principal: { id: 'user:dana', tenant: 'acme' } } })).json.sessionId as string;
});
afterAll(() => h.authority.close());

const GARBAGE_BODIES: ReadonlyArray<readonly [string, unknown, number, string]> = [
  ['not JSON', '{"a":', 400, 'ERR_HTTP_BAD_JSON'],
  ['an array', '[1,2]', 400, 'ERR_HTTP_BAD_REQUEST'],
  ['a number', '42', 400, 'ERR_HTTP_BAD_REQUEST'],
  ['oversized', JSON.stringify({ pad: 'x'.repeat(5000) }), 413, 'ERR_HTTP_BODY_TOO_LARGE'],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), 400, 'ERR_HTTP_BAD_JSON'],
];

const AGENT_POSTS = () => [
  '/v1/sessions',
  `/v1/sessions/${sessionId}/basis`,
  `/v1/sessions/${sessionId}/calls/c1/guard`,
  `/v1/sessions/${sessionId}/calls/c1/start`,
  `/v1/sessions/${sessionId}/calls/c1/finish`,
  `/v1/sessions/${sessionId}/approvals`,
  `/v1/sessions/${sessionId}/end`,
  '/v1/agent/approvals',
];

async function raw(options: { path: string; token?: string; body: unknown; type?: string; method?: string }): Promise<{ status: number; code: string }> {
  const response = await fetch(`${h.authority.url}${options.path}`, {
    method: options.method ?? 'POST',
    headers: { 'content-type': options.type ?? 'application/json', ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }) },
    body: options.body as string,
  });
  const json = (await response.json()) as { error?: { code: string } };
  return { status: response.status, code: json.error?.code ?? 'none' };
}

describe('authority endpoints on bad input', () => {
  it('every agent endpoint rejects a missing or unknown bearer token with 401', async () => {
    for (const path of AGENT_POSTS()) {
      expect(await raw({ path, body: '{}' })).toEqual({ status: 401, code: 'ERR_HTTP_UNAUTHENTICATED' });
      expect(await raw({ path, body: '{}', token: 'x'.repeat(40) })).toEqual({ status: 401, code: 'ERR_HTTP_UNAUTHENTICATED' });
      // An approver's token is not an agent's.
      expect(await raw({ path, body: '{}', token: APPROVER_TOKEN })).toEqual({ status: 401, code: 'ERR_HTTP_UNAUTHENTICATED' });
    }
  });

  it('every agent endpoint rejects malformed, oversized and mistyped bodies with a stable code', async () => {
    for (const path of AGENT_POSTS()) {
      for (const [, body, status, code] of GARBAGE_BODIES) expect(await raw({ path, body, token: AGENT_TOKEN })).toEqual({ status, code });
      expect(await raw({ path, body: '{}', token: AGENT_TOKEN, type: 'text/plain' })).toEqual({ status: 415, code: 'ERR_HTTP_CONTENT_TYPE' });
    }
  });

  it('names the offending field of a well-formed but wrong body', async () => {
    const cases: ReadonlyArray<readonly [string, unknown, string]> = [
      ['/v1/sessions', { principal: 'me' }, 'principal'],
      ['/v1/sessions', { principal: { id: 7 } }, 'id'],
      ['/v1/sessions', { principal: { id: 'p' }, sessionId: '../x' }, 'sessionId'],
      [`/v1/sessions/${sessionId}/basis`, { kind: 'gossip' }, 'kind'],
      [`/v1/sessions/${sessionId}/basis`, { kind: 'user-turn', text: 3 }, 'text'],
      [`/v1/sessions/${sessionId}/basis`, { kind: 'item', item: [] }, 'item'],
      [`/v1/sessions/${sessionId}/calls/c1/guard`, { tool: 'refund_issue', args: [] }, 'args'],
      [`/v1/sessions/${sessionId}/calls/c1/guard`, { args: {} }, 'tool'],
      [`/v1/sessions/${sessionId}/calls/c1/guard`, { tool: 'refund_issue', args: {}, approvals: 'yes' }, 'approvals'],
      [`/v1/sessions/${sessionId}/calls/c1/start`, { tool: 'x'.repeat(500), args: {} }, 'tool'],
      [`/v1/sessions/${sessionId}/approvals`, { requestId: 'r', statement: 'signed' }, 'statement'],
      ['/v1/agent/approvals', { statement: {} }, 'requestId'],
    ];
    for (const [path, body, parameter] of cases) {
      const response = await h.call({ path, token: AGENT_TOKEN, body });
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(response.json.error).toMatchObject({ code: 'ERR_HTTP_BAD_REQUEST', parameter });
    }
    const proto = await h.call({ path: `/v1/sessions/${sessionId}/calls/p1/guard`, token: AGENT_TOKEN, body: '{"tool":"refund_issue","args":{"__proto__":{"admin":true},"order":"1","amount":1}}' });
    expect(proto.status).toBeLessThan(500);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it("an agent cannot reach another agent's session, and unknown ids are 404", async () => {
    expect(await raw({ path: `/v1/sessions/${sessionId}/calls/c9/guard`, token: OTHER_AGENT_TOKEN, body: '{"tool":"tickets_read","args":{}}' })).toEqual({ status: 404, code: 'ERR_HTTP_SESSION_UNKNOWN' });
    expect(await raw({ path: '/v1/sessions/nope/end', token: AGENT_TOKEN, body: '{}' })).toEqual({ status: 404, code: 'ERR_HTTP_SESSION_UNKNOWN' });
    expect(await raw({ path: `/v1/sessions/${sessionId}/calls/bad%20id/guard`, token: AGENT_TOKEN, body: '{"tool":"tickets_read","args":{}}' })).toEqual({ status: 400, code: 'ERR_HTTP_BAD_REQUEST' });
    expect(await raw({ path: `/v1/sessions/${sessionId}/calls/zz/finish`, token: AGENT_TOKEN, body: '{"result":1}' })).toEqual({ status: 404, code: 'ERR_HTTP_CALL_NOT_RUNNING' });
    expect((await h.call({ path: '/v1/sessions', token: OTHER_AGENT_TOKEN, body: { principal: { id: 'p' }, sessionId } })).json.error).toMatchObject({ code: 'ERR_HTTP_SESSION_TAKEN' });
  });

  it('approver endpoints require an approver token and reject malformed ids and statements', async () => {
    const id = `sha256:${'0'.repeat(64)}`;
    for (const [method, path] of [['GET', '/v1/approvals'], ['GET', `/v1/approvals/${id}`], ['GET', `/v1/approvals/${id}/status`], ['POST', `/v1/approvals/${id}`], ['GET', '/v1/transcript']] as const) {
      expect((await h.call({ method, path, ...(method === 'POST' ? { body: {} } : {}) })).status).toBe(401);
      expect((await h.call({ method, path, token: AGENT_TOKEN, ...(method === 'POST' ? { body: {} } : {}) })).status).toBe(401);
    }
    expect((await h.call({ method: 'GET', path: '/v1/approvals/not-a-digest', token: APPROVER_TOKEN })).json.error).toMatchObject({ code: 'ERR_HTTP_BAD_REQUEST', parameter: 'id' });
    expect((await h.call({ method: 'GET', path: `/v1/approvals/${id}`, token: APPROVER_TOKEN })).json.error).toMatchObject({ code: 'ERR_HTTP_APPROVAL_UNKNOWN' });
    expect((await h.call({ method: 'GET', path: '/v1/transcript?from=-1', token: APPROVER_TOKEN })).json.error).toMatchObject({ code: 'ERR_HTTP_BAD_REQUEST', parameter: 'from' });
    for (const [, body, status, code] of GARBAGE_BODIES) expect(await raw({ path: `/v1/approvals/${id}`, body, token: APPROVER_TOKEN })).toEqual({ status, code });
  });

  it('unknown paths are 404 with a code; public endpoints answer without credentials', async () => {
    expect((await h.call({ method: 'GET', path: '/v2/anything' })).json.error).toMatchObject({ code: 'ERR_HTTP_NOT_FOUND' });
    expect((await h.call({ method: 'GET', path: '/healthz' })).json).toEqual({ status: 'ok' });
    expect((await h.call({ method: 'GET', path: '/readyz' })).json).toMatchObject({ status: 'ready' });
    expect((await h.call({ method: 'GET', path: '/v1/trust-root' })).json).toMatchObject({ type: 'writ.trust-root/v1' });
    expect((await h.call({ method: 'GET', path: '/v1/checkpoints' })).status).toBe(200);
  });

  it('logs one JSON line per request without bearer tokens', () => {
    expect(h.logs.length).toBeGreaterThan(10);
    for (const line of h.logs) expect(JSON.parse(line)).toBeTypeOf('object');
    expect(h.logs.join('\n')).not.toContain(AGENT_TOKEN);
  });

  it('rate-limits per agent: the limited agent gets 429, the other is unaffected', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i += 1) codes.push((await h.call({ path: '/v1/sessions', token: OTHER_AGENT_TOKEN, body: { principal: { id: 'p' } } })).status);
    expect(codes.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    expect((await h.call({ path: '/v1/sessions', token: OTHER_AGENT_TOKEN, body: { principal: { id: 'p' } } })).json.error).toMatchObject({ code: 'ERR_HTTP_RATE_LIMITED' });
    expect((await h.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { principal: { id: 'p' } } })).status).toBe(201);
  });
});

describe('startAuthority shutdown', () => {
  it('drains and flushes: every acknowledged entry is on disk after close, and readiness drops', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'writ-authority-')), 'ledger');
    const fh = await startHarness({ dir });
    const id = (await fh.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { principal: { id: 'user:dana', tenant: 'acme' } } })).json.sessionId as string;
    const acknowledged: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const r = await fh.call({ path: `/v1/sessions/${id}/calls/r${i}/guard`, token: AGENT_TOKEN, body: { tool: 'tickets_read', args: { id: `T-${i}` } } });
        if (r.status === 200) acknowledged.push(i);
      }),
    );
    await fh.authority.close();
    expect(acknowledged).toHaveLength(12);
    const ledger = await FileLedgerStore.open({ dir });
    const lines: string[] = [];
    for await (const stored of ledger.read()) lines.push(stored.line);
    const checkpoints: string[] = [];
    for await (const c of ledger.checkpoints()) checkpoints.push(c.note);
    await ledger.close();
    for (const i of acknowledged) expect(lines.some((l) => l.includes('"decision-made"') && l.includes(`"r${i}"`))).toBe(true);
    expect((await verifyTranscript({ entries: lines, checkpoints, trustRoot: fh.world.trustRoot })).valid).toBe(true);
    await expect(fetch(`${fh.authority.url}/readyz`)).rejects.toThrow();
  });
});
