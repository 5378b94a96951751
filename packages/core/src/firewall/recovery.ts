/**
 * Crash recovery: a release (token issued) without an outcome (execution receipt) means
 * the process stopped between release and outcome — the effect may or may not have
 * happened. Such releases are never silently dropped: on open each one is recorded once as
 * `release-unfinished` (for reconciliation) and reported by `firewall.unfinished()`.
 *
 * The same scan indexes the latest {@link MAX_RECOVERED} calls for restart idempotency
 * (replay-recovered.ts); every older call is kept as an 8-byte fingerprint, so its call id
 * is refused (`firewall.call-id-evicted`) rather than judged and run a second time. And it
 * rebuilds the capability budgets from what each release recorded it reserved
 * ({@link BudgetTracker}).
 */
import { WritError } from '../errors.ts';
import type { JsonObject } from '../stores/types.ts';
import type { LedgerEntry } from '../transcript/entry.ts';
import { parseEntry } from '../transcript/entry.ts';
import type { BudgetReservation, CapabilityBudgets } from './budgets.ts';
import { parseBudgetHolds } from './budgets.ts';
import type { FirewallContext } from './firewall-context.ts';
import type { UnfinishedRelease } from './types.ts';

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** What the ledger says about one call, so a re-run after a restart replays it. */
export interface RecoveredCall {
  readonly sessionId: string;
  readonly callId: string;
  readonly tool: string;
  readonly argsDigest: string;
  readonly intentDigest: string;
  decision: string;
  verdict: string;
  readonly mode: string;
  readonly wouldHave: string | undefined;
  readonly actionClass: string;
  reasons: readonly { readonly code: string; readonly text: string }[];
  readonly decisionId: string;
  tokenId?: string;
  denialId?: string;
  executed: boolean;
}

/** Key of a call in {@link RecoveredCall} maps. */
export function callKey(sessionId: string, callId: string): string {
  return `${sessionId}\u0000${callId}`;
}

/**
 * How many calls the recovered index keeps (the latest, by decision); older ones are kept
 * only as fingerprints (`context.droppedCalls`, 8 bytes each) and refused if re-run.
 */
export const MAX_RECOVERED = 100_000;

/** Internal limits of the scan on open (tests lower them). */
export interface RecoveryLimits {
  /** Calls kept in the recovered index; default {@link MAX_RECOVERED}. */
  readonly maxRecovered?: number;
}

function recovered(body: JsonObject): RecoveredCall | undefined {
  const sessionId = text(body.sessionId);
  const callId = text(body.callId);
  const decisionId = text(body.decisionId);
  if (sessionId === undefined || callId === undefined || decisionId === undefined) return undefined;
  const reasons = Array.isArray(body.reasons)
    ? body.reasons.flatMap((r) => (typeof r === 'object' && r !== null && !Array.isArray(r) ? [{ code: text((r as JsonObject).code) ?? '', text: text((r as JsonObject).text) ?? '' }] : []))
    : [];
  return {
    sessionId,
    callId,
    decisionId,
    tool: text(body.tool) ?? '',
    argsDigest: text(body.argsDigest) ?? '',
    intentDigest: text(body.intentDigest) ?? '',
    decision: text(body.decision) ?? 'deny',
    verdict: text(body.verdict) ?? 'block',
    mode: text(body.mode) ?? 'enforce',
    wouldHave: text(body.wouldHave),
    actionClass: text(body.actionClass) ?? 'A5',
    reasons,
    executed: false,
  };
}

/**
 * Scan the ledger (streamed) and flag releases without an outcome.
 * @throws store errors (`ERR_STORE_*`), `ERR_TRANSCRIPT_MALFORMED`.
 */
