// The shared store conformance suite from @writ/core, run against the PostgreSQL stores.
// Each fixture gets a fresh schema; `another` opens a second pool on it (separate
// connections, as another process would), `reopen` a new store object on the same data.
import {
  describeApprovalStoreConformance,
  describeLedgerStoreConformance,
  describeNonceStoreConformance,
} from '@writ/core/stores/conformance';
import pg from 'pg';
import { migrate } from './migrate.ts';
import { PostgresApprovalStore } from './postgres-approval-store.ts';
import { PostgresLedgerStore } from './postgres-ledger-store.ts';
import { PostgresNonceStore } from './postgres-nonce-store.ts';
import {
  createTestSchema,
  describeWithPostgres,
  testPoolConfig,
} from './testing/postgres-harness.ts';

function fixtureFor<T>(open: (options: { pool: pg.Pool; schema: string }) => T) {
  return async () => {
    const test = createTestSchema({ max: 6 });
    await migrate({ pool: test.pool, schema: test.schema });
    const extraPools: pg.Pool[] = [];
    return {
      store: open(test),
      another: () => {
        const pool = new pg.Pool({ ...testPoolConfig(), max: 4 });
        pool.on('error', () => undefined);
        extraPools.push(pool);
        return Promise.resolve(open({ pool, schema: test.schema }));
      },
      reopen: () => Promise.resolve(open(test)),
      cleanup: async () => {
        await Promise.all(extraPools.map((pool) => pool.end()));
        await test.drop();
      },
    };
  };
}

describeWithPostgres('PostgreSQL stores', () => {
  describeLedgerStoreConformance(
    'PostgresLedgerStore',
    fixtureFor((options) => new PostgresLedgerStore(options)),
  );
  describeNonceStoreConformance(
    'PostgresNonceStore',
    fixtureFor((options) => new PostgresNonceStore(options)),
  );
  describeApprovalStoreConformance(
    'PostgresApprovalStore',
    fixtureFor((options) => new PostgresApprovalStore(options)),
  );
});
