#!/usr/bin/env node
// Runs the built CLI when dist/ exists; in the workspace (no build) it runs the
// TypeScript sources through Node's type stripping with the @writ/source condition.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/main.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  const { main } = await import(built.href);
  process.exitCode = await main(process.argv.slice(2));
} else {
  const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const child = spawnSync(process.execPath, ['--conditions=@writ/source', '--no-warnings=ExperimentalWarning', source, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (child.error) {
    process.stderr.write(`writ: cannot start node: ${child.error.message}\n`);
    process.exitCode = 2;
  } else {
    process.exitCode = child.status ?? 1;
  }
}
