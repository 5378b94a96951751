import { afterEach, describe, expect, it } from 'vitest';
import { MemoryApprovalStore, MemoryLedgerStore, MemoryNonceStore, createRemoteFirewall } from '@writ/core';
import { MAX_TRANSCRIPT_PAGE_BYTES } from './public-routes.ts';
import { AGENT_TOKEN, startHarness } from './test-harness.ts';
import type { Harness } from './test-harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.authority.close();
  harness = undefined;
});

describe('a tool output sent with atMost', () => {
  it('is recorded at most at that authority, through the HTTP API and the remote firewall; an unknown value is a 400 that records nothing', async () => {
    const h = (harness = await startHarness());
    const firewall = createRemoteFirewall({ url: h.authority.url, token: AGENT_TOKEN });
    const session = await firewall.openSession({ principal: { id: 'user:dana', tenant: 'acme' }, agent: { id: 'support-agent' } });
    await session.addToolOutput({ tool: 'orders_lookup', callId: 'h1', output: { text: 'as the tool declares' } });
    await session.addToolOutput({ tool: 'orders_lookup', callId: 'h2', output: { text: 'from client history' }, atMost: 'untrusted' });
    const bad = await h.call({ path: `/v1/sessions/${session.id}/basis`, token: AGENT_TOKEN, body: { kind: 'tool-output', tool: 'orders_lookup', callId: 'h3', output: 'x', atMost: 'super' } });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } });
    await session.end();
    const lines = ((await h.call({ method: 'GET', path: '/v1/transcript', token: 'approver-token-maria-0001' })).json.entries as string[]).map((line) => JSON.parse(line) as { type: string; body: { source?: string; authority?: string } });
    const outputs = lines.filter((entry) => entry.type === 'basis-added' && entry.body.source?.startsWith('tool:orders_lookup#')).map((entry) => [entry.body.source, entry.body.authority]);
    expect(outputs).toEqual([['tool:orders_lookup#h1', 'verified'], ['tool:orders_lookup#h2', 'untrusted']]);
  });

});

describe('GET /v1/transcript', () => {
  it('leaves the checkpoints out with checkpoints=none (writ pull pages /v1/checkpoints), and refuses another value', async () => {
    const h = (harness = await startHarness());
    const get = (query: string) => h.call({ method: 'GET', path: `/v1/transcript?${query}`, token: 'approver-token-maria-0001' });
    const session = createRemoteFirewall({ url: h.authority.url, token: AGENT_TOKEN });
    const opened = await session.openSession({ principal: { id: 'user:dana', tenant: 'acme' }, agent: { id: 'support-agent' } });
    await opened.end();
    expect(((await get('from=0')).json.checkpoints as unknown[]).length).toBeGreaterThan(0);
    expect((await get('from=0&checkpoints=none')).json).toMatchObject({ checkpoints: [] });
    expect((await get('from=0&checkpoints=some')).status).toBe(400);
  });

  it('keeps a page within MAX_TRANSCRIPT_PAGE_BYTES of entries (an entry may be 16 MiB), at least one entry; paging until empty reads them all', async () => {
    const ledger = new MemoryLedgerStore();
    const h = (harness = await startHarness({ stores: { ledger, nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() } }));
    const before = (await ledger.head()).size;
    const big = 'x'.repeat(3 * 1024 * 1024);
    await ledger.append([0, 1, 2, 3].map((i) => ({ type: 'note', time: '2026-03-01T10:00:00Z', body: { i, big } })));
    await ledger.append([{ type: 'note', time: '2026-03-01T10:00:00Z', body: { huge: 'y'.repeat(MAX_TRANSCRIPT_PAGE_BYTES + 1024) } }]);
    const pages: number[] = [];
    let from = before;
    for (;;) {
      const page = await h.call({ method: 'GET', path: `/v1/transcript?from=${from}&checkpoints=none`, token: 'approver-token-maria-0001' });
      const entries = page.json.entries as string[];
      if (entries.length === 0) break;
      expect(entries.length === 1 || entries.reduce((sum, line) => sum + Buffer.byteLength(line), 0) <= MAX_TRANSCRIPT_PAGE_BYTES).toBe(true);
      pages.push(entries.length);
      from += entries.length;
    }
    // 3 MiB entries two to a page; the entry larger than a page comes alone.
    expect(pages).toEqual([2, 2, 1]);
    expect(from).toBe(before + 5);
  });
});
