import type { FirewallSession, GuardResult, JsonObject, PendingApproval } from '@writ/core';
import { WritError } from '@writ/core';
import type { ToolApprovalStatus } from 'ai';
import { captureBasis } from './capture-basis.ts';
import { runsThroughGateway } from './gated-tools.ts';
import { assertFirewallSession, assertOptionsObject } from '@writ/core/adapters/checks';

/** Where the application passes signed approvals on a continuation: `runtimeContext.writ.approvals[toolCallId]`. */
export interface WritRuntimeContext {
  readonly writ?: { readonly approvals?: Readonly<Record<string, readonly JsonObject[]>> };
}

/** What the gate needs. */
export interface WritToolApprovalOptions {
  readonly session: FirewallSession;
  /** Called with every pending approval request (show it to an approver). */
  readonly onApprovalRequired?: (pending: PendingApproval, toolCallId: string) => void;
  /** Called with every guard result (logging, UIs). */
  readonly onDecision?: (result: GuardResult) => void;
  /**
   * Who wrote the `messages` the gate records as basis. Default `'client'`: a `useChat` route
   * hands the SDK the browser's history, so a tool result in it counts at most as `user` and a
   * system message as a user turn (`captureBasis` with `from: 'client'`); the gates' own outputs
   * (`writTools`) are recorded as they are produced, with their declared trust, and are not
   * lowered. `'application'`: only the application builds the messages (declared trust).
   */
  readonly history?: 'client' | 'application';
}

/** The arguments the SDK hands a generic `toolApproval` function (only what the gate reads). */
export interface ToolApprovalCall {
  readonly toolCall: { readonly toolName: string; readonly toolCallId: string; readonly input: unknown };
  /** The call's ToolSet: each tool with an `execute` must come from `writTools` for the same session. */
  readonly tools?: unknown;
  readonly messages?: readonly unknown[];
  readonly runtimeContext?: unknown;
  /** Per-tool contexts (`toolsContext`), handed to a tool's own `needsApproval`. */
  readonly toolsContext?: unknown;
}

function approvalsFor(runtimeContext: unknown, toolCallId: string): readonly JsonObject[] | undefined {
  if (typeof runtimeContext !== 'object' || runtimeContext === null) return undefined;
  const approvals = (runtimeContext as WritRuntimeContext).writ?.approvals;
  if (typeof approvals !== 'object' || approvals === null || !Object.hasOwn(approvals, toolCallId)) return undefined;
  const list = approvals[toolCallId];
  return Array.isArray(list) ? list : undefined;
}

// A continuation: the conversation already holds the approval request for this call.
function askedBefore(messages: readonly unknown[] | undefined, toolCallId: string): boolean {
  if (!Array.isArray(messages)) return false;
  return (messages as readonly unknown[]).some(
    (message) =>
      typeof message === 'object' &&
      message !== null &&
      Array.isArray((message as { content?: unknown }).content) &&
      ((message as { content: unknown[] }).content).some(
        (part) =>
          typeof part === 'object' &&
          part !== null &&
          (part as { type?: unknown }).type === 'tool-approval-request' &&
          (part as { toolCallId?: unknown }).toolCallId === toolCallId,
      ),
  );
}

/**
 * What the tool's own `needsApproval` (true, or a function of the input) asks for, as the SDK
 * would have asked it without a call-level toolApproval. A function that throws fails closed.
 */
async function ownApproval(options: {
  readonly tool: unknown;
  readonly toolCall: ToolApprovalCall['toolCall'];
  readonly messages: readonly unknown[] | undefined;
  readonly toolsContext: unknown;
}): Promise<'required' | 'not-required' | 'failed'> {
  const { tool, toolCall, messages, toolsContext } = options;
  if (typeof tool !== 'object' || tool === null) return 'not-required';
  try {
    const needsApproval: unknown = (tool as { needsApproval?: unknown }).needsApproval;
    // Truthy, as the SDK reads it.
    if (typeof needsApproval !== 'function') return needsApproval ? 'required' : 'not-required';
    const context = typeof toolsContext === 'object' && toolsContext !== null && Object.hasOwn(toolsContext, toolCall.toolName) ? (toolsContext as Record<string, unknown>)[toolCall.toolName] : undefined;
    const answer: unknown = await (needsApproval as (input: unknown, options: unknown) => unknown)(toolCall.input, { toolCallId: toolCall.toolCallId, messages, context });
    return answer ? 'required' : 'not-required';
  } catch {
    return 'failed';
  }
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * A generic `toolApproval` function for `generateText` / `streamText` / `ToolLoopAgent`
 * that asks the Writ firewall about every tool call. `execute` → the SDK runs the tool
 * (through the gateway of {@link writTools}); `block` → `denied` with the reason the model
 * reads; `approval-required` → the SDK's own approval request, and on the continuation only
 * a valid signed approval in `runtimeContext.writ.approvals[toolCallId]` lets the tool run —
 * the client's `approved: true` alone never does. Errors fail closed (`denied`). A call Writ
 * allows still waits for the person the tool's own `needsApproval` asks for (the SDK consults
 * no tool-level `needsApproval` once a call-level toolApproval is set).
 * @throws `ERR_ADAPTER_TOOL_UNGUARDED` (before judging) when the SDK would run the called tool's
 *   `execute` outside the gateway: a ToolSet, or a tool added to it, not passed through
 *   {@link writTools} with the same session. In every mode: a wiring error must not wait for enforce.
 * @example
 * ```ts
 * const result = await generateText({ model, tools: writTools(tools, { session }),
 *   toolApproval: writToolApproval({ session }), messages });
 * ```
 */
