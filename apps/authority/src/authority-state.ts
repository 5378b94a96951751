/**
 * What the authority keeps besides the firewall: which agent owns which session, the
 * details of pending approval requests for the console (kept durably in a
 * {@link PendingDetailStore}), calls waiting for the agent's
 * tool result, and an index of released tokens read back from the transcript.
 */
import { KeyTombstones } from '@writ/core';
import type { ApprovalStore, BasisItemInput, EffectContext, Firewall, FirewallSession, JsonObject, LedgerStore, TrustRoot } from '@writ/core';
import type { FirewallPolicy, ToolRegistry } from '@writ/core';
import { HttpError } from './http-error.ts';
import type { PendingDetailStore } from './pending-store.ts';
import type { PendingIndex } from './pending-index.ts';

export type { PendingDetail } from './pending-store.ts';

/** One open session and its owner. */
export interface SessionEntry {
  readonly session: FirewallSession;
  readonly agentId: string;
  readonly principal: { readonly id: string; readonly roles?: readonly string[]; readonly tenant?: string };
  /** Basis items in the order given (the console re-scores them for the pending view). */
  readonly basis: BasisItemInput[];
}

/** A released token as the transcript recorded it. */
export interface ReleaseRecord {
  readonly sessionId: string;
  readonly callId: string;
  readonly tokenId: string;
  readonly token: JsonObject;
}

/** The authority's collaborators and bookkeeping. */
export interface AuthorityState {
  readonly firewall: Firewall;
  readonly policy: FirewallPolicy;
  readonly registry: ToolRegistry;
  readonly trustRoot: TrustRoot;
  readonly ledger: LedgerStore;
  readonly approvals: ApprovalStore;
  readonly sessions: Map<string, SessionEntry>;
  /** Pending-request details, indexed: loaded from `pendingStore` at start, written through. */
  readonly pending: PendingIndex;
  readonly pendingStore: PendingDetailStore;
  readonly inflight: Map<string, InflightCall>;
  /** Rollbacks whose compensation runs in the agent, by token id. */
  readonly rollbacks: Map<string, RollbackWaiter>;
  readonly releases: ReleaseIndex;
  readonly clock: () => Date;
}

/** A call whose tool runs in the agent: the gateway waits for the result the agent reports. */
export interface InflightCall {
  readonly agentId: string;
  report(outcome: { readonly result: unknown } | { readonly error: { readonly name: string; readonly message: string } }): void;
  readonly done: Promise<unknown>;
}

/** A rollback waiting for the agent to run the tool's compensation and report it. */
export interface RollbackWaiter {
  readonly agentId: string;
  /** Called by the firewall's compensation hook with the effect to undo. */
  admit(context: EffectContext): void;
  report(result: { readonly status: 'compensated' | 'partial' | 'not-compensable'; readonly residue: string[] }): void;
  readonly reported: Promise<{ status: 'compensated' | 'partial' | 'not-compensable'; residue: string[] }>;
  /** The firewall's rollback report (set once the rollback started). */
  done: Promise<unknown> | undefined;
}

/** Releases the index keeps by default (the firewall itself keeps the latest 10 000 effects for rollback). */
export const MAX_RELEASES = 20_000;

/**
 * Token releases by token id and by (session, call), and the agent owning each session id,
 * tailed from the ledger: a session's first `session-started` entry names its agent, so
 * ownership survives a restart.
 *
 * Bounded: only the latest `maxReleases` releases are kept — a call's token is read right after
 * its release (guard, start), a sidecar request within the token's lifetime, and the firewall
 * rolls back only its latest 10 000 effects anyway. Session ownership is kept for every session
 * as two 8-byte fingerprints (of the id, and of id and owner) instead of strings: a fingerprint
 * collision can only refuse a fresh session id as taken, and claiming another agent's session
 * needs its (id, owner) fingerprint to collide with one of the agent's own claims — salted per
 * process (`KeyTombstones`), so not something to search for offline.
 */
export class ReleaseIndex {
  readonly #ledger: LedgerStore;
  readonly #maxReleases: number;
  readonly #byToken = new Map<string, ReleaseRecord>();
  readonly #byCall = new Map<string, ReleaseRecord>();
  /** Session ids some agent owns. */
  readonly #claimed = new KeyTombstones();
  /** `sessionId \0 agentId` of each owner. */
  readonly #owned = new KeyTombstones();
  /** Session ids whose `session-ended` this index has seen (or was told of): never open again. */
  readonly #ended = new KeyTombstones();
  #next = 0;
  #chain: Promise<void> = Promise.resolve();

  constructor(ledger: LedgerStore, options: { readonly maxReleases?: number } = {}) {
    this.#ledger = ledger;
    this.#maxReleases = options.maxReleases ?? MAX_RELEASES;
  }

  /** Releases held now (tests, diagnostics). */
  get size(): number {
    return this.#byToken.size;
  }

