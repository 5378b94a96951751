import type { GuardApprovalRequired, JsonObject, PendingApproval } from '@writ/core';

/** What the graph pauses with (`interrupt(value)`) when a call waits for signed approvals. */
export interface WritApprovalRequest {
  readonly type: 'writ/approval-request';
  readonly tool: string;
  readonly callId: string;
  /** What the approvers sign: request id, intent digest, rule, summary, expiry. */
  readonly pending: PendingApproval;
  /** Why the policy asked, for a person. */
  readonly reason: string;
  /** True when the approvals of the previous resume did not satisfy the rule. */
  readonly refused: boolean;
}

/**
 * What `Command({ resume })` may carry: one signed DSSE approval envelope, an array of
 * them, or `{ approvals: [...] }`. Anything else (`{ reject: 'reason' }`, `null`) is a
 * rejection: the tool does not run and the model reads why.
 */
export type WritApprovalResume = JsonObject | readonly JsonObject[] | { readonly approvals: readonly JsonObject[] } | { readonly reject?: string } | null;

/** The interrupt value for a call that waits for approval. */
export function approvalRequest(options: { readonly guard: GuardApprovalRequired; readonly tool: string; readonly refused: boolean }): WritApprovalRequest {
  const { guard, tool, refused } = options;
  return { type: 'writ/approval-request', tool, callId: guard.callId, pending: guard.pending, reason: guard.reason, refused };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The approval envelopes of a resume value, or `undefined` when it is a rejection.
 * Nothing is checked here: signatures, keys, roles and intent are the firewall's to verify.
 */
export function approvalsFromResume(resume: unknown): readonly JsonObject[] | undefined {
  let list: unknown[];
  if (Array.isArray(resume)) list = resume as unknown[];
  else if (isObject(resume) && Array.isArray(resume.approvals)) list = resume.approvals;
  else if (isObject(resume) && 'payloadType' in resume) list = [resume];
  else return undefined;
  const envelopes = list.filter(isObject).slice(0, 16);
  return envelopes.length === 0 ? undefined : envelopes;
}

/** The rejection text a resume value carries, if any. */
export function rejectionReason(resume: unknown): string | undefined {
  if (typeof resume !== 'object' || resume === null) return undefined;
  const reason = (resume as { reject?: unknown }).reject;
  return typeof reason === 'string' && reason !== '' ? reason.slice(0, 500) : undefined;
}
