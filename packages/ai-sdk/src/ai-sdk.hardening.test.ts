import { generateText, stepCountIs } from 'ai';
import type { ModelMessage } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { MemoryApprovalStore, MemoryLedgerStore, MemoryNonceStore, WritError, createFirewall, parseEntry, parseToolRegistry, signApproval, verifyTranscript } from '@writ/core';
import type { FirewallMode, FirewallPolicy, JsonObject, PendingApproval } from '@writ/core';
import { createWorld, sharedPolicies } from '@writ/example-kit';
import { writToolApproval, writTools } from './index.ts';
import { DECLARATIONS, supportTools } from './support-tools.test-fixture.ts';

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
const toolCall = (toolName: string, input: unknown, toolCallId: string) => ({
  content: [{ type: 'tool-call' as const, toolCallId, toolName, input: JSON.stringify(input) }],
  finishReason: { unified: 'tool-calls' as const, raw: undefined },
  usage,
  warnings: [],
});
const say = (text: string) => ({ content: [{ type: 'text' as const, text }], finishReason: { unified: 'stop' as const, raw: undefined }, usage, warnings: [] });
const CREDENTIAL_BODY = 'key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const storeDown = () => new WritError('ERR_STORE_IO', 'store unavailable');

/** Stores whose writes can be switched off mid-run (a database going away). */
function breakableStores() {
  const ledger = new MemoryLedgerStore();
  const nonces = new MemoryNonceStore();
  const broken = { ledger: false, nonces: false };
  const append = ledger.append.bind(ledger);
  ledger.append = (drafts) => (broken.ledger ? Promise.reject(storeDown()) : append(drafts));
  const consume = nonces.consume.bind(nonces);
  nonces.consume = (input) => (broken.nonces ? Promise.reject(storeDown()) : consume(input));
  return { stores: { ledger, nonces, approvals: new MemoryApprovalStore() }, broken };
}

/** A firewall built by hand (not the kit) so `env` and the stores are the test's own. */
async function setUp(options: { mode?: FirewallMode; env?: Record<string, string>; policy?: FirewallPolicy; script: ReturnType<typeof toolCall | typeof say>[]; user: string }) {
  const world = createWorld();
  const { stores, broken } = breakableStores();
  const firewall = await createFirewall({
    policy: options.policy ?? (await sharedPolicies()),
    keys: { authority: world.authority },
    trustRoot: world.trustRoot,
    stores,
    tools: parseToolRegistry(DECLARATIONS),
    mode: options.mode ?? 'enforce',
    env: options.env ?? {},
  });
  const session = await firewall.openSession({ principal: { id: 'alice', roles: ['support'], tenant: 'acme' }, agent: { id: 'support-bot', framework: 'ai-sdk' } });
  const support = supportTools('Customer asks about shipping.');
  const pending: PendingApproval[] = [];
  const model = new MockLanguageModelV4({ doGenerate: options.script });
  const messages: ModelMessage[] = [{ role: 'user', content: options.user }];
  const settings = {
    model,
    tools: writTools(support.tools, { session }),
    toolApproval: writToolApproval({ session, onApprovalRequired: (p) => pending.push(p) }),
    stopWhen: stepCountIs(6),
  };
  /** The verdicts of the decision-made entries, per call id, in ledger order. */
  async function decisionsByCall(): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for await (const stored of stores.ledger.read()) {
      const entry = parseEntry(stored.line);
      if (entry.type === 'decision-made') (out[JSON.stringify(entry.body.callId).slice(1, -1)] ??= []).push(entry.body.verdict);
    }
    return out;
  }
  async function decision(callId: string) {
    for await (const stored of stores.ledger.read()) {
      const entry = parseEntry(stored.line);
      if (entry.type === 'decision-made' && entry.body.callId === callId) return entry.body;
    }
    return undefined;
  }
  async function finish(end: { poisoned?: boolean } = {}) {
    broken.ledger = false;
    broken.nonces = false;
    if (end.poisoned === true) {
      await expect(session.end()).rejects.toMatchObject({ code: 'ERR_STORE_IO' });
      await firewall.close().catch(() => undefined);
    } else {
      await session.end();
      await firewall.close();
    }
    const lines: string[] = [];
    for await (const stored of stores.ledger.read()) lines.push(stored.line);
    const checkpoints: string[] = [];
    for await (const checkpoint of stores.ledger.checkpoints()) checkpoints.push(checkpoint.note);
    return verifyTranscript({ entries: lines, checkpoints, trustRoot: world.trustRoot });
  }
  return { world, session, support, pending, model, messages, settings, broken, decisionsByCall, decision, finish, policy: options.policy ?? (await sharedPolicies()) };
}

