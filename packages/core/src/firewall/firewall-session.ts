/**
 * One agent session: basis capture, idempotent guard, gateway execution.
 */
import { WritError } from '../errors.ts';
import type { JsonObject, Sha256Digest } from '../stores/types.ts';
import { CallJournal } from './call-journal.ts';
import { submitApproval } from './approval-flow.ts';
import type { FirewallContext } from './firewall-context.ts';
import { runThroughGateway } from './gateway.ts';
import type { CheckedCall } from './guard-input.ts';
import { checkCall } from './guard-input.ts';
import { judgeCall } from './judge-call.ts';
import { resolveMode } from './mode.ts';
import { replayRecovered } from './replay-recovered.ts';
import { callKey } from './recovery.ts';
import { approvalRequestId, basisForTool, createSessionBasis, denyRelease, intentOf } from './ports.ts';
import { SessionHistory } from './session-history.ts';
import type { SessionState } from './session-state.ts';
import { endSession } from './session-end.ts';
import type {
  ApprovalSubmission,
  BasisItemInput,
  BasisItemRef,
  DecisionReason,
  ExecuteResult,
  FirewallSession,
  GuardResult,
  OpenSessionOptions,
  SessionSummary,
  ToolCall,
  ToolFunction,
  ToolOutputInput,
} from './types.ts';

