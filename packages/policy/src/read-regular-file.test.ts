import { spawnSync } from 'node:child_process';
import { mkdir, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempTree } from '../test/support/temp-tree.ts';
import { loadPolicy } from './load-policy.ts';
import { loadWasmPolicy } from './load-wasm-policy.ts';
import { DEFAULT_MAX_BUNDLE_BYTES } from './read-bundle.ts';
import { maxBundleFileBytes, maxPolicyFileBytes, readRegularFile } from './read-regular-file.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO policy-file tests need mkfifo (coreutils), which this platform lacks');

const MAIN = 'package writ\n\ndecision := {"decision": "allow"}\n';

describe('readRegularFile', () => {
  it('reads a file relative to cwd, up to maxBytes exactly, into an exact-size array', async () => {
    const root = await tempTree({ 'a/b.txt': 'hello' });
    const bytes = await readRegularFile('a/b.txt', root, { maxBytes: 5 });
    expect(new TextDecoder().decode(bytes)).toBe('hello');
    expect([bytes.byteOffset, bytes.buffer.byteLength]).toEqual([0, 5]);
    await expect(readRegularFile('a/b.txt', root, { maxBytes: 4 })).rejects.toMatchObject({ code: 'ERR_POLICY_SOURCE_INVALID', details: { location: 'a/b.txt', kind: 'too-large', maxBytes: 4 } });
  });

  it.skipIf(!haveMkfifo)('refuses missing files, directories and FIFOs without blocking', async () => {
    const root = await tempTree({});
    await mkdir(join(root, 'dir.tar.gz'));
    expect(spawnSync('mkfifo', [join(root, 'pipe.tar.gz')]).status).toBe(0);
    const limit = { maxBytes: 1 << 20 };
    await expect(readRegularFile('absent', root, limit)).rejects.toThrow(expect.objectContaining({ code: 'ERR_POLICY_NOT_FOUND' }));
    await expect(readRegularFile('dir.tar.gz', root, limit)).rejects.toMatchObject({ code: 'ERR_POLICY_SOURCE_INVALID', details: { kind: 'directory' } });
    await expect(readRegularFile('pipe.tar.gz', root, limit)).rejects.toMatchObject({ code: 'ERR_POLICY_SOURCE_INVALID', details: { kind: 'fifo' } });
    await expect(loadPolicy({ paths: ['pipe.tar.gz'], cwd: root })).rejects.toThrow(expect.objectContaining({ code: 'ERR_POLICY_SOURCE_INVALID' }));
    await expect(loadWasmPolicy({ bundle: 'pipe.tar.gz', cwd: root })).rejects.toThrow(expect.objectContaining({ code: 'ERR_POLICY_SOURCE_INVALID' }));
  });

  it('GAP: refuses a bundle or wasm file over its limit unread (a sparse file), naming the limit', async () => {
    const root = await tempTree({ 'huge.tar.gz': '', 'huge.wasm': '', 'small.tar.gz': '' });
    await truncate(join(root, 'huge.tar.gz'), 2 ** 33);
    await truncate(join(root, 'huge.wasm'), 2 ** 33);
    const tooLarge = { code: 'ERR_POLICY_SOURCE_INVALID', details: { kind: 'too-large' } };
    await expect(loadPolicy({ paths: ['huge.tar.gz'], cwd: root })).rejects.toMatchObject({ ...tooLarge, details: { ...tooLarge.details, maxBytes: maxBundleFileBytes() } });
    await expect(loadWasmPolicy({ bundle: 'huge.tar.gz', cwd: root })).rejects.toMatchObject(tooLarge);
    await expect(loadWasmPolicy({ wasm: 'huge.wasm', cwd: root })).rejects.toMatchObject({ ...tooLarge, details: { ...tooLarge.details, maxBytes: maxPolicyFileBytes() } });
    // A smaller inflate budget bounds the read of the compressed file too.
    await truncate(join(root, 'small.tar.gz'), maxBundleFileBytes(1024) + 1);
    await expect(loadPolicy({ paths: ['small.tar.gz'], cwd: root, maxBundleBytes: 1024 })).rejects.toMatchObject(tooLarge);
  });
});

describe('policy file limits', () => {
  it('a bundle file is read up to its inflate budget plus deflate and gzip overhead; a policy file up to the bundle budget', () => {
    expect(maxBundleFileBytes()).toBe(DEFAULT_MAX_BUNDLE_BYTES + DEFAULT_MAX_BUNDLE_BYTES / 64 + 65_536);
    expect(maxBundleFileBytes(-1)).toBe(maxBundleFileBytes());
    expect(maxPolicyFileBytes()).toBe(DEFAULT_MAX_BUNDLE_BYTES);
    expect(maxPolicyFileBytes(1024)).toBe(DEFAULT_MAX_BUNDLE_BYTES);
    expect(maxPolicyFileBytes(2 * DEFAULT_MAX_BUNDLE_BYTES)).toBe(2 * DEFAULT_MAX_BUNDLE_BYTES);
  });
});

describe('loadPolicy over a policy folder', () => {
  it.skipIf(!haveMkfifo)('passes over a FIFO, and a link to one, in a policy folder without blocking', { timeout: 10_000 }, async () => {
    const root = await tempTree({ 'p/main.rego': MAIN });
    expect(spawnSync('mkfifo', [join(root, 'p', 'pipe.rego')]).status).toBe(0);
    expect(spawnSync('mkfifo', [join(root, 'fifo')]).status).toBe(0);
    await symlink(join(root, 'fifo'), join(root, 'p', 'data.json'));
    const policy = await loadPolicy({ paths: ['p'], cwd: root });
    expect(await policy.evaluate({})).toMatchObject({ decision: 'allow' });
  });

  it('GAP: refuses a data or Rego file over the limit unread, in a folder or named alone', async () => {
    const root = await tempTree({ 'p/main.rego': MAIN, 'p/data.json': '' });
    await truncate(join(root, 'p', 'data.json'), 2 ** 33);
    await expect(loadPolicy({ paths: ['p'], cwd: root })).rejects.toMatchObject({ code: 'ERR_POLICY_SOURCE_INVALID', details: { location: join('p', 'data.json'), kind: 'too-large' } });
    await expect(loadPolicy({ paths: ['p/main.rego', 'p/data.json'], cwd: root })).rejects.toMatchObject({ code: 'ERR_POLICY_SOURCE_INVALID', details: { location: 'p/data.json', kind: 'too-large' } });
    await writeFile(join(root, 'big.rego'), '');
    await truncate(join(root, 'big.rego'), DEFAULT_MAX_BUNDLE_BYTES + 1);
    await expect(loadPolicy({ paths: ['big.rego'], cwd: root })).rejects.toMatchObject({ code: 'ERR_POLICY_SOURCE_INVALID', details: { kind: 'too-large' } });
  });
});