export function writToolApproval(options: WritToolApprovalOptions): (call: ToolApprovalCall) => Promise<ToolApprovalStatus> {
  assertOptionsObject(options);
  const { session } = options;
  assertFirewallSession(session, 'options.session', ['guard']);
  const history = Object.hasOwn(options, 'history') ? options.history : undefined;
  if (history !== undefined && history !== 'client' && history !== 'application') {
    throw new WritError('ERR_INVALID_ARGUMENT', "options.history must be 'client' or 'application'", { details: { parameter: 'options.history' } });
  }
  const from = history ?? 'client';
  return async (call) => {
    if (typeof call !== 'object' || call === null || typeof call.toolCall !== 'object' || call.toolCall === null) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'call must be a tool approval call with a toolCall', { details: { parameter: 'call' } });
    }
    const { toolCall, messages, runtimeContext, tools } = call;
    // An approval only decides; the SDK then runs the ToolSet's own `execute`. One that is not
    // writTools' for this session would run with no token checked and no receipt.
    const tool = typeof tools === 'object' && tools !== null && Object.hasOwn(tools, toolCall.toolName) ? (tools as Record<string, unknown>)[toolCall.toolName] : undefined;
    if (!runsThroughGateway(tool, session)) {
      throw new WritError('ERR_ADAPTER_TOOL_UNGUARDED', `${toolCall.toolName} would run outside the Writ gateway: pass the ToolSet through writTools(tools, { session }) with the session of writToolApproval`, {
        details: { parameter: 'tools', tool: toolCall.toolName },
      });
    }
    let result: GuardResult;
    try {
      await captureBasis(session, messages, { from });
      const approvals = approvalsFor(runtimeContext, toolCall.toolCallId);
      result = await session.guard({
        tool: toolCall.toolName,
        args: toolCall.input,
        callId: toolCall.toolCallId,
        ...(approvals === undefined ? {} : { approvals }),
      });
    } catch (error) {
      const code = WritError.isInstance(error) ? error.code : 'ERR_INTERNAL';
      return { type: 'denied', reason: `Writ could not judge this call (${code}); it was not run.` };
    }
    options.onDecision?.(result);
    switch (result.verdict) {
      case 'execute': {
        // A call-level toolApproval replaces every tool's own `needsApproval` in the SDK: ask
        // it here, so the person the application wanted asked is still asked (Writ only adds).
        const own = await ownApproval({ tool, toolCall, messages, toolsContext: call.toolsContext });
        if (own === 'failed') return { type: 'denied', reason: `The approval check of ${toolCall.toolName} failed, so the call was not run.` };
        if (own === 'required' && !askedBefore(messages, toolCall.toolCallId)) return result.warning === undefined ? 'user-approval' : { type: 'user-approval', reason: result.warning };
        return result.warning === undefined ? 'not-applicable' : { type: 'approved', reason: result.warning };
      }
      case 'block':
        return { type: 'denied', reason: result.reason };
      case 'approval-required':
        if (askedBefore(messages, toolCall.toolCallId)) {
          return { type: 'denied', reason: `${sentence(result.reason)} No valid signed approval was presented, so the call was not run.` };
        }
        options.onApprovalRequired?.(result.pending, toolCall.toolCallId);
        return { type: 'user-approval', reason: `${result.pending.summary} — ${result.pending.policyReason} (request ${result.pending.id})` };
    }
  };
}
