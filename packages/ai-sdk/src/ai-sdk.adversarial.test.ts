/**
 * Adversarial review of the AI SDK adapter: a model that chooses tool arguments and call ids,
 * a client that edits the conversation it sends back, and an integration that wires the
 * adapter carelessly, try to make a tool run without Writ judging and releasing it, or on other
 * arguments than the judged ones. Attacks that found a gap are marked `// GAP:`; the refused
 * ones stay as regression tests.
 */
import { ToolLoopAgent, generateText, stepCountIs, streamText, tool } from 'ai';
import type { ModelMessage, ToolSet } from 'ai';
import { MockLanguageModelV4, convertArrayToReadableStream } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { FirewallSession, PendingApproval } from '@writ/core';
import { createKit } from '@writ/example-kit';
import type { Kit } from '@writ/example-kit';
import { writToolApproval, writTools } from './index.ts';
import { DECLARATIONS, supportTools } from './support-tools.test-fixture.ts';

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
type Call = { toolName: string; input: unknown; toolCallId: string };
const calls = (...list: Call[]) => ({
  content: list.map((c) => ({ type: 'tool-call' as const, toolCallId: c.toolCallId, toolName: c.toolName, input: JSON.stringify(c.input) })),
  finishReason: { unified: 'tool-calls' as const, raw: undefined },
  usage,
  warnings: [],
});
const say = (text: string) => ({ content: [{ type: 'text' as const, text }], finishReason: { unified: 'stop' as const, raw: undefined }, usage, warnings: [] });

async function open(): Promise<{ kit: Kit; session: FirewallSession }> {
  const kit = await createKit({ tools: DECLARATIONS, mode: 'enforce' });
  const session = await kit.firewall.openSession({ principal: { id: 'alice', roles: ['support'], tenant: 'acme' }, agent: { id: 'support-bot', framework: 'ai-sdk' } });
  return { kit, session };
}

async function finish(kit: Kit, session: FirewallSession): Promise<void> {
  await session.end();
  expect((await kit.finish()).valid).toBe(true);
}

const user = (content: string): ModelMessage[] => [{ role: 'user', content }];

