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

/** The code of a {@link UsageError} that names no other: the command refused the invocation. */
export const USAGE_CODE = 'ERR_USAGE';

/** A usage error: the command could not run as invoked (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** Stable code printed with the message; {@link USAGE_CODE} unless a more precise one applies. */
  readonly code: string;

  constructor(message: string, code: string = USAGE_CODE) {
    super(message);
    this.code = code;
  }
}

/** What the system's file error codes mean, in the words `writ` prints instead of Node's. */
const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
};

/** True for a system error about a file the command was pointed at (`ENOENT`, `EISDIR`, ...): a usage error. */
export function isFileError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && !(error instanceof UsageError) && typeof code === 'string' && Object.hasOwn(FILE_ERRORS, code);
}

/**
 * A usage error for a file the command could not read (or write): `what PATH: reason`, with the
 * system's code (`ENOENT`, `EISDIR`, ...) so a script can tell a missing file from a directory.
 */
export function fileUsageError(what: string, error: unknown): UsageError {
  const code = (error as { code?: unknown } | null)?.code;
  return isFileError(error)
    ? new UsageError(`${what}: ${FILE_ERRORS[code as string]!}`, code as string)
    : new UsageError(`${what}: cannot be read`);
}

/**
 * One line for the user: the error's message and, in brackets, its stable code — a
 * `WritError`'s code (`ERR_POLICY_NOT_FOUND`, ...), `ERR_USAGE` or a more precise code of a
 * {@link UsageError}, or the system's code of a file error (`ENOENT`, `EISDIR`, ...), whose
 * message is replaced by a plain one naming the path; `ERR_INTERNAL` for an error without a
 * code (none a command expects: a bug). Never a stack trace.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `${String(error)} [ERR_INTERNAL]`;
  const code = (error as { code?: unknown }).code;
  if (isFileError(error)) {
    const path = (error as { path?: unknown }).path;
    const meaning = FILE_ERRORS[code as string]!;
    return `${typeof path === 'string' ? `${path}: ${meaning}` : meaning} [${code as string}]`;
  }
  // An error without a code is none the command expected: a bug in writ.
  return `${error.message} [${typeof code === 'string' && /^[A-Za-z][\w.-]*$/.test(code) ? code : 'ERR_INTERNAL'}]`;
}

/**
 * Option parser for a repeatable option (`--policy A --policy B`): one value per occurrence,
 * in order. A variadic option (`<path...>`) would also swallow a positional argument that
 * follows it, as in `writ decide --policy DIR REQUEST.json`.
 */
export function collectRepeated(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