function approvalResponse(first: Awaited<ReturnType<typeof generateText>>): ModelMessage {
  const request = first.content.find((part) => part.type === 'tool-approval-request');
  if (request?.type !== 'tool-approval-request') throw new Error('no approval request in the result');
  return { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: request.approvalId, approved: true }] };
}

describe('writToolApproval + writTools: modes', () => {
  it('advisory: the credential email is sent and the warning is the approval response reason', async () => {
    const t = await setUp({ mode: 'advisory', user: 'Email bob@example.com.', script: [toolCall('email_send', { to: 'bob@example.com', body: CREDENTIAL_BODY }, 'c1'), say('Sent.')] });
    const first = await generateText({ ...t.settings, messages: t.messages });
    expect(t.support.ran).toEqual(['email_send bob@example.com']);
    const response = first.steps[0]!.content.find((part) => part.type === 'tool-approval-response');
    expect(response).toMatchObject({ approved: true, reason: expect.stringMatching(/^\[advisory\] enforce would block this call: .*credential/i) });
    expect(await t.decision('c1')).toMatchObject({ mode: 'advisory', wouldHave: 'block' });
    expect((await t.finish()).valid).toBe(true);
  });

  it('advisory: a refund that needs approval runs without one, and the reason says enforce would have asked', async () => {
    const t = await setUp({ mode: 'advisory', user: 'Refund order 8800 in full, 900 EUR.', script: [toolCall('refund_large', { order: '8800', amount: 900 }, 'c1'), say('Refunded.')] });
    const first = await generateText({ ...t.settings, messages: t.messages });
    expect(t.support.ran).toEqual(['refund_large 8800 900']);
    expect(t.pending).toEqual([]);
    const response = first.steps[0]!.content.find((part) => part.type === 'tool-approval-response');
    expect(response).toMatchObject({ approved: true, reason: expect.stringMatching(/^\[advisory\] enforce would require approval for this call: /) });
    expect(await t.decision('c1')).toMatchObject({ mode: 'advisory', verdict: 'execute', wouldHave: 'approval-required' });
    expect((await t.finish()).valid).toBe(true);
  });

  it('WRIT_MODE in the firewall env overrides the configured enforce for one tool', async () => {
    const t = await setUp({
      mode: 'enforce',
      env: { WRIT_MODE: 'tool:email_send=shadow' },
      user: 'Email bob@example.com.',
      script: [toolCall('email_send', { to: 'bob@example.com', body: CREDENTIAL_BODY }, 'c1'), say('Sent.')],
    });
    await generateText({ ...t.settings, messages: t.messages });
    expect(t.support.ran).toEqual(['email_send bob@example.com']);
    expect(await t.decision('c1')).toMatchObject({ mode: 'shadow', wouldHave: 'block' });
    expect((await t.finish()).valid).toBe(true);
  });

  it('WRIT_MODE=enforce in the env overrides a configured shadow: the credential email is blocked', async () => {
    const t = await setUp({ mode: 'shadow', env: { WRIT_MODE: 'enforce' }, user: 'Email bob@example.com.', script: [toolCall('email_send', { to: 'bob@example.com', body: CREDENTIAL_BODY }, 'c1'), say('Not sent.')] });
    await generateText({ ...t.settings, messages: t.messages });
    expect(t.support.ran).toEqual([]);
    expect(await t.decision('c1')).toMatchObject({ mode: 'enforce', verdict: 'block' });
    expect((await t.finish()).valid).toBe(true);
  });
});