/** Build a session over shared firewall state (`openSession` validates the options). */
export function createFirewallSession(options: {
  readonly context: FirewallContext;
  readonly id: string;
  readonly open: OpenSessionOptions;
  readonly environmentDigest: Sha256Digest;
  /** Called once when `end()` is first called (the firewall lets go of the session). */
  readonly onEnd?: () => void;
}): { readonly session: FirewallSession; readonly state: SessionState } {
  const { context, id, open, environmentDigest } = options;
  const state: SessionState = {
    id,
    principal: open.principal,
    agent: open.agent,
    environmentDigest,
    basis: createSessionBasis({ context, tenant: open.principal.tenant }),
    history: new SessionHistory(),
    // Tombstones go to the firewall's shared set, keyed like the recovered calls: they outlive
    // this journal if the session is evicted from memory (see `evictSession`).
    journal: new CallJournal(undefined, { tombstones: context.droppedCalls, prefix: callKey(id, '') }),
    releases: new Map(),
    awaitingApproval: new Map(),
    approvalsUntil: 0,
    executedBeforeRestart: new Map(),
    ended: false,
    evicted: false,
    busy: 0,
    lastUsed: context.now().getTime(),
  };
  let summary: Promise<SessionSummary> | undefined;

  const live = (): void => {
    if (context.closed) throw new WritError('ERR_FIREWALL_CLOSED', 'the firewall is closed');
    if (state.ended) throw new WritError('ERR_FIREWALL_SESSION_ENDED', 'the session has ended');
    if (state.evicted) {
      throw new WritError('ERR_FIREWALL_SESSION_EVICTED', 'the session was idle too long and left memory; open it again with its id (its basis must be added again)');
    }
  };

  // An ended session runs nothing once the methods running at its end have returned: a
  // token-free release it never executed then frees its budget reservation (it has no token
  // to expire; a token's reservation lapses with the token, see judge-call.ts).
  const settleEnded = (): void => {
    if (!state.ended || state.busy > 0) return;
    for (const release of state.releases.values()) if (release.token === undefined) release.reservation?.settle(false);
  };

  // Busy while any public method runs: an idle-session sweep never evicts it mid-call.
  const tracked = async <T>(work: () => Promise<T>): Promise<T> => {
    state.busy += 1;
    state.lastUsed = context.now().getTime();
    try {
      return await work();
    } finally {
      state.busy -= 1;
      state.lastUsed = context.now().getTime();
      settleEnded();
    }
  };

  // Every failure is a rejection, never a synchronous throw (the session's methods are async).
  const addBasis = (item: BasisItemInput): Promise<BasisItemRef> => {
    try {
      live();
      // A ledger that has failed records nothing more: say so instead of keeping unrecorded basis.
      const failed = context.recorder.failure;
      if (failed !== undefined) throw failed;
      const now = context.now();
      state.lastUsed = now.getTime();
      const ref = state.basis.add(item);
      // Batched, like every batched release: queued in order (a later sync write flushes it
      // first), not waited for. A failed append poisons the recorder, and every later call
      // then fails closed (see `start` in guardChecked).
      context.recorder
        .write(
          [{ type: 'basis-added', time: now.toISOString(), body: { sessionId: id, itemId: ref.id, digest: ref.digest, kind: item.kind, authority: item.authority, source: item.source } }],
          'batched',
        )
        .catch(() => undefined);
      return Promise.resolve(ref);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new WritError('ERR_INTERNAL', 'adding basis failed', { cause: error }));
    }
  };

  const failClosed = (call: CheckedCall, error: unknown): GuardResult => {
    const classification = context.settings.registry.classify({ tool: call.tool, args: call.args });
    const { intentDigest } = intentOf({ call, principal: state.principal, audience: context.settings.audience });
    const reasons = [
      WritError.isInstance(error) && error.code === 'ERR_FIREWALL_TIMEOUT'
        ? { code: 'firewall.store-timeout', text: 'a firewall store did not answer in time' }
        : { code: 'firewall.store-error', text: 'the firewall could not record this call' },
    ];
    const base = { callId: call.callId, decision: 'deny' as const, reasons, actionClass: classification.actionClass, intentDigest, replayed: false };
    const mode = resolveMode(context.settings.modes, { tool: call.tool, actionClass: classification.actionClass });
    if (mode === 'enforce') return { ...base, mode, verdict: 'block', reason: `Writ refused ${call.tool}: ${reasons[0]!.text}.`, denialId: '' };
    // Shadow and advisory execute even when nothing can be recorded; the result says so.
    state.releases.set(call.callId, { token: undefined, intentDigest, reservation: undefined, classification, mode });
    return { ...base, mode, verdict: 'execute', tokenId: undefined, wouldHave: 'block', warning: `[${mode}] ${reasons[0]!.text}; executing unrecorded` };
  };

  const guardChecked = async (call: CheckedCall): Promise<GuardResult> => {
    if (call.approvals.length > 0) {
      const { intentDigest } = intentOf({ call, principal: state.principal, audience: context.settings.audience });
      const requestId = approvalRequestId({ sessionId: state.id, callId: call.callId, intentDigest });
      for (const statement of call.approvals) await submitApproval({ context, requestId, statement }).catch(() => undefined);
    }
    if (state.journal.get(call.callId) === undefined && !state.journal.evicted(call.callId)) {
      // After a restart the ledger, not the memory journal, knows this call.
      const replay = await replayRecovered({ context, session: state, call });
      if (replay !== undefined) {
        if (replay.release !== undefined) state.releases.set(call.callId, replay.release);
        state.journal.claim({ callId: call.callId, tool: replay.tool, argsDigest: replay.argsDigest, start: () => Promise.resolve(replay.result) });
      }
      // A call the recovered index dropped (past its limit), or one of this session's calls
      // from before it was evicted from memory, is a tombstone in the shared set the journal
      // reads (`context.droppedCalls`): `evicted` above, refused below, never judged again.
    }
    const claim = state.journal.claim({
      callId: call.callId,
      tool: call.tool,
      argsDigest: call.argsDigest,
      start: async () => {
        try {
          // Nothing this call releases could be recorded: fail closed, even for batched classes.
          const failed = context.recorder.failure;
          if (failed !== undefined) throw failed;
          const { result, release } = await judgeCall({ context, session: state, call });
          if (release !== undefined) state.releases.set(call.callId, release);
          return result;
        } catch (error) {
          return failClosed(call, error);
        }
      },
    });
    if (claim.kind === 'conflict') {
      const recorded = await claim.record.guard;
      return refuseCallId(call, { code: 'firewall.call-id-conflict', text: 'this tool-call id was already used for another tool or with other arguments' }, recorded);
    }
    if (claim.kind === 'evicted') {
      // Its record is gone, so its result cannot be replayed; judging it again could run it twice.
      const classification = context.settings.registry.classify({ tool: call.tool, args: call.args });
      const mode = resolveMode(context.settings.modes, { tool: call.tool, actionClass: classification.actionClass });
      return refuseCallId(
        call,
        { code: 'firewall.call-id-evicted', text: 'this tool-call id was used before and its result is no longer held (too many calls ago, or its session left memory); a new call needs a new id' },
        { mode, actionClass: classification.actionClass },
      );
    }
    const recorded = await claim.record.guard;
    if (claim.kind === 'new') {
      // Nothing was recorded for a store failure: a retry must judge again, not replay it.
      if (recorded.reasons.some((r) => r.code.startsWith('firewall.store-'))) state.journal.forget(call.callId);
      return recorded;
    }
    if (recorded.verdict === 'approval-required') {
      const decisionId = state.awaitingApproval.get(call.callId);
      const before = claim.record.guard;
      // Resume after approval: every check runs again, but the call keeps its one decision.
      const approval = await context.settings.stores.approvals.get(recorded.pending.id as Sha256Digest).catch(() => undefined);
      if ((approval?.status === 'approved' || approval?.status === 'rejected') && decisionId !== undefined) {
        // Concurrent resumes share one re-check (the first to get here starts it).
        if (claim.record.guard !== before) return { ...(await claim.record.guard), replayed: true };
        const resumed = resumeApproved(call, decisionId);
        claim.record.guard = resumed;
        const result = await resumed;
        // Nothing was recorded for a store failure: put the pending result back for a retry.
        if (result.reasons.some((r) => r.code.startsWith('firewall.store-')) && claim.record.guard === resumed) claim.record.guard = before;
        return result;
      }
    }
    return { ...recorded, replayed: true };
  };

  /** Refuse a call for its call id (signed denial at the firewall stage, recorded). */
  const refuseCallId = (call: CheckedCall, reason: DecisionReason, recorded: Pick<GuardResult, 'mode' | 'actionClass'>): GuardResult => {
    const reasons = [reason];
    const now = context.now();
    const { intentDigest } = intentOf({ call, principal: state.principal, audience: context.settings.audience });
    const denial = denyRelease({ context, session: state, call, intentDigest, stage: 'firewall', reasons, now });
    context.recorder
      .write(
        [{ type: 'action-denied', time: now.toISOString(), body: { sessionId: id, callId: call.callId, denialId: denial.payload.id, stage: 'firewall', denial: denial.envelope as unknown as JsonObject } }],
        'batched',
      )
      .catch(() => undefined);
    return { callId: call.callId, mode: recorded.mode, actionClass: recorded.actionClass, intentDigest, verdict: 'block', decision: 'deny', reasons, replayed: false, reason: `Writ refused ${call.tool}: ${reason.text}.`, denialId: denial.payload.id };
  };

  const resumeApproved = async (call: CheckedCall, decisionId: string): Promise<GuardResult> => {
    try {
      const failed = context.recorder.failure;
      if (failed !== undefined) throw failed;
      const { result, release } = await judgeCall({ context, session: state, call, resume: { decisionId } });
      if (release !== undefined) state.releases.set(call.callId, release);
      if (result.verdict !== 'approval-required') state.awaitingApproval.delete(call.callId);
      return result;
    } catch (error) {
      return failClosed(call, error);
    }
  };

  const session: FirewallSession = {
    id,
    addSystemPrompt: async (text) => addBasis({ kind: 'instruction', content: checkText(text, 'text'), source: 'system', authority: 'verified' }),
    addUserTurn: async (text) => addBasis({ kind: 'instruction', content: checkText(text, 'text'), source: 'user', authority: 'user' }),
    addToolOutput: async (input: ToolOutputInput) => addBasis(basisForTool({ context, input })),
    addBasis,
    async guard(input) {
      live();
      const call = checkCall(input, 'input');
      return tracked(() => guardChecked(call));
    },
    async execute<T>(input: ToolCall, run: ToolFunction<T>): Promise<ExecuteResult<T>> {
      live();
      if (typeof run !== 'function') throw new WritError('ERR_INVALID_ARGUMENT', 'run must be a function', { details: { parameter: 'run' } });
      const call = checkCall(input, 'call');
      return tracked(async () => {
        const guard = await guardChecked(call);
        if (guard.verdict === 'block') return { status: 'blocked', guard };
        if (guard.verdict === 'approval-required') return { status: 'approval-required', guard };
        const record = state.journal.get(call.callId);
        if (record?.execution !== undefined) return (await record.execution) as ExecuteResult<T>;
        const execution = runThroughGateway({ context, session: state, call, guard, run });
        if (record !== undefined) record.execution = execution;
        // The release is spent; a re-run is answered from the journal.
        void execution.finally(() => state.releases.delete(call.callId)).catch(() => undefined);
        return execution;
      });
    },
    submitApproval: (input): Promise<ApprovalSubmission> => {
      try {
        live();
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new WritError('ERR_INTERNAL', 'session check failed', { cause: error }));
      }
      return tracked(() => submitApproval({ context, requestId: input?.requestId, statement: input?.statement }));
    },
    end(): Promise<SessionSummary> {
      if (summary === undefined) {
        if (state.evicted) return Promise.reject(new WritError('ERR_FIREWALL_SESSION_EVICTED', 'the session was idle too long and left memory; open it again with its id to end it'));
        state.ended = true;
        // Remembered compactly from now on, so its id is never opened again.
        context.endSession(id);
        options.onEnd?.();
        settleEnded();
        summary = endSession({ context, session: state });
      }
      return summary;
    },
  };
  return { session, state };
}