describe('writToolApproval: a tool the SDK would run outside the gateway', () => {
  it('toolApproval without writTools: an allowed call is refused, the raw execute never runs', async () => {
    // GAP: writToolApproval judged the call and answered `not-applicable`; the SDK then ran the
    // application's own execute — no token checked, none consumed, no receipt.
    const { kit, session } = await open();
    const support = supportTools('');
    const model = new MockLanguageModelV4({ doGenerate: [calls({ toolName: 'refund_issue', input: { order: '7731', amount: 40 }, toolCallId: 'c1' }), say('done')] });
    await expect(
      generateText({ model, tools: support.tools, toolApproval: writToolApproval({ session }), messages: user('Please refund order 7731, 40 EUR.'), stopWhen: stepCountIs(3) }),
    ).rejects.toMatchObject({ code: 'ERR_ADAPTER_TOOL_UNGUARDED' });
    expect(support.ran).toEqual([]);
    await finish(kit, session);
  });

  it('a raw tool added next to the wrapped ones after wrapping is refused', async () => {
    // GAP: `{ ...writTools(tools, { session }), extra }` — the extra tool was judged and then run raw.
    const { kit, session } = await open();
    const support = supportTools('');
    const { refund_issue: raw, ...rest } = support.tools;
    const tools: ToolSet = { ...writTools(rest, { session }), refund_issue: raw! };
    const model = new MockLanguageModelV4({ doGenerate: [calls({ toolName: 'refund_issue', input: { order: '7731', amount: 40 }, toolCallId: 'c1' }), say('done')] });
    await expect(
      generateText({ model, tools, toolApproval: writToolApproval({ session }), messages: user('Please refund order 7731, 40 EUR.'), stopWhen: stepCountIs(3) }),
    ).rejects.toMatchObject({ code: 'ERR_ADAPTER_TOOL_UNGUARDED' });
    expect(support.ran).toEqual([]);
    await finish(kit, session);
  });

  it('tools wrapped for another session are refused (their transcript would not hold the call)', async () => {
    // Hardening, not a bypass: the other session's gateway judges again, but this session's
    // transcript would hold a decision for a call that ran (or was refused) elsewhere.
    const { kit, session } = await open();
    const other = await kit.firewall.openSession({ principal: { id: 'mallory', roles: ['support'], tenant: 'acme' }, agent: { id: 'support-bot', framework: 'ai-sdk' } });
    const support = supportTools('');
    const model = new MockLanguageModelV4({ doGenerate: [calls({ toolName: 'refund_issue', input: { order: '7731', amount: 40 }, toolCallId: 'c1' }), say('done')] });
    await expect(
      generateText({ model, tools: writTools(support.tools, { session: other }), toolApproval: writToolApproval({ session }), messages: user('Please refund order 7731, 40 EUR.'), stopWhen: stepCountIs(3) }),
    ).rejects.toMatchObject({ code: 'ERR_ADAPTER_TOOL_UNGUARDED' });
    expect(support.ran).toEqual([]);
    await other.end();
    await finish(kit, session);
  });

  it('ToolLoopAgent: a raw ToolSet is refused the same way; a wrapped one runs once through the gateway', async () => {
    const { kit, session } = await open();
    const raw = supportTools('');
    const script = () => new MockLanguageModelV4({ doGenerate: [calls({ toolName: 'refund_issue', input: { order: '7731', amount: 40 }, toolCallId: 'c1' }), say('done')] });
    const unguarded = new ToolLoopAgent({ model: script(), tools: raw.tools, toolApproval: writToolApproval({ session }) });
    await expect(unguarded.generate({ messages: user('Please refund order 7731, 40 EUR.') })).rejects.toMatchObject({ code: 'ERR_ADAPTER_TOOL_UNGUARDED' });
    expect(raw.ran).toEqual([]);
    const wrapped = supportTools('');
    const guarded = new ToolLoopAgent({ model: script(), tools: writTools(wrapped.tools, { session }), toolApproval: writToolApproval({ session }) });
    await guarded.generate({ messages: user('Please refund order 7731, 40 EUR.') });
    expect(wrapped.ran).toEqual(['refund_issue 7731 40']);
    await finish(kit, session);
  });

  it('a client-side tool (no execute) is judged and left to the client', async () => {
    const { kit, session } = await open();
    const tools = { ...writTools(supportTools('').tools, { session }), ask_user: tool({ description: 'Ask the user', inputSchema: z.object({ question: z.string() }) }) };
    const model = new MockLanguageModelV4({ doGenerate: [calls({ toolName: 'ask_user', input: { question: 'Which order?' }, toolCallId: 'c1' }), say('done')] });
    const result = await generateText({ model, tools, toolApproval: writToolApproval({ session }), messages: user('Refund my order.'), stopWhen: stepCountIs(3) });
    expect(result.toolCalls.map((c) => c.toolName)).toEqual(['ask_user']);
    await finish(kit, session);
  });
});

describe('writToolApproval: the application\'s own approvals', () => {
  function withOwnApproval(needsApproval: unknown) {
    const support = supportTools('');
    const refund = support.tools.refund_issue!;
    return { support, tools: { ...support.tools, refund_issue: { ...refund, needsApproval } as typeof refund } };
  }

  it.each([
    ['true', true],
    ['a function answering true', () => Promise.resolve(true)],
  ])('a tool whose needsApproval is %s still waits for the person the application asked for, when Writ allows the call', async (_what, needsApproval) => {
    // GAP: a call-level toolApproval replaces every tool-level needsApproval in the SDK; adding
    // writToolApproval silently dropped the human approval the application had configured, and
    // the refund ran as soon as the policy allowed it.
    const { kit, session } = await open();
    const { support, tools } = withOwnApproval(needsApproval);
    const model = new MockLanguageModelV4({ doGenerate: [calls({ toolName: 'refund_issue', input: { order: '7731', amount: 40 }, toolCallId: 'c1' }), say('a'), say('b')] });
    const base = { model, tools: writTools(tools, { session }), toolApproval: writToolApproval({ session }), stopWhen: stepCountIs(3) };
    const first = await generateText({ ...base, messages: user('Please refund order 7731, 40 EUR.') });
    expect(support.ran).toEqual([]);
    const request = first.content.find((part) => part.type === 'tool-approval-request');
    if (request?.type !== 'tool-approval-request') throw new Error('no approval request');
    // The person says no: nothing runs. Then yes: it runs once.
    const history = [...user('Please refund order 7731, 40 EUR.'), ...first.response.messages];
    await generateText({ ...base, messages: [...history, { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: request.approvalId, approved: false }] }] });
    expect(support.ran).toEqual([]);
    await generateText({ ...base, messages: [...history, { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: request.approvalId, approved: true }] }] });
    expect(support.ran).toEqual(['refund_issue 7731 40']);
    await finish(kit, session);
  });

  it('a needsApproval answering false, or one that throws (denied), is honoured too', async () => {
    const { kit, session } = await open();
    const quiet = withOwnApproval(() => false);
    const model = new MockLanguageModelV4({ doGenerate: [calls({ toolName: 'refund_issue', input: { order: '7731', amount: 40 }, toolCallId: 'c1' }), say('a')] });
    await generateText({ model, tools: writTools(quiet.tools, { session }), toolApproval: writToolApproval({ session }), messages: user('Please refund order 7731, 40 EUR.'), stopWhen: stepCountIs(3) });
    expect(quiet.support.ran).toEqual(['refund_issue 7731 40']);
    const broken = withOwnApproval(() => Promise.reject(new Error('approval service down')));
    const model2 = new MockLanguageModelV4({ doGenerate: [calls({ toolName: 'refund_issue', input: { order: '7731', amount: 40 }, toolCallId: 'c2' }), say('a')] });
    const result = await generateText({ model: model2, tools: writTools(broken.tools, { session }), toolApproval: writToolApproval({ session }), messages: user('Please refund order 7731, 40 EUR.'), stopWhen: stepCountIs(3) });
    expect(broken.support.ran).toEqual([]);
    expect(JSON.stringify(result.steps[0]!.content)).toMatch(/execution-denied|"approved":false/);
    await finish(kit, session);
  });
});

