import type { Pool } from 'pg';
import { WritError } from '@writ/core';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.ts';
import { DEFAULT_SCHEMA, quoteSchema } from './schema-name.ts';
import { storeIoError } from './store-errors.ts';
import { borrowClient, returnClient } from './transaction.ts';
import { expectRecord } from './validate.ts';

/** Options for {@link migrate}. */
export interface MigrateOptions {
  /** The pool to run on (one connection is borrowed for the duration). */
  readonly pool: Pool;
  /** Schema holding Writ's tables (default `writ`); created when missing. */
  readonly schema?: string;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** Schema version found before migrating (0 for a fresh schema). */
  readonly from: number;
  /** Schema version after migrating. */
  readonly to: number;
}

/**
 * Brings the schema up to {@link LATEST_SCHEMA_VERSION}. Safe to call from many processes
 * at once and on every start: a transaction-scoped advisory lock serializes migrators, and
 * applied versions are recorded in `<schema>.writ_schema_migrations`.
 *
 * @throws WritError `ERR_INVALID_ARGUMENT` (bad schema name), `ERR_STORE_CONFLICT` (the
 *   database was migrated by a newer version of this package), `ERR_STORE_IO`.
 * @example
 * await migrate({ pool, schema: 'writ' });
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  expectRecord(options, 'options');
  const schemaName = options.schema ?? DEFAULT_SCHEMA;
  const schema = quoteSchema(schemaName);
  const client = await borrowClient(options.pool, 'migrate');
  let failure: unknown;
  try {
    await client.query('BEGIN');
    // Serialize migrators of this schema (CREATE SCHEMA IF NOT EXISTS itself races).
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('writ.migrate'), hashtext($1))`, [
      schemaName,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.writ_schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const found = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${schema}.writ_schema_migrations`,
    );
    const from = found.rows[0]?.version ?? 0;
    if (from > LATEST_SCHEMA_VERSION) {
      throw new WritError(
        'ERR_STORE_CONFLICT',
        'PostgreSQL schema is newer than this version of @writ/postgres',
        {
          details: { schema: schemaName, found: from, supported: LATEST_SCHEMA_VERSION },
        },
      );
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= from) continue;
      await client.query(migration.sql(schema));
      await client.query(
        `INSERT INTO ${schema}.writ_schema_migrations (version, name) VALUES ($1, $2)`,
        [migration.version, migration.name],
      );
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from, LATEST_SCHEMA_VERSION) };
  } catch (error) {
    failure = error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw storeIoError('migrate', error, { schema: schemaName });
  } finally {
    returnClient(client, failure);
  }
}
