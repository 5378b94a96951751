import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { createTrustRoot, Ledger, verifyTranscript } from '@writ/core';
import { sampleKeys, sampleTrustRootDocument } from '@writ/core/transcript';
import { migrate } from './migrate.ts';
import { PostgresLedgerStore } from './postgres-ledger-store.ts';
import {
  createTestSchema,
  describeWithPostgres,
  testPoolConfig,
  type TestSchema,
} from './testing/postgres-harness.ts';

const WORKER = fileURLToPath(new URL('./testing/append-worker.ts', import.meta.url));
const WORKERS = 6;
const APPENDS = 10;
const PER_APPEND = 3;
const NONCES = Array.from({ length: 40 }, (_, index) => `token-${index}`);

interface WorkerReport {
  readonly worker: number;
  readonly won: string[];
  readonly acknowledged: { seq: number; hash: string }[][];
}

function runWorker(options: {
  schema: string;
  worker: number;
  barrier: number;
}): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@writ/source', WORKER], {
      env: {
        ...process.env,
        WRIT_PG_URL: testPoolConfig().connectionString ?? '',
        WRIT_WORKER_SCHEMA: options.schema,
        WRIT_WORKER_INDEX: String(options.worker),
        WRIT_WORKER_APPENDS: String(APPENDS),
        WRIT_WORKER_PER_APPEND: String(PER_APPEND),
        WRIT_WORKER_NONCES: JSON.stringify(NONCES),
        WRIT_WORKER_BARRIER: String(options.barrier),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0)
        return reject(new Error(`worker ${options.worker} exited ${code}: ${stderr}`));
      resolve(JSON.parse(stdout.trim()) as WorkerReport);
    });
  });
}

describeWithPostgres('PostgresLedgerStore and PostgresNonceStore across processes', () => {
  let test: TestSchema | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });

  it(
    'never forks or gaps the ledger and accepts each nonce exactly once',
    { timeout: 120_000 },
    async () => {
      test = createTestSchema();
      const { pool, schema } = test;
      await migrate({ pool, schema });
      const barrier = 700_000 + Math.floor(Math.random() * 100_000);
      const gate = await pool.connect();
      await gate.query('SELECT pg_advisory_lock($1)', [barrier]);
      let released = false;
      try {
        const reports = Promise.all(
          Array.from({ length: WORKERS }, (_, worker) => runWorker({ schema, worker, barrier })),
        );
        // Open the gate only once every worker is blocked on it: they all start together.
        for (;;) {
          const waiting = await gate.query<{ count: string }>(
            `SELECT count(*)::text AS count FROM pg_locks
           WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND NOT granted`,
            [barrier],
          );
          if (Number(waiting.rows[0]!.count) === WORKERS) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await gate.query('SELECT pg_advisory_unlock($1)', [barrier]);
        released = true;
        const results = await reports;

        // Nonces: every id won by exactly one process.
        const winners = results.flatMap((report) => report.won);
        expect(winners.slice().sort()).toEqual(NONCES.slice().sort());

        // Ledger: 0..n-1 exactly, each acknowledged append consecutive, chain intact on read.
        const total = WORKERS * APPENDS * PER_APPEND;
        const ledger = new PostgresLedgerStore({ pool, schema });
        expect((await ledger.head()).size).toBe(total);
        const acknowledged = new Map<number, string>();
        for (const report of results) {
          for (const batch of report.acknowledged) {
            expect(batch.map((entry) => entry.seq)).toEqual(
              batch.map((_, index) => batch[0]!.seq + index),
            );
            for (const entry of batch) {
              expect(acknowledged.has(entry.seq)).toBe(false);
              acknowledged.set(entry.seq, entry.hash);
            }
          }
        }
        expect(acknowledged.size).toBe(total);
        const seen = new Set<string>();
        let seq = 0;
        for await (const entry of ledger.read()) {
          expect(entry.seq).toBe(seq);
          expect(entry.hash).toBe(acknowledged.get(seq));
          const body = (
            JSON.parse(entry.line) as { body: { worker: number; call: number; index: number } }
          ).body;
          seen.add(`${body.worker}/${body.call}/${body.index}`);
          seq += 1;
        }
        expect(seq).toBe(total);
        expect(seen.size).toBe(total);

        // The whole ledger verifies with the core offline verifier once a checkpoint signs it.
        const keys = sampleKeys();
        const signed = await Ledger.open({
          store: ledger,
          origin: 'writ.test/postgres-concurrency',
          signer: keys.ledger,
          now: () => new Date('2026-11-24T13:00:00.000Z'),
        });
        const checkpoint = await signed.checkpoint();
        expect(checkpoint?.size).toBe(total);
        const report = await verifyTranscript({
          entries: (async function* () {
            for await (const entry of ledger.read()) yield entry.line;
          })(),
          checkpoints: [checkpoint!.note],
          trustRoot: createTrustRoot(sampleTrustRootDocument(keys)),
        });
        expect(report.failure).toBeUndefined();
        expect(report).toMatchObject({ valid: true, entries: total, signedSize: total });
        await signed.close();
      } finally {
        if (!released)
          await gate.query('SELECT pg_advisory_unlock($1)', [barrier]).catch(() => undefined);
        gate.release();
      }
    },
  );
});
