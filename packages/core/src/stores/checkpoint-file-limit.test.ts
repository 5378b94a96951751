/**
 * FileLedgerStore reads each `checkpoints/*.json` up to 64 KiB, as `openTranscriptDirectory`
 * does, and never writes a record it would then refuse to read.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleTranscript } from '../transcript/sample-transcript.ts';
import { MAX_CHECKPOINT_FILE_BYTES } from '../transcript/transcript-directory.ts';
import { FileLedgerStore, MAX_CHECKPOINT_RECORD_BYTES } from './file-ledger-store.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO checkpoint-file store test needs mkfifo (coreutils), which this platform lacks');

const CHECKPOINT = join('checkpoints', '0000000000000004.json');
let root: string;
let dir: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-checkpoint-limit-'));
  dir = join(root, 'transcript');
  const store = await FileLedgerStore.open({ dir });
  await writeSampleTranscript({ store, calls: 2, policy: { everyEntries: 4 } });
  await store.close();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function copyWith(name: string, plant: (path: string) => Promise<void>): Promise<string> {
  const copy = join(root, name);
  await cp(dir, copy, { recursive: true });
  await rm(join(copy, CHECKPOINT), { force: true });
  await plant(join(copy, CHECKPOINT));
  return copy;
}

describe('FileLedgerStore checkpoint files', () => {
  it('are bounded as openTranscriptDirectory bounds them', () => {
    expect(MAX_CHECKPOINT_RECORD_BYTES).toBe(MAX_CHECKPOINT_FILE_BYTES);
  });

  // GAP: a checkpoint file was read whole, however large: anyone who could write checkpoints/
  // filled the memory of every reader and writer that opened the store.
  it('refuses one over 64 KiB unread, as a reader and as a writer (ERR_STORE_CORRUPT, kind too-large)', async () => {
    const copy = await copyWith('huge', async (path) => {
      await writeFile(path, '');
      await truncate(path, 2 ** 32);
    });
    const expected = { code: 'ERR_STORE_CORRUPT', details: { file: '0000000000000004.json', kind: 'too-large', maxBytes: MAX_CHECKPOINT_RECORD_BYTES } };
    await expect(FileLedgerStore.open({ dir: copy, readOnly: true })).rejects.toMatchObject(expected);
    await expect(FileLedgerStore.open({ dir: copy })).rejects.toMatchObject(expected);
  });

  // GAP: the first byte past the limit was read too.
  it('refuses one a byte over the limit and reads one at it', async () => {
    const over = await copyWith('just-over', (path) => writeFile(path, ' '.repeat(MAX_CHECKPOINT_RECORD_BYTES + 1)));
    await expect(FileLedgerStore.open({ dir: over, readOnly: true })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind: 'too-large' } });
    // At the limit it is read, and then judged as a record (blank is not one).
    const at = await copyWith('at-limit', (path) => writeFile(path, ' '.repeat(MAX_CHECKPOINT_RECORD_BYTES)));
    await expect(FileLedgerStore.open({ dir: at, readOnly: true })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', message: 'checkpoint file is corrupt' });
  });

  it('refuses a directory in its place', async () => {
    const copy = await copyWith('directory', (path) => mkdir(path));
    await expect(FileLedgerStore.open({ dir: copy, readOnly: true })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind: 'directory' } });
  });

  it.skipIf(!haveMkfifo)('refuses a FIFO in its place at once', { timeout: 5_000 }, async () => {
    const copy = await copyWith('fifo', (path) => {
      expect(spawnSync('mkfifo', [path]).status).toBe(0);
      return Promise.resolve();
    });
    await expect(FileLedgerStore.open({ dir: copy, readOnly: true })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind: 'fifo' } });
  });

  // GAP: a record the store itself would then refuse to read was written (a note of up to
  // 100,000 characters passes assertCheckpointRecord).
  it('putCheckpoint refuses a record over the limit and writes nothing', async () => {
    const copy = join(root, 'put');
    await cp(dir, copy, { recursive: true });
    const store = await FileLedgerStore.open({ dir: copy });
    try {
      const latest = (await store.latestCheckpoint())!;
      const head = await store.head();
      const note = `${latest.note}${'x'.repeat(MAX_CHECKPOINT_RECORD_BYTES)}`.slice(0, 99_999);
      await expect(store.putCheckpoint({ size: head.size, root: latest.root, note })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'checkpoint.note' } });
      expect((await store.latestCheckpoint())!.size).toBe(latest.size);
    } finally {
      await store.close();
    }
    await expect(FileLedgerStore.open({ dir: copy, readOnly: true })).resolves.toBeDefined();
  });
});
