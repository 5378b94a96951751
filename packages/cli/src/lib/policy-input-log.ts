/**
 * The policy-input log: what `writ replay` re-evaluates. The transcript records each decision
 * with digests only (arguments never enter the signed chain), so the exact `writ.input/v1`
 * documents a policy judged are kept beside it in `policy-inputs.jsonl`, one JSON line per
 * evaluation, written by wrapping the firewall's policy with {@link recordPolicyInputs}.
 * Each line is bound to its decision by session id, call id and intent digest, and replay
 * refuses a line whose intent does not match the decision it claims to belong to.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { FirewallPolicy } from '@writ/core';
import { UsageError, fileUsageError } from '../cli-context.ts';

/** Conventional file name of the log inside a transcript directory. */
export const POLICY_INPUTS_FILE = 'policy-inputs.jsonl';

/** One logged evaluation. */
export interface PolicyInputRecord {
  readonly sessionId: string;
  readonly callId: string;
  readonly intentDigest: string;
  readonly policyDigest: string;
  readonly input: unknown;
}

function keyOf(input: unknown): { sessionId: string; callId: string; intentDigest: string } | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { context, action } = input as { context?: { session?: unknown; callId?: unknown }; action?: { intent?: unknown } };
  const sessionId = context?.session;
  const callId = context?.callId;
  const intentDigest = action?.intent;
  if (typeof sessionId !== 'string' || typeof callId !== 'string' || typeof intentDigest !== 'string') return undefined;
  return { sessionId, callId, intentDigest };
}

/**
 * Wrap a firewall policy so every evaluated input is appended to `file` before the policy
 * answers (synchronously, so the log never lags the ledger). The digest is unchanged.
 * @example
 * ```ts
 * const policy = recordPolicyInputs(await loadPolicy({ paths: ['policy'] }), { file: 'out/policy-inputs.jsonl' });
 * ```
 * @throws `UsageError` when `policy` is not a firewall policy or `file` is not a string.
 */
export function recordPolicyInputs(policy: FirewallPolicy, options: { readonly file: string }): FirewallPolicy {
  if (typeof policy !== 'object' || policy === null || typeof policy.evaluate !== 'function' || typeof policy.digest !== 'string') {
    throw new UsageError('policy: expected a firewall policy ({ digest, evaluate })');
  }
  if (typeof options?.file !== 'string' || options.file === '') throw new UsageError('file: expected a path');
  const log = (input: unknown): void => {
    const key = keyOf(input);
    if (key === undefined) return;
    appendFileSync(options.file, `${JSON.stringify({ ...key, policyDigest: policy.digest, input })}\n`);
  };
  const wrapped: FirewallPolicy = {
    digest: policy.digest,
    // The evaluation options (the decision clock) pass through unchanged.
    evaluate: (input, evaluateOptions) => {
      log(input);
      return policy.evaluate(input, evaluateOptions);
    },
  };
  if (policy.evaluateSync === undefined) return wrapped;
  return {
    ...wrapped,
    evaluateSync: (input, evaluateOptions) => {
      log(input);
      return policy.evaluateSync!(input, evaluateOptions);
    },
  };
}

/** The map key of a decision: session, call and intent. */
export function decisionKey(key: { sessionId: string; callId: string; intentDigest: string }): string {
  return `${key.sessionId}\u0000${key.callId}\u0000${key.intentDigest}`;
}

/**
 * Read a policy-input log into queues per decision key, in file order.
 * @throws `UsageError` when the file is missing or a line is not a logged evaluation.
 */
export async function readPolicyInputs(file: string): Promise<Map<string, PolicyInputRecord[]>> {
  if (!existsSync(file)) {
    throw new UsageError(`${file}: no policy-input log (record one by wrapping the firewall policy with recordPolicyInputs; see docs/cli.md)`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw fileUsageError(`${file}: cannot read the policy-input log`, error);
  }
  const queues = new Map<string, PolicyInputRecord[]>();
  let line = 0;
  for (const raw of text.split('\n')) {
    line += 1;
    if (raw.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new UsageError(`${file}:${line}: not JSON`);
    }
    const record = parsed as Partial<PolicyInputRecord>;
    const key = keyOf(record?.input);
    if (key === undefined || record.sessionId !== key.sessionId || record.callId !== key.callId || record.intentDigest !== key.intentDigest || typeof record.policyDigest !== 'string') {
      throw new UsageError(`${file}:${line}: not a policy-input record (its key must match its input)`);
    }
    const id = decisionKey(key);
    const queue = queues.get(id) ?? [];
    queue.push(record as PolicyInputRecord);
    queues.set(id, queue);
  }
  return queues;
}
