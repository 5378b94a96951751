// Every runtime export of @writ/postgres — functions, constructors, static methods, and the
// methods of each store built over a migrated test schema — answers garbage with a value or
// a WritError: never a raw error, a hang or a polluted Object.prototype. The coverage guard
// fails when an export is neither swept nor allowlisted with a reason. The store sweeps need
// PostgreSQL (see testing/postgres-harness.ts); the export sweep runs without it.
import { afterAll, describe, expect, it } from 'vitest';
import { sweep, sweepExports, sweepInstance } from '@writ/test-suites/sweep-harness';
import * as postgres from './index.ts';
import { createTestSchema, describeWithPostgres, type TestSchema } from './testing/postgres-harness.ts';

// The sweep harness (garbage, probe, sweep, the coverage guard) is shared: test/src/sweep-harness.ts.

/** Exports not swept generically, and why. */
const allowlist: Record<string, string> = {
  MAX_NONCE_ID_LENGTH: 'constant',
  LATEST_SCHEMA_VERSION: 'constant',
  DEFAULT_SCHEMA: 'constant',
  // Reaching a database with garbage options would open pools against the shared test
  // database; their option checks are swept below over the test schema instead.
  openPostgresStores: 'swept in the PostgreSQL block with a test pool (opens connections)',
  migrate: 'swept in the PostgreSQL block with a test pool (writes a schema)',
};

describe('@writ/postgres exports answer garbage with a value or a WritError', () => {
  it('sweeps the exports that need no database, and every export is swept or allowlisted', async () => {
    const { failures, unswept } = await sweepExports(postgres, {
      allowlist,
      // Constructors take a pool: without one they must refuse before connecting.
      valid: {},
    });
    expect(failures).toEqual([]);
    expect(unswept).toEqual([]);
    expect(Object.keys(allowlist).filter((name) => !(name in postgres))).toEqual([]);
  }, 120_000);
});

describeWithPostgres('@writ/postgres stores answer garbage with a value or a WritError', () => {
  let test: TestSchema | undefined;
  const schema = (): TestSchema => (test ??= createTestSchema({ max: 4 }));
  afterAll(async () => {
    await test?.drop();
  });

  it('migrate and openPostgresStores with a test pool', async () => {
    const failures = [
      ...(await sweep('migrate', (...args) => postgres.migrate(...(args as [never])), [{ pool: schema().pool, schema: schema().schema }])),
      // Bare garbage such as {} or undefined is a valid "all defaults" call that would open
      // the shared default schema: only the option fields over the test schema are swept.
      ...(await sweep('openPostgresStores', (...args) => postgres.openPostgresStores(...(args as [never])), [{ pool: schema().pool, schema: schema().schema, migrate: true }], false)),
    ];
    expect(failures).toEqual([]);
  }, 300_000);

  const stores: Record<string, () => Promise<object>> = {
    PostgresLedgerStore: async () => {
      await postgres.migrate({ pool: schema().pool, schema: schema().schema });
      return new postgres.PostgresLedgerStore({ pool: schema().pool, schema: schema().schema });
    },
    PostgresNonceStore: () => Promise.resolve(new postgres.PostgresNonceStore({ pool: schema().pool, schema: schema().schema })),
    PostgresApprovalStore: () => Promise.resolve(new postgres.PostgresApprovalStore({ pool: schema().pool, schema: schema().schema })),
  };
  for (const [name, factory] of Object.entries(stores)) {
    it(`sweeps the methods of ${name}`, async () => {
      // close() of a store over a caller's pool leaves the pool open, so a fresh instance per call is cheap.
      expect(await sweepInstance(name, factory)).toEqual([]);
    }, 300_000);
  }
});
