import type { FirewallSession } from '@writ/core';

// The validated input `needsApproval` saw, per session and call id, so approvals applied
// to a RunState later in the same process are judged on exactly those arguments.
const inputs = new WeakMap<FirewallSession, Map<string, unknown>>();

/** Remember the validated input of a call. */
export function rememberInput(session: FirewallSession, callId: string, input: unknown): void {
  let calls = inputs.get(session);
  if (calls === undefined) inputs.set(session, (calls = new Map<string, unknown>()));
  calls.set(callId, input);
}

/** The validated input of a call, when this process saw it. */
export function recalledInput(session: FirewallSession, callId: string): unknown {
  return inputs.get(session)?.get(callId);
}
