/**
 * Idempotency per tool-call id. Frameworks re-run approval callbacks (and sometimes the
 * tool wrapper) on resume; the second guard for the same call id must return the recorded
 * result and record nothing new, and the same call id with other arguments is a conflict.
 */
import type { Sha256Digest } from '../stores/types.ts';
import { KeyTombstones } from './call-fingerprints.ts';

/** What the journal keeps per call id. */
export interface JournalRecord<G, E> {
  /** The tool the call id was first claimed for: the same id and arguments under another tool conflict. */
  readonly tool: string;
  readonly argsDigest: Sha256Digest;
  /** The guard result in progress or recorded (shared by concurrent re-runs). */
  guard: Promise<G>;
  /** The execution in progress or recorded. */
  execution?: Promise<E>;
}

/** Outcome of {@link CallJournal.claim}. */
export type Claim<G, E> =
  | { readonly kind: 'new'; readonly record: JournalRecord<G, E> }
  | { readonly kind: 'replay'; readonly record: JournalRecord<G, E> }
  | { readonly kind: 'conflict'; readonly record: JournalRecord<G, E> }
  | { readonly kind: 'evicted' };

/**
 * The per-session journal of call ids (bounded: the oldest records are dropped past `limit`).
 * A dropped call id is not forgotten: it is kept as a tombstone (the id only) and a later
 * claim of it is `evicted`, never `new` — otherwise an agent could push an executed call out
 * with `limit` other calls and have it judged, released and run a second time.
 *
 * Tombstones are strings while recent and are then folded into 8-byte fingerprints
 * ({@link KeyTombstones}): a session of a million calls keeps ~8 MB of fingerprints plus at
 * most ~125,000 strings, not a million strings, and the cost per evicted call stays a few
 * comparisons. A fingerprint collision can only refuse a fresh call id as evicted (fail
 * closed), never let an evicted one run.
 */
export class CallJournal<G, E> {
  readonly #records = new Map<string, JournalRecord<G, E>>();
  readonly #evicted: KeyTombstones;
  readonly #prefix: string;
  readonly #limit: number;

  /**
   * @param options.tombstones where dropped call ids go, as `prefix + callId` — a set shared
   *   by every session of a firewall, so the tombstones of a session outlive its journal when
   *   the session itself leaves memory (default: a set of this journal's own, prefix `''`).
   */
  constructor(limit = 10_000, options?: { readonly tombstones: KeyTombstones; readonly prefix: string }) {
    this.#limit = limit;
    this.#evicted = options?.tombstones ?? new KeyTombstones();
    this.#prefix = options?.prefix ?? '';
  }

  /**
   * Claim `callId` for `tool` with arguments of digest `argsDigest`. A new claim runs `start`
   * once and stores its promise; a replay with the same tool and arguments returns the stored
   * record; another tool or other arguments under the same id are a conflict.
   */
  claim(options: { readonly callId: string; readonly tool: string; readonly argsDigest: Sha256Digest; readonly start: () => Promise<G> }): Claim<G, E> {
    const existing = this.#records.get(options.callId);
    if (existing !== undefined) {
      return { kind: existing.argsDigest === options.argsDigest && existing.tool === options.tool ? 'replay' : 'conflict', record: existing };
    }
    if (this.evicted(options.callId)) return { kind: 'evicted' };
    const record: JournalRecord<G, E> = { tool: options.tool, argsDigest: options.argsDigest, guard: Promise.resolve(undefined as G) };
    this.#records.set(options.callId, record);
    if (this.#records.size > this.#limit) {
      const oldest = this.#records.keys().next().value;
      if (oldest !== undefined) {
        this.#records.delete(oldest);
        this.#tombstone(oldest);
      }
    }
    record.guard = options.start();
    return { kind: 'new', record };
  }

  /** The record of `callId`, if any. */
  get(callId: string): JournalRecord<G, E> | undefined {
    return this.#records.get(callId);
  }

  /** True when `callId` was claimed before and its record has been dropped. */
  evicted(callId: string): boolean {
    return this.#evicted.has(this.#prefix + callId);
  }

  /** Tombstones held (the shared set's, when shared): recent strings and folded fingerprints (tests, diagnostics). */
  get tombstones(): { readonly recent: number; readonly folded: number } {
    return this.#evicted.counts;
  }

  #tombstone(callId: string): void {
    this.#evicted.add(this.#prefix + callId);
  }

  /**
   * Make `callId` a tombstone without a record: a call id known to have been used (before a
   * restart, say) whose result is gone. Claiming it is then `evicted`. No-op for a call id
   * that has a record.
   */
  tombstone(callId: string): void {
    if (!this.#records.has(callId)) this.#tombstone(callId);
  }

  /** Make every call id this journal holds a tombstone (its session leaves memory). */
  tombstoneAll(): void {
    for (const callId of this.#records.keys()) this.#evicted.add(this.#prefix + callId);
    this.#records.clear();
  }

  /** Forget `callId` (after a guard that recorded nothing, so a retry evaluates again). */
  forget(callId: string): void {
    this.#records.delete(callId);
  }
}
