import type { Pool, PoolClient } from 'pg';
import { WritError } from '@writ/core';
import { storeIoError } from './store-errors.ts';

const swallow = (): void => undefined;

/**
 * Checks a client out of the pool with an `error` listener attached. When the server or
 * network kills a checked-out connection, `pg` emits `error` on the client (besides
 * rejecting the query in flight); with no listener that event would crash the process.
 * The query's own rejection carries the failure, so the event itself is dropped here.
 * @throws WritError `ERR_STORE_IO` when no connection can be opened.
 */
export async function borrowClient(pool: Pool, operation: string): Promise<PoolClient> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw storeIoError(operation, error, { outcome: 'not-stored' });
  }
  client.on('error', swallow);
  return client;
}

/** Returns a client; one that failed with a non-Writ error is destroyed, not reused. */
export function returnClient(client: PoolClient, failure?: unknown): void {
  client.off('error', swallow);
  client.release(failure instanceof Error && !WritError.isInstance(failure) ? failure : undefined);
}

/**
 * Runs `body` inside BEGIN/COMMIT on one client; rolls back on any failure and rethrows
 * it as a WritError (`ERR_STORE_IO` unless it already is one).
 */
export async function runTransaction(
  options: { readonly pool: Pool; readonly operation: string },
  body: (client: PoolClient) => Promise<void>,
): Promise<void> {
  const client = await borrowClient(options.pool, options.operation);
  let failure: unknown;
  try {
    await client.query('BEGIN');
    await body(client);
    await client.query('COMMIT');
  } catch (error) {
    failure = error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw storeIoError(options.operation, error);
  } finally {
    returnClient(client, failure);
  }
}
