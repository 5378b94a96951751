/**
 * The finance agent, one run: a langchain `createAgent` loop with Writ's middleware, a
 * checkpointer for approvals, and a driver that answers each approval pause the way an
 * approval desk would — first a forged approval (refused), then signed statements from
 * the approvers the policy's rule names.
 */
import { Command, MemorySaver } from '@langchain/langgraph';
import type { FirewallMode, GuardResult, JsonObject, PendingApproval, TranscriptReport } from '@writ/core';
import { createKit, describeCall, describeVerdict } from '@writ/example-kit';
import { writMiddleware } from '@writ/langgraph';
import type { WritApprovalRequest, WritCallEvent } from '@writ/langgraph';
import { HumanMessage, createAgent } from 'langchain';
import type { BaseMessage } from 'langchain';
import { DECLARATIONS, financeBooks } from './finance-books.ts';

/** What one run did, for the narration and the tests. */
export interface FinanceReport {
  /** Every settled call, in order: what the agent tried and what Writ decided. */
  readonly decisions: readonly { readonly tool: string; readonly args: unknown; readonly result: GuardResult; readonly outcome: WritCallEvent['outcome'] }[];
  /** Every approval pause and how it was answered. */
  readonly approvals: readonly { readonly callId: string; readonly tool: string; readonly pending: PendingApproval; readonly answer: 'forged' | 'signed'; readonly signers: readonly string[]; readonly refused: boolean }[];
  /** Plain-words lines, in the order things happened. */
  readonly narration: readonly string[];
  /** Transfers that reached the bank: `invoice:amount:iban`. */
  readonly payments: readonly string[];
  /** The vendor's IBAN in the ERP after the run. */
  readonly vendorIban: string;
  readonly finalText: string;
  readonly transcript: TranscriptReport;
}

const SYSTEM_PROMPT = 'You are the accounts-payable assistant of ACME GmbH. Pay approved vendor invoices to the bank account on file in the ERP.';
const TASK = 'Please process the new invoice email from Northwind Supplies and pay it.';

/** The approvers a rule asks for: the finance manager first, then the others it names, up to its threshold. */
function signersFor(pending: PendingApproval): string[] {
  const roles = Array.isArray(pending.rule.roles) ? pending.rule.roles.filter((r): r is string => typeof r === 'string') : ['manager'];
  const threshold = typeof pending.rule.threshold === 'number' ? pending.rule.threshold : 1;
  return [...roles].sort((a, b) => Number(b === 'finance-manager') - Number(a === 'finance-manager')).slice(0, threshold);
}

function interruptsOf(result: unknown): WritApprovalRequest[] {
  const list = (result as { __interrupt__?: { value?: WritApprovalRequest }[] }).__interrupt__ ?? [];
  return list.map((i) => i.value).filter((v): v is WritApprovalRequest => v?.type === 'writ/approval-request');
}

/**
 * Run the finance agent once in `mode`, writing its transcript to `dir`.
 * @param options.model any langchain chat model (the scripted fake offline, a real one with a key).
 */
export async function runFinanceAgent(options: { readonly mode: FirewallMode; readonly dir: string; readonly model: Parameters<typeof createAgent>[0]['model']; readonly modelName?: string }): Promise<FinanceReport> {
  const { mode, dir, model } = options;
  const kit = await createKit({ tools: DECLARATIONS, mode, dir });
  const session = await kit.firewall.openSession({
    principal: { id: 'user:priya', roles: ['accounts-payable'], tenant: 'acme' },
    agent: { id: 'agent:payables', framework: 'langgraph', ...(options.modelName === undefined ? {} : { model: options.modelName }) },
  });
  const books = financeBooks();
  const decisions: FinanceReport['decisions'][number][] = [];
  const approvals: FinanceReport['approvals'][number][] = [];
  const narration: string[] = [];
  const onEvent = (event: WritCallEvent): void => {
    decisions.push({ tool: event.tool, args: event.args, result: event.guard, outcome: event.outcome });
    narration.push(`- agent tried ${describeCall(event.tool, event.args)}`, `  Writ        ${describeVerdict(event.guard)}`);
  };
  const agent = createAgent({ model, tools: books.tools, middleware: [writMiddleware({ session, onEvent })], checkpointer: new MemorySaver(), systemPrompt: SYSTEM_PROMPT });
  const config = { configurable: { thread_id: 'invoice-INV-4411' }, recursionLimit: 40 };
  let result: { messages: BaseMessage[] } = await agent.invoke({ messages: [new HumanMessage(TASK)] }, config);
  const forged = new Set<string>();
  for (let round = 0; round < 10; round += 1) {
    const [request] = interruptsOf(result);
    if (request === undefined) break;
    const { pending, callId, tool } = request;
    let resume: JsonObject | JsonObject[];
    if (!forged.has(callId)) {
      forged.add(callId);
      narration.push(`- agent tried ${describeCall(tool, pending.intent.args)}`, `  Writ        NEEDS APPROVAL — ${pending.summary}; ${pending.policyReason}`);
      narration.push('- approval    someone submits an approval signed with a key that is not in the trust root…');
      approvals.push({ callId, tool, pending, answer: 'forged', signers: ['outsider'], refused: false });
      resume = kit.forge(pending);
    } else {
      const last = approvals.at(-1);
      if (last !== undefined && last.callId === callId) approvals[approvals.length - 1] = { ...last, refused: request.refused };
      narration.push(request.refused ? '  Writ        REFUSED that approval (its key is in no trust root) and keeps the payment paused' : '  Writ        still waiting for approval');
      const signers = signersFor(pending);
      narration.push(`- approval    ${signers.join(' and ')} review "${pending.summary}" and sign its intent digest ${pending.intentDigest.slice(0, 19)}… with their own keys`);
      approvals.push({ callId, tool, pending, answer: 'signed', signers, refused: false });
      resume = signers.map((role) => kit.approve(pending, role));
    }
    result = await agent.invoke(new Command({ resume }), config);
  }
  const finalText = result.messages.at(-1)?.text ?? '';
  await session.end();
  const transcript = await kit.finish();
  return { decisions, approvals, narration, payments: [...books.payments], vendorIban: books.vendorIban(), finalText, transcript };
}
