import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleKeys, sampleTrustRootDocument } from '@writ/core/transcript';
import { UsageError, describeError } from './cli-context.ts';
import { MAX_TRUST_ROOT_BYTES, readTrustRootFile, readTrustRootText } from './trust-root-file.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO trust-root tests need mkfifo (coreutils), which this platform lacks');

let root: string;
const document = JSON.stringify(sampleTrustRootDocument(sampleKeys()));
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-cli-trust-root-file-'));
  await writeFile(join(root, 'trust-root.json'), document);
  await mkdir(join(root, 'a-directory'));
  // Sparse: a huge file that takes no disk, and would take its whole size in memory if read.
  await writeFile(join(root, 'huge.json'), '');
  await truncate(join(root, 'huge.json'), 2 ** 32);
  await writeFile(join(root, 'just-over.json'), ' '.repeat(MAX_TRUST_ROOT_BYTES + 1));
  await symlink(join(root, 'trust-root.json'), join(root, 'linked.json'));
  if (haveMkfifo) expect(spawnSync('mkfifo', [join(root, 'pipe.json')]).status).toBe(0);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The one line `writ` prints for what `readTrustRootFile` threw. */
async function refusal(path: string): Promise<string> {
  const error = await readTrustRootFile(path, root).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UsageError);
  return describeError(error);
}

describe('readTrustRootFile', () => {
  it('reads the document, following a link the user named', async () => {
    expect((await readTrustRootFile('trust-root.json', root)).document).toEqual(JSON.parse(document));
    expect((await readTrustRootFile('linked.json', root)).trustRoot.digest).toBe((await readTrustRootFile('trust-root.json', root)).trustRoot.digest);
  });

  it('refuses a missing file, a directory and an oversize file with a usage error and a stable code', async () => {
    // GAP: a plain readFile read a file of any size whole (gigabytes into memory before JSON.parse
    // refused it); it is refused unread past MAX_TRUST_ROOT_BYTES.
    expect(await refusal('missing.json')).toBe('--trust-root missing.json: cannot read the trust-root document: no such file or directory [ENOENT]');
    expect(await refusal('a-directory')).toBe('--trust-root a-directory: cannot read the trust-root document: is a directory, not a file [EISDIR]');
    expect(await refusal('huge.json')).toBe(`--trust-root huge.json: cannot read the trust-root document: larger than ${MAX_TRUST_ROOT_BYTES} bytes, more than any trust-root document holds [ERR_FILE_TOO_LARGE]`);
    expect(await refusal('just-over.json')).toMatch(/\[ERR_FILE_TOO_LARGE\]$/u);
    expect(await refusal('missing-dir/trust-root.json')).toMatch(/\[ENOENT\]$/u);
  });

  it.skipIf(!haveMkfifo)('refuses a FIFO at once instead of waiting for a writer (exit 2, ERR_NOT_REGULAR_FILE)', { timeout: 5_000 }, async () => {
    // GAP: a plain readFile of a FIFO waited for a writer forever, hanging writ verify, pull,
    // export, witness cosign/submit and log-key.
    expect(await refusal('pipe.json')).toBe('--trust-root pipe.json: cannot read the trust-root document: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]');
  });

  it('refuses text that is not JSON, and JSON that is not a trust root', async () => {
    await writeFile(join(root, 'not-json.json'), 'trust me');
    expect(await refusal('not-json.json')).toMatch(/^--trust-root not-json\.json: not JSON .*\[ERR_USAGE\]$/u);
    await writeFile(join(root, 'not-a-root.json'), '{}');
    expect(await refusal('not-a-root.json')).toMatch(/^--trust-root not-a-root\.json: not a valid trust root \[ERR_TRUST_ROOT_INVALID\]$/u);
  });
});

describe('readTrustRootText', () => {
  it('answers undefined for a missing kept file when asked to, and refuses a link (a kept file is never followed)', async () => {
    expect(await readTrustRootText(join(root, 'none.json'), 'kept', 'undefined')).toBeUndefined();
    await expect(readTrustRootText(join(root, 'none.json'), 'kept')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readTrustRootText(join(root, 'linked.json'), 'kept')).rejects.toMatchObject({ code: 'ERR_NOT_REGULAR_FILE', message: 'kept: not a regular file (a symbolic link)' });
    await expect(readTrustRootText(join(root, 'a-directory'), 'kept', 'undefined')).rejects.toMatchObject({ code: 'EISDIR' });
  });
});
