/**
 * `openTranscriptDirectory` reads every checkpoint file, kept note and `trust-root.json` whole
 * before the first entry is verified. Anyone who can write the directory can make one of them
 * huge: read with no limit, a sparse file of gigabytes filled the reader's memory (or hit the
 * string limit) before anything was reported. Each is now read with a byte limit and refused,
 * unread, with `ERR_STORE_CORRUPT` naming it (`details.kind: 'too-large'`).
 *
 * Cases marked GAP read the file whole before the fix; the rest stay as regression tests.
 */
import { spawnSync } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedgerStore } from '../stores/file-ledger-store.ts';
import { sampleKeys, writeSampleTranscript } from './sample-transcript.ts';
import { MAX_CHECKPOINT_FILE_BYTES, MAX_TRUST_ROOT_FILE_BYTES, openTranscriptDirectory, readTranscriptEntries, saveWitnessedCheckpoint } from './transcript-directory.ts';
import { verifyTranscript } from './verify-transcript.ts';
import type { TrustRoot } from '../trust/trust-root.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO case of readTranscriptEntries needs mkfifo (coreutils), which this platform lacks');

let root: string;
let base: string;
let trustRoot: TrustRoot;
let latest: { size: number; note: string };
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-directory-limits-'));
  base = join(root, 'base');
  const store = await FileLedgerStore.open({ dir: base });
  ({ trustRoot } = await writeSampleTranscript({ store, keys: sampleKeys(), calls: 2, policy: { everyEntries: 4 } }));
  const checkpoints = [];
  for await (const checkpoint of store.checkpoints()) checkpoints.push(checkpoint);
  await store.close();
  latest = checkpoints.at(-1)!;
  await writeFile(join(base, 'trust-root.json'), JSON.stringify(trustRoot.toJSON()));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function copyOfBase(): Promise<string> {
  const path = join(root, `t-${counter++}`);
  await cp(base, path, { recursive: true });
  return path;
}

// A sparse file: `bytes` long on paper, a hole on disk; read whole, it would fill memory.
async function sparse(path: string, bytes: number): Promise<void> {
  await writeFile(path, '');
  await truncate(path, bytes);
}

const padded = (size: number) => String(size).padStart(16, '0');

describe('openTranscriptDirectory reads its small files with a byte limit', () => {
  it.each([
    { what: 'a checkpoint file', relative: (size: number) => join('checkpoints', `${padded(size)}.json`) },
    { what: 'a kept note', relative: (size: number) => join('witnessed', `${padded(size)}.note`) },
  ])('refuses $what of 8 GiB unread (ERR_STORE_CORRUPT, too-large, naming it)', { timeout: 10_000 }, async ({ relative }) => {
    // GAP: the note was read whole (readFile with no limit): gigabytes into memory, then a
    // string the engine cannot hold.
    const dir = await copyOfBase();
    await mkdir(join(dir, 'witnessed'), { recursive: true });
    const path = join(dir, relative(latest.size + 1));
    await sparse(path, 8 * 2 ** 30);
    await expect(openTranscriptDirectory(dir)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path, kind: 'too-large', maxBytes: MAX_CHECKPOINT_FILE_BYTES } });
  });

  it('refuses a trust-root.json over 4 MiB unread', { timeout: 10_000 }, async () => {
    // GAP: read whole, however large.
    const dir = await copyOfBase();
    const path = join(dir, 'trust-root.json');
    await sparse(path, 8 * 2 ** 30);
    await expect(openTranscriptDirectory(dir)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path, kind: 'too-large', maxBytes: MAX_TRUST_ROOT_FILE_BYTES } });
  });

  it('reads a note and a trust root at their limits, and refuses one byte more', async () => {
    // GAP: no limit; one byte more was read like the rest.
    const dir = await copyOfBase();
    const note = join(dir, 'checkpoints', `${padded(latest.size + 1)}.json`);
    // Not a checkpoint, but within the limit: read, and left to the verifier (checkpoint-format).
    await writeFile(note, 'x'.repeat(MAX_CHECKPOINT_FILE_BYTES));
    const directory = await openTranscriptDirectory(dir);
    const report = await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot });
    expect(report.failure).toMatchObject({ check: 'checkpoint-format', code: 'ERR_CHECKPOINT_MALFORMED' });
    await writeFile(note, 'x'.repeat(MAX_CHECKPOINT_FILE_BYTES + 1));
    await expect(openTranscriptDirectory(dir)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind: 'too-large' } });
    await rm(note);
    const trust = join(dir, 'trust-root.json');
    const document = JSON.stringify(trustRoot.toJSON());
    await writeFile(trust, document.padEnd(MAX_TRUST_ROOT_FILE_BYTES, ' '));
    expect((await openTranscriptDirectory(dir)).trustRootDocument).toEqual(trustRoot.toJSON());
    await writeFile(trust, document.padEnd(MAX_TRUST_ROOT_FILE_BYTES + 1, ' '));
    await expect(openTranscriptDirectory(dir)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind: 'too-large' } });
  });

  it('a directory under the limits still verifies', async () => {
    const directory = await openTranscriptDirectory(base);
    expect(await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot })).toMatchObject({ valid: true });
  });
});

