import { ToolMessage } from '@langchain/core/messages';
import { WritError } from '@writ/core';
import type { ExecuteResult, FirewallSession, GuardResult, JsonObject, JsonValue, WritErrorCode } from '@writ/core';
import { interrupt, isCommand } from '@langchain/langgraph';
import type { Command } from '@langchain/langgraph';
import { approvalRequest, approvalsFromResume, rejectionReason } from './approval-resume.ts';
import { captureFor, checkHistory } from './capture-messages.ts';
import type { MessageHistory } from './capture-messages.ts';

/** What a gate hands the application for each call it settles (for logs and UIs). */
export interface WritCallEvent {
  readonly tool: string;
  readonly callId: string;
  /** The arguments the firewall judged (after schema validation). */
  readonly args: unknown;
  /** The last guard result for the call (with `mode`, `decision`, `reasons`, `warning`). */
  readonly guard: GuardResult;
  /** What happened: ran, refused by policy or gateway, rejected by a person, or the tool failed. */
  readonly outcome: 'executed' | 'blocked' | 'rejected' | 'failed';
}

/** Options every Writ gate takes. */
export interface WritGateOptions {
  /** The firewall session of this thread (one session per conversation). */
  readonly session: FirewallSession;
  /** Called once per settled call pass (a re-run after resume calls it again with `guard.replayed`). */
  readonly onEvent?: (event: WritCallEvent) => void;
  /**
   * Who may have written the graph's input and state. `'client'` (the default): a ToolMessage
   * no Writ gate of this process produced (client-sent or replayed history, a thread state an API
   * caller updated, a checkpoint restored after a restart) counts at most as `user`, and a
   * SystemMessage in the graph's messages as a user turn. `'application'`: only your code writes
   * them: such ToolMessages get the declared trust of the tool they name, SystemMessages are the
   * system prompt. One value per session: every gate of a session must name the same or none.
   */
  readonly history?: MessageHistory;
}

/**
 * Check the options every gate takes.
 * @throws `ERR_INVALID_ARGUMENT` naming `options.session` or `options.onEvent`.
 */
export function checkGateOptions(options: unknown): WritGateOptions {
  const o = (typeof options === 'object' && options !== null ? options : {}) as Record<string, unknown>;
  const session = o.session as Record<string, unknown> | undefined;
  if (typeof session !== 'object' || session === null || typeof session.guard !== 'function' || typeof session.execute !== 'function') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options.session must be a Writ FirewallSession', { details: { parameter: 'options.session' } });
  }
  if (o.onEvent !== undefined && typeof o.onEvent !== 'function') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options.onEvent must be a function', { details: { parameter: 'options.onEvent' } });
  }
  checkHistory(o);
  return options as WritGateOptions;
}

/** Whatever the framework's handler returns: a ToolMessage or a Command. */
type ToolResult = unknown;

/**
 * A ToolMessage with status `error`: what the model reads instead of the tool's output. Its
 * artifact (which the application reads and the model does not) marks it as Writ's own words,
 * `artifact.writ.refusal`, so the basis capture never records it as the tool's output — a
 * reason can quote an argument the model chose — and a refusal the adapter makes before the
 * firewall judges carries its code (`artifact.writ.code`).
 */
export function refusalMessage(options: { readonly tool: string; readonly callId: string; readonly content: string; readonly code?: WritErrorCode }): ToolMessage {
  const { tool, callId, content, code } = options;
  return new ToolMessage({ content, tool_call_id: callId, name: tool, status: 'error', artifact: { writ: { refusal: true, ...(code === undefined ? {} : { code }) } } });
}

/** The tool reported an error as a message (ToolNode's handled errors): the receipt says failed. */
class ReportedToolError extends Error {
  override readonly name = 'ToolReportedError';
}

function digestable(result: ToolResult): JsonValue {
  if (ToolMessage.isInstance(result)) {
    const content: unknown = result.content;
    return typeof content === 'string' ? content : (JSON.parse(JSON.stringify(content ?? null)) as JsonValue);
  }
  if (isCommand(result)) return { command: 'state-update' };
  if (typeof result === 'string') return result;
  try {
    return JSON.parse(JSON.stringify(result ?? null)) as JsonValue;
  } catch {
    return null;
  }
}

/**
 * Judge one tool call and run it through the gateway: block → an error ToolMessage with
 * the reason; approval → `interrupt()` until the resume carries approvals that satisfy
 * the rule (or a rejection); execute → `run` with the arguments the token was checked
 * against. Idempotent per call id (the firewall replays), so a node that re-runs from
 * the top on resume records one decision and runs the tool at most once.
 * @throws the firewall's `WritError`s for invalid input or a closed session, before the tool starts;
 *   LangGraph's `GraphInterrupt` to pause; whatever the tool throws, after its failed receipt is recorded.
 */