  /** Read entries appended since the last call (calls are serialized; each sees all earlier appends). */
  refresh(): Promise<void> {
    this.#chain = this.#chain.catch(() => undefined).then(() => this.#read());
    return this.#chain;
  }

  async #read(): Promise<void> {
    for await (const stored of this.#ledger.read({ from: this.#next })) {
      this.#next = stored.seq + 1;
      const entry = JSON.parse(stored.line) as { type?: string; body?: Record<string, unknown> };
      if (entry.type === 'session-started' && entry.body !== undefined) {
        const { sessionId, agent } = entry.body as { sessionId?: unknown; agent?: { id?: unknown } };
        if (typeof sessionId === 'string' && typeof agent?.id === 'string') this.claimSession({ sessionId, agentId: agent.id });
        continue;
      }
      if (entry.type === 'session-ended' && typeof entry.body?.sessionId === 'string') {
        this.#ended.add(entry.body.sessionId);
        continue;
      }
      if (entry.type !== 'token-issued' || entry.body === undefined) continue;
      const { sessionId, callId, tokenId, token } = entry.body as { sessionId: string; callId: string; tokenId: string; token: JsonObject };
      const record = { sessionId, callId, tokenId, token };
      this.#byToken.set(tokenId, record);
      this.#byCall.set(`${sessionId}\u0000${callId}`, record);
      if (this.#byToken.size > this.#maxReleases) {
        const oldest = this.#byToken.values().next().value;
        if (oldest !== undefined) {
          this.#byToken.delete(oldest.tokenId);
          const key = `${oldest.sessionId}\u0000${oldest.callId}`;
          if (this.#byCall.get(key) === oldest) this.#byCall.delete(key);
        }
      }
    }
  }

  /**
   * Claim `sessionId` for `agentId` unless an agent owns it already (it opened it, in this
   * process or, per the ledger read so far, before a restart). Synchronous: of two concurrent
   * claims exactly one wins. Call {@link refresh} first.
   * @returns true when `agentId` owns the session after the claim.
   */
  claimSession(options: { readonly sessionId: string; readonly agentId: string }): boolean {
    if (this.owns(options)) return true;
    if (this.#claimed.has(options.sessionId)) return false;
    this.#claimed.add(options.sessionId);
    this.#owned.add(`${options.sessionId}\u0000${options.agentId}`);
    return true;
  }

  /** True when `agentId` owns `sessionId` (per the claims and the ledger read so far). */
  owns(options: { readonly sessionId: string; readonly agentId: string }): boolean {
    return this.#owned.has(`${options.sessionId}\u0000${options.agentId}`);
  }

  /** Remember that `sessionId` ended (its `session-ended` entry is written). */
  markEnded(sessionId: string): void {
    this.#ended.add(sessionId);
  }

  /** True when `sessionId` is known to have ended (per `markEnded` and the ledger read so far). */
  ended(sessionId: string): boolean {
    return this.#ended.has(sessionId);
  }

  /** The release of a call, reading new entries first. */
  async forCall(options: { readonly sessionId: string; readonly callId: string }): Promise<ReleaseRecord | undefined> {
    await this.refresh();
    return this.#byCall.get(`${options.sessionId}\u0000${options.callId}`);
  }

  /** The release of a token id, reading new entries first. */
  async forToken(tokenId: string): Promise<ReleaseRecord | undefined> {
    await this.refresh();
    return this.#byToken.get(tokenId);
  }
}

/**
 * The session `sessionId` if `agentId` opened it.
 * @throws HttpError 404 `ERR_HTTP_SESSION_UNKNOWN` (unknown or another agent's: indistinguishable),
 *   409 `ERR_FIREWALL_SESSION_ENDED` (this agent's, ended), 410 `ERR_HTTP_SESSION_GONE` (this
 *   agent's, no longer in memory: idle too long or opened before a restart).
 */
export function ownedSession(options: { readonly state: AuthorityState; readonly sessionId: string; readonly agentId: string }): SessionEntry {
  const entry = options.state.sessions.get(options.sessionId);
  if (entry !== undefined && entry.agentId === options.agentId) return entry;
  // This agent's session, no longer in memory: ended, idle past `limits.sessionIdleMs`, or
  // opened before a restart. Another agent's id is unknown, as before.
  if (entry === undefined && options.state.releases.owns(options)) {
    // The same code as the firewall's own refusal, so a remote session rejects as an in-process one.
    if (options.state.releases.ended(options.sessionId)) throw new HttpError({ status: 409, code: 'ERR_FIREWALL_SESSION_ENDED', message: 'the session has ended' });
    throw new HttpError({
      status: 410,
      code: 'ERR_HTTP_SESSION_GONE',
      message: 'the session is no longer in memory (idle too long, or opened before the authority restarted); open it again with its id (POST /v1/sessions) and send its basis again',
    });
  }
  throw new HttpError({ status: 404, code: 'ERR_HTTP_SESSION_UNKNOWN', message: 'no such session for this agent' });
}