describe('saveWitnessedCheckpoint and the note limit', () => {
  it('refuses to merge into an oversize kept note, or sets it aside with setAside', { timeout: 10_000 }, async () => {
    // GAP: the kept note was read whole to merge it (the authority's witnessing round, every time).
    const dir = await copyOfBase();
    await mkdir(join(dir, 'witnessed'));
    const kept = join(dir, 'witnessed', `${padded(latest.size)}.note`);
    await sparse(kept, 8 * 2 ** 30);
    await expect(saveWitnessedCheckpoint(dir, latest.note)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind: 'too-large' } });
    expect(await saveWitnessedCheckpoint(dir, latest.note, { setAside: true })).toBe(kept);
    const directory = await openTranscriptDirectory(dir);
    expect(directory.checkpoints).toContain(latest.note);
  });

  it('never keeps a note the readers would refuse as too large', async () => {
    // GAP: kept, and every later read of the directory refused.
    const dir = await copyOfBase();
    // Signature lines of a long name: each a valid-looking line, the note over the limit.
    const line = `\u2014 ${'w'.repeat(2000)} ${Buffer.alloc(68, 1).toString('base64')}\n`;
    const huge = `${latest.note}${line.repeat(40)}`;
    expect(Buffer.byteLength(huge)).toBeGreaterThan(MAX_CHECKPOINT_FILE_BYTES);
    await expect(saveWitnessedCheckpoint(dir, huge)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'note' } });
  });
});

describe('readTranscriptEntries', () => {
  it('streams the entry lines openTranscriptDirectory streams, without reading the other files', async () => {
    const dir = await copyOfBase();
    // A trust root and a note it would refuse: not read here.
    await sparse(join(dir, 'trust-root.json'), 8 * 2 ** 30);
    const expected = [];
    for await (const line of (await openTranscriptDirectory(base)).entries) expected.push(Buffer.from(line).toString());
    const lines = [];
    for await (const line of readTranscriptEntries(dir)) lines.push(Buffer.from(line).toString());
    expect(lines).toEqual(expected);
    expect(lines.length).toBeGreaterThan(0);
  });

  it('refuses a directory without entries.jsonl at once, and a FIFO at the first step instead of waiting', { timeout: 5_000 }, async () => {
    expect(() => readTranscriptEntries(join(root, 'missing'))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'dir' } }) as Error);
    if (!haveMkfifo) return;
    const dir = await copyOfBase();
    await rm(join(dir, 'entries.jsonl'));
    expect(spawnSync('mkfifo', [join(dir, 'entries.jsonl')]).status).toBe(0);
    const reading = (async () => {
      for await (const line of readTranscriptEntries(dir)) void line;
    })();
    await expect(reading).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind: 'fifo' } });
  });

  it('reports a torn final line with the verifier\'s code and line', async () => {
    const dir = await copyOfBase();
    await appendFile(join(dir, 'entries.jsonl'), '{"body":');
    let count = 0;
    const reading = (async () => {
      for await (const line of readTranscriptEntries(dir)) count += line.length > 0 ? 1 : 0;
    })();
    const error = await reading.then(() => undefined, (caught: unknown) => caught);
    expect(count).toBeGreaterThan(0);
    expect(error).toMatchObject({ code: 'ERR_TRANSCRIPT_MALFORMED', details: { check: 'entry-format', seq: count } });
  });
});
