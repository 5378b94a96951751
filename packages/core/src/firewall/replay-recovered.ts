/**
 * Idempotency across restarts: a call the ledger already holds a decision for (found when
 * the firewall opened) is answered from that record — frameworks resume in a new process
 * (serverless handlers, serialized run states) and re-run their approval callbacks there.
 * A call that already ran, or was released without a recorded outcome (it may have run
 * before the process stopped), is refused at the gateway instead of running twice; a
 * token-free observation without an outcome is judged as recorded and may run.
 */
import type { Sha256Digest } from '../stores/types.ts';
import type { FirewallContext } from './firewall-context.ts';
import type { CheckedCall } from './guard-input.ts';
import type { Release } from './judge-call.ts';
import { refusalText } from './judge-call.ts';
import { approvalRequestId } from './ports.ts';
import { callKey } from './recovery.ts';
import type { SessionState } from './session-state.ts';
import type { ActionClassId, DecisionKind, FirewallMode, GuardResult, PendingApproval } from './types.ts';

/** The recorded result of `call` and its release, or `undefined` when the ledger has none. */
export async function replayRecovered(options: {
  readonly context: FirewallContext;
  readonly session: SessionState;
  readonly call: CheckedCall;
}): Promise<{ readonly result: GuardResult; readonly tool: string; readonly argsDigest: Sha256Digest; readonly release: Release | undefined } | undefined> {
  const { context, session, call } = options;
  const key = callKey(session.id, call.callId);
  const recorded = context.recovered.get(key);
  if (recorded === undefined) return undefined;
  context.recovered.delete(key);
  const base = {
    callId: call.callId,
    mode: recorded.mode as FirewallMode,
    decision: recorded.decision as DecisionKind,
    reasons: recorded.reasons,
    actionClass: recorded.actionClass as ActionClassId,
    intentDigest: recorded.intentDigest as Sha256Digest,
    replayed: true,
  };
  const argsDigest = recorded.argsDigest as Sha256Digest;
  const { tool } = recorded;
  if (recorded.verdict === 'block') {
    return { result: { ...base, verdict: 'block', reason: refusalText(recorded.tool, recorded.reasons), denialId: recorded.denialId ?? '' }, tool, argsDigest, release: undefined };
  }
  if (recorded.verdict === 'approval-required') {
    const requestId = approvalRequestId({ sessionId: session.id, callId: call.callId, intentDigest: base.intentDigest });
    const record = await context.settings.stores.approvals.get(requestId).catch(() => undefined);
    if (record === undefined) {
      // The approval store no longer knows the request (a memory store after a restart, say).
      // A call that ran after its approval (a token-free class records no release) must not
      // be asked for, approved and run again: the gateway refuses it as already executed.
      if (!recorded.executed) return undefined;
      session.executedBeforeRestart.set(call.callId, 'executed');
      return { result: { ...base, verdict: 'execute', tokenId: recorded.tokenId }, tool, argsDigest, release: undefined };
    }
    const pending = record.request as unknown as PendingApproval;
    // A release after the approval will cite the recorded decision.
    session.awaitingApproval.set(call.callId, recorded.decisionId);
    session.approvalsUntil = Math.max(session.approvalsUntil, Date.parse(pending.expiresAt) || 0);
    return { result: { ...base, verdict: 'approval-required', pending, reason: `Writ needs a signed approval before ${recorded.tool} can run: ${pending.policyReason}` }, tool, argsDigest, release: undefined };
  }
  const wouldHave = recorded.wouldHave === 'block' || recorded.wouldHave === 'approval-required' ? recorded.wouldHave : undefined;
  const result: GuardResult = {
    ...base,
    verdict: 'execute',
    tokenId: recorded.tokenId,
    ...(wouldHave === undefined ? {} : { wouldHave, warning: `[${base.mode}] enforce would ${wouldHave === 'block' ? 'block' : 'require approval for'} this call` }),
  };
  if (recorded.executed) {
    session.executedBeforeRestart.set(call.callId, 'executed');
    return { result, tool, argsDigest, release: undefined };
  }
  // Released without an outcome: the tool may have run before the process stopped. Never
  // run it again on its own; the release is flagged for reconciliation on open.
  if (recorded.tokenId !== undefined) {
    session.executedBeforeRestart.set(call.callId, 'unknown');
    return { result, tool, argsDigest, release: undefined };
  }
  // A token-free observation (A0/A1) may run again.
  const classification = context.settings.registry.classify({ tool: call.tool, args: call.args });
  return { result, tool, argsDigest, release: { token: undefined, intentDigest: base.intentDigest, reservation: undefined, classification, mode: base.mode } };
}
