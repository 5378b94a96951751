/**
 * `writ pull --trust-root FILE` and the `trust-root.json` it keeps in `--out`: both read with
 * core's bounded regular-file reader, so a FIFO does not hang the pull and a huge file does not
 * fill memory; each refusal is a usage error (exit 2) with a stable code. Runs against a fake
 * authority (no database needed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLedgerStore } from '@writ/core';
import { sampleKeys, sampleTrustRootDocument, writeSampleTranscript } from '@writ/core/transcript';
import type { CommandContext } from '../cli-context.ts';
import { runCommand } from '../test-support/run-command.ts';
import type { CommandRun } from '../test-support/run-command.ts';
import { MAX_TRUST_ROOT_BYTES } from '../trust-root-file.ts';
import { pullAction } from './pull.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO writ pull tests need mkfifo (coreutils), which this platform lacks');

const TOKEN = 'approver-token-for-tests';
const env = { WRIT_AUTHORITY_TOKEN: TOKEN };
let root: string;
let fetch: typeof globalThis.fetch;
const run = (action: (context: CommandContext) => Promise<void>): Promise<CommandRun> => runCommand(root, action);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-cli-pull-trust-root-'));
  await writeFile(join(root, 'trust-root.json'), JSON.stringify(sampleTrustRootDocument(sampleKeys())));
  await mkdir(join(root, 'a-directory'));
  await writeFile(join(root, 'huge.json'), '');
  await truncate(join(root, 'huge.json'), MAX_TRUST_ROOT_BYTES + 1);
  if (haveMkfifo) expect(spawnSync('mkfifo', [join(root, 'pipe.json')]).status).toBe(0);
  const store = new MemoryLedgerStore();
  await writeSampleTranscript({ store, calls: 2, policy: { everyEntries: 4 } });
  const lines: string[] = [];
  for await (const entry of store.read()) lines.push(entry.line);
  const notes: string[] = [];
  for await (const checkpoint of store.checkpoints()) notes.push(checkpoint.note);
  // GET /v1/transcript and /v1/checkpoints of an authority, in one page each.
  fetch = ((input: string) => {
    const url = new URL(input);
    const from = Number(url.searchParams.get('from'));
    if (url.pathname === '/v1/checkpoints') return Promise.resolve(new Response(JSON.stringify({ from, checkpoints: notes.slice(from) }), { status: 200 }));
    const checkpoints = url.searchParams.get('checkpoints') === 'none' ? [] : notes;
    return Promise.resolve(new Response(JSON.stringify({ from, entries: lines.slice(from), checkpoints, trustRoot: {} }), { status: 200 }));
  }) as unknown as typeof globalThis.fetch;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const pull = (out: string, trustRoot: string): Promise<CommandRun> => run((context) => pullAction('http://127.0.0.1:9', { out, trustRoot, env, fetch }, context));

describe('writ pull --trust-root', () => {
  it('pulls with a regular trust-root file and keeps it', async () => {
    const result = await pull('copy', 'trust-root.json');
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(root, 'copy', 'trust-root.json'))).toBe(true);
  });

  it('refuses a missing file, a directory and an oversize file (exit 2, stable codes), creating nothing', async () => {
    // GAP (oversize): read whole with a plain readFile, however large.
    const cases: [string, string, string][] = [
      ['missing.json', 'm1', 'no such file or directory [ENOENT]'],
      ['a-directory', 'm2', 'is a directory, not a file [EISDIR]'],
      ['huge.json', 'm3', `larger than ${MAX_TRUST_ROOT_BYTES} bytes, more than any trust-root document holds [ERR_FILE_TOO_LARGE]`],
    ];
    for (const [file, out, tail] of cases) {
      const result = await pull(out, file);
      expect(result, file).toMatchObject({ code: 2, stdout: '', stderr: `writ pull: --trust-root ${file}: cannot read the trust-root document: ${tail}\n` });
      expect(existsSync(join(root, out)), out).toBe(false);
    }
  });

  it.skipIf(!haveMkfifo)('refuses a FIFO at once (exit 2, ERR_NOT_REGULAR_FILE) instead of hanging', { timeout: 5_000 }, async () => {
    // GAP: readFile on the FIFO waited for a writer forever; writ pull never ended.
    const result = await pull('m4', 'pipe.json');
    expect(result).toMatchObject({ code: 2, stderr: 'writ pull: --trust-root pipe.json: cannot read the trust-root document: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n' });
    expect(existsSync(join(root, 'm4'))).toBe(false);
  });
});

describe('writ pull: the trust-root.json kept in --out', () => {
  async function outWith(name: string, plant: (path: string) => Promise<void>): Promise<string> {
    await mkdir(join(root, name));
    await plant(join(root, name, 'trust-root.json'));
    return name;
  }

  it('refuses a kept directory or oversize file (exit 2, stable codes) rather than overwriting or reading it whole', async () => {
    const directory = await outWith('kept-directory', (path) => mkdir(path));
    const refusedDirectory = await pull(directory, 'trust-root.json');
    expect(refusedDirectory).toMatchObject({ code: 2, stderr: `writ pull: ${join(root, directory, 'trust-root.json')}: cannot read the kept trust root: is a directory, not a file [EISDIR]\n` });
    const huge = await outWith('kept-huge', async (path) => {
      await writeFile(path, '');
      await truncate(path, MAX_TRUST_ROOT_BYTES + 1);
    });
    const refusedHuge = await pull(huge, 'trust-root.json');
    expect(refusedHuge.code).toBe(2);
    expect(refusedHuge.stderr).toMatch(/cannot read the kept trust root: larger than \d+ bytes, more than any trust-root document holds \[ERR_FILE_TOO_LARGE\]\n$/u);
  });

  it.skipIf(!haveMkfifo)('refuses a kept FIFO at once (exit 2, ERR_NOT_REGULAR_FILE) instead of hanging', { timeout: 5_000 }, async () => {
    // GAP: keepTrustRoot read the kept file with readFile, which waited on the FIFO forever.
    const out = await outWith('kept-fifo', (path) => {
      expect(spawnSync('mkfifo', [path]).status).toBe(0);
      return Promise.resolve();
    });
    const result = await pull(out, 'trust-root.json');
    expect(result).toMatchObject({ code: 2, stderr: `writ pull: ${join(root, out, 'trust-root.json')}: cannot read the kept trust root: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n` });
  });
});
