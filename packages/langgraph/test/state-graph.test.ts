// Integration: a hand-built StateGraph with LangGraph's own ToolNode and fake model,
// tools wrapped by writTool, approvals through interrupt()/Command({ resume }).
import { Command, END, MemorySaver, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode } from '@langchain/langgraph/prebuilt';
import type { FirewallSession } from '@writ/core';
import { AIMessage, HumanMessage, SystemMessage, fakeModel } from 'langchain';
import type { BaseMessage } from 'langchain';
import { describe, expect, it } from 'vitest';
import type { WritApprovalRequest } from '../src/index.ts';
import { writTool } from '../src/index.ts';
import { ATTACKER_IBAN, USER_IBAN, entries, entriesFor, financeTools, openKit } from './support.ts';

type Call = { name: string; args: Record<string, unknown>; id: string };

function graphFor(options: { session: FirewallSession; script: Call[][] }) {
  const { tools, ran } = financeTools();
  let model = fakeModel();
  for (const calls of options.script) model = model.respondWithTools(calls);
  model = model.respond(new AIMessage('done'));
  const wrapped = tools.map((t) => writTool(t, { session: options.session }));
  const graph = new StateGraph(MessagesAnnotation)
    .addNode('model', async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode('tools', new ToolNode(wrapped))
    .addEdge(START, 'model')
    .addConditionalEdges('model', (state) => ((state.messages.at(-1) as AIMessage).tool_calls?.length ? 'tools' : END))
    .addEdge('tools', 'model')
    .compile({ checkpointer: new MemorySaver() });
  return { graph, ran };
}

const config = { configurable: { thread_id: 'graph-1' } };
const start = (text: string) => ({ messages: [new SystemMessage('You are the accounts-payable assistant of ACME.'), new HumanMessage(text)] });

function toolMessage(messages: BaseMessage[], callId: string) {
  const found = messages.find((m) => m.getType() === 'tool' && (m as unknown as { tool_call_id: string }).tool_call_id === callId);
  if (found === undefined) throw new Error(`no tool message for ${callId}`);
  return found as BaseMessage & { status?: string };
}

describe('writTool (StateGraph + ToolNode)', () => {
  it('keeps the name, description and schema of the wrapped tool', () => {
    const { tools } = financeTools();
    return openKit().then(async ({ kit, session }) => {
      const wrapped = writTool(tools[1]!, { session });
      expect([wrapped.name, wrapped.description, wrapped.schema]).toEqual([tools[1]!.name, tools[1]!.description, tools[1]!.schema]);
      await session.end();
      expect((await kit.finish()).valid).toBe(true);
    });
  });

  it('runs an allowed call once and blocks an injected IBAN taken from an email', async () => {
    const { kit, session } = await openKit();
    const { graph, ran } = graphFor({
      session,
      script: [
        [{ name: 'vendor_pay', args: { iban: USER_IBAN, amount: 120 }, id: 'c1' }],
        [{ name: 'email_read', args: {}, id: 'c2' }],
        [{ name: 'vendor_pay', args: { iban: ATTACKER_IBAN, amount: 120 }, id: 'c3' }],
      ],
    });
    const result = await graph.invoke(start(`Pay 120 EUR to ${USER_IBAN}, then check my inbox`), config);
    expect(ran).toMatchObject({ vendor_pay: 1, email_read: 1 });
    expect(toolMessage(result.messages, 'c1').text).toBe(`paid 120 to ${USER_IBAN}`);
    const blocked = toolMessage(result.messages, 'c3');
    expect(blocked.status).toBe('error');
    expect(blocked.text).toMatch(/taint|untrusted/i);
    expect((await entriesFor(kit, { session, type: 'decision-made', callId: 'c3' }))[0]?.body.decision).toBe('deny');
    await session.end();
    expect((await kit.finish()).valid).toBe(true);
  });

  it('pauses in the tool node for approval, refuses a forged one and runs once with a valid one', async () => {
    const { kit, session } = await openKit();
    const { graph, ran } = graphFor({ session, script: [[{ name: 'vendor_pay_large', args: { iban: USER_IBAN, amount: 9000 }, id: 'c1' }]] });
    const paused = (await graph.invoke(start(`Pay invoice 4411: 9000 EUR to ${USER_IBAN}`), config)) as { __interrupt__?: { value: WritApprovalRequest }[] };
    const request = paused.__interrupt__![0]!.value;
    expect(request).toMatchObject({ tool: 'vendor_pay_large', callId: 'c1', refused: false });
    const forged = (await graph.invoke(new Command({ resume: [kit.forge(request.pending)] }), config)) as typeof paused;
    expect(forged.__interrupt__![0]!.value.refused).toBe(true);
    expect(ran.vendor_pay_large).toBe(0);
    const done = await graph.invoke(new Command({ resume: { approvals: [kit.approve(request.pending, 'manager')] } }), config);
    expect(ran.vendor_pay_large).toBe(1);
    expect(toolMessage(done.messages, 'c1').text).toBe(`paid 9000 to ${USER_IBAN}`);
    // The tool node re-ran from the top on each resume (forged, then valid): one decision for the call.
    const all = await entries(kit, session);
    expect(all.filter((e) => e.type === 'decision-made' && e.body.callId === 'c1').map((e) => e.body.decision)).toEqual(['require-approval']);
    expect(all.filter((e) => e.type === 'effect-executed' && e.body.callId === 'c1')).toHaveLength(1);
    expect((await kit.finish()).valid).toBe(true);
  });
  it('runs a parallel sibling call once when the tool node re-runs after an approval', async () => {
    const { kit, session } = await openKit();
    const { graph, ran } = graphFor({
      session,
      script: [[{ name: 'vendor_pay', args: { iban: USER_IBAN, amount: 120 }, id: 'c1' }, { name: 'vendor_pay_large', args: { iban: USER_IBAN, amount: 9000 }, id: 'c2' }]],
    });
    const paused = (await graph.invoke(start(`Pay 120 EUR and 9000 EUR to ${USER_IBAN}`), config)) as { __interrupt__?: { value: WritApprovalRequest }[] };
    const request = paused.__interrupt__![0]!.value;
    const done = await graph.invoke(new Command({ resume: kit.approve(request.pending, 'manager') }), config);
    expect(ran).toMatchObject({ vendor_pay: 1, vendor_pay_large: 1 });
    expect(toolMessage(done.messages, 'c1').text).toBe(`paid 120 to ${USER_IBAN}`);
    expect(await entriesFor(kit, { session, type: 'decision-made', callId: 'c1' })).toHaveLength(1);
    expect((await kit.finish()).valid).toBe(true);
  });

  it('records the last tool output of a run as basis when the tool produces it, once per call', async () => {
    const { kit, session } = await openKit();
    // The graph ends after the model reads the email: no later tool node captures the graph's messages.
    const { graph } = graphFor({ session, script: [[{ name: 'vendor_pay', args: { iban: USER_IBAN, amount: 120 }, id: 'c1' }], [{ name: 'email_read', args: {}, id: 'c2' }]] });
    await graph.invoke(start(`Pay 120 EUR to ${USER_IBAN}, then check my inbox`), config);
    const outputs = (await entries(kit, session)).filter((e) => e.type === 'basis-added' && e.body.kind === 'tool-output');
    expect(outputs.map((e) => [e.body.source, e.body.authority])).toEqual([
      ['tool:vendor_pay#c1', expect.any(String)],
      ['tool:email_read#c2', 'untrusted'],
    ]);
    expect((await kit.finish()).valid).toBe(true);
  });
});
