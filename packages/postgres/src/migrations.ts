/**
 * Versioned schema migrations. Each migration runs once per schema, inside one
 * transaction together with the row that records it, under a transaction-scoped advisory
 * lock — so many processes starting at once migrate exactly once and never see a
 * half-built schema. Migrations are append-only: never edit a released one; add the next.
 */

/** One schema step. `sql` receives the already-quoted schema name. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: (schema: string) => string;
}

const GENESIS = `'\\x${'00'.repeat(32)}'::bytea`;

/** All migrations, in version order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ledger, checkpoints, nonces, approvals',
    sql: (s) => `
-- One row per ledger: its head. Appenders lock this row (SELECT ... FOR UPDATE) to assign
-- sequence numbers and previous hashes; see docs/decisions (postgres ledger concurrency).
CREATE TABLE IF NOT EXISTS ${s}.ledgers (
  ledger_id  text PRIMARY KEY CHECK (length(ledger_id) BETWEEN 1 AND 200),
  size       bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
  head_hash  bytea NOT NULL DEFAULT ${GENESIS} CHECK (octet_length(head_hash) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Entries exactly as the ledger hashed them: line is the JCS text as UTF-8 bytes, never
-- re-serialized (bytea, not jsonb, which would reorder keys and refuses \\u0000).
CREATE TABLE IF NOT EXISTS ${s}.ledger_entries (
  ledger_id   text   NOT NULL REFERENCES ${s}.ledgers (ledger_id),
  seq         bigint NOT NULL CHECK (seq >= 0),
  prev_seq    bigint GENERATED ALWAYS AS (CASE WHEN seq = 0 THEN NULL ELSE seq - 1 END) STORED,
  hash        bytea  NOT NULL CHECK (octet_length(hash) = 32),
  prev_hash   bytea  NOT NULL CHECK (octet_length(prev_hash) = 32),
  entry_type  text   NOT NULL,
  entry_time  text   NOT NULL,
  line        bytea  NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ledger_id, seq),
  CONSTRAINT ledger_entries_link_target UNIQUE (ledger_id, seq, hash),
  -- The database itself refuses a gap or a broken link: entry n must name entry n-1's
  -- hash, and (ledger_id, seq) is unique, so two entries can never claim one position.
  CONSTRAINT ledger_entries_chain FOREIGN KEY (ledger_id, prev_seq, prev_hash)
    REFERENCES ${s}.ledger_entries (ledger_id, seq, hash),
  CONSTRAINT ledger_entries_genesis CHECK (seq > 0 OR prev_hash = ${GENESIS})
);

CREATE TABLE IF NOT EXISTS ${s}.ledger_checkpoints (
  ledger_id   text   NOT NULL REFERENCES ${s}.ledgers (ledger_id),
  size        bigint NOT NULL CHECK (size > 0),
  root        bytea  NOT NULL CHECK (octet_length(root) = 32),
  note        text   NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ledger_id, size)
);

-- Query helper: entries as jsonb. A view, not a stored column, so an entry jsonb cannot
-- hold (a string with \\u0000) never blocks an append; it only fails the query that reads it.
CREATE OR REPLACE VIEW ${s}.ledger_entries_json AS
  SELECT ledger_id, seq, entry_type, entry_time, recorded_at,
         convert_from(line, 'UTF8')::jsonb AS entry
  FROM ${s}.ledger_entries;

CREATE TABLE IF NOT EXISTS ${s}.nonces (
  namespace   text NOT NULL,
  id          text NOT NULL,
  expires_at  timestamptz NOT NULL,
  consumed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, id)
);
CREATE INDEX IF NOT EXISTS nonces_expiry ON ${s}.nonces (namespace, expires_at);

CREATE TABLE IF NOT EXISTS ${s}.approvals (
  namespace     text NOT NULL,
  intent_digest text NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'consumed')),
  requested_at  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  request       text NOT NULL,
  PRIMARY KEY (namespace, intent_digest)
);
CREATE INDEX IF NOT EXISTS approvals_pending ON ${s}.approvals (namespace, requested_at, intent_digest)
  WHERE status = 'pending';

CREATE TABLE IF NOT EXISTS ${s}.approval_statements (
  namespace     text   NOT NULL,
  intent_digest text   NOT NULL,
  position      bigint GENERATED ALWAYS AS IDENTITY,
  digest        text   NOT NULL,
  statement     text   NOT NULL,
  PRIMARY KEY (namespace, intent_digest, digest),
  FOREIGN KEY (namespace, intent_digest) REFERENCES ${s}.approvals (namespace, intent_digest)
);
`,
  },
  {
    version: 2,
    name: 'ledger entries and checkpoints are append-only',
    sql: (s) => `
-- History never changes: refuse UPDATE, DELETE and TRUNCATE of entries and checkpoints for
-- every role (only the table owner can disable these triggers). A guard against mistakes
-- (a stray maintenance query), not against an attacker with DDL rights — the hash chain
-- and the signed checkpoints are what make tampering evident.
CREATE OR REPLACE FUNCTION ${s}.writ_refuse_history_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'writ: % on %.% refused: ledger history is append-only',
    TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'WR001';
END
$$;
DROP TRIGGER IF EXISTS append_only ON ${s}.ledger_entries;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON ${s}.ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ${s}.writ_refuse_history_change();
DROP TRIGGER IF EXISTS append_only_truncate ON ${s}.ledger_entries;
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON ${s}.ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.writ_refuse_history_change();
DROP TRIGGER IF EXISTS append_only ON ${s}.ledger_checkpoints;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON ${s}.ledger_checkpoints
  FOR EACH ROW EXECUTE FUNCTION ${s}.writ_refuse_history_change();
DROP TRIGGER IF EXISTS append_only_truncate ON ${s}.ledger_checkpoints;
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON ${s}.ledger_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.writ_refuse_history_change();
`,
  },
  {
    version: 3,
    name: 'nonces count their uses',
    sql: (s) => `
-- A token with constraints.maxUses = N may be used N times: each use after the first
-- increments this count (see PostgresNonceStore.consume). Existing rows were single uses.
ALTER TABLE ${s}.nonces ADD COLUMN IF NOT EXISTS uses bigint NOT NULL DEFAULT 1 CHECK (uses >= 1);
`,
  },
];

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce(
  (latest, m) => Math.max(latest, m.version),
  0,
);
