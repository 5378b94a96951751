/**
 * The ledger feeds its Merkle frontier at append when the stored entries follow what it holds,
 * and catches up from the store otherwise. Under any interleaving of its own appends, another
 * writer's appends and checkpoints, every checkpoint it signs must match the stored entries.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import { Ledger } from './ledger.ts';
import { sampleKeys, sampleTrustRootDocument } from './sample-transcript.ts';
import { verifyTranscript } from './verify-transcript.ts';

const keys = sampleKeys();
const trustRoot = createTrustRoot(sampleTrustRootDocument(keys));
const now = () => new Date('2026-01-01T00:00:10.000Z');
const drafts = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ type: 'test-entry', time: '2026-01-01T00:00:00.000Z', body: { n: from + i } }));

const op = fc.record({ kind: fc.constantFrom('ledger', 'other', 'checkpoint'), count: fc.integer({ min: 1, max: 4 }) });

describe('Ledger frontier fed at append', () => {
  it('every signed checkpoint matches the entries, whatever the interleaving of appends, other writers and checkpoints', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), async (groups) => {
        const store = new MemoryLedgerStore();
        const ledger = await Ledger.open({ store, origin: 'writ.test/frontier', signer: keys.ledger, now });
        let n = 0;
        for (const group of groups) {
          // The operations of a group run concurrently.
          await Promise.all(
            group.map(({ kind, count }) => {
              const batch = drafts(n, count);
              n += count;
              if (kind === 'ledger') return ledger.append(batch);
              if (kind === 'other') return store.append(batch);
              return ledger.checkpoint();
            }),
          );
        }
        await ledger.checkpoint();
        const lines: string[] = [];
        for await (const stored of store.read()) lines.push(stored.line);
        const notes: string[] = [];
        for await (const checkpoint of store.checkpoints()) notes.push(checkpoint.note);
        const report = await verifyTranscript({ entries: lines, checkpoints: notes, trustRoot });
        expect(report.failure).toBeUndefined();
        expect(report.valid).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

/** A memory store whose reads yield one entry per event-loop turn and whose appends answer late. */
class SlowStore extends MemoryLedgerStore {
  appendDelay = 0;
  override async append(...args: Parameters<MemoryLedgerStore['append']>) {
    const stored = await super.append(...args);
    for (let i = 0; i < this.appendDelay; i++) await new Promise((resolve) => setImmediate(resolve));
    return stored;
  }
  override async *read(...args: Parameters<MemoryLedgerStore['read']>) {
    for await (const entry of super.read(...args)) {
      await new Promise((resolve) => setImmediate(resolve));
      yield entry;
    }
  }
}

describe('Ledger frontier, an append landing while a checkpoint reads the store', () => {
  it('counts every entry once, for every arrival point of the append', async () => {
    for (let delay = 0; delay <= 8; delay++) {
      const store = new SlowStore();
      const ledger = await Ledger.open({ store, origin: 'writ.test/frontier', signer: keys.ledger, now });
      await store.append(drafts(0, 3)); // another writer: the frontier has not seen these
      store.appendDelay = delay;
      const appended = ledger.append(drafts(3, 2)); // stored at once, answered `delay` turns later
      const checkpoint = ledger.checkpoint(); // reads entries 0..4 one turn at a time
      await Promise.all([appended, checkpoint]);
      store.appendDelay = 0;
      await ledger.append(drafts(5, 1));
      await ledger.checkpoint();
      const lines: string[] = [];
      for await (const stored of store.read()) lines.push(stored.line);
      const notes: string[] = [];
      for await (const c of store.checkpoints()) notes.push(c.note);
      const report = await verifyTranscript({ entries: lines, checkpoints: notes, trustRoot });
      expect({ delay, failure: report.failure }).toEqual({ delay, failure: undefined });
    }
  });
});
