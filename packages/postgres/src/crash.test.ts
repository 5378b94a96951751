import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { GENESIS_HASH, parseEntry } from '@writ/core';
import { migrate } from './migrate.ts';
import { PostgresLedgerStore } from './postgres-ledger-store.ts';
import {
  createTestSchema,
  describeWithPostgres,
  testPoolConfig,
  type TestSchema,
} from './testing/postgres-harness.ts';

const WORKER = fileURLToPath(new URL('./testing/append-loop-worker.ts', import.meta.url));

/** Runs the append loop until `acknowledgements` entries were acknowledged, then SIGKILLs it. */
function appendUntilKilled(schema: string, acknowledgements: number): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@writ/source', WORKER], {
      env: {
        ...process.env,
        WRIT_PG_URL: testPoolConfig().connectionString ?? '',
        WRIT_WORKER_SCHEMA: schema,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked = new Map<number, string>();
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [seq, hash] = line.split(' ');
        acked.set(Number(seq), hash!);
      }
      if (acked.size >= acknowledgements) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`worker ended without being killed: ${stderr}`));
      else resolve(acked);
    });
  });
}

describeWithPostgres('PostgresLedgerStore under SIGKILL', () => {
  let test: TestSchema | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });

  it(
    'loses no acknowledged entry, leaves no partial batch, and keeps appending after writers are killed',
    { timeout: 120_000 },
    async () => {
      test = createTestSchema();
      await migrate({ pool: test.pool, schema: test.schema });
      const acknowledged = new Map<number, string>();
      // Kill points vary with scheduling; every round kills a writer with appends in flight.
      for (const target of [10, 25, 7, 40]) {
        for (const [seq, hash] of await appendUntilKilled(test.schema, target))
          acknowledged.set(seq, hash);
      }
      const ledger = new PostgresLedgerStore({ pool: test.pool, schema: test.schema });
      const [next] = await ledger.append([
        { type: 'test-event', time: '2026-11-24T12:00:00.000Z', body: { after: true } },
      ]);
      let prev = GENESIS_HASH;
      const pairs = new Map<string, number>();
      for await (const entry of ledger.read()) {
        const parsed = parseEntry(entry.line);
        expect(parsed.prev).toBe(prev);
        prev = entry.hash;
        if (acknowledged.has(entry.seq)) expect(entry.hash).toBe(acknowledged.get(entry.seq));
        acknowledged.delete(entry.seq);
        const body = parsed.body as { pid?: number; lane?: number; n?: number };
        if (body.pid !== undefined) {
          const key = `${body.pid}/${body.lane}/${body.n}`;
          pairs.set(key, (pairs.get(key) ?? 0) + 1);
        }
      }
      expect(acknowledged.size).toBe(0);
      expect(next!.seq).toBe((await ledger.head()).size - 1);
      // Each append stored two entries or none: never half a batch.
      expect([...pairs.values()].every((count) => count === 2)).toBe(true);
    },
  );
});
