import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempTree } from '../test/support/temp-tree.ts';
import { loadPolicy } from './load-policy.ts';
import { loadWasmPolicy } from './load-wasm-policy.ts';
import { readRegularFile } from './read-regular-file.ts';

describe('readRegularFile', () => {
  it('reads a file relative to cwd', async () => {
    const root = await tempTree({ 'a/b.txt': 'hello' });
    expect(new TextDecoder().decode(await readRegularFile('a/b.txt', root))).toBe('hello');
  });

  it('refuses missing files, directories and FIFOs without blocking', async () => {
    const root = await tempTree({});
    await mkdir(join(root, 'dir.tar.gz'));
    if (spawnSync('mkfifo', [join(root, 'pipe.tar.gz')]).status !== 0) expect.fail('mkfifo is needed for this test');
    await expect(readRegularFile('absent', root)).rejects.toThrow(expect.objectContaining({ code: 'ERR_POLICY_NOT_FOUND' }));
    await expect(readRegularFile('dir.tar.gz', root)).rejects.toThrow(expect.objectContaining({ code: 'ERR_POLICY_SOURCE_INVALID' }));
    await expect(readRegularFile('pipe.tar.gz', root)).rejects.toThrow(expect.objectContaining({ code: 'ERR_POLICY_SOURCE_INVALID' }));
    await expect(loadPolicy({ paths: ['pipe.tar.gz'], cwd: root })).rejects.toThrow(expect.objectContaining({ code: 'ERR_POLICY_SOURCE_INVALID' }));
    await expect(loadWasmPolicy({ bundle: 'pipe.tar.gz', cwd: root })).rejects.toThrow(expect.objectContaining({ code: 'ERR_POLICY_SOURCE_INVALID' }));
  });
});
