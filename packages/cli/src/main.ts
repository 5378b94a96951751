/**
 * The `writ` command. Each command lives in `src/commands/<name>.ts` and exports a
 * `register...(program)` function; adding a command is one line in {@link COMMANDS}.
 * Usage errors (unknown command or option, missing argument) exit 2.
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
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
import { EXIT } from './cli-context.ts';

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
];

/** The `writ` program with every command registered. */
export function createProgram(): Command {
  const program = new Command('writ')
    .description('Writ — an action firewall for AI agents')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/**
 * Run `writ` with user arguments (without `node` and the script).
 * @returns the exit code.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, successfully.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`writ: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT.usage;
    },
  );
}
