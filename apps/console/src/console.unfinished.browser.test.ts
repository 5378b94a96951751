/**
 * Unfinished releases in a real browser: the authority released two refunds and stopped before
 * their outcomes; on the next start the console's *Unfinished* screen lists both, an approver
 * records in Chromium that one was not executed — a resolution signed in the page with their own
 * key, as approvals are — and the release leaves the list, recorded in the transcript with the
 * signing key as resolver and the statement the verifier checks. A page signed in with a key the
 * trust root does not hold (the console token alone, as a leaked one) records nothing. Skips like
 * the other browser tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { RESOLUTION_PAYLOAD_TYPE, verifyTranscript } from '@writ/core';
import { AGENT_TOKEN, APPROVER_TOKEN, createSeededWorld, startHarness } from '@writ/authority/test-harness';
import type { Harness } from '@writ/authority/test-harness';
import { consoleDir, launchChromium, runBrowserTests, screenshots, signIn, warnIfSkipped } from './browser-support.ts';

warnIfSkipped('unfinished-releases browser test');

let browser: Browser;
beforeAll(async () => {
  if (runBrowserTests) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Release `callId` (a refund of `amount`) to the agent and never run it. */
async function release(h: Harness, options: { callId: string; order: string; amount: number }): Promise<string> {
  const guarded = await h.call({ path: `/v1/sessions/sess-night/calls/${options.callId}/guard`, token: AGENT_TOKEN, body: { tool: 'refund_issue', args: { order: options.order, amount: options.amount } } });
  const guard = guarded.json.guard as { verdict: string; tokenId: string };
  expect(guard.verdict).toBe('execute');
  return guard.tokenId;
}

describe.skipIf(!runBrowserTests)('unfinished releases in Chromium', () => {
  it('lists the releases an earlier run left without an outcome; an approver signs one as not executed and it leaves the list', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'writ-console-unfinished-'));
    const world = createSeededWorld();
    let after: Harness | undefined;
    try {
      const before = await startHarness({ dir, world });
      expect((await before.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { sessionId: 'sess-night', principal: { id: 'user:dana', roles: ['support'], tenant: 'acme' } } })).status).toBe(201);
      await before.call({ path: '/v1/sessions/sess-night/basis', token: AGENT_TOKEN, body: { kind: 'system-prompt', text: 'You are the support agent of Acme.' } });
      await before.call({ path: '/v1/sessions/sess-night/basis', token: AGENT_TOKEN, body: { kind: 'user-turn', text: 'Orders 4417 and 4418 arrived broken, please refund 60 EUR and 40 EUR.' } });
      const first = await release(before, { callId: 'c-4417', order: '4417', amount: 60 });
      const second = await release(before, { callId: 'c-4418', order: '4418', amount: 40 });
      // Stopped before the agent reported either outcome.
      await before.authority.close();

      after = await startHarness({ dir, world, consoleDir });
      // The approver's console token with a key the trust root does not hold: refused, nothing recorded.
      const forger = await browser.newPage();
      await signIn(forger, { url: after.authority.url, seed: world.seeds.get('outsider')!, role: 'manager' });
      await forger.goto(`${after.authority.url}/console/#/unfinished`);
      await forger.waitForSelector('main[data-ready="unfinished"]');
      const forged = forger.locator(`[data-token="${first}"]`);
      await forged.locator('select.outcome').selectOption('not-executed');
      await forged.locator('button.resolve').click();
      await forged.locator('.resolve-message .message.bad').waitFor();
      expect(await forged.locator('.resolve-message').textContent()).toMatch(/^Refused: .*\(ERR_APPROVAL_SIGNER_INVALID\)$/u);
      await forger.close();
      expect((await after.call({ method: 'GET', path: '/v1/console/unfinished', token: APPROVER_TOKEN })).json.total).toBe(2);

      const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
      await signIn(page, { url: after.authority.url, seed: world.seeds.get('manager')!, role: 'manager' });
      await page.goto(`${after.authority.url}/console/#/unfinished`);
      await page.waitForSelector('main[data-ready="unfinished"]');
      expect(await page.textContent('h2')).toBe('Unfinished releases (2)');
      expect(await page.locator('#unfinished .card').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-token')))).toEqual([first, second]);

      const card = page.locator(`[data-token="${first}"]`);
      // No outcome chosen: nothing is sent.
      await card.locator('button.resolve').click();
      await card.locator('.resolve-message .message.bad').waitFor();
      expect((await after.call({ method: 'GET', path: '/v1/console/unfinished', token: APPROVER_TOKEN })).json.total).toBe(2);

      await card.locator('select.outcome').selectOption('not-executed');
      await card.locator('input.note').fill('no refund for order 4417 at the payment provider');
      await page.screenshot({ path: `${screenshots}unfinished.png`, fullPage: true });
      await card.locator('button.resolve').click();
      await page.waitForSelector('#unfinished-notice');
      expect(await page.textContent('#unfinished-notice')).toBe('Recorded: refund_issue call c-4417 not-executed');
      expect(await page.textContent('h2')).toBe('Unfinished releases (1)');
      expect(await page.locator('#unfinished .card').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-token')))).toEqual([second]);
      await page.close();

      expect((await after.call({ method: 'GET', path: '/v1/console/unfinished', token: APPROVER_TOKEN })).json).toMatchObject({ unfinished: [{ tokenId: second, callId: 'c-4418' }], total: 1 });
      // The resolution is signed by the next checkpoint, which the firewall writes as it closes.
      await after.authority.close();
      after = await startHarness({ dir, world });
      expect((await after.call({ method: 'GET', path: '/v1/console/unfinished', token: APPROVER_TOKEN })).json).toMatchObject({ total: 1 });
      const transcript = await after.call({ method: 'GET', path: '/v1/transcript', token: APPROVER_TOKEN });
      const lines = transcript.json.entries as string[];
      const resolved = lines.map((line) => JSON.parse(line) as { type: string; body: Record<string, unknown> }).filter((entry) => entry.type === 'release-resolved');
      expect(resolved.map((entry) => entry.body)).toEqual([expect.objectContaining({ tokenId: first, callId: 'c-4417', outcome: 'not-executed', by: `approver:${world.approvers.get('manager')!.keyId} as manager`, note: 'no refund for order 4417 at the payment provider', statement: expect.objectContaining({ payloadType: RESOLUTION_PAYLOAD_TYPE }) })]);
      expect((await verifyTranscript({ entries: lines, checkpoints: transcript.json.checkpoints as string[], trustRoot: world.trustRoot })).valid).toBe(true);
    } finally {
      await after?.authority.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
