/**
 * The `writ` command. Usage errors (unknown command or option, missing argument) exit 2.
 *
 * Startup loads only the module of the command being run (each command pulls in its own
 * dependencies: the Rego engine, the authority, the report renderer, ...); `writ`, `writ --help`
 * and unknown commands load the whole program so help and errors list every command.
 */
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { EXIT, describeError } from './cli-context.ts';

type Register = (program: Command) => unknown;

/** Command name → loader of its registration. Must list every command of `COMMANDS` (tested). */
export const COMMAND_MODULES: Readonly<Record<string, () => Promise<Register>>> = {
  verify: async () => (await import('./commands/verify.ts')).registerVerifyCommand,
  export: async () => (await import('./commands/export.ts')).registerExportCommand,
  policy: async () => (await import('./commands/policy.ts')).registerPolicyCommands,
  decide: async () => (await import('./commands/decide.ts')).registerDecideCommand,
  serve: async () => (await import('./commands/serve.ts')).registerServeCommand,
  replay: async () => (await import('./commands/replay.ts')).registerReplayCommand,
  report: async () => (await import('./commands/report.ts')).registerReportCommand,
  init: async () => (await import('./commands/init.ts')).registerInitCommand,
  keys: async () => (await import('./commands/keys.ts')).registerKeysCommand,
  rollback: async () => (await import('./commands/rollback.ts')).registerRollbackCommand,
  witness: async () => (await import('./commands/witness.ts')).registerWitnessCommand,
  pull: async () => (await import('./commands/pull.ts')).registerPullCommand,
  unfinished: async () => (await import('./commands/unfinished.ts')).registerUnfinishedCommand,
};

/** The program for `argv`: just the named command when there is one, else every command. */
async function programFor(argv: readonly string[]): Promise<Command> {
  const { emptyProgram, createProgram } = await import('./program.ts');
  const name = argv[0];
  const load = name !== undefined && Object.hasOwn(COMMAND_MODULES, name) ? COMMAND_MODULES[name] : undefined;
  if (load === undefined) return createProgram();
  const program = emptyProgram();
  (await load())(program);
  return program;
}

/**
 * Run `writ` with user arguments (without `node` and the script).
 * @returns the exit code.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = await programFor(argv);
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
      // A command that throws past its own handling: still one line with a code, never a stack.
      process.stderr.write(`writ: ${describeError(error)}\n`);
      process.exitCode = EXIT.usage;
    },
  );
}