export async function findUnfinishedReleases(options: { readonly context: FirewallContext } & RecoveryLimits): Promise<UnfinishedRelease[]> {
  const { context, maxRecovered = MAX_RECOVERED } = options;
  const { ledger } = context.settings.stores;
  const released = new Map<string, UnfinishedRelease>();
  const flagged = new Set<string>();
  const calls = context.recovered;
  const budgets = new BudgetTracker(context.budgets);
  for await (const stored of ledger.read()) {
    const entry = parseEntry(stored.line);
    budgets.track(entry);
    if (entry.type === 'session-ended' || entry.type === 'session-started') {
      // Ended ids go straight into the compact set, so the scan keeps no string per session
      // of the ledger. A ledger written before ended sessions were refused may open an ended id
      // again: its later `session-started` makes it open (`reopenedSessions`, rare).
      const sessionId = text(entry.body.sessionId);
      if (sessionId === undefined) continue;
      if (entry.type === 'session-ended') {
        context.endedSessions.add(sessionId);
        context.reopenedSessions.delete(sessionId);
      } else if (context.endedSessions.has(sessionId)) {
        context.reopenedSessions.add(sessionId);
      }
      continue;
    }
    indexCall(calls, entry.type, entry.body);
    // Bounded while scanning, not after: the index holds at most `maxRecovered` calls
    // between entries, however long the ledger. A dropped call is remembered by fingerprint, so a re-run of it after this
    // restart is refused (`firewall.call-id-evicted`) rather than judged and run again;
    // a later entry of a dropped call (its outcome, say) cannot change that answer.
    while (calls.size > maxRecovered) {
      const oldest = calls.keys().next().value;
      if (oldest === undefined) break;
      calls.delete(oldest);
      context.droppedCalls.add(oldest);
    }
    const tokenId = text(entry.body.tokenId);
    if (tokenId === undefined) continue;
    if (entry.type === 'token-issued') {
      released.set(tokenId, { tokenId, callId: text(entry.body.callId) ?? '', sessionId: text(entry.body.sessionId) ?? '', tool: text(entry.body.tool) ?? '', releasedSeq: entry.seq });
    } else if (entry.type === 'effect-executed' || entry.type === 'gateway-overridden' || entry.type === 'action-denied' || entry.type === 'release-resolved') {
      // An outcome: executed, run without admission (shadow), refused at the gateway, or found
      // out after a restart (resolveUnfinished).
      released.delete(tokenId);
      if (entry.type === 'release-resolved') flagged.delete(tokenId);
    } else if (entry.type === 'release-unfinished') {
      flagged.add(tokenId);
    }
  }
  const held = budgets.finish();
  const unfinished = [...released.values()];
  // What the unfinished releases hold on the budgets (counted as performed), for resolveUnfinished.
  for (const release of unfinished) {
    const reservation = held.get(callKey(release.sessionId, release.callId));
    if (reservation !== undefined) context.unfinishedHolds.set(release.tokenId, reservation);
  }
  const fresh = unfinished.filter((release) => !flagged.has(release.tokenId));
  if (fresh.length > 0) {
    const time = context.now().toISOString();
    await context.recorder.write(
      fresh.map((release) => ({ type: 'release-unfinished', time, body: { ...release, status: 'repair-required' } })),
      'sync',
    );
  }
  return unfinished;
}

/** Keep the latest recorded state of each call (decision, release or denial, execution). */
function indexCall(calls: Map<string, RecoveredCall>, type: string, body: JsonObject): void {
  const sessionId = text(body.sessionId);
  const callId = text(body.callId);
  if (sessionId === undefined || callId === undefined) return;
  const key = callKey(sessionId, callId);
  if (type === 'decision-made') {
    const call = recovered(body);
    if (call === undefined) return;
    calls.delete(key);
    calls.set(key, call);
    return;
  }
  const call = calls.get(key);
  if (call === undefined) return;
  if (type === 'token-issued' && text(body.decisionId) === call.decisionId) {
    call.tokenId = text(body.tokenId);
    resumed(call, body.recheck);
  } else if (type === 'action-denied' && text(body.decisionId) === call.decisionId) {
    call.denialId = text(body.denialId);
    resumed(call, body.recheck);
  } else if (type === 'effect-executed' || type === 'gateway-overridden' || (type === 'release-resolved' && body.outcome === 'executed')) {
    // Ran (a resolution found it ran: the gateway then says so, not that the outcome is unknown).
    call.executed = true;
  }
}

/** A release or refusal after an approval carries the re-check: it is the call's state now. */
function resumed(call: RecoveredCall, recheck: unknown): void {
  if (call.verdict !== 'approval-required' || typeof recheck !== 'object' || recheck === null || Array.isArray(recheck)) return;
  const body = recheck as JsonObject;
  const after = recovered({ ...body, sessionId: call.sessionId, callId: call.callId, decisionId: call.decisionId });
  if (after === undefined) return;
  call.verdict = after.verdict;
  call.decision = after.decision;
  call.reasons = after.reasons;
}

