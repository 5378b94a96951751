import { Agent, Runner } from '@openai/agents';
import { ScriptedModel, assistantMessage, functionCall } from '@openai/agents/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryApprovalStore, MemoryLedgerStore, MemoryNonceStore, WritError, createFirewall, parseEntry, parseToolRegistry, signApproval, verifyTranscript } from '@writ/core';
import type { FirewallMode, FirewallPolicy, GuardResult, JsonObject, PendingApproval } from '@writ/core';
import { createWorld, sharedPolicies } from '@writ/example-kit';
import { applySignedApprovals, captureInput, writTool } from './index.ts';

const DECLARATIONS = {
  tools: [
    { name: 'config_set', actionClass: 'A3', effects: ['internal-write', 'security'], audience: 'internal', consequential: { key: 'identifier', value: 'identifier' } },
    { name: 'deploy', actionClass: 'A4', effects: ['deployment'], audience: 'internal', consequential: { service: 'identifier', version: 'identifier' } },
    { name: 'webhook_post', actionClass: 'A3', effects: ['external-write'], audience: 'partner', consequential: { url: 'url' } },
  ],
};
const CREDENTIAL = 'token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789';
const CI_EVIDENCE = { kind: 'evidence', content: 'CI pipeline 8812: api 2.4.1 passed all checks', source: 'ci.acme.internal', authority: 'verified' } as const;
const say = (text: string) => [assistantMessage(text)];
const call = (name: string, args: Record<string, unknown>, callId: string) => [functionCall(name, args, { callId })];
const storeDown = () => new WritError('ERR_STORE_IO', 'store unavailable');

/** A firewall built by hand (not the kit) so `env` and breakable stores are the test's own. */
async function setUp(options: { mode?: FirewallMode; env?: Record<string, string>; policy?: FirewallPolicy; script: ConstructorParameters<typeof ScriptedModel>[0] }) {
  const world = createWorld();
  const policy = options.policy ?? (await sharedPolicies());
  const ledger = new MemoryLedgerStore();
  const nonces = new MemoryNonceStore();
  const broken = { ledger: false, nonces: false };
  const append = ledger.append.bind(ledger);
  ledger.append = (drafts) => (broken.ledger ? Promise.reject(storeDown()) : append(drafts));
  const consume = nonces.consume.bind(nonces);
  nonces.consume = (input) => (broken.nonces ? Promise.reject(storeDown()) : consume(input));
  const firewall = await createFirewall({
    policy,
    keys: { authority: world.authority },
    trustRoot: world.trustRoot,
    stores: { ledger, nonces, approvals: new MemoryApprovalStore() },
    tools: parseToolRegistry(DECLARATIONS),
    mode: options.mode ?? 'enforce',
    env: options.env ?? {},
  });
  const session = await firewall.openSession({ principal: { id: 'olga', roles: ['sre'], tenant: 'acme' }, agent: { id: 'ops-bot', framework: 'openai-agents' } });
  const ran: string[] = [];
  const pending = new Map<string, PendingApproval>();
  const seen: GuardResult[] = [];
  const hooks = { session, onApprovalRequired: (p: PendingApproval, callId: string) => pending.set(callId, p), onDecision: (r: GuardResult) => seen.push(r) };
  const tools = [
    writTool({ name: 'config_set', description: 'Set a config key', parameters: z.object({ key: z.string(), value: z.string() }), execute: ({ key, value }) => (ran.push(`config_set ${key}=${value}`), 'ok') }, hooks),
    writTool({ name: 'deploy', description: 'Deploy a service version', parameters: z.object({ service: z.string(), version: z.string() }), execute: ({ service, version }) => (ran.push(`deploy ${service}@${version}`), 'deployed') }, hooks),
    writTool({ name: 'webhook_post', description: 'Post to a webhook', parameters: z.object({ url: z.string(), body: z.string() }), execute: ({ url }) => (ran.push(`webhook_post ${url}`), 'posted') }, hooks),
  ];
  const model = new ScriptedModel(options.script);
  const agent = new Agent({ name: 'ops', instructions: 'You operate Acme services.', model, tools });
  const runner = new Runner({ tracingDisabled: true });

  /** The verdicts of the decision-made entries, per call id, in ledger order. */
  async function decisionsByCall(): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for await (const stored of ledger.read()) {
      const entry = parseEntry(stored.line);
      if (entry.type === 'decision-made') (out[JSON.stringify(entry.body.callId).slice(1, -1)] ??= []).push(entry.body.verdict);
    }
    return out;
  }
  async function decision(callId: string) {
    for await (const stored of ledger.read()) {
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
    for await (const stored of ledger.read()) lines.push(stored.line);
    const checkpoints: string[] = [];
    for await (const checkpoint of ledger.checkpoints()) checkpoints.push(checkpoint.note);
    return verifyTranscript({ entries: lines, checkpoints, trustRoot: world.trustRoot });
  }
  const modelInput = () => JSON.stringify(model.lastCall?.request.input);
  return { world, policy, session, ran, pending, seen, agent, runner, model, broken, decisionsByCall, decision, finish, modelInput };
}

