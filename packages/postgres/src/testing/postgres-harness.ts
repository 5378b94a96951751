/**
 * Test harness for suites that need a real PostgreSQL. When none is reachable the suite
 * is skipped with a message saying how to start one — unless `WRIT_REQUIRE_POSTGRES=1`
 * (set by `.ci/run`), where the same condition fails the suite. Never a silent pass.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';
import { testConnectionString } from './test-connection.ts';

const START_HINT =
  'start one with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start ' +
  '(or point WRIT_PG_URL at a database you may create schemas in)';

/** A pool config for the test database. */
export function testPoolConfig(): pg.PoolConfig {
  const connectionString = testConnectionString();
  return connectionString === undefined ? {} : { connectionString };
}

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ ...testPoolConfig(), connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const unreachable = await probe();

/** True when PostgreSQL answered the probe. */
export const postgresAvailable = unreachable === undefined;

/** Like `describe`, but skips (or, under `WRIT_REQUIRE_POSTGRES=1`, fails) without PostgreSQL. */
export function describeWithPostgres(name: string, body: () => void): void {
  if (unreachable === undefined) {
    describe(name, body);
    return;
  }
  const message = `PostgreSQL is not reachable (${unreachable}); ${START_HINT}`;
  if (process.env['WRIT_REQUIRE_POSTGRES'] === '1') {
    describe(name, () => {
      it('needs a reachable PostgreSQL (WRIT_REQUIRE_POSTGRES=1)', () => {
        throw new Error(message);
      });
    });
    return;
  }
  console.warn(`[@writ/postgres] skipping "${name}": ${message}`);
  describe.skip(name, body);
}

/** A private schema for one test, with a pool; `drop()` removes both. */
export interface TestSchema {
  readonly pool: pg.Pool;
  readonly schema: string;
  drop(): Promise<void>;
}

/** Creates a fresh, uniquely named schema so parallel runs never collide. */
export function createTestSchema(options: { readonly max?: number } = {}): TestSchema {
  const schema = `writ_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  const pool = new pg.Pool({ ...testPoolConfig(), max: options.max ?? 4 });
  pool.on('error', () => undefined);
  return {
    pool,
    schema,
    async drop() {
      try {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}
