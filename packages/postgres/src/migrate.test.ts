import { afterEach, expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import { migrate } from './migrate.ts';
import { LATEST_SCHEMA_VERSION } from './migrations.ts';
import {
  createTestSchema,
  describeWithPostgres,
  type TestSchema,
} from './testing/postgres-harness.ts';

describeWithPostgres('migrate', () => {
  let test: TestSchema | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });

  it('creates the schema and records the latest version', async () => {
    test = createTestSchema();
    const result = await migrate({ pool: test.pool, schema: test.schema });
    expect(result).toEqual({ from: 0, to: LATEST_SCHEMA_VERSION });
    const tables = await test.pool.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [test.schema],
    );
    expect(tables.rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining([
        'ledgers',
        'ledger_entries',
        'ledger_checkpoints',
        'nonces',
        'approvals',
      ]),
    );
  });

  it('is idempotent: a second run applies nothing', async () => {
    test = createTestSchema();
    await migrate({ pool: test.pool, schema: test.schema });
    expect(await migrate({ pool: test.pool, schema: test.schema })).toEqual({
      from: LATEST_SCHEMA_VERSION,
      to: LATEST_SCHEMA_VERSION,
    });
    const rows = await test.pool.query(
      `SELECT version FROM "${test.schema}".writ_schema_migrations`,
    );
    expect(rows.rowCount).toBe(LATEST_SCHEMA_VERSION);
  });

  it('applies only the versions a schema is missing', async () => {
    test = createTestSchema();
    await migrate({ pool: test.pool, schema: test.schema });
    // Roll the record back to version 1 (the objects of version 2 stay): the step must
    // re-apply cleanly on top of what exists.
    await test.pool.query(`DELETE FROM "${test.schema}".writ_schema_migrations WHERE version > 1`);
    expect(await migrate({ pool: test.pool, schema: test.schema })).toEqual({
      from: 1,
      to: LATEST_SCHEMA_VERSION,
    });
    const triggers = await test.pool.query(
      `SELECT count(*)::int AS count FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND t.tgname LIKE 'append_only%'`,
      [test.schema],
    );
    expect(triggers.rows[0]).toEqual({ count: 4 });
  });

  it('migrates exactly once when many callers race on a fresh schema', async () => {
    test = createTestSchema({ max: 6 });
    const { pool, schema } = test;
    const results = await Promise.all(Array.from({ length: 6 }, () => migrate({ pool, schema })));
    expect(results.filter((result) => result.from === 0)).toHaveLength(1);
  });

  it('refuses a schema written by a newer version', async () => {
    test = createTestSchema();
    await migrate({ pool: test.pool, schema: test.schema });
    await test.pool.query(
      `INSERT INTO "${test.schema}".writ_schema_migrations (version, name) VALUES (9999, 'future')`,
    );
    const error = await migrate({ pool: test.pool, schema: test.schema }).catch(
      (caught: unknown) => caught,
    );
    expect(isWritError(error, 'ERR_STORE_CONFLICT')).toBe(true);
  });

  it('rejects unsafe schema names before touching the database', async () => {
    test = createTestSchema();
    for (const schema of ['Writ', 'a;drop', '', 'x'.repeat(64), '__proto__"', 42]) {
      const error = await migrate({ pool: test.pool, schema: schema as string }).catch(
        (caught: unknown) => caught,
      );
      expect(isWritError(error, 'ERR_INVALID_ARGUMENT')).toBe(true);
    }
  });
});
