/**
 * The example support agent (examples/support-agent: AI SDK, scripted model) pointed at the
 * authority through the remote firewall: it pauses on the large refund, an approver approves
 * it in Chromium with their own key, and the agent then completes it. Skips like the other
 * browser test (only when Chromium is absent and CI is unset).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateText, stepCountIs } from 'ai';
import type { ModelMessage } from 'ai';
import type { Browser } from 'playwright-core';
import { writToolApproval, writTools } from '@writ/ai-sdk';
import { createRemoteFirewall } from '@writ/core';
import type { PendingApproval } from '@writ/core';
import { AGENT_TOKEN, startHarness } from '@writ/authority/test-harness';
import { consoleDir, launchChromium, runBrowserTests, signIn, warnIfSkipped } from './browser-support.ts';
import { scriptedModel } from '../../../examples/support-agent/src/scripted-model.ts';
import { supportDesk } from '../../../examples/support-agent/src/support-desk.ts';

warnIfSkipped('example-agent browser test');

let browser: Browser;
beforeAll(async () => {
  if (runBrowserTests) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!runBrowserTests)('example support agent against the authority', () => {
  it('pauses on the large refund; the approver approves it in the browser; the agent then completes it', async () => {
    const h = await startHarness({ consoleDir });
    try {
      const firewall = createRemoteFirewall({ url: h.authority.url, token: AGENT_TOKEN, timeoutMs: 10_000 });
      const session = await firewall.openSession({ principal: { id: 'user:dana-support-case', roles: ['support'], tenant: 'acme' }, agent: { id: 'support-agent', framework: 'ai-sdk', model: 'scripted' } });
      const system = 'You are the support agent of Acme. Resolve tickets: refund damaged or lost orders and email the customer.';
      await session.addSystemPrompt(system);
      const desk = supportDesk();
      const pending = new Map<string, PendingApproval>();
      const settings = {
        model: scriptedModel(),
        system,
        tools: writTools(desk.tools, { session }),
        toolApproval: writToolApproval({ session, onApprovalRequired: (request: PendingApproval, callId: string) => pending.set(callId, request) }),
        stopWhen: stepCountIs(12),
      };
      const messages: ModelMessage[] = [{ role: 'user', content: 'Dana (dana@example.com) called: order 4417 arrived broken (refund 60 EUR) and order 5120 never arrived (refund 750 EUR). Her ticket is T-4417. Please handle it and email her when done.' }];
      const first = await generateText({ ...settings, messages });
      const requests = first.content.flatMap((part) => (part.type === 'tool-approval-request' && part.isAutomatic !== true ? [part] : []));
      expect(requests).toHaveLength(1);
      expect(desk.log.refunds).not.toContain('5120:750');

      // Every approver the rule names signs in their own browser session with their own key.
      const rule = [...pending.values()][0]!.rule as { roles?: string[]; threshold?: number };
      const roles = (rule.roles ?? ['manager']).filter((role) => h.world.seeds.has(role)).slice(0, rule.threshold ?? 1);
      const outcomes: string[] = [];
      for (const role of roles) {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        await signIn(page, { url: h.authority.url, seed: h.world.seeds.get(role)!, role });
        await page.click('button[data-request]');
        await page.waitForSelector('#approval-detail');
        expect(await page.textContent('#approval-detail')).toContain('refund_large');
        await page.click('#approve');
        await page.waitForSelector('#approval-message .message.ok');
        outcomes.push((await page.textContent('#approval-message')) ?? '');
        await page.close();
      }
      expect(outcomes.at(-1)).toContain('approved');

      // The agent resumes; the approval is already recorded in the authority, so none travel with it.
      const responses: ModelMessage = { role: 'tool', content: requests.map((r) => ({ type: 'tool-approval-response' as const, approvalId: r.approvalId, approved: true })) };
      await generateText({ ...settings, messages: [...messages, ...first.response.messages, responses], runtimeContext: { writ: { approvals: {} } } });
      expect(desk.log.refunds).toContain('5120:750');
      expect(desk.log.refunds).not.toContain('9090:480');
      await session.end();
    } finally {
      await h.authority.close();
    }
  });
});
