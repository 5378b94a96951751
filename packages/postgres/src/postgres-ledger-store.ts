import type { Pool } from 'pg';
import type {
  CheckpointRecord,
  EntryDraft,
  LedgerHead,
  LedgerStore,
  ReadRange,
  StoredEntry,
} from '@writ/core';
import { assertEntryDraft, GENESIS_HASH, WritError } from '@writ/core';
import {
  admitCheckpoint,
  assertCheckpointRecord,
  assertDrafts,
  resolveRange,
} from '@writ/core/stores/checks';
import { commitBatch, type PendingAppend } from './ledger-append.ts';
import { bufferToDigest, checkedEntry, digestToBuffer, type EntryRow } from './ledger-rows.ts';
import { DEFAULT_SCHEMA, quoteSchema } from './schema-name.ts';
import { closedError, storeIoError } from './store-errors.ts';
import { runTransaction } from './transaction.ts';
import { expectPool, expectRecord, expectText, invalid } from './validate.ts';

/** Options for {@link PostgresLedgerStore}. */
export interface PostgresLedgerStoreOptions {
  /** Pool to use; the store never ends it. Appends hold one connection per transaction. */
  readonly pool: Pool;
  /** Schema holding Writ's tables (default `writ`); run {@link migrate} first. */
  readonly schema?: string;
  /** Which ledger in the schema (default `default`); many ledgers can share the tables. */
  readonly ledgerId?: string;
  /** Most entries written by one group-commit transaction (default 1000). */
  readonly maxBatchEntries?: number;
  /** Entries fetched per round trip by `read` (default 500). */
  readonly pageSize?: number;
  /**
   * How long an append waits for the head-row lock before failing with `ERR_STORE_IO`
   * (`outcome: not-stored`, SQLSTATE 55P03). Default: wait as long as it takes.
   */
  readonly lockTimeoutMs?: number;
}

/** Table names, already quoted. */
export interface LedgerTables {
  readonly ledgers: string;
  readonly entries: string;
  readonly checkpoints: string;
}

function positiveInteger(
  value: unknown,
  options: { parameter: string; fallback: number; max: number },
): number {
  const number = value ?? options.fallback;
  if (!Number.isSafeInteger(number) || (number as number) < 1 || (number as number) > options.max) {
    throw invalid(options.parameter, `an integer from 1 to ${options.max}`);
  }
  return number as number;
}

/**
 * A hash-chained ledger in PostgreSQL that many processes on many hosts can append to.
 *
 * Each append transaction locks the ledger's head row (`SELECT ... FOR UPDATE`), seals its
 * entries after the head it read, inserts them and moves the head, then commits; the next
 * writer anywhere waits on that row lock and sees the new head. Inside one process,
 * concurrent `append` calls are grouped into one transaction (group commit), so the lock is
 * taken once per batch. The schema backs this up: `(ledger_id, seq)` is unique and a
 * foreign key makes every entry name its predecessor's hash, so even a writer that skips
 * the protocol cannot create a gap or a fork.
 *
 * Appends never retry on their own: when the connection fails before COMMIT the append
 * rejects with `ERR_STORE_IO` and nothing was stored; when it fails during COMMIT the
 * append rejects with `ERR_STORE_IO` and `details.outcome === 'unknown'` (read the head to
 * find out). An acknowledged append is committed.
 */
export class PostgresLedgerStore implements LedgerStore {
  readonly #pool: Pool;
  readonly #tables: LedgerTables;
  readonly #ledgerId: string;
  readonly #maxBatchEntries: number;
  readonly #pageSize: number;
  readonly #lockTimeoutMs: number | undefined;
  #queue: PendingAppend[] = [];
  #draining: Promise<void> | undefined;
  #closed = false;