export async function gateToolCall(options: WritGateOptions & {
  readonly tool: string;
  readonly callId: string;
  readonly args: unknown;
  readonly run: (args: JsonObject) => Promise<ToolResult>;
}): Promise<ToolResult> {
  const { session, tool, callId, args, run, onEvent } = options;
  const call = { tool, args, callId };
  const settle = (guard: GuardResult, outcome: WritCallEvent['outcome']): void => onEvent?.({ tool, callId, args, guard, outcome });
  let produced: ToolResult;
  let ran = false;
  const runner = async (checked: JsonObject): Promise<JsonValue> => {
    ran = true;
    produced = await run(checked);
    if (ToolMessage.isInstance(produced) && produced.status === 'error') throw new ReportedToolError(produced.text.slice(0, 500));
    return digestable(produced);
  };
  // `execute` judges the call first (one firewall pass for a call that needs no approval);
  // a call that needs one comes back unrun with its guard result.
  let result: ExecuteResult<JsonValue> = await session.execute(call, runner);
  if (result.status === 'approval-required') {
    let guard: GuardResult = result.guard;
    let refused = false;
    while (guard.verdict === 'approval-required') {
      const resume: unknown = interrupt(approvalRequest({ guard, tool, refused }));
      const approvals = approvalsFromResume(resume);
      if (approvals === undefined) {
        settle(guard, 'rejected');
        const why = rejectionReason(resume);
        return refusalMessage({ tool, callId, content: `${guard.reason} The approval was not given${why === undefined ? '' : `: ${why}`}. Do not retry this action.` });
      }
      const fresh = unsubmitted({ session, callId, approvals });
      guard = await session.guard(fresh.length === 0 ? call : { ...call, approvals: fresh });
      refused = true;
    }
    if (guard.verdict === 'block') {
      settle(guard, 'blocked');
      return refusalMessage({ tool, callId, content: guard.reason });
    }
    result = await session.execute(call, runner);
  }
  // Basis the moment it exists: the last output of a graph run meets no later gate.
  const output = ran ? modelOutput(produced) : undefined;
  if (output !== undefined) await captureFor(session).captureOutput({ tool, callId, output });
  // A Command's messages are the tool's output too, whatever their type (a HumanMessage a tool
  // writes must not become a user turn at the next gate).
  if (ran && isCommand(produced)) await captureFor(session).captureCommandOutput({ tool, callId, messages: commandMessages(produced) });
  switch (result.status) {
    case 'executed':
      settle(result.guard, 'executed');
      // A node that re-runs on resume (ToolNode runs sibling calls again) gets the recorded
      // result: the tool does not run twice.
      return withWarning(ran ? produced : replayed({ tool, callId, result: result.result }), result.guard);
    case 'failed':
      settle(result.guard, 'failed');
      if (result.error instanceof ReportedToolError) return ran ? produced : refusalMessage({ tool, callId, content: result.error.message });
      throw result.error;
    case 'blocked':
      settle(result.guard, 'blocked');
      return refusalMessage({ tool, callId, content: result.guard.reason });
    case 'approval-required':
      settle(result.guard, 'blocked');
      return refusalMessage({ tool, callId, content: result.guard.reason });
  }
}

const submitted = new WeakMap<FirewallSession, Map<string, Set<string>>>();

/**
 * The envelopes not yet handed to the firewall for this call. The node re-runs from the top
 * on every resume and `interrupt()` returns the earlier resume values again; submitting them
 * again would record the same approval twice. (Losing this memory is harmless: the
 * firewall verifies every submission.)
 */
function unsubmitted(options: { readonly session: FirewallSession; readonly callId: string; readonly approvals: readonly JsonObject[] }): JsonObject[] {
  const { session, callId, approvals } = options;
  let calls = submitted.get(session);
  if (calls === undefined) submitted.set(session, (calls = new Map<string, Set<string>>()));
  let seen = calls.get(callId);
  if (seen === undefined) calls.set(callId, (seen = new Set<string>()));
  const fresh: JsonObject[] = [];
  for (const approval of approvals) {
    const key = JSON.stringify(approval);
    if (seen.has(key)) continue;
    seen.add(key);
    fresh.push(approval);
  }
  return fresh;
}

/** The messages a Command writes to the graph state (`update.messages`, object or tuple form). */
function commandMessages(command: Command): unknown[] {
  const update: unknown = command.update;
  let messages: unknown;
  if (Array.isArray(update)) {
    const entries = (update as unknown[]).filter((entry): entry is [unknown, unknown] => Array.isArray(entry) && entry[0] === 'messages');
    messages = entries.flatMap(([, value]) => (Array.isArray(value) ? (value as unknown[]) : [value]));
  } else if (typeof update === 'object' && update !== null) {
    messages = (update as { messages?: unknown }).messages;
  }
  if (messages === undefined) return [];
  return Array.isArray(messages) ? (messages as unknown[]) : [messages];
}

/**
 * What the model will read of a tool's result: a ToolMessage's content, a string as is,
 * anything else as the JSON text langchain makes of it. A Command's messages are recorded
 * by {@link MessageCapture.captureCommandOutput}.
 */
function modelOutput(result: ToolResult): JsonValue | undefined {
  if (ToolMessage.isInstance(result)) return digestable(result);
  if (isCommand(result) || result === undefined) return undefined;
  if (typeof result === 'string') return result;
  try {
    return Array.isArray(result) ? (JSON.parse(JSON.stringify(result)) as JsonValue) : (JSON.stringify(result) ?? undefined);
  } catch {
    return undefined;
  }
}

/** The recorded result of a call that already ran, as the ToolMessage the model reads. */
function replayed(options: { readonly tool: string; readonly callId: string; readonly result: JsonValue }): ToolMessage {
  const { tool, callId, result } = options;
  return new ToolMessage({ content: typeof result === 'string' ? result : JSON.stringify(result), tool_call_id: callId, name: tool });
}

/** Advisory mode: the model reads what enforce would have done next to the tool's output. */
function withWarning(result: ToolResult, guard: GuardResult): ToolResult {
  if (guard.mode !== 'advisory' || guard.verdict !== 'execute' || guard.warning === undefined) return result;
  if (typeof result === 'string') return `${result}\n\n[writ advisory] ${guard.warning}`;
  if (!ToolMessage.isInstance(result) || typeof result.content !== 'string') return result;
  return new ToolMessage({
    content: `${result.content}\n\n[writ advisory] ${guard.warning}`,
    tool_call_id: result.tool_call_id,
    name: result.name,
    status: result.status,
    artifact: result.artifact as unknown,
    ...(result.id === undefined ? {} : { id: result.id }),
  });
}
