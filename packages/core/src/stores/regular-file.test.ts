import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTranscriptDirectory } from '../transcript/transcript-directory.ts';
import { writeSampleTranscript } from '../transcript/sample-transcript.ts';
import { FileLedgerStore } from './file-ledger-store.ts';
import { readRegularFile } from './regular-file.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: FIFO tests need mkfifo (coreutils)');

let root: string;
let dir: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-fifo-'));
  dir = join(root, 'transcript');
  const store = await FileLedgerStore.open({ dir });
  await writeSampleTranscript({ store, calls: 2, policy: { everyEntries: 4 } });
  await store.close();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// A FIFO planted where a file belongs: reading it must fail at once, not wait for a writer.
async function withFifo(name: string, relative: string): Promise<string> {
  const copy = join(root, name);
  await cp(dir, copy, { recursive: true });
  await rm(join(copy, relative), { force: true });
  expect(spawnSync('mkfifo', [join(copy, relative)]).status).toBe(0);
  return copy;
}

describe.skipIf(!haveMkfifo)('a FIFO where a transcript file belongs is refused, not waited on', () => {
  it('as a checkpoint file, as trust-root.json, as entries.jsonl: openTranscriptDirectory rejects with ERR_STORE_CORRUPT', { timeout: 5_000 }, async () => {
    const checkpoint = await withFifo('fifo-checkpoint', 'checkpoints/0000000000000004.json');
    await expect(openTranscriptDirectory(checkpoint)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    const trust = await withFifo('fifo-trust', 'trust-root.json');
    await expect(openTranscriptDirectory(trust)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    const entries = await withFifo('fifo-entries', 'entries.jsonl');
    await expect(openTranscriptDirectory(entries)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
  });

  it('FileLedgerStore refuses them too, read-only and as a writer', { timeout: 5_000 }, async () => {
    const checkpoint = await withFifo('fifo-store-checkpoint', 'checkpoints/0000000000000004.json');
    await expect(FileLedgerStore.open({ dir: checkpoint, readOnly: true })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    const entries = await withFifo('fifo-store-entries', 'entries.jsonl');
    await expect(FileLedgerStore.open({ dir: entries, readOnly: true })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    await expect(FileLedgerStore.open({ dir: entries })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
  });

  it('readRegularFile reads a regular file and refuses a directory', async () => {
    expect(await readRegularFile(join(dir, 'checkpoints', '0000000000000004.json'))).toContain('"note"');
    await expect(readRegularFile(join(dir, 'checkpoints'))).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
  });
});
