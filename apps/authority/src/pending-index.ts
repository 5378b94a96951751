/**
 * The authority's pending-request details, indexed for the paths that run on every call:
 * by request id (the console's detail view), by session and call (approvals collected in the
 * console, attached to the call's next guard), by session (who opened it), and the requests
 * that may still be undecided (the inbox, the per-agent limit). A request found decided or
 * expired leaves the undecided set for good, so the inbox and the per-agent limit read each
 * decided request's status once instead of on every call.
 *
 * Bounded: every request that may be undecided is held, and of those found decided or expired
 * only the latest `maxDecided` requests; the others are read from the store by id when asked for
 * ({@link PendingIndex.find}). The undecided ones are bounded by the per-agent limit: before an
 * agent's request is added, the limit's check reads the status of each of that agent's, so at
 * most `maxPendingPerAgent` of an agent's requests are ever held as undecided.
 */
import type { ApprovalStore, Sha256Digest } from '@writ/core';
import type { PendingDetail, PendingDetailStore } from './pending-store.ts';

/** One request's status as the approval store answers it (undefined: never decided). */
export type StatusOf = (id: string) => Promise<string | undefined>;

/** The status of a request in `approvals`, for {@link PendingIndex.undecided}. */
export function statusIn(approvals: ApprovalStore): StatusOf {
  return async (id) => (await approvals.get(id as Sha256Digest))?.status;
}

/** Decided or expired requests whose details stay in memory by default (`limits.maxDecidedInMemory`). */
export const MAX_DECIDED_IN_MEMORY = 1000;

/** How a {@link PendingIndex} is bounded and where what it let go of is found again. */
export interface PendingIndexOptions {
  /** Decided or expired requests held, the latest ones (default {@link MAX_DECIDED_IN_MEMORY}). */
  readonly maxDecided?: number;
  /** Where details that left memory are read from by id; without it they are not found. */
  readonly store?: PendingDetailStore;
}

export class PendingIndex {
  readonly #maxDecided: number;
  readonly #store: PendingDetailStore | undefined;
  // Insertion order is request order (details load oldest first and are added as they come).
  readonly #byId = new Map<string, PendingDetail>();
  readonly #byCall = new Map<string, PendingDetail[]>();
  /** The agent of each session some held detail names, and how many do. */
  readonly #sessions = new Map<string, { readonly agentId: string; details: number }>();
  readonly #undecided = new Set<string>();

  constructor(details: Iterable<PendingDetail> = [], options: PendingIndexOptions = {}) {
    this.#maxDecided = options.maxDecided ?? MAX_DECIDED_IN_MEMORY;
    this.#store = options.store;
    for (const detail of details) this.add(detail);
  }

  /**
   * The index a starting authority serves from: what `store` retains for the bound (every
   * request unexpired at `now`, the latest expired ones), with the decided ones found among
   * them let go of as a running index would have — before the first request, not on it.
   * @throws what `store.list` and `statusOf` throw.
   */
  static async open(options: { readonly store: PendingDetailStore; readonly maxDecided?: number; readonly now: number; readonly statusOf: StatusOf }): Promise<PendingIndex> {
    const maxDecided = options.maxDecided ?? MAX_DECIDED_IN_MEMORY;
    const index = new PendingIndex(await options.store.list({ now: options.now, latestExpired: maxDecided }), { maxDecided, store: options.store });
    for await (const _ of index.undecided({ now: options.now, statusOf: options.statusOf })) {
      // Reading each status is the point: a decided request leaves the undecided set.
    }
    return index;
  }

  /** Details held in memory (tests, diagnostics). */
  get size(): number {
    return this.#byId.size;
  }

  /** The detail of request `id` if it is held in memory. */
  get(id: string): PendingDetail | undefined {
    return this.#byId.get(id);
  }

  /** Whether the detail of request `id` is held in memory. */
  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /**
   * The detail of request `id`, from memory or else from the store: one that left memory is
   * decided or expired and is read, not held again.
   * @throws the store's read errors.
   */
  async find(id: string): Promise<PendingDetail | undefined> {
    return this.#byId.get(id) ?? (await this.#store?.get(id));
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
    const session = this.#sessions.get(detail.sessionId);
    if (session === undefined) this.#sessions.set(detail.sessionId, { agentId: detail.agentId, details: 1 });
    else session.details++;
    this.#undecided.add(id);
  }

  /**
   * The details held for one call of one session (usually one). A decided request that left
   * memory is not among them: the firewall resumes an approved call from the approval store by
   * the request id it recorded for the call, so nothing needs it here.
   */
  forCall(sessionId: string, callId: string): readonly PendingDetail[] {
    return this.#byCall.get(callKey(sessionId, callId)) ?? [];
  }

  /**
   * The agent whose held request first named this session, if any. Once every request naming
   * it left memory, the ledger's `session-started` entry (written before any request of the
   * session) still names the owner to the authority's release index.
   */
  agentOfSession(sessionId: string): string | undefined {
    return this.#sessions.get(sessionId)?.agentId;
  }

  /**
   * The requests still pending at `now` (ms), oldest first, with `filter` applied before any
   * status is read. Each one found decided (any status but `pending`) or expired is dropped
   * from the undecided set: neither comes back, and the oldest such requests past `maxDecided`
   * leave memory.
   */
  async *undecided(options: { readonly now: number; readonly statusOf: StatusOf; readonly filter?: (detail: PendingDetail) => boolean }): AsyncIterable<PendingDetail> {
    for (const id of [...this.#undecided]) {
      // Another listing may have found it decided (and let it go) while this one awaited.
      const detail = this.#byId.get(id);
      if (detail === undefined || !this.#undecided.has(id)) continue;
      if (Date.parse(detail.pending.expiresAt) <= options.now) {
        this.#settle(id);
        continue;
      }
      if (options.filter !== undefined && !options.filter(detail)) continue;
      const status = (await options.statusOf(id)) ?? 'pending';
      if (status !== 'pending') {
        this.#settle(id);
        continue;
      }
      yield detail;
    }
  }

  #settle(id: string): void {
    if (!this.#undecided.delete(id)) return;
    let excess = this.#byId.size - this.#undecided.size - this.#maxDecided;
    // Oldest first; the undecided requests passed over are few (per-agent limit).
    for (const [heldId, detail] of this.#byId) {
      if (excess <= 0) break;
      if (this.#undecided.has(heldId)) continue;
      this.#evict(detail);
      excess--;
    }
  }

  #evict(detail: PendingDetail): void {
    this.#byId.delete(detail.pending.id);
    const key = callKey(detail.sessionId, detail.callId);
    const rest = (this.#byCall.get(key) ?? []).filter((held) => held !== detail);
    if (rest.length === 0) this.#byCall.delete(key);
    else this.#byCall.set(key, rest);
    const session = this.#sessions.get(detail.sessionId);
    if (session !== undefined && --session.details === 0) this.#sessions.delete(detail.sessionId);
  }
}

function callKey(sessionId: string, callId: string): string {
  // Session and call ids are checked to [A-Za-z0-9._:@-]: a NUL cannot occur in either.
  return `${sessionId}\u0000${callId}`;
}
