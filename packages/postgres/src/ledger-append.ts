/**
 * One group-commit transaction of the PostgreSQL ledger: lock the head row, seal every
 * queued append after it, insert all rows with one statement, move the head, commit.
 */
import type { Pool, PoolClient, QueryResult } from 'pg';
import type { EntryDraft, Sha256Digest, StoredEntry } from '@writ/core';
import { sealEntry, WritError } from '@writ/core';
import type { LedgerTables } from './postgres-ledger-store.ts';
import { bufferToDigest, digestToBuffer } from './ledger-rows.ts';
import { sqlState, storeIoError } from './store-errors.ts';
import { borrowClient, returnClient } from './transaction.ts';

/** An `append` call waiting for its transaction. */
export interface PendingAppend {
  readonly drafts: readonly EntryDraft[];
  readonly resolve: (entries: StoredEntry[]) => void;
  readonly reject: (error: unknown) => void;
}

interface Sealed {
  readonly request: PendingAppend;
  readonly entries: StoredEntry[];
}

/** SQLSTATEs meaning "the rows disagree with the head row": unique and foreign-key violations. */
const INTEGRITY_VIOLATIONS = new Set(['23505', '23503', '23514']);

/** Seals each request after `head`; a request with a bad draft is rejected alone. */
function sealAll(
  batch: readonly PendingAppend[],
  head: { size: number; hash: Sha256Digest },
): Sealed[] {
  const sealed: Sealed[] = [];
  let seq = head.size;
  let prev = head.hash;
  for (const request of batch) {
    try {
      const entries: StoredEntry[] = [];
      for (const draft of request.drafts) {
        const entry = sealEntry({ draft, seq: seq + entries.length, prev });
        entries.push(entry);
        prev = entry.hash;
      }
      sealed.push({ request, entries });
      seq += entries.length;
    } catch (error) {
      request.reject(error);
      prev = sealed.at(-1)?.entries.at(-1)?.hash ?? head.hash;
    }
  }
  return sealed;
}

interface HeadRow {
  readonly size: string;
  readonly head_hash: Buffer;
}

/**
 * Opens the transaction and locks the head row in one round trip: a simple-protocol
 * multi-statement query (`BEGIN; [SET LOCAL lock_timeout]; SELECT ... FOR UPDATE`), so a
 * lone append costs BEGIN+lock, insert+move, COMMIT — three round trips.
 */
async function beginAndLockHead(
  client: PoolClient,
  options: { tables: LedgerTables; ledgerId: string; lockTimeoutMs: number | undefined },
): Promise<{ size: number; hash: Sha256Digest }> {
  const select = `SELECT size::text AS size, head_hash FROM ${options.tables.ledgers} WHERE ledger_id = ${client.escapeLiteral(options.ledgerId)} FOR UPDATE`;
  const timeout =
    options.lockTimeoutMs === undefined
      ? ''
      : `SET LOCAL lock_timeout = ${options.lockTimeoutMs}; `;
  const results = (await client.query(
    `BEGIN; ${timeout}${select}`,
  )) as unknown as QueryResult<HeadRow>[];
  let rows = results.at(-1)?.rows ?? [];
  if (rows.length === 0) {
    // First append to this ledger: create its head row (racing creators are fine).
    await client.query(
      `INSERT INTO ${options.tables.ledgers} (ledger_id) VALUES ($1) ON CONFLICT DO NOTHING`,
      [options.ledgerId],
    );
    rows = (await client.query<HeadRow>(select)).rows;
  }
  const row = rows[0];
  if (row === undefined)
    throw new WritError('ERR_STORE_CORRUPT', 'PostgreSQL ledger head row is missing');
  return { size: Number(row.size), hash: bufferToDigest(row.head_hash) };
}

