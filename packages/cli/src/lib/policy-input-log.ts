/**
 * Reading the policy-input log for `writ replay` and `writ rollback`. The log's format and its
 * writers live in `@writ/core` (`recordPolicyInputs`, `openPolicyInputLog`, ADR 0012 and 0036),
 * so the authority records it without depending on the CLI; they are re-exported here for code
 * that imported them from `@writ/cli`. Each line is bound to its decision by session id, call
 * id and intent digest, and replay refuses a line whose intent does not match the decision it
 * claims to belong to.
 */
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { readPolicyInputLog } from '@writ/core';
import type { PolicyInputRecord } from '@writ/core';
import { UsageError, fileUsageError } from '../cli-context.ts';
import { evidenceFileError } from '../trust-root-file.ts';

export { POLICY_INPUTS_FILE, recordPolicyInputs } from '@writ/core';
export type { PolicyInputRecord } from '@writ/core';

/** The map key of a decision: session, call and intent. */
export function decisionKey(key: { sessionId: string; callId: string; intentDigest: string }): string {
  return `${key.sessionId}\u0000${key.callId}\u0000${key.intentDigest}`;
}

/** Options of {@link readPolicyInputs}. */
export interface ReadPolicyInputsOptions {
  /**
   * Follow a symbolic link at `file` (default true: the user named it). False for the log kept
   * in a transcript directory, which is refused if a link, as the directory's other files are.
   */
  readonly followLink?: boolean;
  /** Keep only the records of these decision keys ({@link decisionKey}); default: all. */
  readonly keep?: (key: string) => boolean;
}

/**
 * Read a policy-input log into queues per decision key, in file order. The log is streamed
 * (core's `readPolicyInputLog`: never read whole, however large; a FIFO refused at once instead of
 * blocking the command), and only the records `options.keep` asks for are held. An incomplete
 * last line (a crash mid-write, or an authority still appending) is skipped: its decision has no
 * input.
 * @throws `UsageError` when the file is missing or unreadable — the system's code (`ENOENT`,
 *   `EACCES`, ...), `EISDIR`, `ERR_NOT_REGULAR_FILE` (a FIFO, socket, device or a link where
 *   none is followed); `ERR_POLICY_INPUT_INVALID` naming the first line that is not a logged
 *   evaluation.
 */
export async function readPolicyInputs(file: string, options: ReadPolicyInputsOptions = {}): Promise<Map<string, PolicyInputRecord[]>> {
  if (!existsSync(file)) {
    throw new UsageError(`${file}: no policy-input log (writ serve writes one with "policyInputs": true in writ-authority.json; in code, wrap the firewall policy with recordPolicyInputs; see docs/cli.md#writ-replay)`);
  }
  const what = `${file}: cannot read the policy-input log`;
  let target = file;
  if (options.followLink !== false) {
    try {
      target = await realpath(file);
    } catch (error) {
      throw fileUsageError(what, error);
    }
  }
  const queues = new Map<string, PolicyInputRecord[]>();
  try {
    for await (const record of readPolicyInputLog(target, { source: file })) {
      const id = decisionKey(record);
      if (options.keep !== undefined && !options.keep(id)) continue;
      const queue = queues.get(id) ?? [];
      queue.push(record);
      queues.set(id, queue);
    }
  } catch (error) {
    throw evidenceFileError(error, what);
  }
  return queues;
}
