/**
 * Child process for the cross-process concurrency test. Opens its own pool, waits at a
 * barrier (a shared advisory lock the parent holds exclusively) so every worker starts at
 * the same instant, then appends its entries and presents every shared nonce at once.
 * Prints one JSON line: the nonces it won and the entries its appends were acknowledged with.
 *
 * Run: node --conditions=@writ/source append-worker.ts (configuration in WRIT_WORKER_* env).
 */
import pg from 'pg';
import { PostgresLedgerStore } from '../postgres-ledger-store.ts';
import { PostgresNonceStore } from '../postgres-nonce-store.ts';

const env = process.env;
const schema = env['WRIT_WORKER_SCHEMA']!;
const worker = Number(env['WRIT_WORKER_INDEX']);
const appends = Number(env['WRIT_WORKER_APPENDS']);
const perAppend = Number(env['WRIT_WORKER_PER_APPEND']);
const nonces = JSON.parse(env['WRIT_WORKER_NONCES']!) as string[];
const barrier = Number(env['WRIT_WORKER_BARRIER']);

const pool = new pg.Pool({ connectionString: env['WRIT_PG_URL'], max: 4 });
pool.on('error', () => undefined);
const ledger = new PostgresLedgerStore({ pool, schema });
const nonceStore = new PostgresNonceStore({ pool, schema });
const expiresAt = new Date('2030-01-01T00:00:00.000Z');

const gate = await pool.connect();
// Block until the parent releases its exclusive lock (it waits until every worker is here).
await gate.query('SELECT pg_advisory_lock_shared($1)', [barrier]);
await gate.query('SELECT pg_advisory_unlock_shared($1)', [barrier]);
gate.release();

const appended = Promise.all(
  Array.from({ length: appends }, (_, call) =>
    ledger.append(
      Array.from({ length: perAppend }, (__, index) => ({
        type: 'test-event',
        time: '2026-11-24T12:00:00.000Z',
        body: { worker, call, index },
      })),
    ),
  ),
);
const won = Promise.all(nonces.map((id) => nonceStore.consume({ id, expiresAt })));
const [entries, results] = await Promise.all([appended, won]);
process.stdout.write(
  `${JSON.stringify({
    worker,
    won: nonces.filter((_, index) => results[index]),
    acknowledged: entries.map((batch) =>
      batch.map((entry) => ({ seq: entry.seq, hash: entry.hash })),
    ),
  })}\n`,
);
await ledger.close();
await pool.end();
