/**
 * Files the user names as evidence — `writ verify --anchor FILE`, the bundle `writ verify FILE`
 * reads, `writ export --checkpoint FILE` — are read bounded and only if regular files: each
 * was read with a plain readFile, so a FIFO there hung the command forever and a huge file was
 * read whole. Refused as usage errors (exit 2) with the evidence-file codes.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedgerStore } from '@writ/core';
import { sampleKeys, sampleTrustRootDocument, writeSampleTranscript } from '@writ/core/transcript';
import type { CommandContext } from '../cli-context.ts';
import { MAX_CHECKPOINT_NOTE_BYTES } from '../trust-root-file.ts';
import { exportAction } from './export.ts';
import { MAX_BUNDLE_BYTES, verifyAction } from './verify.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO writ verify/export evidence-file tests need mkfifo (coreutils), which this platform lacks');

let root: string;
let dir: string;
let trustFile: string;
let note: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-cli-named-evidence-'));
  dir = join(root, 'transcript');
  const store = await FileLedgerStore.open({ dir });
  await writeSampleTranscript({ store, calls: 2, policy: { everyEntries: 4 } });
  note = (await store.latestCheckpoint())!.note;
  await store.close();
  trustFile = join(root, 'trust-root.json');
  await writeFile(trustFile, JSON.stringify(sampleTrustRootDocument(sampleKeys())));
  await writeFile(join(root, 'note.txt'), note);
  await symlink(join(root, 'note.txt'), join(root, 'linked-note.txt'));
  await mkdir(join(root, 'a-directory'));
  // Sparse: huge, taking no disk, and their whole size in memory if read.
  await writeFile(join(root, 'huge-note.txt'), '');
  await truncate(join(root, 'huge-note.txt'), 2 ** 32);
  await writeFile(join(root, 'huge-bundle.json'), '');
  await truncate(join(root, 'huge-bundle.json'), MAX_BUNDLE_BYTES + 1);
  if (haveMkfifo) {
    expect(spawnSync('mkfifo', [join(root, 'pipe')]).status).toBe(0);
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function run(action: (context: CommandContext) => Promise<void>): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  const out = { code: undefined as number | undefined, stdout: '', stderr: '' };
  await action({ stdout: (text) => void (out.stdout += text), stderr: (text) => void (out.stderr += text), setExitCode: (value) => void (out.code = value), cwd: root, interactive: false });
  return out;
}

const verify = (target: string, options: Parameters<typeof verifyAction>[1] = {}) => run((context) => verifyAction(target, { trustRoot: trustFile, ...options }, context));
const exportWith = (checkpoint: string) => run((context) => exportAction(dir, { out: join(root, 'out.bundle.json'), trustRoot: trustFile, checkpoint }, context));
const tooLargeNote = `larger than ${MAX_CHECKPOINT_NOTE_BYTES} bytes, more than any checkpoint note holds [ERR_FILE_TOO_LARGE]`;

describe('writ verify --anchor FILE', () => {
  it('reads a note, through a link the user names', async () => {
    expect(await verify(dir, { anchor: ['note.txt', 'linked-note.txt'] })).toMatchObject({ code: 0 });
  });

  // GAP: read whole, however large.
  it('refuses a file over 64 KiB unread and a directory (exit 2)', async () => {
    expect(await verify(dir, { anchor: ['huge-note.txt'] })).toMatchObject({ code: 2, stderr: `writ verify: --anchor huge-note.txt: cannot read the checkpoint note: ${tooLargeNote}\n` });
    expect(await verify(dir, { anchor: ['a-directory'] })).toMatchObject({ code: 2, stderr: 'writ verify: --anchor a-directory: cannot read the checkpoint note: is a directory, not a file [EISDIR]\n' });
    expect(await verify(dir, { anchor: ['missing.txt'] })).toMatchObject({ code: 2, stderr: expect.stringContaining('[ENOENT]') as unknown });
  });

  it.skipIf(!haveMkfifo)('refuses a FIFO at once (exit 2, ERR_NOT_REGULAR_FILE)', { timeout: 5_000 }, async () => {
    expect(await verify(dir, { anchor: ['pipe'] })).toMatchObject({ code: 2, stderr: 'writ verify: --anchor pipe: cannot read the checkpoint note: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n' });
  });
});

describe('writ verify BUNDLE', () => {
  it('verifies a bundle writ export wrote, through a link the user names', async () => {
    expect(await exportWith('note.txt')).toMatchObject({ code: 0 });
    await symlink(join(root, 'out.bundle.json'), join(root, 'linked.bundle.json'));
    expect(await verify('linked.bundle.json')).toMatchObject({ code: 0 });
    expect((await readFile(join(root, 'out.bundle.json'))).length).toBeLessThan(MAX_BUNDLE_BYTES);
  });

  // GAP: a bundle over 512 MiB was read whole before anything was reported.
  it(`refuses a file over ${MAX_BUNDLE_BYTES} bytes unread (exit 2, ERR_FILE_TOO_LARGE)`, async () => {
    const path = join(root, 'huge-bundle.json');
    expect(await verify('huge-bundle.json')).toMatchObject({ code: 2, stderr: `writ verify: ${path}: cannot read the bundle: larger than ${MAX_BUNDLE_BYTES} bytes, more than writ export writes [ERR_FILE_TOO_LARGE]\n` });
  });

  it.skipIf(!haveMkfifo)('refuses a FIFO at once (exit 2, ERR_NOT_REGULAR_FILE)', { timeout: 5_000 }, async () => {
    expect(await verify('pipe')).toMatchObject({ code: 2, stderr: `writ verify: ${join(root, 'pipe')}: cannot read the bundle: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n` });
  });
});

describe('writ export --checkpoint FILE', () => {
  // GAP: read whole, however large.
  it('refuses a file over 64 KiB unread and a directory (exit 2), and reads a linked note', async () => {
    expect(await exportWith('huge-note.txt')).toMatchObject({ code: 2, stderr: `writ export: --checkpoint huge-note.txt: cannot read the checkpoint note: ${tooLargeNote}\n` });
    expect(await exportWith('a-directory')).toMatchObject({ code: 2, stderr: 'writ export: --checkpoint a-directory: cannot read the checkpoint note: is a directory, not a file [EISDIR]\n' });
    expect(await exportWith('linked-note.txt')).toMatchObject({ code: 0 });
  });

  it.skipIf(!haveMkfifo)('refuses a FIFO at once (exit 2, ERR_NOT_REGULAR_FILE)', { timeout: 5_000 }, async () => {
    expect(await exportWith('pipe')).toMatchObject({ code: 2, stderr: 'writ export: --checkpoint pipe: cannot read the checkpoint note: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n' });
  });
});