/**
 * Let go of an idle session (`sessions.idleMs`): its methods refuse from now on, every call id
 * it holds becomes a tombstone in the firewall's shared set (a re-run in a reopened session is
 * refused, never run again), and the budget reservations of releases it never executed (their
 * tokens expired) are freed.
 */
export function evictSession(state: SessionState): void {
  state.evicted = true;
  state.journal.tombstoneAll();
  for (const release of state.releases.values()) release.reservation?.settle(false);
  state.releases.clear();
  state.awaitingApproval.clear();
}

/**
 * True when `state` may be evicted at `now` (ms): nothing running, idle for `idleMs`, and
 * neither a pending approval nor an unexecuted release that could still be used (they keep a
 * session for the approval lifetime — `approvalTtlMs`, or the request's own expiry when later —
 * and the token lifetime respectively).
 */
export function evictable(state: SessionState, options: { readonly now: number; readonly idleMs: number; readonly approvalTtlMs: number; readonly tokenTtlMs: number }): boolean {
  if (state.busy > 0 || state.ended || state.evicted) return false;
  const idle = options.now - state.lastUsed;
  if (idle < options.idleMs) return false;
  // A request may live longer than `approvalTtlMs` (the policy's `expiresInSeconds`): kept until then.
  if (state.awaitingApproval.size > 0 && (idle < options.approvalTtlMs || options.now < state.approvalsUntil)) return false;
  return state.releases.size === 0 || idle >= options.tokenTtlMs;
}

function checkText(text: unknown, parameter: string): string {
  if (typeof text !== 'string' || text.length > 1 << 20) {
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be a string (at most 1 MiB)`, { details: { parameter } });
  }
  return text;
}
