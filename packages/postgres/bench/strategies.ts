/**
 * Evidence for the ADR on ledger concurrency: W writers, each on its own connection (as
 * separate processes would be), append single entries as fast as they can to one ledger.
 * Three ways to assign seq/prev without gaps or forks:
 *   row-lock      SELECT ... FOR UPDATE on the head row (what PostgresLedgerStore does)
 *   advisory      pg_advisory_xact_lock(ledger) then a plain read of the head row
 *   serializable  no lock; SERIALIZABLE transaction, retried on 40001/23505
 *
 *   node --conditions=@writ/source bench/strategies.ts
 */
import pg from 'pg';
import { sealEntry, type Sha256Digest } from '@writ/core';
import { testConnectionString } from '../src/testing/test-connection.ts';
import { insertAndMoveHead } from '../src/ledger-append.ts';
import { bufferToDigest } from '../src/ledger-rows.ts';
import { migrate } from '../src/migrate.ts';

const WRITERS = Number(process.env['WRIT_BENCH_WRITERS'] ?? 8);
const PER_WRITER = Number(process.env['WRIT_BENCH_PER_WRITER'] ?? 60);
const connectionString = testConnectionString();
const pool = new pg.Pool({
  ...(connectionString === undefined ? {} : { connectionString }),
  max: WRITERS + 1,
});
pool.on('error', () => undefined);
const schema = `writ_strategies_${process.pid}`;
const tables = {
  ledgers: `"${schema}".ledgers`,
  entries: `"${schema}".ledger_entries`,
  checkpoints: '',
};

type Strategy = 'row-lock' | 'advisory' | 'serializable';

async function appendOnce(
  client: pg.PoolClient,
  strategy: Strategy,
  body: { writer: number; n: number },
): Promise<number> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await client.query(
        strategy === 'serializable' ? 'BEGIN ISOLATION LEVEL SERIALIZABLE' : 'BEGIN',
      );
      if (strategy === 'advisory')
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('bench'))`);
      const head = await client.query<{ size: string; head_hash: Buffer }>(
        `SELECT size::text AS size, head_hash FROM ${tables.ledgers} WHERE ledger_id = 'default'${strategy === 'row-lock' ? ' FOR UPDATE' : ''}`,
      );
      const row = head.rows[0]!;
      const prev: Sha256Digest = bufferToDigest(row.head_hash);
      const draft = { type: 'bench', time: '2026-11-24T12:00:00.000Z', body };
      const entry = sealEntry({ draft, seq: Number(row.size), prev });
      await insertAndMoveHead(client, {
        tables,
        ledgerId: 'default',
        prev,
        entries: [entry],
        drafts: [draft],
      });
      await client.query('COMMIT');
      return attempt;
    } catch (error) {
      await client.query('ROLLBACK');
      const code = (error as { code?: string }).code;
      if (strategy !== 'serializable' || (code !== '40001' && code !== '23505' && code !== '23503'))
        throw error;
    }
  }
}

async function run(strategy: Strategy): Promise<{ rate: number; retries: number }> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await migrate({ pool, schema });
  await pool.query(`INSERT INTO ${tables.ledgers} (ledger_id) VALUES ('default')`);
  const clients = await Promise.all(Array.from({ length: WRITERS }, () => pool.connect()));
  let retries = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, writer) => {
      for (let n = 0; n < PER_WRITER; n += 1)
        retries += await appendOnce(client, strategy, { writer, n });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const client of clients) client.release();
  const check = await pool.query<{ count: string; max: string }>(
    `SELECT count(*)::text AS count, max(seq)::text AS max FROM ${tables.entries}`,
  );
  if (
    Number(check.rows[0]!.count) !== WRITERS * PER_WRITER ||
    Number(check.rows[0]!.max) !== WRITERS * PER_WRITER - 1
  ) {
    throw new Error(`${strategy}: gap or loss`);
  }
  return { rate: (WRITERS * PER_WRITER) / seconds, retries };
}

try {
  console.log(`${WRITERS} writers x ${PER_WRITER} single-entry appends, one connection each`);
  console.log('| strategy | appends/s | retries |');
  console.log('|---|---:|---:|');
  for (const strategy of ['row-lock', 'advisory', 'serializable'] as const) {
    const { rate, retries } = await run(strategy);
    console.log(`| ${strategy} | ${rate.toFixed(0)} | ${retries} |`);
  }
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}