/**
 * Rebuilds the capability budgets while the ledger is scanned: each release that recorded
 * `budgets` reserves them again at its release time, and what follows settles them as the
 * live firewall did — an execution spends (escrows) or, failed, frees; a refusal at the
 * gateway frees; a reconciliation confirms an escrow; a complete compensation frees it; a
 * `release-resolved` spends or frees as it says. A release with no outcome at the end of the ledger counts as performed: it may have run
 * before the process stopped (the gateway refuses it from now on, `gateway.outcome-unknown`),
 * including a token-free one whose session ended (a call running at `end()` records its
 * outcome after the `session-ended` entry, so the end alone does not show it never ran).
 * Memory: the releases still open or in escrow; the budgets drop spent holds past their
 * window as the scan goes.
 */
/** Entry types that settle a release's budget holds. */
const SETTLES = new Set(['effect-executed', 'action-denied', 'effect-reconciled', 'effect-rolled-back', 'release-resolved']);

export class BudgetTracker {
  readonly #budgets: CapabilityBudgets;
  readonly #open = new Map<string, BudgetReservation>();

  constructor(budgets: CapabilityBudgets) {
    this.#budgets = budgets;
  }

  /** Follow one entry. @throws `ERR_TRANSCRIPT_MALFORMED` (a `budgets` field that is not a list of budget holds). */
  track(entry: LedgerEntry): void {
    const body = entry.body;
    const releases = entry.type === 'token-issued' || entry.type === 'decision-made';
    // Most entries neither record budgets nor settle an open release: no call key is built for
    // them (the scan reads every entry of the ledger once).
    if (releases ? body.budgets === undefined : this.#open.size === 0 || !SETTLES.has(entry.type)) return;
    const sessionId = text(body.sessionId);
    const callId = text(body.callId);
    if (sessionId === undefined || callId === undefined) return;
    const key = callKey(sessionId, callId);
    switch (entry.type) {
      case 'token-issued':
      case 'decision-made':
        this.#reserve(entry, key);
        return;
      case 'effect-executed':
        this.#settle(key, (r) => r.settle(body.status === 'succeeded'));
        return;
      case 'action-denied':
        this.#settle(key, (r) => r.settle(false));
        return;
      case 'effect-reconciled':
        if (body.status === 'reconciled') this.#settle(key, (r) => r.release(true));
        return;
      case 'effect-rolled-back':
        this.#settle(key, (r) => r.release(body.status !== 'compensated'));
        return;
      case 'release-resolved':
        this.#settle(key, (r) => r.settle(body.outcome === 'executed'));
        return;
      default:
        return;
    }
  }

  /**
   * The end of the ledger: a release without an outcome may have run, and counts.
   * @returns the reservations of the releases without an outcome, by call (session and call id).
   */
  finish(): Map<string, BudgetReservation> {
    const held = new Map<string, BudgetReservation>();
    for (const [key, reservation] of this.#open) {
      if (reservation.unsettled) held.set(key, reservation);
      reservation.settle(true);
    }
    this.#open.clear();
    return held;
  }

  /** Releases still open or in escrow (tests of the memory bound). @internal */
  get open(): number {
    return this.#open.size;
  }

  #reserve(entry: LedgerEntry, key: string): void {
    let records;
    try {
      records = parseBudgetHolds(entry.body.budgets);
    } catch (error) {
      const field = WritError.isInstance(error) ? error.details?.parameter : undefined;
      throw new WritError('ERR_TRANSCRIPT_MALFORMED', `entry ${entry.seq} (${entry.type}) records budgets that are not budget holds`, { details: { seq: entry.seq, field: field ?? 'budgets' } });
    }
    const reservation = this.#budgets.restore(records, new Date(entry.time));
    // One release per call: a second one (no firewall writes it) replaces the first, which
    // counts as performed.
    this.#open.get(key)?.settle(true);
    if (reservation === undefined) this.#open.delete(key);
    else this.#open.set(key, reservation);
  }

  #settle(key: string, apply: (reservation: BudgetReservation) => void): void {
    const reservation = this.#open.get(key);
    if (reservation === undefined) return;
    apply(reservation);
    // An escrowed amount still waits for its reconciliation or rollback.
    if (!reservation.escrowed) this.#open.delete(key);
  }
}