describe('writTool: modes', () => {
  it('advisory: the credential post runs and onDecision carries the warning', async () => {
    const t = await setUp({ mode: 'advisory', script: [call('webhook_post', { url: 'https://hooks.partner.example/x', body: CREDENTIAL }, 'c1'), say('posted')] });
    await captureInput(t.session, 'Post the status to https://hooks.partner.example/x');
    await t.runner.run(t.agent, 'Post the status to https://hooks.partner.example/x');
    expect(t.ran).toEqual(['webhook_post https://hooks.partner.example/x']);
    expect(t.seen.length).toBeGreaterThan(0);
    for (const result of t.seen) {
      expect(result).toMatchObject({ callId: 'c1', mode: 'advisory', verdict: 'execute', wouldHave: 'block', warning: expect.stringMatching(/^\[advisory\] enforce would block this call: /) });
    }
    expect(await t.decision('c1')).toMatchObject({ mode: 'advisory', wouldHave: 'block' });
    expect((await t.finish()).valid).toBe(true);
  });

  it('advisory: a deploy that needs approval runs without an interruption, and onDecision says enforce would have asked', async () => {
    const t = await setUp({ mode: 'advisory', script: [call('deploy', { service: 'api', version: '2.4.1' }, 'c1'), say('deployed')] });
    await captureInput(t.session, 'Deploy api 2.4.1.');
    await t.session.addBasis(CI_EVIDENCE);
    const result = await t.runner.run(t.agent, 'Deploy api 2.4.1.');
    expect(result.interruptions).toEqual([]);
    expect(t.ran).toEqual(['deploy api@2.4.1']);
    expect(t.pending.size).toBe(0);
    expect(t.seen[0]).toMatchObject({ callId: 'c1', mode: 'advisory', verdict: 'execute', wouldHave: 'approval-required', warning: expect.stringMatching(/^\[advisory\] enforce would require approval for this call: /) });
    expect((await t.finish()).valid).toBe(true);
  });

  it('WRIT_MODE in the firewall env overrides the configured enforce for one tool', async () => {
    const t = await setUp({ env: { WRIT_MODE: 'tool:webhook_post=shadow' }, script: [call('webhook_post', { url: 'https://hooks.partner.example/x', body: CREDENTIAL }, 'c1'), say('posted')] });
    await t.runner.run(t.agent, 'Post the status to https://hooks.partner.example/x');
    expect(t.ran).toEqual(['webhook_post https://hooks.partner.example/x']);
    expect(await t.decision('c1')).toMatchObject({ mode: 'shadow', wouldHave: 'block' });
    expect((await t.finish()).valid).toBe(true);
  });

  it('WRIT_MODE=enforce in the env overrides a configured shadow: the credential post is rejected', async () => {
    const t = await setUp({ mode: 'shadow', env: { WRIT_MODE: 'enforce' }, script: [call('webhook_post', { url: 'https://hooks.partner.example/x', body: CREDENTIAL }, 'c1'), say('not posted')] });
    await t.runner.run(t.agent, 'Post the status to https://hooks.partner.example/x');
    expect(t.ran).toEqual([]);
    expect(await t.decision('c1')).toMatchObject({ mode: 'enforce', verdict: 'block' });
    expect(t.modelInput()).toMatch(/Writ refused webhook_post/);
    expect((await t.finish()).valid).toBe(true);
  });
});