describe('writTools + writToolApproval: the tool runs with the judged arguments', () => {
  function settings(session: FirewallSession, tools: ToolSet, script: ReturnType<typeof calls | typeof say>[]) {
    const model = new MockLanguageModelV4({ doGenerate: script });
    return { model, tools: writTools(tools, { session }), toolApproval: writToolApproval({ session }), stopWhen: stepCountIs(4) };
  }

  it('a schema transform is applied once: the tool gets exactly what the firewall judged', async () => {
    const { kit, session } = await open();
    const ran: unknown[] = [];
    const tools = {
      refund_issue: tool({ description: 'Refund', inputSchema: z.object({ order: z.string(), amount: z.number().transform((euros) => euros * 100) }), execute: (input) => (ran.push(input), 'ok') }),
    };
    await generateText({ ...settings(session, tools, [calls({ toolName: 'refund_issue', input: { order: '7731', amount: 40 }, toolCallId: 'c1' }), say('done')]), messages: user('Refund order 7731, 40 EUR (4000 cents).') });
    await session.end(); // receipts are written in batches; the final checkpoint flushes them
    const [decision] = await kit.bodies('decision-made');
    const [effect] = await kit.bodies('effect-executed');
    expect(ran).toEqual([{ order: '7731', amount: 4000 }]);
    expect(effect?.argsDigest).toBe(decision?.argsDigest);
    await finish(kit, session);
  });

  it('parallel calls sharing one call id: the one with other arguments never runs', async () => {
    const { kit, session } = await open();
    const support = supportTools('');
    const script = [calls({ toolName: 'refund_issue', input: { order: '7731', amount: 40 }, toolCallId: 'c1' }, { toolName: 'refund_issue', input: { order: '9999', amount: 400 }, toolCallId: 'c1' }), say('done')];
    await generateText({ ...settings(session, support.tools, script), messages: user('Please refund order 7731, 40 EUR. Maybe 9999, 400 EUR.') }).catch(() => undefined);
    // The SDK keeps one result per call id: here neither ran. Never the second.
    expect(support.ran.filter((r) => r !== 'refund_issue 7731 40')).toEqual([]);
    await finish(kit, session);
  });

  it('a call id reused in a later step with other arguments is refused; with the same ones it does not run again', async () => {
    const { kit, session } = await open();
    const support = supportTools('');
    const script = [
      calls({ toolName: 'refund_issue', input: { order: '7731', amount: 40 }, toolCallId: 'c1' }),
      calls({ toolName: 'refund_issue', input: { order: '7731', amount: 40 }, toolCallId: 'c1' }),
      calls({ toolName: 'refund_issue', input: { order: '7731', amount: 400 }, toolCallId: 'c1' }),
      say('done'),
    ];
    await generateText({ ...settings(session, support.tools, script), stopWhen: stepCountIs(5), messages: user('Please refund order 7731, 40 EUR, or 400 EUR.') });
    expect(support.ran).toEqual(['refund_issue 7731 40']);
    await finish(kit, session);
  });

  it('a client that edits the approved call input in the history before the continuation gets nothing run', async () => {
    const { kit, session } = await open();
    const support = supportTools('');
    const pending: PendingApproval[] = [];
    const model = new MockLanguageModelV4({ doGenerate: [calls({ toolName: 'refund_large', input: { order: '8800', amount: 900 }, toolCallId: 'c1' }), say('a'), say('b')] });
    const base = { model, tools: writTools(support.tools, { session }), toolApproval: writToolApproval({ session, onApprovalRequired: (p) => pending.push(p) }), stopWhen: stepCountIs(3) };
    const first = await generateText({ ...base, messages: user('Refund order 8800 in full, 900 EUR.') });
    const request = first.content.find((part) => part.type === 'tool-approval-request');
    if (request?.type !== 'tool-approval-request') throw new Error('no approval request');
    const history = JSON.parse(JSON.stringify(first.response.messages).replaceAll('"amount":900', '"amount":9000')) as ModelMessage[];
    expect(JSON.stringify(history)).toContain('"amount":9000');
    const signed = kit.approve(pending[0]!, 'manager');
    await generateText({
      ...base,
      messages: [...user('Refund order 8800 in full, 900 EUR.'), ...history, { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: request.approvalId, approved: true }] }],
      runtimeContext: { writ: { approvals: { c1: [signed] } } },
    }).catch(() => undefined);
    expect(support.ran).toEqual([]);
    await finish(kit, session);
  });

  it('streamText: a denied call is not run, an allowed one runs once through the gateway', async () => {
    const { kit, session } = await open();
    const support = supportTools('');
    const chunks = (list: Call[]) => ({
      stream: convertArrayToReadableStream([
        ...list.map((c) => ({ type: 'tool-call' as const, toolCallId: c.toolCallId, toolName: c.toolName, input: JSON.stringify(c.input) })),
        { type: 'finish' as const, finishReason: { unified: 'tool-calls' as const, raw: undefined }, usage },
      ]),
    });
    const text = { stream: convertArrayToReadableStream([{ type: 'text-start' as const, id: 't' }, { type: 'text-delta' as const, id: 't', delta: 'done' }, { type: 'text-end' as const, id: 't' }, { type: 'finish' as const, finishReason: { unified: 'stop' as const, raw: undefined }, usage }]) };
    const body = 'key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const model = new MockLanguageModelV4({ doStream: [chunks([{ toolName: 'email_send', input: { to: 'bob@example.com', body }, toolCallId: 'c1' }, { toolName: 'refund_issue', input: { order: '7731', amount: 40 }, toolCallId: 'c2' }]), text] });
    const result = streamText({ model, tools: writTools(support.tools, { session }), toolApproval: writToolApproval({ session }), messages: user('Email bob@example.com and refund order 7731, 40 EUR.'), stopWhen: stepCountIs(3) });
    await result.consumeStream();
    expect(support.ran).toEqual(['refund_issue 7731 40']);
    await session.end();
    expect((await kit.bodies('effect-executed')).map((e) => e.callId)).toEqual(['c2']);
    await finish(kit, session);
  });

  it('streamText with toolApproval but no writTools: refused like generateText', async () => {
    // GAP: the streaming path ran the raw execute after writToolApproval said `not-applicable`.
    const { kit, session } = await open();
    const support = supportTools('');
    const model = new MockLanguageModelV4({
      doStream: [
        {
          stream: convertArrayToReadableStream([
            { type: 'tool-call' as const, toolCallId: 'c1', toolName: 'refund_issue', input: JSON.stringify({ order: '7731', amount: 40 }) },
            { type: 'finish' as const, finishReason: { unified: 'tool-calls' as const, raw: undefined }, usage },
          ]),
        },
      ],
    });
    const errors: unknown[] = [];
    const result = streamText({ model, tools: support.tools, toolApproval: writToolApproval({ session }), messages: user('Please refund order 7731, 40 EUR.'), onError: ({ error }) => void errors.push(error) });
    try {
      for await (const part of result.fullStream) if (part.type === 'error') errors.push(part.error);
    } catch (error) {
      errors.push(error);
    }
    expect(support.ran).toEqual([]);
    expect(errors).toContainEqual(expect.objectContaining({ code: 'ERR_ADAPTER_TOOL_UNGUARDED' }));
    await finish(kit, session);
  });
});
