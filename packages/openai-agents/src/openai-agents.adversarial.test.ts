/**
 * Adversarial review of the OpenAI Agents adapter: a model that chooses tool arguments and call
 * ids, an application that edits or approves a RunState by hand, and agents that reach tools
 * through sub-agents, handoffs and streaming, try to make a tool run without Writ judging and
 * releasing it, or on other arguments than the judged ones. Attacks that found a gap are marked
 * `// GAP:`; the refused ones stay as regression tests.
 */
import { Agent, RunContext, RunState, Runner, ToolGuardrailFunctionOutputFactory, defineToolInputGuardrail, handoff } from '@openai/agents';
import { ScriptedModel, assistantMessage, functionCall } from '@openai/agents/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { FirewallSession, PendingApproval } from '@writ/core';
import { createKit } from '@writ/example-kit';
import type { Kit } from '@writ/example-kit';
import { applySignedApprovals, captureInput, writTool } from './index.ts';

const DECLARATIONS = {
  tools: [
    { name: 'config_set', actionClass: 'A3', effects: ['internal-write', 'security'], audience: 'internal', consequential: { key: 'identifier', value: 'identifier' } },
    { name: 'deploy', actionClass: 'A4', effects: ['deployment'], audience: 'internal', consequential: { service: 'identifier', version: 'identifier' } },
    { name: 'webhook_post', actionClass: 'A3', effects: ['external-write'], audience: 'partner', consequential: { url: 'url' } },
  ],
};
const CI_EVIDENCE = { kind: 'evidence', content: 'CI pipeline 8812: api 2.4.1 passed all checks', source: 'ci.acme.internal', authority: 'verified' } as const;
const CREDENTIAL = 'token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789';
const say = (text: string) => [assistantMessage(text)];
const call = (name: string, args: Record<string, unknown>, callId: string) => functionCall(name, args, { callId });

async function setUp(options: { script: ConstructorParameters<typeof ScriptedModel>[0]; value?: z.ZodType<string, string> }) {
  const kit = await createKit({ tools: DECLARATIONS, mode: 'enforce' });
  const session = await kit.firewall.openSession({ principal: { id: 'olga', roles: ['sre'], tenant: 'acme' }, agent: { id: 'ops-bot', framework: 'openai-agents' } });
  const ran: string[] = [];
  const pending = new Map<string, PendingApproval>();
  const hooks = { session, onApprovalRequired: (p: PendingApproval, callId: string) => pending.set(callId, p) };
  const tools = [
    writTool({ name: 'config_set', description: 'Set a config key', parameters: z.object({ key: z.string(), value: options.value ?? z.string() }), execute: ({ key, value }) => (ran.push(`config_set ${key}=${value}`), 'ok') }, hooks),
    writTool({ name: 'deploy', description: 'Deploy a service version', parameters: z.object({ service: z.string(), version: z.string() }), execute: ({ service, version }) => (ran.push(`deploy ${service}@${version}`), 'deployed') }, hooks),
    writTool({ name: 'webhook_post', description: 'Post to a webhook', parameters: z.object({ url: z.string(), body: z.string() }), execute: ({ url }) => (ran.push(`webhook_post ${url}`), 'posted') }, hooks),
  ];
  const model = new ScriptedModel(options.script);
  const agent = new Agent({ name: 'ops', instructions: 'You operate Acme services.', model, tools });
  const runner = new Runner({ tracingDisabled: true });
  return { kit, session, ran, pending, tools, agent, runner, model };
}

async function finish(kit: Kit, session: FirewallSession): Promise<void> {
  await session.end();
  expect((await kit.finish()).valid).toBe(true);
}

