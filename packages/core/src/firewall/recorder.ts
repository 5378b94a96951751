/**
 * Writes firewall entries to the ledger with the durability a call demands.
 *
 * - `sync`: the entries (and everything queued before them, in one append = one group
 *   commit) are durable before `write` resolves. The firewall writes every release this
 *   way for the classes that demand it, so the record is on disk before the tool runs.
 * - `batched`: entries are queued and appended together when the queue reaches
 *   `maxBatch` entries or `flushIntervalMs` after the first queued entry, whichever comes
 *   first. **Loss window**: a crash loses at most the entries queued in the last
 *   `flushIntervalMs` (default 5 ms) and never more than `maxBatch` (default 16) entries.
 *   A flush seals its whole batch inside whichever call is running, so `maxBatch` also
 *   bounds that call's pause (ADR 0025).
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
  /** Batched loss window in entries. Default 16. */
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
  #queue: Pending[] = [];
  #queued = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<void> = Promise.resolve();
  #failure: WritError | undefined;

  constructor(options: RecorderOptions) {
    this.#ledger = options.ledger;
    this.#interval = options.flushIntervalMs ?? 5;
    this.#maxBatch = options.maxBatch ?? 16;
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
    if (durability === 'sync' || this.#queued >= this.#maxBatch) this.#flushSoon(true);
    else this.#flushSoon(false);
    return promise;
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
  }
}
