/**
 * Child process for the SIGKILL test: appends to one ledger forever, a few appends in
 * flight, and prints `seq hash` for every entry whose append was acknowledged.
 *
 * Run: node --conditions=@writ/source append-loop-worker.ts (WRIT_PG_URL, WRIT_WORKER_SCHEMA).
 */
import pg from 'pg';
import { PostgresLedgerStore } from '../postgres-ledger-store.ts';

const pool = new pg.Pool({ connectionString: process.env['WRIT_PG_URL'], max: 4 });
pool.on('error', () => undefined);
const ledger = new PostgresLedgerStore({ pool, schema: process.env['WRIT_WORKER_SCHEMA']! });

async function loop(lane: number): Promise<never> {
  for (let n = 0; ; n += 1) {
    const entries = await ledger.append([
      { type: 'test-event', time: '2026-11-24T12:00:00.000Z', body: { pid: process.pid, lane, n } },
      {
        type: 'test-event',
        time: '2026-11-24T12:00:00.000Z',
        body: { pid: process.pid, lane, n, second: true },
      },
    ]);
    process.stdout.write(entries.map((entry) => `${entry.seq} ${entry.hash}\n`).join(''));
  }
}

await Promise.all([0, 1, 2, 3].map(loop));