/** Inserts sealed entries after `prev` and moves the head row, in one statement (the caller holds the head lock). */
export async function insertAndMoveHead(
  client: PoolClient,
  options: {
    tables: LedgerTables;
    ledgerId: string;
    prev: Sha256Digest;
    entries: readonly StoredEntry[];
    drafts: readonly EntryDraft[];
  },
): Promise<void> {
  const { tables, ledgerId, prev, entries, drafts } = options;
  const last = entries.at(-1)!;
  // One statement for all rows; the head moves in the same statement (data-modifying CTE).
  const result = await client.query(
    `WITH inserted AS (
       INSERT INTO ${tables.entries} (ledger_id, seq, hash, prev_hash, entry_type, entry_time, line)
       SELECT $1, * FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::text[], $6::text[], $7::bytea[])
       RETURNING 1)
     UPDATE ${tables.ledgers} SET size = $8, head_hash = $9, updated_at = now()
     WHERE ledger_id = $1 AND (SELECT count(*) FROM inserted) = $10`,
    [
      ledgerId,
      entries.map((entry) => entry.seq),
      entries.map((entry) => digestToBuffer(entry.hash)),
      entries.map((_, index) => digestToBuffer(index === 0 ? prev : entries[index - 1]!.hash)),
      drafts.map((draft) => draft.type),
      drafts.map((draft) => draft.time),
      entries.map((entry) => Buffer.from(entry.line, 'utf8')),
      last.seq + 1,
      digestToBuffer(last.hash),
      entries.length,
    ],
  );
  if (result.rowCount !== 1)
    throw new WritError('ERR_STORE_CORRUPT', 'PostgreSQL ledger head row did not move');
}

/**
 * Runs one batch and settles every request in it. Never throws: failures reject the
 * requests, with `details.outcome` `not-stored` (rolled back or refused by the server) or
 * `unknown` (the connection failed while COMMIT was in flight).
 */
export async function commitBatch(options: {
  readonly pool: Pool;
  readonly tables: LedgerTables;
  readonly ledgerId: string;
  readonly batch: readonly PendingAppend[];
  readonly lockTimeoutMs: number | undefined;
}): Promise<void> {
  const { pool, tables, ledgerId, batch, lockTimeoutMs } = options;
  let client: PoolClient;
  try {
    client = await borrowClient(pool, 'ledger append');
  } catch (error) {
    for (const request of batch) request.reject(error);
    return;
  }
  let sealed: Sealed[] = [];
  let committing = false;
  let failure: unknown;
  try {
    const head = await beginAndLockHead(client, { tables, ledgerId, lockTimeoutMs });
    sealed = sealAll(batch, head);
    if (sealed.length === 0) {
      await client.query('ROLLBACK');
      return;
    }
    const entries = sealed.flatMap((item) => item.entries);
    const drafts = sealed.flatMap((item) => item.request.drafts);
    await insertAndMoveHead(client, { tables, ledgerId, prev: head.hash, entries, drafts });
    committing = true;
    await client.query('COMMIT');
  } catch (error) {
    failure = error;
    const state = sqlState(error).sqlState;
    // Before COMMIT nothing can have been stored. During COMMIT only a rollback answer
    // (class 40, or 23 from a deferred constraint) proves it; a broken connection or any
    // other error (57P01 terminated, 08xxx, XX000...) leaves the outcome unknown — say so.
    const outcome =
      !committing || (state !== undefined && /^(40|23)/.test(state)) ? 'not-stored' : 'unknown';
    if (!committing) await client.query('ROLLBACK').catch(() => undefined);
    const rejection =
      state !== undefined && INTEGRITY_VIOLATIONS.has(state)
        ? new WritError('ERR_STORE_CORRUPT', 'PostgreSQL ledger rows disagree with the head row', {
            cause: error,
            details: { outcome, sqlState: state },
          })
        : storeIoError('ledger append', error, { outcome });
    for (const item of sealed.length > 0 ? sealed : batch.map((request) => ({ request })))
      item.request.reject(rejection);
    return;
  } finally {
    returnClient(client, failure);
  }
  for (const item of sealed) item.request.resolve(item.entries);
}
