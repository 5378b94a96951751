#!/usr/bin/env node
// Runs the built CLI when dist/ exists; in the workspace (no build) it runs the
// TypeScript sources through Node's type stripping with the @writ/source condition,
// in a child process that gets the signals this one receives (SIGINT, SIGTERM, SIGHUP)
// and whose exit status (or signal) becomes this one's.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

// package.json "engines": npm only warns, and an older Node fails later with a raw stack
// (type stripping, import attributes). Say so plainly, with the usage exit code.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`writ: needs Node.js >= 22.12; this is ${process.version} (${process.execPath}). In the Writ workspace, ./run writ ... brings its own.\n`);
  process.exit(2);
}

const built = new URL('../dist/main.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  const { main } = await import(built.href);
  process.exitCode = await main(process.argv.slice(2));
} else {
  const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=@writ/source', '--no-warnings=ExperimentalWarning', source, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // A terminal's Ctrl-C reaches both processes (one process group): the child may see
  // SIGINT twice, which `writ serve` handles as one stop.
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  const stopForwarding = () => {
    for (const signal of FORWARDED) process.off(signal, forward);
  };
  child.on('error', (error) => {
    stopForwarding();
    process.stderr.write(`writ: cannot start node: ${error.message}\n`);
    process.exitCode = 2;
  });
  child.on('exit', (code, signal) => {
    stopForwarding();
    // Ended by a signal: end the same way, so the caller sees what the child got.
    if (signal !== null) {
      process.exitCode = 128 + (constants.signals[signal] ?? 0);
      process.kill(process.pid, signal);
    } else process.exitCode = code ?? 1;
  });
}
