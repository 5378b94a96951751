/**
 * The whole `writ` program. Each command lives in `src/commands/<name>.ts` and exports a
 * `register...(program)` function; adding a command is one line in {@link COMMANDS} and one
 * in `COMMAND_MODULES` of `main.ts` (which loads only the command being run).
 */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { registerDecideCommand } from './commands/decide.ts';
import { registerInitCommand } from './commands/init.ts';
import { registerKeysCommand } from './commands/keys.ts';
import { registerExportCommand } from './commands/export.ts';
import { registerPolicyCommands } from './commands/policy.ts';
import { registerReplayCommand } from './commands/replay.ts';
import { registerReportCommand } from './commands/report.ts';
import { registerRollbackCommand } from './commands/rollback.ts';
import { registerVerifyCommand } from './commands/verify.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerWitnessCommand } from './commands/witness.ts';
import { registerPullCommand } from './commands/pull.ts';
import { registerUnfinishedCommand } from './commands/unfinished.ts';

/** Command registrations, in help order. One line per command module. */
export const COMMANDS: readonly ((program: Command) => unknown)[] = [
  (program) => registerVerifyCommand(program),
  (program) => registerExportCommand(program),
  (program) => registerPolicyCommands(program),
  (program) => registerDecideCommand(program),
  (program) => registerServeCommand(program),
  (program) => registerReplayCommand(program),
  (program) => registerReportCommand(program),
  (program) => registerInitCommand(program),
  (program) => registerKeysCommand(program),
  (program) => registerRollbackCommand(program),
  (program) => registerWitnessCommand(program),
  (program) => registerPullCommand(program),
  (program) => registerUnfinishedCommand(program),
];

/** The `writ` program with every command registered. */
export function createProgram(): Command {
  const program = emptyProgram();
  for (const register of COMMANDS) register(program);
  return program;
}

/** This package's version (`writ --version`); `../package.json` from both `src/` and `dist/`. */
export const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** The `writ` program without commands. */
export function emptyProgram(): Command {
  return new Command('writ')
    .description('Writ — an action firewall for AI agents')
    .version(VERSION, '-V, --version', 'print the version of writ')
    .showHelpAfterError()
    .exitOverride();
}