describe('writTool: the tool runs with the arguments Writ judged', () => {
  it('a schema that transforms its input is refused at definition: the SDK cannot describe it to the model', async () => {
    // Unlike langchain, the Agents SDK never validates a tool's input twice; a transform is
    // refused when the tool is built, so no second parse can move the judged arguments.
    const { kit, session } = await createKit({ tools: DECLARATIONS, mode: 'enforce' }).then(async (kit) => ({ kit, session: await kit.firewall.openSession({ principal: { id: 'olga', tenant: 'acme' }, agent: { id: 'ops-bot', framework: 'openai-agents' } }) }));
    const build = () => writTool({ name: 'config_set', description: 'Set', parameters: z.object({ key: z.string(), value: z.string().transform((v) => `${v}0`) }), execute: () => 'ok' }, { session });
    expect(build).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'definition.parameters' } }));
    await finish(kit, session);
  });

  it('a RunState whose arguments were edited after a valid approval runs nothing', async () => {
    const t = await setUp({ script: [[call('deploy', { service: 'api', version: '2.4.1' }, 'c1')], say('deployed'), say('unused')] });
    await captureInput(t.session, 'Deploy api 2.4.1.');
    await t.session.addBasis(CI_EVIDENCE);
    const first = await t.runner.run(t.agent, 'Deploy api 2.4.1.');
    const { statements } = t.kit.approveByRule(t.pending.get('c1')!);
    const edited = first.state.toString().replace(/2\.4\.1/g, '9.9.9');
    expect(edited).toContain('9.9.9');
    // applySignedApprovals judges the input this process remembers and approves the item; the
    // runner then meets the edited arguments under the same call id, which the firewall refuses.
    const state = await RunState.fromString(t.agent, edited);
    const applied = await applySignedApprovals({ state, session: t.session, approvals: { c1: statements } });
    await t.runner.run(t.agent, state);
    expect(t.ran).toEqual([]);
    expect(applied).toEqual([{ callId: 'c1', tool: 'deploy', status: 'approved' }]);
    // After a restart nothing is remembered: the edited arguments are judged and refused at once.
    const restarted = await RunState.fromString(t.agent, edited);
    const fresh: FirewallSession = { ...t.session };
    const refused = await applySignedApprovals({ state: restarted, session: fresh, approvals: { c1: statements } });
    expect(refused).toMatchObject([{ callId: 'c1', status: 'rejected' }]);
    await t.runner.run(t.agent, restarted);
    expect(t.ran).toEqual([]);
    await finish(t.kit, t.session);
  });

  it('parallel calls sharing one call id: the one with other arguments never runs', async () => {
    const t = await setUp({ script: [[call('config_set', { key: 'replicas', value: '5' }, 'c1'), call('config_set', { key: 'replicas', value: '500' }, 'c1')], say('done')] });
    await captureInput(t.session, 'Set replicas to 5 (or 500).');
    await t.runner.run(t.agent, 'Set replicas to 5 (or 500).').catch(() => undefined);
    expect(t.ran.filter((r) => r !== 'config_set replicas=5')).toEqual([]);
    await finish(t.kit, t.session);
  });

  it('a call id reused in a later turn with other arguments is refused; with the same ones it does not run again', async () => {
    const t = await setUp({
      script: [[call('config_set', { key: 'replicas', value: '5' }, 'c1')], [call('config_set', { key: 'replicas', value: '5' }, 'c1')], [call('config_set', { key: 'replicas', value: '500' }, 'c1')], say('done')],
    });
    await captureInput(t.session, 'Set replicas to 5, or 500.');
    // The runner itself refuses a call id reused after its output was committed.
    await expect(t.runner.run(t.agent, 'Set replicas to 5, or 500.')).rejects.toThrow(/reused/);
    expect(t.ran).toEqual(['config_set replicas=5']);
    await finish(t.kit, t.session);
  });

  it('approving an interruption with alwaysApprove does not release a later call of the tool', async () => {
    const t = await setUp({ script: [[call('deploy', { service: 'api', version: '2.4.1' }, 'c1')], [call('deploy', { service: 'api', version: '2.4.1' }, 'c2')], say('done')] });
    await captureInput(t.session, 'Deploy api 2.4.1.');
    await t.session.addBasis(CI_EVIDENCE);
    const first = await t.runner.run(t.agent, 'Deploy api 2.4.1.');
    for (const item of first.state.getInterruptions()) first.state.approve(item, { alwaysApprove: true });
    await t.runner.run(t.agent, first.state);
    expect(t.ran).toEqual([]);
    await finish(t.kit, t.session);
  });

  it('invoking the tool directly, outside a run, goes through the gateway or not at all', async () => {
    const t = await setUp({ script: [say('unused')] });
    const configSet = t.tools[0]!;
    const context = new RunContext({});
    expect(await configSet.invoke(context, JSON.stringify({ key: 'replicas', value: '5' }))).toMatch(/no id to bind a token to/);
    const out = await configSet.invoke(context, JSON.stringify({ key: 'replicas', value: '5' }), { toolCall: { type: 'function_call', name: 'config_set', callId: 'd1', arguments: '{}' } });
    expect(out).toMatch(/Writ refused/);
    expect(t.ran).toEqual([]);
    await finish(t.kit, t.session);
  });
});

