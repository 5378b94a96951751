// @writ/postgres public API — ledger, nonce and approval stores on PostgreSQL.

// opening everything at once
export { openPostgresStores } from './open-postgres-stores.ts';
export type { OpenPostgresStoresOptions, PostgresStores } from './open-postgres-stores.ts';

// stores
export { PostgresLedgerStore } from './postgres-ledger-store.ts';
export type { PostgresLedgerStoreOptions } from './postgres-ledger-store.ts';
export { PostgresNonceStore, MAX_NONCE_ID_LENGTH } from './postgres-nonce-store.ts';
export type { PostgresNonceStoreOptions } from './postgres-nonce-store.ts';
export { PostgresApprovalStore } from './postgres-approval-store.ts';
export type { PostgresApprovalStoreOptions } from './postgres-approval-store.ts';

// schema
export { migrate } from './migrate.ts';
export type { MigrateOptions, MigrateResult } from './migrate.ts';
export { LATEST_SCHEMA_VERSION } from './migrations.ts';
export { DEFAULT_SCHEMA } from './schema-name.ts';

// connection
export { connectionStringFromEnv } from './connection-options.ts';
