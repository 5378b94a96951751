// Property tests of the cross-connection invariants: whatever the interleaving of batch
// sizes over two independent pools, the ledger stays one gap-free chain and every call's
// entries are consecutive; whatever multiset of ids is presented at once, each distinct id
// is accepted exactly once. One schema per file; each run uses a fresh ledger / namespace.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GENESIS_HASH, parseEntry } from '@writ/core';
import type { StoredEntry } from '@writ/core';
import { migrate } from './migrate.ts';
import { PostgresLedgerStore } from './postgres-ledger-store.ts';
import { PostgresNonceStore } from './postgres-nonce-store.ts';
import {
  createTestSchema,
  describeWithPostgres,
  type TestSchema,
} from './testing/postgres-harness.ts';

const LATER = new Date('2030-01-01T00:00:00.000Z');

describeWithPostgres('PostgreSQL store invariants (property)', () => {
  let first: TestSchema;
  let second: TestSchema;
  let run = 0;
  beforeAll(async () => {
    first = createTestSchema({ max: 4 });
    second = createTestSchema({ max: 4 });
    await migrate({ pool: first.pool, schema: first.schema });
  });
  afterAll(async () => {
    await second.pool.end();
    await first.drop();
  });

  it('PostgresLedgerStore keeps one chain under any interleaving of batches across pools', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 5 }), viaSecond: fc.boolean() }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 8 }),
        async (calls, maxBatchEntries) => {
          const ledgerId = `property-${(run += 1)}`;
          const stores = [first, second].map(
            (test) =>
              new PostgresLedgerStore({
                pool: test.pool,
                schema: first.schema,
                ledgerId,
                maxBatchEntries,
              }),
          );
          const results = await Promise.all(
            calls.map((call, index) =>
              stores[call.viaSecond ? 1 : 0]!.append(
                Array.from({ length: call.size }, (_, n) => ({
                  type: 'test-event',
                  time: '2026-11-24T12:00:00.000Z',
                  body: { index, n },
                })),
              ),
            ),
          );
          results.forEach((entries, index) => {
            expect(entries).toHaveLength(calls[index]!.size);
            entries.forEach((entry, n) => expect(entry.seq).toBe(entries[0]!.seq + n));
          });
          const stored: StoredEntry[] = [];
          for await (const entry of stores[0]!.read()) stored.push(entry);
          expect(stored).toHaveLength(calls.reduce((sum, call) => sum + call.size, 0));
          let prev = GENESIS_HASH;
          stored.forEach((entry, seq) => {
            const parsed = parseEntry(entry.line);
            expect([parsed.seq, parsed.prev]).toEqual([seq, prev]);
            prev = entry.hash;
          });
        },
      ),
      { numRuns: 15 },
    );
  });

  it('PostgresNonceStore accepts each distinct id once, whatever is presented at the same time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'b', 'c', '__proto__', 'ü', 'x'.repeat(512)), {
          minLength: 1,
          maxLength: 30,
        }),
        async (ids) => {
          const namespace = `property-${(run += 1)}`;
          const stores = [first, second].map(
            (test) => new PostgresNonceStore({ pool: test.pool, schema: first.schema, namespace }),
          );
          const accepted = await Promise.all(
            ids.map((id, index) => stores[index % 2]!.consume({ id, expiresAt: LATER })),
          );
          const winners = ids.filter((_, index) => accepted[index]);
          expect(winners.slice().sort()).toEqual([...new Set(ids)].sort());
        },
      ),
      { numRuns: 15 },
    );
  });
});
