/**
 * Adversarial review of entry sizes. One entry line is at most MAX_ENTRY_BYTES (16 MiB) of UTF-8:
 * every store refuses a larger one at append time (the shared conformance suite checks each), a
 * copy (`appendStored`, `copyLedger`, `writ pull`) refuses one from its source, and a verifier
 * reports one in a transcript instead of buffering it whole — so nothing is written that `writ
 * verify` would later refuse, and a hostile transcript cannot make a verifier hold gigabytes.
 *
 * Cases marked GAP were accepted before the fix; the rest stay as regression tests.
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyLedger } from '../stores/copy-ledger.ts';
import { ENTRIES_FILE, FileLedgerStore } from '../stores/file-ledger-store.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import type { EntryDraft, StoredEntry } from '../stores/types.ts';
import { GENESIS_HASH, MAX_ENTRY_BYTES, sealEntry } from './entry.ts';
import { Ledger } from './ledger.ts';
import { sampleKeys, writeSampleTranscript } from './sample-transcript.ts';
import { openTranscriptDirectory } from './transcript-directory.ts';
import { verifyTranscript } from './verify-transcript.ts';

const TIME = '2026-01-01T01:00:00.000Z';
let root: string;
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-entry-size-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// A note draft whose line at `seq` is exactly `bytes` bytes long.
function sized(seq: number, bytes: number, pad = 'x'): EntryDraft {
  const base = sealEntry({ draft: { type: 'note', time: TIME, body: { pad: '' } }, seq, prev: GENESIS_HASH }).line.length;
  return { type: 'note', time: TIME, body: { pad: pad.repeat((bytes - base) / Buffer.byteLength(pad)) } };
}

// A line that hashes and chains as entry `seq` after `prev` but is `bytes` long: sealed by
// hand, as a source that never went through a store's check could hold it.
function handSealed(seq: number, prev: StoredEntry['hash'], bytes: number): string {
  const base = sealEntry({ draft: { type: 'note', time: TIME, body: { pad: '' } }, seq, prev }).line;
  return base.replace('"pad":""', `"pad":"${'x'.repeat(bytes - base.length)}"`);
}

describe('MAX_ENTRY_BYTES', () => {
  it('is 16 MiB, counted in UTF-8 bytes of the line (not UTF-16 units)', async () => {
    expect(MAX_ENTRY_BYTES).toBe(16 * 1024 * 1024);
    const store = new MemoryLedgerStore();
    // 'é' is 2 bytes in UTF-8 but one UTF-16 unit: this line is just over the limit in bytes
    // with about half as many characters.
    const base = sealEntry({ draft: { type: 'note', time: TIME, body: { pad: '' } }, seq: 0, prev: GENESIS_HASH }).line.length;
    const over: EntryDraft = { type: 'note', time: TIME, body: { pad: 'é'.repeat(Math.ceil((MAX_ENTRY_BYTES + 1 - base) / 2)) } };
    expect((over.body.pad as string).length + base).toBeLessThan(MAX_ENTRY_BYTES);
    await expect(store.append([over])).rejects.toMatchObject({ code: 'ERR_TRANSCRIPT_ENTRY_TOO_LARGE' });
  }, 30_000);
});

describe('a copy refuses an oversized line from its source', () => {
  // GAP: appendStored took a line of any size from the source (a database someone else runs, an
  // authority's page) and wrote it into the transcript directory.
  it('FileLedgerStore#appendStored: exactly MAX_ENTRY_BYTES accepted, one byte more refused with nothing written', async () => {
    const store = await FileLedgerStore.open({ dir: join(root, `copy-${counter++}`) });
    const over = handSealed(0, GENESIS_HASH, MAX_ENTRY_BYTES + 1);
    await expect(store.appendStored([over])).rejects.toMatchObject({ code: 'ERR_TRANSCRIPT_ENTRY_TOO_LARGE', details: { seq: 0, limit: MAX_ENTRY_BYTES } });
    expect((await store.head()).size).toBe(0);
    const exact = handSealed(0, GENESIS_HASH, MAX_ENTRY_BYTES);
    expect(await store.appendStored([exact])).toHaveLength(1);
    await store.close();
  }, 30_000);

  // GAP: copyLedger (writ pull) copied it.
  it('copyLedger refuses a source holding one, and the copy stays a valid prefix', async () => {
    const source = new MemoryLedgerStore();
    await writeSampleTranscript({ store: source, calls: 1 });
    const honest: StoredEntry[] = [];
    for await (const entry of source.read()) honest.push(entry);
    const line = handSealed(honest.length, honest.at(-1)!.hash, MAX_ENTRY_BYTES + 1);
    const lying = {
      read: async function* () {
        for (const entry of [...honest, { seq: honest.length, hash: GENESIS_HASH, line }]) yield await Promise.resolve(entry);
      },
      head: () => Promise.resolve({ size: honest.length + 1, hash: GENESIS_HASH }),
      checkpoints: () => source.checkpoints(),
    };
    const dir = join(root, `copy-${counter++}`);
    const to = await FileLedgerStore.open({ dir });
    await expect(copyLedger({ from: lying, to })).rejects.toMatchObject({ code: 'ERR_TRANSCRIPT_ENTRY_TOO_LARGE' });
    expect((await to.head()).size).toBeLessThanOrEqual(honest.length);
    await to.close();
    await expect(FileLedgerStore.open({ dir })).resolves.toBeDefined();
  }, 30_000);
});

describe('a verifier reports an oversized line', () => {
  it('an entry of exactly MAX_ENTRY_BYTES verifies; a line one byte longer planted in the file is an entry-format failure, and a writer refuses to open the store', async () => {
    const dir = join(root, `verify-${counter++}`);
    const store = await FileLedgerStore.open({ dir });
    const { trustRoot } = await writeSampleTranscript({ store, calls: 1 });
    const ledger = await Ledger.open({ store, origin: 'writ.test/sample', signer: sampleKeys().ledger, now: () => new Date(TIME) });
    const size = (await store.head()).size;
    await ledger.append([sized(size, MAX_ENTRY_BYTES)]);
    await ledger.checkpoint();
    await ledger.close();
    let directory = await openTranscriptDirectory(dir);
    expect(await verifyTranscript({ ...directory, trustRoot })).toMatchObject({ valid: true });
    // GAP: the line reader grew its buffer without bound for a line, and the verifier parsed it.
    const head = await FileLedgerStore.open({ dir, readOnly: true }).then(async (reader) => {
      const value = await reader.head();
      await reader.close();
      return value;
    });
    await appendFile(join(dir, ENTRIES_FILE), `${handSealed(head.size, head.hash, MAX_ENTRY_BYTES + 1)}\n`);
    directory = await openTranscriptDirectory(dir);
    expect(await verifyTranscript({ ...directory, trustRoot })).toMatchObject({ valid: false, failure: { check: 'entry-format', code: 'ERR_TRANSCRIPT_ENTRY_TOO_LARGE', seq: head.size } });
    await expect(FileLedgerStore.open({ dir })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    await expect(FileLedgerStore.open({ dir, readOnly: true })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
  }, 60_000);

  it('verifyTranscript over lines handed in (strings or bytes) reports one too, without parsing it', async () => {
    const over = handSealed(0, GENESIS_HASH, MAX_ENTRY_BYTES + 1);
    const { trustRoot } = await writeSampleTranscript({ store: new MemoryLedgerStore(), calls: 0 });
    for (const entries of [[over], [Buffer.from(over)]]) {
      expect(await verifyTranscript({ entries, checkpoints: [], trustRoot })).toMatchObject({ valid: false, failure: { check: 'entry-format', code: 'ERR_TRANSCRIPT_ENTRY_TOO_LARGE', seq: 0 } });
    }
  }, 30_000);
});
