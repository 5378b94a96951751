/**
 * `readChain` reads `.writ/trust-root/NNNN.json` as the kept `trust-root.json` is read: a FIFO in
 * place of a version hung `writ keys` for good, a huge file was read whole.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError, describeError } from '../cli-context.ts';
import { MAX_TRUST_ROOT_BYTES } from '../trust-root-file.ts';
import { readChain } from './key-store.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO trust-root-version test needs mkfifo (coreutils), which this platform lacks');

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

// A store whose only version, 0001.json, is made by `place`.
async function storeWith(place: (path: string) => Promise<void>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'writ-cli-read-chain-'));
  roots.push(root);
  await mkdir(join(root, 'trust-root'));
  await place(join(root, 'trust-root', '0001.json'));
  return root;
}

async function refusal(dir: string): Promise<string> {
  const error = await readChain(dir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UsageError);
  return describeError(error);
}

describe('readChain', () => {
  it.skipIf(!haveMkfifo)('GAP: refuses a FIFO in place of a version at once instead of waiting for a writer', async () => {
    const dir = await storeWith((path) => {
      expect(spawnSync('mkfifo', [path]).status).toBe(0);
      return Promise.resolve();
    });
    expect(await refusal(dir)).toMatch(/0001\.json: cannot read the trust-root version: not a regular file \(a FIFO\) \[ERR_NOT_REGULAR_FILE\]/u);
  });

  it('refuses a version over the trust-root limit unread (a sparse file)', async () => {
    const dir = await storeWith(async (path) => {
      await writeFile(path, '');
      await truncate(path, MAX_TRUST_ROOT_BYTES + 1);
    });
    expect(await refusal(dir)).toMatch(/0001\.json: cannot read the trust-root version: larger than \d+ bytes.*\[ERR_FILE_TOO_LARGE\]/u);
  });

  it('refuses a directory and a link in place of a version, and still calls a damaged one not JSON', async () => {
    expect(await refusal(await storeWith((path) => mkdir(path)))).toMatch(/is a directory, not a file \[EISDIR\]/u);
    const linked = await storeWith(async (path) => {
      await writeFile(`${path}.target`, '{}');
      await symlink(`${path}.target`, path);
    });
    expect(await refusal(linked)).toMatch(/not a regular file \(a symbolic link\) \[ERR_NOT_REGULAR_FILE\]/u);
    expect(await refusal(await storeWith((path) => writeFile(path, '{')))).toMatch(/0001\.json: not JSON \[ERR_USAGE\]/u);
  });
});