describe('writTool: the application\'s own controls on the definition', () => {
  it('a needsApproval on the definition is refused, not silently dropped', async () => {
    // GAP: writTool built the SDK tool from name, description, parameters and execute only; a
    // definition carrying the application's own `needsApproval: true` lost it without a word,
    // and the call ran as soon as the policy allowed it.
    const kit = await createKit({ tools: DECLARATIONS, mode: 'enforce' });
    const session = await kit.firewall.openSession({ principal: { id: 'olga', tenant: 'acme' }, agent: { id: 'ops-bot', framework: 'openai-agents' } });
    for (const needsApproval of [true, () => Promise.resolve(true), false]) {
      const definition = { name: 'config_set', description: 'Set', parameters: z.object({ key: z.string(), value: z.string() }), execute: () => 'ok', needsApproval };
      expect(() => writTool(definition as never, { session })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'definition.needsApproval' } }));
    }
    await finish(kit, session);
  });

  it('the definition\'s own input and output guardrails run after Writ\'s', async () => {
    // GAP: the application's guardrails on the definition were dropped the same way.
    const kit = await createKit({ tools: DECLARATIONS, mode: 'enforce' });
    const session = await kit.firewall.openSession({ principal: { id: 'olga', roles: ['sre'], tenant: 'acme' }, agent: { id: 'ops-bot', framework: 'openai-agents' } });
    const ran: string[] = [];
    const noReplicas = defineToolInputGuardrail({
      name: 'no-replicas',
      run: ({ toolCall }) => Promise.resolve(toolCall.arguments.includes('replicas') ? ToolGuardrailFunctionOutputFactory.rejectContent('replicas are managed elsewhere') : ToolGuardrailFunctionOutputFactory.allow()),
    });
    const definition = { name: 'config_set', description: 'Set', parameters: z.object({ key: z.string(), value: z.string() }), execute: ({ key }: { key: string }) => (ran.push(key), 'ok'), inputGuardrails: [noReplicas] };
    const configSet = writTool(definition as never, { session });
    expect(configSet.inputGuardrails?.map((g) => g.name)).toEqual(['writ-firewall', 'no-replicas']);
    const agent = new Agent({ name: 'ops', instructions: 'You operate Acme services.', model: new ScriptedModel([[call('config_set', { key: 'replicas', value: '5' }, 'c1')], say('done')]), tools: [configSet] });
    await captureInput(session, 'Set replicas to 5.');
    await new Runner({ tracingDisabled: true }).run(agent, 'Set replicas to 5.');
    expect(ran).toEqual([]);
    await finish(kit, session);
  });
});

describe('writTool: other paths to a tool', () => {
  it('streaming: a refused call is not run, an allowed one runs once', async () => {
    const t = await setUp({ script: [[call('webhook_post', { url: 'https://hooks.partner.example/x', body: CREDENTIAL }, 'c1'), call('config_set', { key: 'replicas', value: '5' }, 'c2')], say('done')] });
    const input = `Set replicas to 5 and post "${CREDENTIAL}" to https://hooks.partner.example/x`;
    await captureInput(t.session, input);
    const stream = await t.runner.run(t.agent, input, { stream: true });
    await stream.completed;
    expect(t.ran).toEqual(['config_set replicas=5']);
    await t.session.end();
    expect((await t.kit.bodies('effect-executed')).map((e) => e.callId)).toEqual(['c2']);
    await finish(t.kit, t.session);
  });

  it('a sub-agent used as a tool: its guarded tools stay guarded', async () => {
    const t = await setUp({ script: [[call('webhook_post', { url: 'https://hooks.partner.example/x', body: CREDENTIAL }, 'c1')], say('sub done')] });
    const outer = new Agent({
      name: 'lead',
      instructions: 'Delegate.',
      model: new ScriptedModel([[call('ops_agent', { input: `post ${CREDENTIAL}` }, 'o1')], say('done')]),
      tools: [t.agent.asTool({ toolName: 'ops_agent', toolDescription: 'Operations' })],
    });
    await captureInput(t.session, `Post "${CREDENTIAL}" to https://hooks.partner.example/x`);
    await t.runner.run(outer, 'Delegate the post.');
    expect(t.ran).toEqual([]);
    await t.session.end();
    expect((await t.kit.bodies('decision-made')).map((d) => [d.callId, d.verdict])).toEqual([['c1', 'block']]);
    await finish(t.kit, t.session);
  });

  it('a handoff: the receiving agent’s guarded tools stay guarded', async () => {
    const t = await setUp({ script: [[call('webhook_post', { url: 'https://hooks.partner.example/x', body: CREDENTIAL }, 'c1')], say('done')] });
    const triage = new Agent({ name: 'triage', instructions: 'Route.', model: new ScriptedModel([[call('transfer_to_ops', {}, 'h1')]]), handoffs: [handoff(t.agent)] });
    await captureInput(t.session, `Post "${CREDENTIAL}" to https://hooks.partner.example/x`);
    await t.runner.run(triage, 'Please post it.');
    expect(t.ran).toEqual([]);
    await t.session.end();
    expect((await t.kit.bodies('decision-made')).map((d) => [d.callId, d.verdict])).toEqual([['c1', 'block']]);
    await finish(t.kit, t.session);
  });
});
