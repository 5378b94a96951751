/**
 * Signed rejection in a real browser: an approver rejects a pending refund in Chromium with
 * their own key; the agent's call is then refused (`approval.rejected`), and the transcript
 * explorer shows the signed rejection and verifies. A forged rejection (a key outside the
 * trust root) is refused and leaves the request pending. Skips like the other browser tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createRemoteFirewall, verifyTranscript } from '@writ/core';
import { AGENT_TOKEN, APPROVER_TOKEN, startHarness } from '@writ/authority/test-harness';
import { consoleDir, launchChromium, runBrowserTests, screenshots, signIn, warnIfSkipped } from './browser-support.ts';

warnIfSkipped('rejection browser test');

let browser: Browser;
beforeAll(async () => {
  if (runBrowserTests) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function review(page: Page, options: { url: string; seed: string; role: string }): Promise<void> {
  await signIn(page, options);
  await page.click('button[data-request]');
  await page.waitForSelector('#approval-detail');
}

describe.skipIf(!runBrowserTests)('signed rejection in Chromium', () => {
  it('an approver rejects a pending refund in the browser; the agent call is refused; the transcript shows the signed rejection and verifies', async () => {
    const h = await startHarness({ consoleDir });
    try {
      const firewall = createRemoteFirewall({ url: h.authority.url, token: AGENT_TOKEN, timeoutMs: 10_000 });
      const session = await firewall.openSession({ principal: { id: 'user:dana-support-case', roles: ['support'], tenant: 'acme' }, agent: { id: 'support-agent', framework: 'ai-sdk' } });
      await session.addSystemPrompt('You are the support agent of Acme. Resolve tickets: refund damaged or lost orders and email the customer.');
      await session.addUserTurn('Dana called: order 5120 never arrived (refund 750 EUR).');
      const refunds: string[] = [];
      const refund = { tool: 'refund_large', args: { order: '5120', amount: 750, note: 'customer says parcel lost' }, callId: 'call-refund-5120' };
      const run = (args: Record<string, unknown>) => refunds.push(`${String(args.order)}:${String(args.amount)}`);
      const first = await session.execute(refund, run);
      expect(first.status).toBe('approval-required');
      const pending = first.status === 'approval-required' ? first.guard : undefined;
      const role = ((pending?.verdict === 'approval-required' ? pending.pending.rule.roles : undefined) as string[] | undefined)?.find((r) => h.world.seeds.has(r)) ?? 'manager';

      // Forged: signed in the page with a key the trust root does not list.
      const forger = await browser.newPage();
      await review(forger, { url: h.authority.url, seed: h.world.seeds.get('outsider')!, role });
      await forger.fill('#reject-reason', 'forged');
      await forger.click('#reject');
      await forger.waitForSelector('#approval-message .message.bad');
      expect(await forger.textContent('#approval-message')).toContain('Refused');
      await forger.close();
      expect((await session.execute(refund, run)).status).toBe('approval-required');

      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await review(page, { url: h.authority.url, seed: h.world.seeds.get(role)!, role });
      await page.fill('#reject-reason', 'order 5120 was delivered; tracking shows a signature');
      await page.click('#reject');
      await page.waitForSelector('#approval-message .message.ok');
      expect(await page.textContent('#approval-message')).toContain('rejected');

      const after = await session.execute(refund, run);
      expect(after.status).toBe('blocked');
      expect(after.guard.reasons.map((r) => r.code)).toContain('approval.rejected');
      expect(refunds).toEqual([]);
      await session.end();
      // The inbox no longer lists it.
      expect((await h.call({ method: 'GET', path: '/v1/approvals', token: APPROVER_TOKEN })).json.approvals).toEqual([]);

      await page.goto(`${h.authority.url}/console/#/transcript`);
      await page.waitForSelector('main[data-ready="transcript"]');
      expect(await page.getAttribute('#verify-status', 'class')).toBe('verify ok');
      const chains = await page.textContent('table');
      expect(chains).toContain('rejected (signed): order 5120 was delivered');
      expect(chains).toContain('denied');
      await page.screenshot({ path: `${screenshots}transcript-rejected.png`, fullPage: true });

      // The same transcript verifies outside the browser, with the rejection's signature checked.
      const transcript = await h.call({ method: 'GET', path: '/v1/transcript', token: APPROVER_TOKEN });
      const lines = transcript.json.entries as string[];
      expect(lines.filter((line) => line.includes('"type":"approval-rejected"'))).toHaveLength(1);
      expect(lines.some((line) => line.includes('application/vnd.writ.rejection+json'))).toBe(true);
      expect((await verifyTranscript({ entries: lines, checkpoints: transcript.json.checkpoints as string[], trustRoot: h.world.trustRoot })).valid).toBe(true);
      await page.close();
    } finally {
      await h.authority.close();
    }
  });
});
