/**
 * Ending a session: flush what is queued, then the transcript writer's `session-ended`
 * entry and a signed checkpoint covering it, so the session verifies offline from its end.
 */
import type { FirewallContext } from './firewall-context.ts';
import type { SessionState } from './session-state.ts';
import type { SessionSummary } from './types.ts';

/**
 * Write the final entry and checkpoint of `session`.
 * @throws store errors (`ERR_STORE_*`); the session stays ended either way.
 */
export async function endSession(options: { readonly context: FirewallContext; readonly session: SessionState }): Promise<SessionSummary> {
  const { context, session } = options;
  await context.recorder.flush();
  const checkpoint = await context.ledger.endSession({ sessionId: session.id, time: context.now().toISOString() });
  return { sessionId: session.id, checkpointSize: checkpoint.size, root: checkpoint.root };
}
