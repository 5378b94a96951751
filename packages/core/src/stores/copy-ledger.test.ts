import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../transcript/ledger.ts';
import { sampleKeys, writeSampleTranscript } from '../transcript/sample-transcript.ts';
import { openTranscriptDirectory } from '../transcript/transcript-directory.ts';
import { verifyTranscript } from '../transcript/verify-transcript.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import { copyLedger } from './copy-ledger.ts';
import { ENTRIES_FILE, FileLedgerStore } from './file-ledger-store.ts';
import { MemoryLedgerStore } from './memory-ledger-store.ts';

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'writ-copy-ledger-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const fresh = (): string => join(dir, `copy-${counter++}`);

async function source(calls: number, sessionId?: string): Promise<{ store: MemoryLedgerStore; trustRoot: TrustRoot }> {
  const store = new MemoryLedgerStore();
  const { trustRoot } = await writeSampleTranscript({ store, calls, policy: { everyEntries: 4 }, ...(sessionId !== undefined && { sessionId }) });
  return { store, trustRoot };
}

async function verifyDir(path: string, trustRoot: TrustRoot): ReturnType<typeof verifyTranscript> {
  const directory = await openTranscriptDirectory(path);
  return verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot });
}

async function lines(store: { read: MemoryLedgerStore['read'] }): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of store.read()) out.push(entry.line);
  return out;
}

describe('copyLedger', () => {
  it('copies entries byte for byte and every checkpoint; the directory verifies with the source root', async () => {
    const { store, trustRoot } = await source(5);
    const path = fresh();
    const to = await FileLedgerStore.open({ dir: path });
    const progress: number[] = [];
    const result = await copyLedger({ from: store, to, batch: 7, onProgress: (size) => progress.push(size) });
    await to.close();
    const head = await store.head();
    const sourceCheckpoints = [];
    for await (const checkpoint of store.checkpoints()) sourceCheckpoints.push(checkpoint);
    expect(result).toEqual({ from: 0, size: head.size, checkpoints: sourceCheckpoints.length });
    expect(progress.at(-1)).toBe(head.size);
    expect(progress.length).toBe(Math.ceil(head.size / 7));
    expect(await readFile(join(path, ENTRIES_FILE), 'utf8')).toBe(`${(await lines(store)).join('\n')}\n`);
    const report = await verifyDir(path, trustRoot);
    expect(report).toMatchObject({ valid: true, entries: head.size, checkpoints: sourceCheckpoints.length, signedSize: sourceCheckpoints.at(-1)!.size });
  });

  it('run again, appends only what the source gained (with its new checkpoint); with nothing new it changes nothing', async () => {
    const { store, trustRoot } = await source(3);
    const path = fresh();
    let to = await FileLedgerStore.open({ dir: path });
    const first = await copyLedger({ from: store, to });
    await to.close();
    const ledger = await Ledger.open({ store, origin: 'writ.test/sample', signer: sampleKeys().ledger, now: () => new Date('2026-01-01T05:00:00Z') });
    await ledger.append([{ type: 'note', time: '2026-01-01T05:00:00.000Z', body: { more: 1 } }]);
    await ledger.checkpoint();
    to = await FileLedgerStore.open({ dir: path });
    const second = await copyLedger({ from: store, to });
    expect(second).toEqual({ from: first.size, size: first.size + 1, checkpoints: 1 });
    expect(await copyLedger({ from: store, to })).toEqual({ from: first.size + 1, size: first.size + 1, checkpoints: 0 });
    await to.close();
    expect(await verifyDir(path, trustRoot)).toMatchObject({ valid: true, signedSize: first.size + 1 });
  });

  it('refuses a copy that is not a prefix of the source (ERR_STORE_CONFLICT), changing nothing', async () => {
    const a = await source(3);
    const b = await source(3, 'another-session');
    const path = fresh();
    const to = await FileLedgerStore.open({ dir: path });
    await copyLedger({ from: a.store, to });
    const before = await to.head();
    // Same length, other history.
    await expect(copyLedger({ from: b.store, to })).rejects.toMatchObject({ code: 'ERR_STORE_CONFLICT', details: { reason: 'diverged', seq: before.size - 1 } });
    // The copy ahead of the source.
    const short = await source(1);
    await expect(copyLedger({ from: short.store, to })).rejects.toMatchObject({ code: 'ERR_STORE_CONFLICT', details: { reason: 'diverged' } });
    expect(await to.head()).toEqual(before);
    await to.close();
  });

  it('refuses a checkpoint of a copied size that differs from the source\'s', async () => {
    const { store } = await source(3);
    const path = fresh();
    const to = await FileLedgerStore.open({ dir: path });
    await copyLedger({ from: store, to });
    // A source with the same entries and a different note at a checkpointed size.
    const other = {
      read: store.read.bind(store),
      head: store.head.bind(store),
      async *checkpoints() {
        for await (const checkpoint of store.checkpoints()) yield { ...checkpoint, note: `${checkpoint.note}\u2014 x y\n` };
      },
    };
    await expect(copyLedger({ from: other, to })).rejects.toMatchObject({ code: 'ERR_STORE_CONFLICT', details: { reason: 'diverged' } });
    await to.close();
  });

  it('refuses what is not a ledger store or a file store, and bad batch sizes, with ERR_INVALID_ARGUMENT', async () => {
    const { store } = await source(1);
    const to = await FileLedgerStore.open({ dir: fresh() });
    for (const options of [undefined, null, {}, { from: store }, { from: {}, to }, { from: store, to: store }, { from: store, to, batch: 0 }, { from: store, to, batch: 1.5 }, { from: store, to, onProgress: 1 }]) {
      await expect(copyLedger(options as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
    await to.close();
  });

  it('property: copied in any batch sizes over any number of runs, the file equals the source lines', async () => {
    const { store } = await source(4);
    const all = await lines(store);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: all.length }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 9 }), async (cuts, batch) => {
        const path = fresh();
        const to = await FileLedgerStore.open({ dir: path });
        // Copy growing prefixes of the source (a source that grows between runs), then the rest.
        for (const cut of [...cuts].sort((x, y) => x - y)) {
          const partial = { read: (range?: { from?: number; to?: number }) => store.read({ from: range?.from ?? 0, to: Math.min(range?.to ?? cut, cut) }), head: async () => ({ size: cut, hash: (await entryAt(store, cut - 1)).hash }), checkpoints: async function* () {} };
          await copyLedger({ from: partial as never, to, batch });
        }
        await copyLedger({ from: store, to, batch });
        await to.close();
        expect(await readFile(join(path, ENTRIES_FILE), 'utf8')).toBe(`${all.join('\n')}\n`);
      }),
      { numRuns: 15 },
    );
  });
});

