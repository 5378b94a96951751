/**
 * Writes firewall entries to the ledger with the durability a call demands.
 *
 * - `sync`: the entries (and everything queued before them, in one append = one group
 *   commit) are durable before `write` resolves. The firewall writes every release this
 *   way for the classes that demand it, so the record is on disk before the tool runs.
 * - `batched`: entries are queued and appended together when the queue reaches
 *   `maxBatch` entries or `flushIntervalMs` after the first queued entry, whichever comes
 *   first. **Loss window**: when a tool starts, at most `2 × maxBatch` (default 16, so 32)
 *   recorded entries are not yet in the ledger — the batch being appended and the one
 *   filling behind it; the gateway waits for {@link Recorder.backlog} first — and, while the
 *   event loop runs, none has waited longer than `flushIntervalMs` (default 5 ms) to be
 *   flushed. A crash loses at most those and what was recorded after. (An append that takes
 *   a while, e.g. a thread-pool file write, completes only when the event loop turns: without
 *   the wait, a caller that never yields piled entries up without bound.) A flush seals its
 *   whole batch inside whichever call is running, so `maxBatch` also bounds that call's
 *   pause (ADR 0025).
 *   Order is kept: a later sync write flushes earlier batched entries first.
 *
 * A failed flush poisons the recorder: every later write rejects with the same
 * `ERR_STORE_IO`-class error until it is reopened, so enforce mode fails closed.
 */
import { WritError } from '../errors.ts';
import type { EntryDraft, LedgerStore, StoredEntry } from '../stores/types.ts';

/** Durability of one write. */
export type Durability = 'sync' | 'batched';

/** Options of {@link Recorder}. */
export interface RecorderOptions {
  readonly ledger: LedgerStore;
  /** Batched loss window in milliseconds. Default 5. */
  readonly flushIntervalMs?: number;
  /** Batched flush size in entries (the loss window in entries is twice this). Default 16. */
  readonly maxBatch?: number;
}

interface Pending {
  readonly drafts: readonly EntryDraft[];
  readonly resolve: (entries: StoredEntry[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Serializes firewall writes to one ledger. */
export class Recorder {
  readonly #ledger: LedgerStore;
  readonly #interval: number;
  readonly #maxBatch: number;
  readonly #backlogLimit: number;
  #queue: Pending[] = [];
  #queued = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<void> = Promise.resolve();
  #failure: WritError | undefined;
  // Entries written and not yet appended (queued, or in a batch waiting for its append).
  #unsettled = 0;
  #backlogWaiters: (() => void)[] = [];

  constructor(options: RecorderOptions) {
    this.#ledger = options.ledger;
    this.#interval = options.flushIntervalMs ?? 5;
    this.#maxBatch = options.maxBatch ?? 16;
    this.#backlogLimit = 2 * this.#maxBatch;
  }

  /** The error that poisoned the recorder, if any. */
  get failure(): WritError | undefined {
    return this.#failure;
  }

  /**
   * Queue `drafts`; with `sync`, flush and wait until they are durable.
   * @returns the stored entries (for `batched`, once the batch is flushed).
   * @throws the store's error (`ERR_STORE_IO`, `ERR_STORE_CLOSED`...) or the poisoning error.
   */
  write(drafts: readonly EntryDraft[], durability: Durability): Promise<StoredEntry[]> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const promise = new Promise<StoredEntry[]>((resolve, reject) => {
      this.#queue.push({ drafts, resolve, reject });
    });
    this.#queued += drafts.length;
    this.#unsettled += drafts.length;
    if (durability === 'sync' || this.#queued >= this.#maxBatch) this.#flushSoon(true);
    else this.#flushSoon(false);
    return promise;
  }

  /**
   * Wait while more than `2 × maxBatch` written entries are not yet in the ledger (the loss
   * window: a batch being appended and one filling behind it); `undefined` when they are not,
   * which is always so over a store that appends at once (memory, a main-thread file write).
   * Resolves too when the recorder fails: the failure is then every later write's to report.
   */
  backlog(): Promise<void> | undefined {
    if (this.#unsettled <= this.#backlogLimit || this.#failure !== undefined) return undefined;
    // Past the limit a batch is already in the chain (write() starts one at maxBatch queued
    // entries), so the wait ends once the store answers.
    return new Promise<void>((resolve) => this.#backlogWaiters.push(resolve));
  }

  /** Flush everything queued and wait for it. */
  async flush(): Promise<void> {
    this.#flushSoon(true);
    await this.#chain;
    if (this.#failure !== undefined) throw this.#failure;
  }

  #flushSoon(now: boolean): void {
    if (now) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#startFlush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#startFlush();
      }, this.#interval);
    }
  }

  #startFlush(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    this.#queued = 0;
    this.#chain = this.#chain.then(() => this.#append(batch));
  }

  async #append(batch: readonly Pending[]): Promise<void> {
    if (this.#failure !== undefined) {
      for (const pending of batch) pending.reject(this.#failure);
      this.#settled(batch);
      return;
    }
    try {
      const entries = await this.#ledger.append(batch.flatMap((pending) => pending.drafts));
      let offset = 0;
      for (const pending of batch) {
        pending.resolve(entries.slice(offset, offset + pending.drafts.length));
        offset += pending.drafts.length;
      }
    } catch (error) {
      this.#failure = WritError.isInstance(error)
        ? error
        : new WritError('ERR_INTERNAL', 'ledger append failed', { cause: error });
      for (const pending of batch) pending.reject(this.#failure);
    }
    this.#settled(batch);
  }

  // The batch is in the ledger (or failed): wake the backlog waiters once the window allows.
  #settled(batch: readonly Pending[]): void {
    for (const pending of batch) this.#unsettled -= pending.drafts.length;
    if (this.#backlogWaiters.length > 0 && (this.#unsettled <= this.#backlogLimit || this.#failure !== undefined)) {
      for (const resolve of this.#backlogWaiters.splice(0)) resolve();
    }
  }
}