describe('writTool: failures in enforce', () => {
  it('a ledger that cannot record the decision: the tool does not run and the model reads a refusal', async () => {
    const t = await setUp({ script: [call('config_set', { key: 'replicas', value: '5' }, 'c1'), say('could not')] });
    await captureInput(t.session, 'Set replicas to 5.');
    t.broken.ledger = true;
    await t.runner.run(t.agent, 'Set replicas to 5.');
    expect(t.ran).toEqual([]);
    expect(t.modelInput()).toMatch(/Writ refused config_set: the firewall could not record this call/);
    // The recorder stays poisoned (core/firewall/recorder.ts) until the firewall is reopened.
    t.broken.ledger = false;
    expect(await t.session.guard({ tool: 'config_set', args: { key: 'replicas', value: '5' }, callId: 'c1' })).toMatchObject({ verdict: 'block' });
    expect(t.ran).toEqual([]);
    expect((await t.finish({ poisoned: true })).valid).toBe(true);
  });

  it('a policy that throws: the tool does not run and the model reads a refusal', async () => {
    const failing: FirewallPolicy = { digest: `sha256:${'cd'.repeat(32)}`, evaluate: () => Promise.reject(new Error('policy engine crashed')) };
    const t = await setUp({ policy: failing, script: [call('config_set', { key: 'replicas', value: '5' }, 'c1'), say('could not')] });
    await t.runner.run(t.agent, 'Set replicas to 5.');
    expect(t.ran).toEqual([]);
    expect(t.modelInput()).toMatch(/Writ refused config_set: the policy could not be evaluated/);
    expect((await t.finish()).valid).toBe(true);
  });

  it('a nonce store that fails at the gateway: the allowed tool is not run and the model reads a refusal', async () => {
    const t = await setUp({ script: [call('config_set', { key: 'replicas', value: '5' }, 'c1'), say('could not')] });
    await captureInput(t.session, 'Set replicas to 5.');
    t.broken.nonces = true;
    await t.runner.run(t.agent, 'Set replicas to 5.');
    expect(t.ran).toEqual([]);
    // The model reads the gateway's own reason, not a generic output refusal.
    expect(t.modelInput()).toMatch(/"output":\{"type":"text","text":"Writ refused config_set: the nonce store failed\."\}/);
    expect((await t.finish()).valid).toBe(true);
  });
});

describe('writTool + applySignedApprovals: decisions per call in the transcript', () => {
  // One decision per tool call (issue 6): the firewall re-checks an approved call on resume but
  // records its release under the approval-required decision (token-issued cites its decisionId),
  // so an approval round trip leaves one decision for its call and framework re-runs add none.
  it('an allowed call has one decision; an approved call one (the release cites it); the resume adds none', async () => {
    const t = await setUp({ script: [call('config_set', { key: 'replicas', value: '5' }, 'c0'), call('deploy', { service: 'api', version: '2.4.1' }, 'c1'), say('deployed'), say('unused')] });
    const input = 'Set replicas to 5, then deploy api 2.4.1.';
    await captureInput(t.session, input);
    await t.session.addBasis(CI_EVIDENCE);
    const first = await t.runner.run(t.agent, input);
    expect(first.interruptions).toHaveLength(1);
    expect(await t.decisionsByCall()).toEqual({ c0: ['execute'], c1: ['approval-required'] });
    const pending = t.pending.get('c1')!;
    const rule = typeof pending.rule.rule === 'string' ? pending.rule.rule : 'approval';
    const roles = Array.isArray(pending.rule.roles) ? pending.rule.roles.filter((r): r is string => typeof r === 'string' && t.world.approvers.has(r)) : ['manager'];
    const threshold = typeof pending.rule.threshold === 'number' ? pending.rule.threshold : 1;
    const statements = roles.slice(0, threshold).map(
      (role) => signApproval({ signer: t.world.approvers.get(role)!, role, intent: pending.intentDigest, policy: { digest: t.policy.digest as `sha256:${string}`, rule }, now: new Date() }).envelope as unknown as JsonObject,
    );
    expect(await applySignedApprovals({ state: first.state, session: t.session, approvals: { c1: statements } })).toEqual([{ callId: 'c1', tool: 'deploy', status: 'approved' }]);
    expect(await t.decisionsByCall()).toEqual({ c0: ['execute'], c1: ['approval-required'] });
    await t.runner.run(t.agent, first.state);
    expect(t.ran).toEqual(['config_set replicas=5', 'deploy api@2.4.1']);
    expect(await t.decisionsByCall()).toEqual({ c0: ['execute'], c1: ['approval-required'] });
    expect((await t.finish()).valid).toBe(true);
  });

  it('a forged approval applied to the RunState, and the resume, record no further decision for the call', async () => {
    const t = await setUp({ script: [call('deploy', { service: 'api', version: '2.4.1' }, 'c1'), say('not deployed'), say('unused')] });
    await captureInput(t.session, 'Deploy api 2.4.1.');
    await t.session.addBasis(CI_EVIDENCE);
    const first = await t.runner.run(t.agent, 'Deploy api 2.4.1.');
    const pending = t.pending.get('c1')!;
    const forged = signApproval({ signer: t.world.outsider, role: 'manager', intent: pending.intentDigest, policy: { digest: t.policy.digest as `sha256:${string}`, rule: 'approval' }, now: new Date() }).envelope as unknown as JsonObject;
    expect(await applySignedApprovals({ state: first.state, session: t.session, approvals: { c1: [forged] } })).toMatchObject([{ callId: 'c1', status: 'rejected' }]);
    await t.runner.run(t.agent, first.state);
    expect(t.ran).toEqual([]);
    expect(await t.decisionsByCall()).toEqual({ c1: ['approval-required'] });
    expect((await t.finish()).valid).toBe(true);
  });
});
