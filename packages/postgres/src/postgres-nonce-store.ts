import type { Pool } from 'pg';
import { WritError } from '@writ/core';
import type { NonceStore } from '@writ/core';
import { quoteSchema, DEFAULT_SCHEMA } from './schema-name.ts';
import { closedError, storeIoError } from './store-errors.ts';
import { expectDate, expectPool, expectRecord, expectText } from './validate.ts';

/** Options for {@link PostgresNonceStore}. */
export interface PostgresNonceStoreOptions {
  /** Pool to use; the store never ends it. */
  readonly pool: Pool;
  /** Schema holding Writ's tables (default `writ`); run {@link migrate} first. */
  readonly schema?: string;
  /** Independent nonce space inside the table (default `default`). */
  readonly namespace?: string;
}

function expectMaxUses(value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'input.maxUses must be a positive safe integer', {
      details: { parameter: 'input.maxUses' },
    });
  }
  return value;
}

/** Longest accepted nonce id: token ids are short; this bounds the primary key. */
export const MAX_NONCE_ID_LENGTH = 512;

/**
 * Counted nonces in PostgreSQL. `consume` is one statement,
 * `INSERT ... ON CONFLICT DO UPDATE SET uses = uses + 1 WHERE uses < maxUses`: the primary
 * key decides who inserts, and every later caller updates the row under its row lock, so
 * exactly `maxUses` callers win even when many processes on many hosts present the same id
 * at the same instant — no read-then-write race.
 */
export class PostgresNonceStore implements NonceStore {
  readonly #pool: Pool;
  readonly #table: string;
  readonly #namespace: string;
  #closed = false;

  /** @throws WritError `ERR_INVALID_ARGUMENT` (bad options). */
  constructor(options: PostgresNonceStoreOptions) {
    this.#pool = expectPool(expectRecord(options, 'options')['pool'], 'options.pool');
    this.#table = `${quoteSchema(options.schema ?? DEFAULT_SCHEMA, 'options.schema')}.nonces`;
    this.#namespace = expectText(options.namespace ?? 'default', {
      parameter: 'options.namespace',
      max: 200,
    });
  }

  /**
   * Records one use of `id` until `expiresAt`; `true` for exactly `maxUses` (default 1)
   * callers per id.
   * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_STORE_CLOSED`, `ERR_STORE_IO`.
   */
  async consume(input: { readonly id: string; readonly expiresAt: Date; readonly maxUses?: number }): Promise<boolean> {
    if (this.#closed) throw closedError();
    const record = expectRecord(input, 'input');
    const id = expectText(record['id'], { parameter: 'input.id', max: MAX_NONCE_ID_LENGTH });
    const expiresAt = expectDate(record['expiresAt'], 'input.expiresAt');
    const maxUses = expectMaxUses(record['maxUses']);
    try {
      const result = await this.#pool.query(
        `INSERT INTO ${this.#table} AS n (namespace, id, expires_at, uses) VALUES ($1, $2, $3, 1)
         ON CONFLICT (namespace, id) DO UPDATE SET uses = n.uses + 1 WHERE n.uses < $4`,
        [this.#namespace, id, expiresAt, maxUses],
      );
      return result.rowCount === 1;
    } catch (error) {
      throw storeIoError('nonce consume', error);
    }
  }

  /**
   * Forgets records whose `expiresAt` is strictly before `now`.
   * @returns the number removed. @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_STORE_CLOSED`, `ERR_STORE_IO`.
   */
  async purgeExpired(now: Date): Promise<number> {
    if (this.#closed) throw closedError();
    const instant = expectDate(now, 'now');
    try {
      const result = await this.#pool.query(
        `DELETE FROM ${this.#table} WHERE namespace = $1 AND expires_at < $2`,
        [this.#namespace, instant],
      );
      return result.rowCount ?? 0;
    } catch (error) {
      throw storeIoError('nonce purge', error);
    }
  }

  /** Marks the store closed (the pool belongs to the caller). Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
