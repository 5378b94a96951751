/**
 * `loadKey` reads `.writ/keys/NAME.key` as the other evidence and key files are read: a FIFO in
 * its place hung every command that signs (keys, rollback, witness), a huge file was read whole.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateKey, toBase64Url } from '@writ/core';
import { UsageError, describeError } from '../cli-context.ts';
import { loadKey } from './key-store.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO key-file test needs mkfifo (coreutils), which this platform lacks');

let root: string;
const key = PrivateKey.fromSeed(new Uint8Array(32).fill(9));
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-cli-load-key-'));
  await mkdir(join(root, 'keys'));
  await writeFile(join(root, 'real.key'), `${JSON.stringify({ keyId: key.keyId, seed: toBase64Url(key.exportSeed()) })}\n`);
  await symlink(join(root, 'real.key'), join(root, 'keys', 'linked.key'));
  await writeFile(join(root, 'keys', 'huge.key'), '');
  await truncate(join(root, 'keys', 'huge.key'), 2 ** 32);
  await mkdir(join(root, 'keys', 'folder.key'));
  if (haveMkfifo) expect(spawnSync('mkfifo', [join(root, 'keys', 'pipe.key')]).status).toBe(0);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function refusal(name: string): Promise<string> {
  const error = await loadKey({ dir: root, name, env: {} }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UsageError);
  return describeError(error);
}

describe('loadKey', () => {
  it('follows a link placed in keys/ (a mounted secret) to a regular key file', async () => {
    expect((await loadKey({ dir: root, name: 'linked', env: {} })).keyId).toBe(key.keyId);
  });

  it.skipIf(!haveMkfifo)('GAP: refuses a FIFO at once instead of waiting for a writer', async () => {
    expect(await refusal('pipe')).toMatch(/key pipe: cannot read .*pipe\.key.*\[ERR_NOT_REGULAR_FILE\]/u);
  });

  it('refuses a huge file unread, a directory, and a missing one with the usual message', async () => {
    expect(await refusal('huge')).toMatch(/larger than \d+ bytes.*\[ERR_FILE_TOO_LARGE\]/u);
    expect(await refusal('folder')).toMatch(/key folder: cannot read/u);
    expect(await refusal('absent')).toMatch(/key absent: no .*absent\.key and no WRIT_KEY_ABSENT/u);
  });
});
