import type { Pool, PoolClient } from 'pg';
import type { ApprovalRecord, ApprovalStore, Sha256Digest } from '@writ/core';
import { WritError } from '@writ/core';
import {
  APPROVAL_COLUMNS,
  canonicalObject,
  statementDigest,
  toApprovalRecord,
} from './approval-rows.ts';
import type { ApprovalRow } from './approval-rows.ts';
import { DEFAULT_SCHEMA, quoteSchema } from './schema-name.ts';
import { closedError, storeIoError } from './store-errors.ts';
import { runTransaction } from './transaction.ts';
import {
  expectDate,
  expectDigest,
  expectPool,
  expectRecord,
  expectText,
  invalid,
} from './validate.ts';

/** Options for {@link PostgresApprovalStore}. */
export interface PostgresApprovalStoreOptions {
  /** Pool to use; the store never ends it. */
  readonly pool: Pool;
  /** Schema holding Writ's tables (default `writ`); run {@link migrate} first. */
  readonly schema?: string;
  /** Independent approval space inside the tables (default `default`). */
  readonly namespace?: string;
  /** Records fetched per round trip by {@link PostgresApprovalStore.pending} (default 200). */
  readonly pageSize?: number;
}

type JsonObject = ApprovalRecord['request'];
const RESOLUTIONS = new Set(['approved', 'rejected', 'expired']);

/**
 * Approval requests and statements in PostgreSQL. Every status transition is one
 * conditional `UPDATE ... WHERE status = <expected>`: row locking makes it a
 * compare-and-set, so among concurrent callers in any number of processes exactly one wins.
 */
export class PostgresApprovalStore implements ApprovalStore {
  readonly #pool: Pool;
  readonly #approvals: string;
  readonly #statements: string;
  readonly #namespace: string;
  readonly #pageSize: number;
  #closed = false;

