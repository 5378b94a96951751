/**
 * In-memory {@link LedgerStore} for tests and ephemeral sessions. Same semantics as the
 * durable stores, minus durability: everything is lost when the process exits.
 */
import { GENESIS_HASH, sealEntry } from '../transcript/entry.ts';
import {
  admitCheckpoint,
  assertCheckpointRecord,
  assertDrafts,
  closedError,
  resolveRange,
  settle,
  yieldAll,
} from './store-checks.ts';
import type {
  CheckpointRecord,
  EntryDraft,
  LedgerHead,
  LedgerStore,
  ReadRange,
  StoredEntry,
} from './types.ts';

/** A ledger held in memory. */
export class MemoryLedgerStore implements LedgerStore {
  readonly #entries: StoredEntry[] = [];
  readonly #checkpoints: CheckpointRecord[] = [];
  #closed = false;

  /** @inheritdoc */
  append(drafts: readonly EntryDraft[]): Promise<StoredEntry[]> {
    return settle(() => {
      if (this.#closed) throw closedError();
      assertDrafts(drafts);
      // Seal the whole batch first: one bad draft must leave the ledger untouched.
      const sealed: StoredEntry[] = [];
      let prev = this.#entries.at(-1)?.hash ?? GENESIS_HASH;
      for (const draft of drafts) {
        const entry = sealEntry({ draft, seq: this.#entries.length + sealed.length, prev });
        sealed.push(entry);
        prev = entry.hash;
      }
      this.#entries.push(...sealed);
      return sealed;
    });
  }

  /** @inheritdoc */
  read(range?: ReadRange): AsyncIterable<StoredEntry> {
    return yieldAll(() => {
      if (this.#closed) throw closedError();
      const { from, to } = resolveRange(range, this.#entries.length);
      return this.#entries.slice(from, to);
    });
  }

  /** @inheritdoc */
  head(): Promise<LedgerHead> {
    return settle(() => {
      if (this.#closed) throw closedError();
      return this.#head();
    });
  }

  /** @inheritdoc */
  putCheckpoint(checkpoint: CheckpointRecord): Promise<void> {
    return settle(() => {
      if (this.#closed) throw closedError();
      assertCheckpointRecord(checkpoint);
      const record = { size: checkpoint.size, root: checkpoint.root, note: checkpoint.note };
      const existing = this.#checkpoints.find((stored) => stored.size === record.size);
      if (
        admitCheckpoint({
          next: record,
          existing,
          latest: this.#checkpoints.at(-1),
          head: this.#head(),
        })
      ) {
        this.#checkpoints.push(record);
      }
    });
  }

  /** @inheritdoc */
  checkpoints(): AsyncIterable<CheckpointRecord> {
    return yieldAll(() => {
      if (this.#closed) throw closedError();
      return this.#checkpoints.slice();
    });
  }

  /** @inheritdoc */
  latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    return settle(() => {
      if (this.#closed) throw closedError();
      return this.#checkpoints.at(-1);
    });
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #head(): LedgerHead {
    return { size: this.#entries.length, hash: this.#entries.at(-1)?.hash ?? GENESIS_HASH };
  }
}