async function entryAt(store: MemoryLedgerStore, seq: number): Promise<{ hash: string }> {
  for await (const entry of store.read({ from: seq, to: seq + 1 })) return entry;
  throw new Error(`no entry ${seq}`);
}

describe('FileLedgerStore.appendStored', () => {
  it('refuses a malformed line, a wrong seq or a wrong prev anywhere in the batch, writing nothing', async () => {
    const { store } = await source(2);
    const all = await lines(store);
    const to = await FileLedgerStore.open({ dir: fresh() });
    await to.appendStored(all.slice(0, 2));
    const before = await to.head();
    const cases: [string[], string][] = [
      [[all[2]!, 'not json'], 'ERR_TRANSCRIPT_MALFORMED'],
      [[all[2]!, all[2]!.replace('{"body":{', '{"body":{ ')], 'ERR_TRANSCRIPT_MALFORMED'],
      [[all[3]!], 'ERR_TRANSCRIPT_SEQUENCE'],
      [[all[2]!, all[4]!], 'ERR_TRANSCRIPT_SEQUENCE'],
      [[all[2]!.replace(/"prev":"sha256:[0-9a-f]{64}"/u, `"prev":"sha256:${'0'.repeat(64)}"`)], 'ERR_TRANSCRIPT_CHAIN'],
      [[all[0]!], 'ERR_TRANSCRIPT_SEQUENCE'],
    ];
    for (const [batch, code] of cases) await expect(to.appendStored(batch)).rejects.toMatchObject({ code });
    for (const bad of [undefined, 'line', [1], [null]]) await expect(to.appendStored(bad as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(await to.head()).toEqual(before);
    expect(await to.appendStored([])).toEqual([]);
    const appended = await to.appendStored(all.slice(2));
    expect(appended.map((entry) => entry.seq)).toEqual(all.slice(2).map((_, i) => i + 2));
    expect((await to.head()).hash).toBe((await store.head()).hash);
    await to.close();
  });
});
