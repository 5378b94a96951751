/**
 * The authority's pending-request details, indexed for the paths that run on every call:
 * by request id (the console's detail view), by session and call (approvals collected in the
 * console, attached to the call's next guard), by session (who opened it), and the requests
 * that may still be undecided (the inbox, the per-agent limit). Details stay for the detail
 * view; a request found decided or expired leaves the undecided set for good, so the inbox
 * and the per-agent limit read each decided request's status once instead of on every call —
 * they used to scan every request the authority ever kept, with a store read each.
 */
import type { ApprovalStore, Sha256Digest } from '@writ/core';
import type { PendingDetail } from './pending-store.ts';

/** One request's status as the approval store answers it (undefined: never decided). */
export type StatusOf = (id: string) => Promise<string | undefined>;

/** The status of a request in `approvals`, for {@link PendingIndex.undecided}. */
export function statusIn(approvals: ApprovalStore): StatusOf {
  return async (id) => (await approvals.get(id as Sha256Digest))?.status;
}

export class PendingIndex {
  readonly #byId = new Map<string, PendingDetail>();
  readonly #byCall = new Map<string, PendingDetail[]>();
  readonly #agentOfSession = new Map<string, string>();
  // Insertion order is request order (details load oldest first and are added as they come).
  readonly #undecided = new Set<string>();

  constructor(details: Iterable<PendingDetail> = []) {
    for (const detail of details) this.add(detail);
  }

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): PendingDetail | undefined {
    return this.#byId.get(id);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Add a detail (kept durably by the caller first); a known id is left as it is. */
  add(detail: PendingDetail): void {
    const id = detail.pending.id;
    if (this.#byId.has(id)) return;
    this.#byId.set(id, detail);
    const key = callKey(detail.sessionId, detail.callId);
    const list = this.#byCall.get(key);
    if (list === undefined) this.#byCall.set(key, [detail]);
    else list.push(detail);
    if (!this.#agentOfSession.has(detail.sessionId)) this.#agentOfSession.set(detail.sessionId, detail.agentId);
    this.#undecided.add(id);
  }

  /** The details kept for one call of one session (usually one). */
  forCall(sessionId: string, callId: string): readonly PendingDetail[] {
    return this.#byCall.get(callKey(sessionId, callId)) ?? [];
  }

  /** The agent whose request first named this session, if any. */
  agentOfSession(sessionId: string): string | undefined {
    return this.#agentOfSession.get(sessionId);
  }

  /**
   * The requests still pending at `now` (ms), oldest first, with `filter` applied before any
   * status is read. Each one found decided (any status but `pending`) or expired is dropped
   * from the undecided set: neither comes back.
   */
  async *undecided(options: { readonly now: number; readonly statusOf: StatusOf; readonly filter?: (detail: PendingDetail) => boolean }): AsyncIterable<PendingDetail> {
    for (const id of [...this.#undecided]) {
      const detail = this.#byId.get(id)!;
      if (Date.parse(detail.pending.expiresAt) <= options.now) {
        this.#undecided.delete(id);
        continue;
      }
      if (options.filter !== undefined && !options.filter(detail)) continue;
      const status = (await options.statusOf(id)) ?? 'pending';
      if (status !== 'pending') {
        this.#undecided.delete(id);
        continue;
      }
      yield detail;
    }
  }
}

function callKey(sessionId: string, callId: string): string {
  // Session and call ids are checked to [A-Za-z0-9._:@-]: a NUL cannot occur in either.
  return `${sessionId}\u0000${callId}`;
}
