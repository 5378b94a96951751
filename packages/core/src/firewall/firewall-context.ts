/**
 * State shared by a firewall and its sessions.
 */
import { WritError } from '../errors.ts';
import type { JsonObject } from '../stores/types.ts';
import type { BudgetReservation } from './budgets.ts';
import { CapabilityBudgets } from './budgets.ts';
import { KeyTombstones } from './call-fingerprints.ts';
import type { FirewallSettings } from './firewall-options.ts';
import type { Ledger } from '../transcript/ledger.ts';
import { HeldTokens } from './held-tokens.ts';
import { Recorder } from './recorder.ts';
import type { RecoveredCall } from './recovery.ts';

/** An effect the gateway performed, kept for reconciliation and rollback. */
export interface PerformedEffect {
  readonly tokenId: string;
  readonly callId: string;
  readonly sessionId: string;
  readonly tool: string;
  readonly args: JsonObject;
  readonly result: unknown;
  readonly reservation: BudgetReservation | undefined;
  rolledBack: boolean;
}

/** Shared firewall state. */
export class FirewallContext {
  readonly settings: FirewallSettings;
  readonly recorder: Recorder;
  readonly budgets: CapabilityBudgets;
  readonly effects = new Map<string, PerformedEffect>();
  /** Budget holds of the unfinished releases found on open, by token id (until resolved). */
  readonly unfinishedHolds = new Map<string, BudgetReservation>();
  /** The latest recorded state of each call found in the ledger on open (restart idempotency). */
  readonly recovered = new Map<string, RecoveredCall>();
  /**
   * Calls whose record left memory, by key (session, call id): the calls of the ledger the
   * recovered index dropped (past its limit) and the calls of idle sessions evicted from
   * memory. Never judged again: a re-run is refused as `firewall.call-id-evicted`.
   */
  readonly droppedCalls = new KeyTombstones();
  /** Ids of ended sessions (this process, and per the ledger on open): never opened again. */
  readonly endedSessions = new KeyTombstones();
  /**
   * Ended ids a later `session-started` of the ledger opened again (written by a firewall from
   * before ended sessions were refused): open, until they end again.
   */
  readonly reopenedSessions = new Set<string>();

  /** True when the session `id` has ended (and was not opened again since, per an older ledger). */
  sessionEnded(id: string): boolean {
    return this.endedSessions.has(id) && !this.reopenedSessions.has(id);
  }

  /** Remember that the session `id` has ended. */
  endSession(id: string): void {
    this.endedSessions.add(id);
    this.reopenedSessions.delete(id);
  }
  /** Tokens this firewall minted, so its own gateway need not decode and re-verify them. */
  readonly held = new HeldTokens();
  closed = false;
  /** The checkpointing transcript writer over `settings.stores.ledger`. */
  readonly ledger: Ledger;

  constructor(settings: FirewallSettings, ledger: Ledger) {
    this.settings = settings;
    this.ledger = ledger;
    this.recorder = new Recorder({
      ledger,
      flushIntervalMs: settings.durability.flushIntervalMs,
      maxBatch: settings.durability.maxBatch,
    });
    this.budgets = new CapabilityBudgets(settings.budgets);
  }

  /** Keep a performed effect for rollback (the most recent 10 000 per firewall). */
  rememberEffect(effect: PerformedEffect): void {
    this.effects.set(effect.tokenId, effect);
    if (this.effects.size > 10_000) {
      const oldest = this.effects.keys().next().value;
      if (oldest !== undefined) this.effects.delete(oldest);
    }
  }

  /**
   * The firewall clock's time.
   * @throws `ERR_INVALID_ARGUMENT` (`clock`) when the clock does not return a valid Date.
   */
  now(): Date {
    const now = this.settings.clock();
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new WritError('ERR_INVALID_ARGUMENT', 'clock must return a valid Date', { details: { parameter: 'clock' } });
    return now;
  }
}

const PENDING: unique symbol = Symbol('pending');
const SETTLED_MARKER: Promise<typeof PENDING> = Promise.resolve(PENDING);

/**
 * `promise`, or a rejection with `ERR_FIREWALL_TIMEOUT` after `ms`.
 *
 * A promise that has already settled — what an in-memory store returns, since it answers
 * synchronously — cannot time out, so it gets no timer: racing it against an already
 * resolved marker tells within one microtask whether it has settled (a settled native
 * promise wins the race, being first). Only a promise still pending then (real I/O) gets
 * the timer, with unchanged semantics.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  const first = await Promise.race([promise, SETTLED_MARKER]);
  if (first !== PENDING) return first;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WritError('ERR_FIREWALL_TIMEOUT', 'operation timed out')), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
