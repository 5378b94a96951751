/**
 * Reading the policy-input log for `writ replay` and `writ rollback`. The log's format and its
 * writers live in `@writ/core` (`recordPolicyInputs`, `openPolicyInputLog`, ADR 0012 and 0036),
 * so the authority records it without depending on the CLI; they are re-exported here for code
 * that imported them from `@writ/cli`. Each line is bound to its decision by session id, call
 * id and intent digest, and replay refuses a line whose intent does not match the decision it
 * claims to belong to.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parsePolicyInputLog } from '@writ/core';
import type { PolicyInputRecord } from '@writ/core';
import { UsageError, fileUsageError } from '../cli-context.ts';

export { POLICY_INPUTS_FILE, recordPolicyInputs } from '@writ/core';
export type { PolicyInputRecord } from '@writ/core';

/** The map key of a decision: session, call and intent. */
export function decisionKey(key: { sessionId: string; callId: string; intentDigest: string }): string {
  return `${key.sessionId}\u0000${key.callId}\u0000${key.intentDigest}`;
}

/**
 * Read a policy-input log into queues per decision key, in file order. An incomplete last line
 * (a crash mid-write, or an authority still appending) is skipped: its decision has no input.
 * @throws `UsageError` when the file is missing or unreadable; `ERR_POLICY_INPUT_INVALID` naming
 *   the first line that is not a logged evaluation.
 */
export async function readPolicyInputs(file: string): Promise<Map<string, PolicyInputRecord[]>> {
  if (!existsSync(file)) {
    throw new UsageError(`${file}: no policy-input log (writ serve writes one with "policyInputs": true in writ-authority.json; in code, wrap the firewall policy with recordPolicyInputs; see docs/cli.md#writ-replay)`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw fileUsageError(`${file}: cannot read the policy-input log`, error);
  }
  const queues = new Map<string, PolicyInputRecord[]>();
  for (const record of parsePolicyInputLog(text, file)) {
    const id = decisionKey(record);
    const queue = queues.get(id) ?? [];
    queue.push(record);
    queues.set(id, queue);
  }
  return queues;
}
