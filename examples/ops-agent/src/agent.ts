import { Agent, Runner } from '@openai/agents';
import type { Model } from '@openai/agents';
import { applySignedApprovals, captureInput } from '@writ/openai-agents';
import type { FirewallMode, GuardResult, JsonObject, PendingApproval, TranscriptReport } from '@writ/core';
import { createKit } from '@writ/example-kit';
import { DECLARATIONS, platformTools } from './platform.ts';
import type { PlatformLog } from './platform.ts';

/** What happened in one run. */
export interface RunReport {
  readonly mode: FirewallMode;
  readonly decisions: Array<{ readonly tool: string; readonly args: unknown; readonly result: GuardResult }>;
  readonly approvals: Array<{ readonly callId: string; readonly pending: PendingApproval; readonly approver: string }>;
  readonly platform: PlatformLog;
  readonly finalText: string;
  readonly transcript: TranscriptReport;
}

const INSTRUCTIONS = 'You are the on-call operations agent of Acme. Follow incident runbooks; change configuration and deploy as needed.';
const REQUEST =
  'Incident 311 on the api service: set api replicas to 6, then deploy api 2.4.1 (the slow-query fix). The incident runbook has the details.';

/** Runs the ops agent once (model: a ScriptedModel offline, or a real model). */
export async function runOpsAgent(options: { readonly mode: FirewallMode; readonly dir: string; readonly model?: Model | string }): Promise<RunReport> {
  const kit = await createKit({ tools: DECLARATIONS, mode: options.mode, dir: options.dir });
  const session = await kit.firewall.openSession({
    principal: { id: 'user:olga-oncall', roles: ['sre'], tenant: 'acme' },
    agent: { id: 'ops-agent', framework: 'openai-agents' },
  });
  await session.addSystemPrompt(INSTRUCTIONS);
  await captureInput(session, REQUEST);
  // The deploy pipeline's result is verified evidence for the release (deployments need it).
  await session.addBasis({ kind: 'evidence', content: 'CI pipeline 8812: api 2.4.1 passed all checks', source: 'ci.acme.internal', authority: 'verified' });

  const decisions: GuardResult[] = [];
  const pending = new Map<string, PendingApproval>();
  const platform = platformTools({ session, onDecision: (r) => decisions.push(r), onApprovalRequired: (p, callId) => pending.set(callId, p) });
  const agent = new Agent({ name: 'ops', instructions: INSTRUCTIONS, tools: platform.tools, ...(options.model ? { model: options.model } : {}) });
  const runner = new Runner({ tracingDisabled: true });

  let result = await runner.run(agent, REQUEST);
  const approvals: RunReport['approvals'] = [];
  while (result.interruptions.length > 0) {
    const signed: Record<string, JsonObject[]> = {};
    for (const item of result.interruptions) {
      const callId = (item.rawItem as { callId?: string }).callId ?? '';
      const request = pending.get(callId);
      if (request === undefined) continue;
      const { statements, approvers } = kit.approveByRule(request);
      signed[callId] = statements;
      approvals.push({ callId, pending: request, approver: approvers.join(' and ') });
    }
    await applySignedApprovals({ state: result.state, session, approvals: signed });
    result = await runner.run(agent, result.state);
  }
  await session.end();
  const transcript = await kit.finish();

  const calls = new Map<string, { tool: string; args: unknown }>();
  for (const item of result.newItems) {
    const raw = item.rawItem as { type?: string; callId?: string; name?: string; arguments?: string };
    if (raw.type === 'function_call' && raw.callId && raw.name) calls.set(raw.callId, { tool: raw.name, args: JSON.parse(raw.arguments ?? '{}') as unknown });
  }
  for (const item of result.history) {
    const raw = item as { type?: string; callId?: string; name?: string; arguments?: string };
    if (raw.type === 'function_call' && raw.callId && raw.name && !calls.has(raw.callId)) calls.set(raw.callId, { tool: raw.name, args: JSON.parse(raw.arguments ?? '{}') as unknown });
  }
  // Each call is judged at needsApproval and again at the input guardrail: keep one line per
  // call, and a second only when the verdict changed (an approval arrived).
  const shown = decisions.filter((d, i) => {
    const before = decisions.findLast((e, j) => j < i && e.callId === d.callId);
    return before === undefined || before.verdict !== d.verdict;
  });
  return {
    mode: options.mode,
    decisions: shown.map((result) => ({ result, ...(calls.get(result.callId) ?? { tool: '?', args: undefined }) })),
    approvals,
    platform: platform.log,
    finalText: typeof result.finalOutput === 'string' ? result.finalOutput : '',
    transcript,
  };
}