  /** @throws WritError `ERR_INVALID_ARGUMENT` (bad options). */
  constructor(options: PostgresApprovalStoreOptions) {
    this.#pool = expectPool(expectRecord(options, 'options')['pool'], 'options.pool');
    const schema = quoteSchema(options.schema ?? DEFAULT_SCHEMA, 'options.schema');
    this.#approvals = `${schema}.approvals`;
    this.#statements = `${schema}.approval_statements`;
    this.#namespace = expectText(options.namespace ?? 'default', {
      parameter: 'options.namespace',
      max: 200,
    });
    const pageSize = options.pageSize ?? 200;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
      throw invalid('options.pageSize', 'an integer from 1 to 10000');
    }
    this.#pageSize = pageSize;
  }

  /**
   * Creates a pending request, or returns the existing record unchanged.
   * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_STORE_CLOSED`, `ERR_STORE_IO`.
   */
  async request(input: {
    readonly intentDigest: Sha256Digest;
    readonly requestedAt: Date;
    readonly expiresAt: Date;
    readonly request: JsonObject;
  }): Promise<ApprovalRecord> {
    this.#open();
    const record = expectRecord(input, 'input');
    const intentDigest = expectDigest(record['intentDigest'], 'input.intentDigest');
    const requestedAt = expectDate(record['requestedAt'], 'input.requestedAt');
    const expiresAt = expectDate(record['expiresAt'], 'input.expiresAt');
    const request = canonicalObject(record['request'], 'input.request');
    try {
      await this.#pool.query(
        `INSERT INTO ${this.#approvals}
           (namespace, intent_digest, status, requested_at, expires_at, updated_at, request)
         VALUES ($1, $2, 'pending', $3, $4, $3, $5)
         ON CONFLICT (namespace, intent_digest) DO NOTHING`,
        [this.#namespace, intentDigest, requestedAt, expiresAt, request],
      );
    } catch (error) {
      throw storeIoError('approval request', error);
    }
    return this.#mustGet(intentDigest);
  }

  /** The record for `intentDigest`, or `undefined`. @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_STORE_CLOSED`, `ERR_STORE_IO`. */
  async get(intentDigest: Sha256Digest): Promise<ApprovalRecord | undefined> {
    this.#open();
    const digest = expectDigest(intentDigest, 'intentDigest');
    try {
      const rows = await this.#pool.query<ApprovalRow>(
        `SELECT ${APPROVAL_COLUMNS} FROM ${this.#approvals} WHERE namespace = $1 AND intent_digest = $2`,
        [this.#namespace, digest],
      );
      const row = rows.rows[0];
      if (row === undefined) return undefined;
      const statements = await this.#statementsOf([digest], this.#pool);
      return toApprovalRecord(row, statements.get(digest) ?? []);
    } catch (error) {
      throw storeIoError('approval get', error);
    }
  }

  /**
   * Appends a signed statement (deduplicated by canonical content) while pending or approved.
   * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_STORE_NOT_FOUND`, `ERR_STORE_CONFLICT`,
   *   `ERR_STORE_CLOSED`, `ERR_STORE_IO`.
   */
  async addStatement(input: {
    readonly intentDigest: Sha256Digest;
    readonly statement: JsonObject;
  }): Promise<ApprovalRecord> {
    this.#open();
    const record = expectRecord(input, 'input');
    const intentDigest = expectDigest(record['intentDigest'], 'input.intentDigest');
    const statement = canonicalObject(record['statement'], 'input.statement');
    await runTransaction(
      { pool: this.#pool, operation: 'approval add statement' },
      async (client) => {
        // FOR SHARE: concurrent statements proceed together; a status change waits for them.
        const found = await client.query<{ status: string }>(
          `SELECT status FROM ${this.#approvals} WHERE namespace = $1 AND intent_digest = $2 FOR SHARE`,
          [this.#namespace, intentDigest],
        );
        const status = found.rows[0]?.status;
        if (status === undefined) throw notFound();
        if (status !== 'pending' && status !== 'approved') {
          throw new WritError(
            'ERR_STORE_CONFLICT',
            'approval request no longer accepts statements',
            {
              details: { status },
            },
          );
        }
        await client.query(
          `INSERT INTO ${this.#statements} (namespace, intent_digest, digest, statement) VALUES ($1, $2, $3, $4)
         ON CONFLICT (namespace, intent_digest, digest) DO NOTHING`,
          [this.#namespace, intentDigest, statementDigest(statement), statement],
        );
      },
    );
    return this.#mustGet(intentDigest);
  }

  /**
   * Moves a pending request to `approved`, `rejected` or `expired`; `true` if this call did.
   * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_STORE_NOT_FOUND`, `ERR_STORE_CLOSED`, `ERR_STORE_IO`.
   */
  async resolve(input: {
    readonly intentDigest: Sha256Digest;
    readonly status: 'approved' | 'rejected' | 'expired';
    readonly at: Date;
  }): Promise<boolean> {
    this.#open();
    const record = expectRecord(input, 'input');
    const intentDigest = expectDigest(record['intentDigest'], 'input.intentDigest');
    const status = record['status'];
    if (typeof status !== 'string' || !RESOLUTIONS.has(status)) {
      throw invalid('input.status', 'one of approved, rejected, expired');
    }
    const at = expectDate(record['at'], 'input.at');
    return this.#transition({ intentDigest, from: 'pending', to: status, at });
  }

  /**
   * Consumes an approved request: `true` for exactly one caller.
   * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_STORE_NOT_FOUND`, `ERR_STORE_CLOSED`, `ERR_STORE_IO`.
   */
  async consume(input: {
    readonly intentDigest: Sha256Digest;
    readonly at: Date;
  }): Promise<boolean> {
    this.#open();
    const record = expectRecord(input, 'input');
    const intentDigest = expectDigest(record['intentDigest'], 'input.intentDigest');
    const at = expectDate(record['at'], 'input.at');
    return this.#transition({ intentDigest, from: 'approved', to: 'consumed', at });
  }

  /** Pending requests in `requestedAt` order, fetched page by page. @throws WritError `ERR_STORE_CLOSED`, `ERR_STORE_IO`. */
  async *pending(): AsyncIterable<ApprovalRecord> {
    this.#open();
    let after: { at: Date; digest: string } | undefined;
    for (;;) {
      let page: ApprovalRow[];
      let statements: Map<string, string[]>;
      try {
        const rows = await this.#pool.query<ApprovalRow>(
          `SELECT ${APPROVAL_COLUMNS} FROM ${this.#approvals}
           WHERE namespace = $1 AND status = 'pending'
             AND ($2::timestamptz IS NULL OR (requested_at, intent_digest) > ($2, $3))
           ORDER BY requested_at, intent_digest LIMIT $4`,
          [this.#namespace, after?.at ?? null, after?.digest ?? '', this.#pageSize],
        );
        page = rows.rows;
        statements = await this.#statementsOf(
          page.map((row) => row.intent_digest),
          this.#pool,
        );
      } catch (error) {
        throw storeIoError('approval pending', error);
      }
      for (const row of page) yield toApprovalRecord(row, statements.get(row.intent_digest) ?? []);
      const last = page.at(-1);
      if (last === undefined || page.length < this.#pageSize) return;
      after = { at: last.requested_at, digest: last.intent_digest };
      this.#open();
    }
  }

  /** Marks the store closed (the pool belongs to the caller). Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  async #transition(change: {
    intentDigest: string;
    from: string;
    to: string;
    at: Date;
  }): Promise<boolean> {
    try {
      // One statement: the UPDATE is the compare-and-set; the EXISTS (same snapshot) tells
      // "not in the expected state" apart from "no such request".
      const result = await this.#pool.query<{ changed: boolean; found: boolean }>(
        `WITH changed AS (
           UPDATE ${this.#approvals} SET status = $4, updated_at = $5
           WHERE namespace = $1 AND intent_digest = $2 AND status = $3 RETURNING 1)
         SELECT EXISTS (SELECT 1 FROM changed) AS changed,
                EXISTS (SELECT 1 FROM ${this.#approvals} WHERE namespace = $1 AND intent_digest = $2) AS found`,
        [this.#namespace, change.intentDigest, change.from, change.to, change.at],
      );
      const row = result.rows[0];
      if (row?.found !== true) throw notFound();
      return row.changed;
    } catch (error) {
      throw storeIoError(`approval ${change.to}`, error);
    }
  }

  async #statementsOf(
    digests: readonly string[],
    runner: Pool | PoolClient,
  ): Promise<Map<string, string[]>> {
    const byDigest = new Map<string, string[]>();
    if (digests.length === 0) return byDigest;
    const rows = await runner.query<{ intent_digest: string; statement: string }>(
      `SELECT intent_digest, statement FROM ${this.#statements}
       WHERE namespace = $1 AND intent_digest = ANY($2::text[]) ORDER BY position`,
      [this.#namespace, digests],
    );
    for (const row of rows.rows) {
      const list = byDigest.get(row.intent_digest) ?? [];
      list.push(row.statement);
      byDigest.set(row.intent_digest, list);
    }
    return byDigest;
  }

  async #mustGet(intentDigest: Sha256Digest): Promise<ApprovalRecord> {
    const record = await this.get(intentDigest);
    if (record === undefined) throw notFound();
    return record;
  }

  #open(): void {
    if (this.#closed) throw closedError();
  }
}

function notFound(): WritError {
  return new WritError('ERR_STORE_NOT_FOUND', 'approval request not found');
}
