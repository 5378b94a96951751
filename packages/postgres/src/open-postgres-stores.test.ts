import { expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import { openPostgresStores } from './open-postgres-stores.ts';
import {
  createTestSchema,
  describeWithPostgres,
  testPoolConfig,
} from './testing/postgres-harness.ts';

const LATER = new Date('2030-01-01T00:00:00.000Z');

describeWithPostgres('openPostgresStores', () => {
  it('migrates and opens all three stores on an owned pool, and closes it', async () => {
    const test = createTestSchema();
    try {
      const stores = await openPostgresStores({
        connectionString: testPoolConfig().connectionString,
        schema: test.schema,
        maxConnections: 2,
      });
      const [entry] = await stores.ledger.append([
        { type: 'session-opened', time: '2026-11-24T12:00:00.000Z', body: {} },
      ]);
      expect(entry!.seq).toBe(0);
      expect(await stores.nonces.consume({ id: 'n', expiresAt: LATER })).toBe(true);
      expect(await stores.approvals.get(`sha256:${'0'.repeat(64)}`)).toBeUndefined();
      await stores.close();
      await stores.close();
      expect(stores.pool.ended).toBe(true);
    } finally {
      await test.drop();
    }
  });

  it('leaves a caller-owned pool open', async () => {
    const test = createTestSchema();
    try {
      const stores = await openPostgresStores({ pool: test.pool, schema: test.schema });
      await stores.close();
      expect((await test.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await test.drop();
    }
  });

  it('fails loudly when the database is unreachable', async () => {
    const error = await openPostgresStores({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      schema: 'writ_unreachable',
    }).catch((e: unknown) => e);
    expect(isWritError(error, 'ERR_STORE_IO')).toBe(true);
  });

  // GAP: `openPostgresStores({ connectionString: process.env.DATABASE_URL })` (the README's quick
  // start) with DATABASE_URL unset connected to postgres://postgres@127.0.0.1:5432/test.
  it('refuses to open without a connection (no pool, no connection string, no WRIT_PG_URL or PG* variables)', async () => {
    const saved = Object.fromEntries(['WRIT_PG_URL', 'PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGPASSWORD'].map((name) => [name, process.env[name]]));
    for (const name of Object.keys(saved)) delete process.env[name];
    try {
      for (const options of [{}, { connectionString: undefined }, { connectionString: '' }]) {
        const error = await openPostgresStores(options).catch((e: unknown) => e);
        expect(isWritError(error, 'ERR_INVALID_ARGUMENT'), JSON.stringify(options)).toBe(true);
        expect((error as Error).message).toMatch(/connectionString|WRIT_PG_URL/u);
      }
    } finally {
      for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
    }
  });

  it('rejects malformed options naming the parameter', async () => {
    for (const options of [
      null,
      { schema: 'Bad' },
      { maxConnections: 0 },
      { connectionString: 5 },
      { pool: {} },
    ]) {
      const error = await openPostgresStores(options as never).catch((e: unknown) => e);
      expect(isWritError(error, 'ERR_INVALID_ARGUMENT'), JSON.stringify(options)).toBe(true);
    }
  });
});
