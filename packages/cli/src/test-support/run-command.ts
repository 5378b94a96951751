import type { CommandContext } from '../cli-context.ts';

/** What one in-process command run printed and how it ended. */
export interface CommandRun {
  readonly code: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a command action in-process with a capturing context rooted at `cwd` (tests). */
export async function runCommand(cwd: string, action: (context: CommandContext) => Promise<void>): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  let code: number | undefined;
  await action({ stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), setExitCode: (value) => (code = value), cwd, interactive: false });
  return { code, stdout, stderr };
}