describe('writToolApproval + writTools: failures in enforce', () => {
  it('a ledger that cannot record the decision: the tool does not run and the model reads a refusal', async () => {
    const t = await setUp({ user: 'Please refund order 7731, 40 EUR.', script: [toolCall('refund_issue', { order: '7731', amount: 40 }, 'c1'), say('Could not refund.')] });
    await t.session.addUserTurn('Please refund order 7731, 40 EUR.');
    t.broken.ledger = true;
    await generateText({ ...t.settings, messages: t.messages });
    expect(t.support.ran).toEqual([]);
    // The firewall fails closed itself (a block, nothing recorded); the model reads it as the denial reason.
    expect(JSON.stringify(t.model.doGenerateCalls[1]!.prompt)).toMatch(/execution-denied.*Writ refused refund_issue: the firewall could not record this call/);
    // A failed append poisons the recorder (core/firewall/recorder.ts): even with the store back,
    // this firewall keeps refusing until it is reopened, and the tool still never runs.
    t.broken.ledger = false;
    expect(await t.session.guard({ tool: 'refund_issue', args: { order: '7731', amount: 40 }, callId: 'c1' })).toMatchObject({ verdict: 'block', replayed: false });
    expect(t.support.ran).toEqual([]);
    // What was recorded before the failure still verifies.
    expect((await t.finish({ poisoned: true })).valid).toBe(true);
  });

  it('a policy that throws: the tool does not run and the model reads a refusal', async () => {
    const failing: FirewallPolicy = { digest: `sha256:${'cd'.repeat(32)}`, evaluate: () => Promise.reject(new Error('policy engine crashed')) };
    const t = await setUp({ policy: failing, user: 'Please refund order 7731, 40 EUR.', script: [toolCall('refund_issue', { order: '7731', amount: 40 }, 'c1'), say('Could not refund.')] });
    await generateText({ ...t.settings, messages: t.messages });
    expect(t.support.ran).toEqual([]);
    expect(JSON.stringify(t.model.doGenerateCalls[1]!.prompt)).toMatch(/execution-denied.*the policy could not be evaluated/);
    expect((await t.finish()).valid).toBe(true);
  });

  it('a nonce store that fails at the gateway: the allowed tool is not run and the model reads an error', async () => {
    const t = await setUp({ user: 'Please refund order 7731, 40 EUR.', script: [toolCall('refund_issue', { order: '7731', amount: 40 }, 'c1'), say('Could not refund.')] });
    t.broken.nonces = true;
    await generateText({ ...t.settings, messages: t.messages });
    expect(t.support.ran).toEqual([]);
    expect(JSON.stringify(t.model.doGenerateCalls[1]!.prompt)).toMatch(/"error-text","value":"WritToolRefusedError: Writ refused refund_issue: the nonce store failed\."/);
    expect((await t.finish()).valid).toBe(true);
  });
});

describe('writToolApproval + writTools: decisions per call in the transcript', () => {
  // One decision per tool call (issue 6): the firewall re-checks an approved call on resume but
  // records its release under the approval-required decision (token-issued cites its decisionId),
  // so an approval round trip leaves one decision for its call and framework re-runs add none.
  it('an unapproved call has one decision; an approved call one (the release cites it); re-runs add none', async () => {
    const t = await setUp({
      user: 'Refund order 8800 in full, 900 EUR, and order 7731, 40 EUR.',
      script: [toolCall('refund_issue', { order: '7731', amount: 40 }, 'c0'), toolCall('refund_large', { order: '8800', amount: 900 }, 'c1'), say('Refunded after approval.'), say('again')],
    });
    const first = await generateText({ ...t.settings, messages: t.messages });
    expect(t.pending).toHaveLength(1);
    expect(await t.decisionsByCall()).toEqual({ c0: ['execute'], c1: ['approval-required'] });
    const continuation = [...t.messages, ...first.response.messages, approvalResponse(first)];
    const pending = t.pending[0]!;
    const statement = signApproval({
      signer: t.world.approvers.get('manager')!,
      role: 'manager',
      intent: pending.intentDigest,
      policy: { digest: t.policy.digest as `sha256:${string}`, rule: typeof pending.rule.rule === 'string' ? pending.rule.rule : 'approval' },
      now: new Date(),
    }).envelope as unknown as JsonObject;
    const context = { runtimeContext: { writ: { approvals: { c1: [statement] } } } };
    await generateText({ ...t.settings, messages: continuation, ...context });
    expect(t.support.ran).toEqual(['refund_issue 7731 40', 'refund_large 8800 900']);
    expect(await t.decisionsByCall()).toEqual({ c0: ['execute'], c1: ['approval-required'] });
    // The application resumes the same conversation again (a retry, a second tab): nothing new.
    await generateText({ ...t.settings, messages: continuation, ...context }).catch(() => undefined);
    expect(t.support.ran).toEqual(['refund_issue 7731 40', 'refund_large 8800 900']);
    expect(await t.decisionsByCall()).toEqual({ c0: ['execute'], c1: ['approval-required'] });
    expect((await t.finish()).valid).toBe(true);
  });

  it('a resume with a forged approval, or with none, records no further decision for the call', async () => {
    const t = await setUp({ user: 'Refund order 8800 in full, 900 EUR.', script: [toolCall('refund_large', { order: '8800', amount: 900 }, 'c1'), say('Not approved.'), say('Not approved.')] });
    const first = await generateText({ ...t.settings, messages: t.messages });
    const continuation = [...t.messages, ...first.response.messages, approvalResponse(first)];
    const pending = t.pending[0]!;
    const forged = signApproval({ signer: t.world.outsider, role: 'manager', intent: pending.intentDigest, policy: { digest: t.policy.digest as `sha256:${string}`, rule: 'approval' }, now: new Date() }).envelope as unknown as JsonObject;
    await generateText({ ...t.settings, messages: continuation, runtimeContext: { writ: { approvals: { c1: [forged] } } } });
    await generateText({ ...t.settings, messages: continuation });
    expect(t.support.ran).toEqual([]);
    expect(await t.decisionsByCall()).toEqual({ c1: ['approval-required'] });
    expect((await t.finish()).valid).toBe(true);
  });
});
