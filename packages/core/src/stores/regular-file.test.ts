import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTranscriptDirectory } from '../transcript/transcript-directory.ts';
import { writeSampleTranscript } from '../transcript/sample-transcript.ts';
import { FileLedgerStore } from './file-ledger-store.ts';
import { readEvidenceFile, readRegularFile } from './regular-file.ts';

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

describe('readEvidenceFile', () => {
  let folder: string;
  beforeAll(async () => {
    folder = join(root, 'evidence');
    await mkdir(folder, { recursive: true });
  });

  it('reads a regular file up to maxBytes, and refuses one byte more without reading it whole', async () => {
    const path = join(folder, 'limit.json');
    await writeFile(path, 'x'.repeat(100));
    expect(await readEvidenceFile(path, { maxBytes: 100 })).toBe('x'.repeat(100));
    await expect(readEvidenceFile(path, { maxBytes: 99 })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path, kind: 'too-large', maxBytes: 99 } });
    const huge = join(folder, 'huge.json');
    // Sparse: 8 GiB on disk as a hole; reading it whole would exhaust memory.
    await writeFile(huge, '');
    await truncate(huge, 8 * 2 ** 30);
    await expect(readEvidenceFile(huge, { maxBytes: 1 << 20 })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind: 'too-large' } });
  });

  it('refuses a directory, a symbolic link and a missing file with codes a caller can tell apart', async () => {
    await expect(readEvidenceFile(folder, { maxBytes: 10 })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path: folder, kind: 'directory' } });
    const target = join(folder, 'target.json');
    await writeFile(target, '{}');
    const link = join(folder, 'link.json');
    await symlink(target, link);
    await expect(readEvidenceFile(link, { maxBytes: 10 })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path: link, kind: 'symbolic-link' } });
    const missing = join(folder, 'missing.json');
    await expect(readEvidenceFile(missing, { maxBytes: 10 })).rejects.toMatchObject({ code: 'ERR_STORE_IO', details: { path: missing, reason: 'ENOENT' } });
  });

  it.skipIf(!haveMkfifo)('refuses a FIFO at once instead of waiting for a writer', { timeout: 5_000 }, async () => {
    const fifo = join(folder, 'pipe.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    await expect(readEvidenceFile(fifo, { maxBytes: 10 })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path: fifo, kind: 'fifo' } });
  });

  it('refuses malformed arguments with ERR_INVALID_ARGUMENT naming them', async () => {
    for (const path of ['', 'a\u0000b', 1, undefined]) {
      await expect(readEvidenceFile(path as string, { maxBytes: 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'path' } });
    }
    for (const maxBytes of [-1, 1.5, Number.NaN, '1', undefined]) {
      await expect(readEvidenceFile(join(folder, 'x'), { maxBytes: maxBytes as number })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'options.maxBytes' } });
    }
    await expect(readEvidenceFile(join(folder, 'x'), null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'options' } });
  });
});
