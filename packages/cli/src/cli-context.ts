/**
 * Where a command writes and how it ends. Every `writ` command takes one (tests pass their
 * own) so commands never touch `process` directly and can run in-process.
 */

/** Output and exit status of one command run. */
export interface CommandContext {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly setExitCode: (code: number) => void;
  readonly cwd: string;
  /** True when stderr is a terminal (progress bars are shown only then). */
  readonly interactive: boolean;
}

/** Exit codes shared by `writ verify` and `writ export`. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

/** The context of the real process. */
export function processContext(): CommandContext {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    setExitCode: (code) => {
      process.exitCode = code;
    },
    cwd: process.cwd(),
    interactive: process.stderr.isTTY === true,
  };
}

/** A usage error: the command could not run as invoked (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Option parser for a repeatable option (`--policy A --policy B`): one value per occurrence,
 * in order. A variadic option (`<path...>`) would also swallow a positional argument that
 * follows it, as in `writ decide --policy DIR REQUEST.json`.
 */
export function collectRepeated(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
