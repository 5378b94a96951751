import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanTools } from './scan-tools.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO scan test needs mkfifo (coreutils), which this platform lacks');

const TOOL = (name: string) => `import { tool } from 'ai';\nexport const ${name} = tool({ description: 'x' });\n`;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-cli-scan-tools-'));
  await writeFile(join(root, 'a.ts'), TOOL('found'));
  // Exactly 1 MiB is read; one byte more is skipped without being read whole.
  const atLimit = TOOL('atLimit');
  await writeFile(join(root, 'b.ts'), atLimit.padEnd(1 << 20, ' '));
  await writeFile(join(root, 'c.ts'), TOOL('overLimit').padEnd((1 << 20) + 1, ' '));
  await writeFile(join(root, 'd.ts'), TOOL('huge'));
  await truncate(join(root, 'd.ts'), 2 ** 33);
  await mkdir(join(root, 'folder.ts'));
  if (haveMkfifo) expect(spawnSync('mkfifo', [join(root, 'pipe.ts')]).status).toBe(0);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('scanTools', () => {
  it('reads regular source files up to 1 MiB and passes over larger ones, directories and FIFOs without blocking', async () => {
    const { tools } = await scanTools(root);
    expect(tools.map((t) => t.name)).toEqual(['found', 'atLimit']);
  });
});
