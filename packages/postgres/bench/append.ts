/**
 * Appends/s of the PostgreSQL ledger store next to a plain INSERT of the same rows into a
 * table with the same columns and no constraints, in the same run, on the same pool.
 *
 *   pnpm --filter @writ/postgres bench          (WRIT_PG_URL or PG* pick the database)
 *
 * Scenarios (each: the store, then the baseline with the same rows and batch size):
 *   serial-1      one entry per call, each call awaited before the next (commit latency)
 *   concurrent-1  one entry per call, 64 calls in flight (store: group commit; baseline:
 *                 64 single-row autocommit INSERTs in flight over the same pool)
 *   batch-100     100 entries per call, awaited one after another (one multi-row INSERT)
 */
import pg from 'pg';
import { GENESIS_HASH, sealEntry, type EntryDraft, type StoredEntry } from '@writ/core';
import { testConnectionString } from '../src/testing/test-connection.ts';
import { migrate } from '../src/migrate.ts';
import { PostgresLedgerStore } from '../src/postgres-ledger-store.ts';

const SCALE = Number(process.env['WRIT_BENCH_SCALE'] ?? 1);
const ROUNDS = 3;
const CONCURRENCY = 64;
const connectionString = testConnectionString();
const pool = new pg.Pool({
  ...(connectionString === undefined ? {} : { connectionString }),
  max: 8,
});
pool.on('error', () => undefined);
const schema = `writ_bench_${process.pid}`;

function drafts(count: number): EntryDraft[] {
  return Array.from({ length: count }, (_, n) => ({
    type: 'tool-executed',
    time: '2026-11-24T12:00:00.000Z',
    body: {
      n,
      tool: 'email.send',
      intent: `sha256:${'ab'.repeat(32)}`,
      summary: 'sent the weekly report to the team',
    },
  }));
}

function sealedRows(source: readonly EntryDraft[]): StoredEntry[] {
  let prev = GENESIS_HASH;
  return source.map((draft, seq) => {
    const entry = sealEntry({ draft, seq, prev });
    prev = entry.hash;
    return entry;
  });
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function inPool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size)
    out.push(items.slice(index, index + size));
  return out;
}

async function resetTables(): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await migrate({ pool, schema });
  await pool.query(`CREATE TABLE "${schema}".plain (ledger_id text, seq bigint, hash bytea, prev_hash bytea,
                    entry_type text, entry_time text, line bytea)`);
}

const plainInsert = (rows: readonly StoredEntry[], source: readonly EntryDraft[]) =>
  pool.query(
    `INSERT INTO "${schema}".plain SELECT 'default', * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::text[], $5::text[], $6::bytea[])`,
    [
      rows.map((row) => row.seq),
      rows.map((row) => Buffer.from(row.hash.slice(7), 'hex')),
      rows.map((row, index) =>
        Buffer.from((index === 0 ? GENESIS_HASH : rows[index - 1]!.hash).slice(7), 'hex'),
      ),
      source.map((draft) => draft.type),
      source.map((draft) => draft.time),
      rows.map((row) => Buffer.from(row.line, 'utf8')),
    ],
  );

interface Scenario {
  readonly name: string;
  readonly batch: number;
  readonly concurrency: number;
  readonly entries: number;
}

async function measure(scenario: Scenario): Promise<{ store: number; plain: number }> {
  const source = drafts(scenario.entries);
  const rows = sealedRows(source);
  const storeRates: number[] = [];
  const plainRates: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    await resetTables();
    const store = new PostgresLedgerStore({ pool, schema });
    const storeSeconds = await timed(() =>
      inPool(chunks(source, scenario.batch), scenario.concurrency, (batch) => store.append(batch)),
    );
    if ((await store.head()).size !== scenario.entries) throw new Error('store lost entries');
    await store.close();
    const pairs = chunks(
      rows.map((row, index) => ({ row, draft: source[index]! })),
      scenario.batch,
    );
    const plainSeconds = await timed(() =>
      inPool(pairs, scenario.concurrency, (batch) =>
        plainInsert(
          batch.map((pair) => pair.row),
          batch.map((pair) => pair.draft),
        ),
      ),
    );
    storeRates.push(scenario.entries / storeSeconds);
    plainRates.push(scenario.entries / plainSeconds);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { store: median(storeRates), plain: median(plainRates) };
}

const scenarios: Scenario[] = [
  { name: 'serial-1', batch: 1, concurrency: 1, entries: Math.round(300 * SCALE) },
  {
    name: `concurrent-1 (${CONCURRENCY} in flight)`,
    batch: 1,
    concurrency: CONCURRENCY,
    entries: Math.round(2000 * SCALE),
  },
  { name: 'batch-100', batch: 100, concurrency: 1, entries: Math.round(3000 * SCALE) },
];

try {
  const version = await pool.query<{ server_version: string }>('SHOW server_version');
  console.log(
    `PostgreSQL ${version.rows[0]!.server_version}, Node ${process.version}, median of ${ROUNDS} runs, pool max 8`,
  );
  console.log(
    '| scenario | entries | ledger store appends/s | plain INSERT rows/s | store / plain |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (const scenario of scenarios) {
    const { store, plain } = await measure(scenario);
    console.log(
      `| ${scenario.name} | ${scenario.entries} | ${store.toFixed(0)} | ${plain.toFixed(0)} | ${(store / plain).toFixed(2)} |`,
    );
  }
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}
