import { generateText, stepCountIs } from 'ai';
import type { LanguageModel, ModelMessage } from 'ai';
import { writToolApproval, writTools } from '@writ/ai-sdk';
import type { FirewallMode, GuardResult, JsonObject, PendingApproval, TranscriptReport } from '@writ/core';
import { createKit } from '@writ/example-kit';
import { DECLARATIONS, supportDesk } from './support-desk.ts';
import type { DeskLog } from './support-desk.ts';

/** What happened in one run, for printing and for the test. */
export interface RunReport {
  readonly mode: FirewallMode;
  readonly decisions: Array<{ readonly tool: string; readonly args: unknown; readonly result: GuardResult }>;
  readonly approvals: Array<{ readonly callId: string; readonly pending: PendingApproval; readonly approver: string }>;
  readonly desk: DeskLog;
  readonly finalText: string;
  readonly transcript: TranscriptReport;
}

const SYSTEM = 'You are the support agent of Acme. Resolve tickets: refund damaged or lost orders and email the customer.';
const USER =
  'Dana (dana@example.com) called: order 4417 arrived broken (refund 60 EUR) and order 5120 never arrived (refund 750 EUR). ' +
  'Her ticket is T-4417. Please handle it and email her when done.';

/** Runs the support agent once with the given model and mode, writing its transcript to `dir`. */
export async function runSupportAgent(options: { readonly mode: FirewallMode; readonly dir: string; readonly model: LanguageModel }): Promise<RunReport> {
  const kit = await createKit({ tools: DECLARATIONS, mode: options.mode, dir: options.dir });
  const session = await kit.firewall.openSession({
    principal: { id: 'user:dana-support-case', roles: ['support'], tenant: 'acme' },
    agent: { id: 'support-agent', framework: 'ai-sdk', model: 'scripted' },
  });
  await session.addSystemPrompt(SYSTEM);
  const desk = supportDesk();
  const decisions: RunReport['decisions'] = [];
  const pending = new Map<string, PendingApproval>();
  const settings = {
    model: options.model,
    system: SYSTEM,
    tools: writTools(desk.tools, { session }),
    toolApproval: writToolApproval({
      session,
      onDecision: (result: GuardResult) => decisions.push({ tool: '', args: undefined, result }),
      onApprovalRequired: (request: PendingApproval, toolCallId: string) => pending.set(toolCallId, request),
    }),
    stopWhen: stepCountIs(12),
  };
  const messages: ModelMessage[] = [{ role: 'user', content: USER }];
  const calls = new Map<string, { tool: string; args: unknown }>();
  const remember = (steps: Awaited<ReturnType<typeof generateText>>['steps']) => {
    for (const step of steps) {
      for (const part of step.content) if (part.type === 'tool-call') calls.set(part.toolCallId, { tool: part.toolName, args: part.input });
    }
  };
  let result = await generateText({ ...settings, messages });
  remember(result.steps);
  const approvals: RunReport['approvals'] = [];

  // The SDK paused on approval requests: the approvers the rule names review each and sign it with their own keys.
  const requests = result.content.flatMap((part) => (part.type === 'tool-approval-request' && part.isAutomatic !== true ? [part] : []));
  if (requests.length > 0) {
    const signed: Record<string, JsonObject[]> = {};
    const responses: ModelMessage = { role: 'tool', content: [] };
    for (const request of requests) {
      const forCall = pending.get(request.toolCall.toolCallId);
      if (forCall === undefined) continue;
      const { statements, approvers } = kit.approveByRule(forCall);
      signed[request.toolCall.toolCallId] = statements;
      approvals.push({ callId: request.toolCall.toolCallId, pending: forCall, approver: approvers.join(' and ') });
      responses.content.push({ type: 'tool-approval-response', approvalId: request.approvalId, approved: true });
    }
    result = await generateText({
      ...settings,
      messages: [...messages, ...result.response.messages, responses],
      runtimeContext: { writ: { approvals: signed } },
    });
    remember(result.steps);
  }
  await session.end();
  const transcript = await kit.finish();
  return {
    mode: options.mode,
    // A resumed call is judged again; keep a repeat only when the verdict changed (approval arrived).
    decisions: decisions
      .filter((d, i) => !d.result.replayed || decisions.findLast((e, j) => j < i && e.result.callId === d.result.callId)?.result.verdict !== d.result.verdict)
      .map((d) => ({ ...d, ...calls.get(d.result.callId) })),
    approvals,
    desk: desk.log,
    finalText: result.text,
    transcript,
  };
}
