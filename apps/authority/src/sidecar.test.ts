import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { digestBytes, toBase64Url, utf8 } from '@writ/core';
import { AGENT_TOKEN, startHarness } from './test-harness.ts';
import type { Harness } from './test-harness.ts';

let harness: Harness | undefined;
let target: Server | undefined;
afterEach(async () => {
  await harness?.authority.close();
  target?.closeAllConnections();
  await new Promise((resolve) => (target === undefined ? resolve(undefined) : target.close(resolve)));
  harness = undefined;
  target = undefined;
});

/** A loopback target that counts every request that reaches it. */
async function countingTarget(): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  target = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      hits.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, body }));
    });
  });
  await new Promise<void>((resolve) => target!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(target.address() as AddressInfo).port}`, hits };
}

async function releaseFor(h: Harness, options: { method: string; url: string; body: string; callId: string }): Promise<string> {
  const opened = await h.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { principal: { id: 'user:ops', tenant: 'acme' } } });
  const sessionId = opened.json.sessionId as string;
  await h.call({ path: `/v1/sessions/${sessionId}/basis`, token: AGENT_TOKEN, body: { kind: 'system-prompt', text: 'Sync the ledger.' } });
  const args = { method: options.method, url: options.url, bodyDigest: digestBytes(utf8(options.body)) };
  const guarded = await h.call({ path: `/v1/sessions/${sessionId}/calls/${options.callId}/guard`, token: AGENT_TOKEN, body: { tool: 'http_request', args } });
  expect((guarded.json.guard as { verdict: string; reasons: unknown }).reasons).toEqual([]);
  expect((guarded.json.guard as { verdict: string }).verdict).toBe('execute');
  expect(guarded.json.token).not.toBeNull();
  return toBase64Url(utf8(JSON.stringify(guarded.json.token)));
}

describe('sidecar verifier', () => {
  it('forwards only a request carrying a valid token for exactly that method, URL and body — once — and writes the receipt', async () => {
    const { url, hits } = await countingTarget();
    const h = (harness = await startHarness({ sidecarTarget: url }));
    const body = JSON.stringify({ amount: 10 });
    const token = await releaseFor(h, { method: 'POST', url: `${url}/ledger/sync?x=1`, body, callId: 'h1' });
    const send = (options: { path?: string; method?: string; body?: string; token?: string }) =>
      fetch(`${h.authority.url}/sidecar${options.path ?? '/ledger/sync?x=1'}`, {
        method: options.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...(options.token === undefined ? {} : { 'writ-token': options.token }) },
        ...(options.method === 'GET' ? {} : { body: options.body ?? body }),
      });

    const none = await send({});
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('ERR_SIDECAR_TOKEN_MISSING');
    for (const [variant, expected] of [
      [{ token, body: JSON.stringify({ amount: 9999 }) }, 'ERR_TOKEN_INTENT'],
      [{ token, path: '/ledger/other?x=1' }, 'ERR_TOKEN_INTENT'],
      [{ token, method: 'PUT' }, 'ERR_TOKEN_INTENT'],
      [{ token: 'garbage' }, 'ERR_TOKEN_MALFORMED'],
      [{ token: toBase64Url(utf8('{"payloadType":"x","payload":"","signatures":[]}')) }, 'ERR_TOKEN_MALFORMED'],
    ] as const) {
      const refused = await send(variant);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(expected);
    }
    expect(hits).toEqual([]);

    const ok = await send({ token });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('writ-receipt')).toMatch(/^rcpt_/);
    expect(await ok.json()).toEqual({ ok: true, body });
    expect(hits).toEqual([`POST /ledger/sync?x=1 ${body}`]);

    const replay = await send({ token });
    expect(replay.status).toBe(403);
    expect(hits).toHaveLength(1);

    // The receipt is in the transcript. It follows the effect in the next batched flush (the
    // response does not wait for it), so look until it is there, for at most five seconds.
    const receiptId = ok.headers.get('writ-receipt')!;
    const recorded = async (): Promise<boolean> => {
      for await (const stored of h.authority.state.ledger.read()) if (stored.line.includes('"effect-executed"') && stored.line.includes(receiptId)) return true;
      return false;
    };
    const deadline = Date.now() + 5000;
    while (!(await recorded()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await recorded()).toBe(true);
  });

  it('refuses a well-formed token the authority never released, without touching the target', async () => {
    const { url, hits } = await countingTarget();
    const other = await startHarness();
    const foreign = await releaseFor(other, { method: 'GET', url: `${url}/x`, body: '', callId: 'f1' });
    await other.authority.close();
    const h = (harness = await startHarness({ sidecarTarget: url }));
    const response = await fetch(`${h.authority.url}/sidecar/x`, { headers: { 'writ-token': foreign } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('ERR_SIDECAR_TOKEN_UNKNOWN');
    expect(hits).toEqual([]);
  });
});
