import pg from 'pg';
import { connectionStringFromEnv } from './connection-options.ts';
import { migrate } from './migrate.ts';
import { PostgresApprovalStore } from './postgres-approval-store.ts';
import { PostgresLedgerStore } from './postgres-ledger-store.ts';
import { PostgresNonceStore } from './postgres-nonce-store.ts';
import { DEFAULT_SCHEMA, quoteSchema } from './schema-name.ts';
import { expectPool, expectRecord, invalid } from './validate.ts';

/** Options for {@link openPostgresStores}. */
export interface OpenPostgresStoresOptions {
  /** An existing pool (you keep ownership; `close()` leaves it open). */
  readonly pool?: pg.Pool;
  /** A connection string for a pool the stores create and own (default: from the environment). */
  readonly connectionString?: string;
  /** Size of an owned pool (default 10). */
  readonly maxConnections?: number;
  /** Schema holding Writ's tables (default `writ`). */
  readonly schema?: string;
  /** Which ledger in the schema (default `default`). */
  readonly ledgerId?: string;
  /** Nonce and approval namespace (default `default`). */
  readonly namespace?: string;
  /** Run {@link migrate} before returning (default `true`). */
  readonly migrate?: boolean;
}

/** The three stores on one pool, and a `close()` for all of them. */
export interface PostgresStores {
  readonly ledger: PostgresLedgerStore;
  readonly nonces: PostgresNonceStore;
  readonly approvals: PostgresApprovalStore;
  /** The pool in use (owned or yours). */
  readonly pool: pg.Pool;
  /** Closes the stores (settling queued appends), then ends the pool if the stores own it. */
  close(): Promise<void>;
}

/**
 * Opens the ledger, nonce and approval stores on one PostgreSQL pool, migrating the
 * schema first. With no `pool` and no `connectionString`, the connection comes from
 * `WRIT_PG_URL`, else libpq's `PG*` variables; with none of them it is refused (there is no
 * default database).
 *
 * @throws WritError `ERR_INVALID_ARGUMENT` (bad options, an empty `connectionString`, no
 *   connection configured at all), `ERR_STORE_IO` (cannot connect or
 *   migrate), `ERR_STORE_CONFLICT` (schema written by a newer version).
 * @example
 * const stores = await openPostgresStores({ connectionString: process.env.DATABASE_URL });
 * await stores.ledger.append([{ type: 'operator-note', time: new Date().toISOString(), body: {} }]);
 * await stores.close();
 */
export async function openPostgresStores(
  options: OpenPostgresStoresOptions = {},
): Promise<PostgresStores> {
  expectRecord(options, 'options');
  const schema = options.schema ?? DEFAULT_SCHEMA;
  quoteSchema(schema, 'options.schema');
  const max = options.maxConnections ?? 10;
  if (!Number.isSafeInteger(max) || max < 1 || max > 1000)
    throw invalid('options.maxConnections', 'an integer from 1 to 1000');
  // An empty string would have pg connect to its own defaults (localhost, the user's database).
  if (options.connectionString !== undefined && (typeof options.connectionString !== 'string' || options.connectionString === '')) {
    throw invalid('options.connectionString', 'a non-empty string');
  }
  const owned = options.pool === undefined;
  const pool = owned
    ? createPool(options.connectionString, max)
    : expectPool(options.pool, 'options.pool');
  try {
    if (options.migrate !== false) await migrate({ pool, schema });
    const stores = {
      ledger: new PostgresLedgerStore({ pool, schema, ledgerId: options.ledgerId }),
      nonces: new PostgresNonceStore({ pool, schema, namespace: options.namespace }),
      approvals: new PostgresApprovalStore({ pool, schema, namespace: options.namespace }),
    };
    let closing: Promise<void> | undefined;
    return {
      ...stores,
      pool,
      close() {
        closing ??= (async () => {
          await Promise.all([
            stores.ledger.close(),
            stores.nonces.close(),
            stores.approvals.close(),
          ]);
          if (owned) await pool.end();
        })();
        return closing;
      },
    };
  } catch (error) {
    if (owned) await pool.end().catch(() => undefined);
    throw error;
  }
}

function createPool(connectionString: string | undefined, max: number): pg.Pool {
  const resolved = connectionString ?? connectionStringFromEnv();
  const pool = new pg.Pool({
    ...(resolved === undefined ? {} : { connectionString: resolved }),
    max,
  });
  // An idle connection dropped by the server emits `error` on the pool; without a listener
  // Node would crash. The pool discards that client; the next query opens a fresh one, and
  // an append in flight fails on its own with ERR_STORE_IO.
  pool.on('error', () => undefined);
  return pool;
}
