import type { RunToolApprovalItem } from '@openai/agents';
import { WritError } from '@writ/core';
import type { FirewallSession, JsonObject } from '@writ/core';
import { recalledInput } from './call-inputs.ts';
import { assertOptionsObject } from '@writ/core/adapters/checks';

/** The part of a `RunState` this helper uses (any `RunState<TContext, TAgent>` has it). */
export interface ApprovableRunState {
  getInterruptions(): RunToolApprovalItem[];
  approve(item: RunToolApprovalItem): void;
  reject(item: RunToolApprovalItem, options?: { message?: string }): void;
}

/** What happened to one interruption. */
export interface AppliedApproval {
  readonly callId: string;
  readonly tool: string;
  readonly status: 'approved' | 'rejected';
  readonly reason?: string;
}

/** The interruption's function call, read defensively (the serialized state is not trusted). */
function callOf(item: RunToolApprovalItem): { name: string; callId: string; args: unknown } | undefined {
  const raw = item.rawItem as { type?: unknown; name?: unknown; callId?: unknown; arguments?: unknown };
  if (raw.type !== 'function_call' || typeof raw.name !== 'string' || typeof raw.callId !== 'string' || typeof raw.arguments !== 'string') return undefined;
  try {
    return { name: raw.name, callId: raw.callId, args: JSON.parse(raw.arguments) };
  } catch {
    return undefined;
  }
}

/**
 * Resolves the approval interruptions of a `RunState` from signed approval statements —
 * never from the state's own say-so (a serialized RunState is not tamper-proof). For each
 * interruption the statements given for its call id are verified by the firewall against
 * (tool, call id, arguments digest); only when the approval rule is satisfied is the item
 * approved, otherwise it is rejected with the reason. Interruptions without statements are
 * rejected. Resume the run with `runner.run(agent, state)` afterwards.
 * @throws WritError `ERR_INVALID_ARGUMENT` when `state` is not a RunState.
 */
export async function applySignedApprovals(options: {
  readonly state: ApprovableRunState;
  readonly session: FirewallSession;
  readonly approvals: Readonly<Record<string, readonly JsonObject[]>>;
}): Promise<AppliedApproval[]> {
  assertOptionsObject(options);
  const { state, session, approvals } = options;
  if (typeof state !== 'object' || state === null || typeof (state as { getInterruptions?: unknown }).getInterruptions !== 'function') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'state must be a RunState', { details: { parameter: 'state' } });
  }
  const applied: AppliedApproval[] = [];
  for (const item of state.getInterruptions()) {
    const call = callOf(item);
    if (call === undefined) {
      state.reject(item, { message: 'Writ refused this call: its interruption could not be read.' });
      continue;
    }
    const statements = Object.hasOwn(approvals, call.callId) ? approvals[call.callId] : undefined;
    const args = recalledInput(session, call.callId) ?? call.args;
    let reason: string | undefined;
    try {
      const result = await session.guard({ tool: call.name, args, callId: call.callId, ...(statements ? { approvals: statements } : {}) });
      if (result.verdict === 'execute') {
        state.approve(item);
        applied.push({ callId: call.callId, tool: call.name, status: 'approved' });
        continue;
      }
      reason = result.reason;
    } catch (error) {
      reason = `Writ could not judge this call (${WritError.isInstance(error) ? error.code : 'ERR_INTERNAL'}).`;
    }
    state.reject(item, { message: reason });
    applied.push({ callId: call.callId, tool: call.name, status: 'rejected', reason });
  }
  return applied;
}