  /** @throws WritError `ERR_INVALID_ARGUMENT` (bad options). */
  constructor(options: PostgresLedgerStoreOptions) {
    this.#pool = expectPool(expectRecord(options, 'options')['pool'], 'options.pool');
    const schema = quoteSchema(options.schema ?? DEFAULT_SCHEMA, 'options.schema');
    this.#tables = {
      ledgers: `${schema}.ledgers`,
      entries: `${schema}.ledger_entries`,
      checkpoints: `${schema}.ledger_checkpoints`,
    };
    this.#ledgerId = expectText(options.ledgerId ?? 'default', {
      parameter: 'options.ledgerId',
      max: 200,
    });
    this.#maxBatchEntries = positiveInteger(options.maxBatchEntries, {
      parameter: 'options.maxBatchEntries',
      fallback: 1000,
      max: 100_000,
    });
    this.#pageSize = positiveInteger(options.pageSize, {
      parameter: 'options.pageSize',
      fallback: 500,
      max: 100_000,
    });
    this.#lockTimeoutMs =
      options.lockTimeoutMs === undefined
        ? undefined
        : positiveInteger(options.lockTimeoutMs, {
            parameter: 'options.lockTimeoutMs',
            fallback: 1,
            max: 2_147_483_647,
          });
  }

  /**
   * Seals and stores `drafts` as the next entries, atomically. Drafts are sealed when
   * their group-commit transaction runs: do not mutate them until the call settles.
   * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_CANONICAL_UNSUPPORTED`, `ERR_STORE_CLOSED`,
   *   `ERR_STORE_IO` (with `details.outcome` `not-stored` or `unknown`), `ERR_STORE_CORRUPT`.
   */
  async append(drafts: readonly EntryDraft[]): Promise<StoredEntry[]> {
    if (this.#closed) throw closedError();
    assertDrafts(drafts);
    // Shape checks before queueing, so a malformed draft never reaches a transaction;
    // bodies JCS cannot represent are still caught by sealEntry inside the batch.
    drafts.forEach((draft, index) => assertEntryDraft(draft, `drafts[${index}]`));
    return new Promise<StoredEntry[]>((resolve, reject) => {
      this.#queue.push({ drafts: drafts.slice(), resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  /**
   * Streams entries `from <= seq < to` page by page, re-checking hashes and links.
   * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_STORE_CLOSED`, `ERR_STORE_CORRUPT`, `ERR_STORE_IO`.
   */
  async *read(range?: ReadRange): AsyncIterable<StoredEntry> {
    if (this.#closed) throw closedError();
    const head = await this.head();
    const { from, to } = resolveRange(range, head.size);
    let prev = from === 0 ? digestToBuffer(GENESIS_HASH) : await this.#hashAt(from - 1);
    for (let next = from; next < to;) {
      if (this.#closed) throw closedError();
      let rows: EntryRow[];
      try {
        const result = await this.#pool.query<EntryRow>(
          `SELECT seq::text AS seq, hash, prev_hash, line FROM ${this.#tables.entries}
           WHERE ledger_id = $1 AND seq >= $2 AND seq < $3 ORDER BY ledger_entries.seq LIMIT $4`,
          [this.#ledgerId, next, to, this.#pageSize],
        );
        rows = result.rows;
      } catch (error) {
        throw storeIoError('ledger read', error);
      }
      if (rows.length === 0) throw checkedEntryGap(next);
      for (const row of rows) {
        const entry = checkedEntry(row, { seq: next, prev });
        prev = row.hash;
        next += 1;
        yield entry;
      }
    }
  }

  /** The current head. @throws WritError `ERR_STORE_CLOSED`, `ERR_STORE_IO`. */
  async head(): Promise<LedgerHead> {
    if (this.#closed) throw closedError();
    try {
      const result = await this.#pool.query<{ size: string; head_hash: Buffer }>(
        `SELECT size::text AS size, head_hash FROM ${this.#tables.ledgers} WHERE ledger_id = $1`,
        [this.#ledgerId],
      );
      const row = result.rows[0];
      return row === undefined
        ? { size: 0, hash: GENESIS_HASH }
        : { size: Number(row.size), hash: bufferToDigest(row.head_hash) };
    } catch (error) {
      throw storeIoError('ledger head', error);
    }
  }

  /**
   * Stores a signed checkpoint (idempotent for an identical record).
   * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_STORE_CHECKPOINT_CONFLICT`, `ERR_STORE_CLOSED`, `ERR_STORE_IO`.
   */
  async putCheckpoint(checkpoint: CheckpointRecord): Promise<void> {
    if (this.#closed) throw closedError();
    assertCheckpointRecord(checkpoint);
    const next = { size: checkpoint.size, root: checkpoint.root, note: checkpoint.note };
    await runTransaction({ pool: this.#pool, operation: 'ledger checkpoint' }, async (client) => {
      // Lock the head row: the size checks below must hold until this checkpoint commits.
      const head = await client.query<{ size: string; head_hash: Buffer }>(
        `SELECT size::text AS size, head_hash FROM ${this.#tables.ledgers} WHERE ledger_id = $1 FOR UPDATE`,
        [this.#ledgerId],
      );
      const headRow = head.rows[0];
      const found = await client.query<{ size: string; root: Buffer; note: string }>(
        `(SELECT size::text AS size, root, note FROM ${this.#tables.checkpoints} WHERE ledger_id = $1 AND size = $2)
         UNION ALL
         (SELECT size::text AS size, root, note FROM ${this.#tables.checkpoints} WHERE ledger_id = $1 ORDER BY ledger_checkpoints.size DESC LIMIT 1)`,
        [this.#ledgerId, next.size],
      );
      const records = found.rows.map(toCheckpoint);
      const admitted = admitCheckpoint({
        next,
        existing: records.find((record) => record.size === next.size),
        latest: records.reduce<CheckpointRecord | undefined>(
          (max, r) => (max === undefined || r.size > max.size ? r : max),
          undefined,
        ),
        head:
          headRow === undefined
            ? { size: 0, hash: GENESIS_HASH }
            : { size: Number(headRow.size), hash: bufferToDigest(headRow.head_hash) },
      });
      if (!admitted) return;
      await client.query(
        `INSERT INTO ${this.#tables.checkpoints} (ledger_id, size, root, note) VALUES ($1, $2, $3, $4)`,
        [this.#ledgerId, next.size, digestToBuffer(next.root), next.note],
      );
    });
  }

  /** All checkpoints in increasing size order. @throws WritError `ERR_STORE_CLOSED`, `ERR_STORE_IO`. */
  async *checkpoints(): AsyncIterable<CheckpointRecord> {
    if (this.#closed) throw closedError();
    let after = 0;
    for (;;) {
      let page: CheckpointRecord[];
      try {
        const result = await this.#pool.query<{ size: string; root: Buffer; note: string }>(
          `SELECT size::text AS size, root, note FROM ${this.#tables.checkpoints}
           WHERE ledger_id = $1 AND size > $2 ORDER BY ledger_checkpoints.size LIMIT $3`,
          [this.#ledgerId, after, this.#pageSize],
        );
        page = result.rows.map(toCheckpoint);
      } catch (error) {
        throw storeIoError('ledger checkpoints', error);
      }
      yield* page;
      const last = page.at(-1);
      if (last === undefined || page.length < this.#pageSize) return;
      after = last.size;
      if (this.#closed) throw closedError();
    }
  }

  /** The checkpoint with the largest size, or `undefined`. @throws WritError `ERR_STORE_CLOSED`, `ERR_STORE_IO`. */
  async latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    if (this.#closed) throw closedError();
    try {
      const result = await this.#pool.query<{ size: string; root: Buffer; note: string }>(
        `SELECT size::text AS size, root, note FROM ${this.#tables.checkpoints}
         WHERE ledger_id = $1 ORDER BY ledger_checkpoints.size DESC LIMIT 1`,
        [this.#ledgerId],
      );
      const row = result.rows[0];
      return row === undefined ? undefined : toCheckpoint(row);
    } catch (error) {
      throw storeIoError('ledger latest checkpoint', error);
    }
  }

  /** Waits for queued appends to settle, then refuses further calls. Idempotent; the pool stays open. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#draining;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // Whole appends only, up to maxBatchEntries (one oversized append goes alone).
        let count = 0;
        let take = 0;
        while (take < this.#queue.length) {
          const size = this.#queue[take]!.drafts.length;
          if (take > 0 && count + size > this.#maxBatchEntries) break;
          count += size;
          take += 1;
        }
        const batch = this.#queue.splice(0, take);
        await commitBatch({
          pool: this.#pool,
          tables: this.#tables,
          ledgerId: this.#ledgerId,
          batch,
          lockTimeoutMs: this.#lockTimeoutMs,
        });
      }
    } finally {
      this.#draining = undefined;
    }
  }

  async #hashAt(seq: number): Promise<Buffer> {
    try {
      const result = await this.#pool.query<{ hash: Buffer }>(
        `SELECT hash FROM ${this.#tables.entries} WHERE ledger_id = $1 AND seq = $2`,
        [this.#ledgerId, seq],
      );
      const row = result.rows[0];
      if (row === undefined) throw checkedEntryGap(seq);
      return row.hash;
    } catch (error) {
      throw storeIoError('ledger read', error);
    }
  }
}

function toCheckpoint(row: { size: string; root: Buffer; note: string }): CheckpointRecord {
  return { size: Number(row.size), root: bufferToDigest(row.root), note: row.note };
}

function checkedEntryGap(seq: number): WritError {
  return new WritError('ERR_STORE_CORRUPT', 'PostgreSQL ledger entry fails its own hash or chain', {
    details: { seq, reason: 'entry missing below the head' },
  });
}
