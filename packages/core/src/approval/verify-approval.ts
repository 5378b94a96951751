/**
 * Verifying approval statements and approval rules. One statement is refused, each with
 * its own code, when (seed 004 "Replay safety"): the intent digest differs, the policy
 * changed and the rule demands re-approval, it expired, it was consumed (single use), its
 * signer was not valid in the approval window, or the connector schema drifted.
 */
import { isDigest } from '../crypto/digest.ts';
import type { Digest } from '../crypto/digest.ts';
import type { Ed25519Backend } from '../crypto/ed25519-backend.ts';
import { verifyEnvelope } from '../dsse/envelope.ts';
import { WritError } from '../errors.ts';
import type { WritErrorCode } from '../errors.ts';
import { toMillis } from '../trust/time.ts';
import type { Instant } from '../trust/time.ts';
import { TrustRoot } from '../trust/trust-root.ts';
import type { TrustedKeyRecord } from '../trust/trust-root.ts';
import { APPROVAL_PAYLOAD_TYPE, readApproval } from './approval-statement.ts';
import type { Approval } from './approval-statement.ts';

/** Where single-use approvals are recorded (the approval store of `stores/` can back it). */
export interface ConsumedApprovals {
  /** True when the approval with this digest was already consumed. */
  has(approvalDigest: string): boolean | Promise<boolean>;
}

/** Options for {@link verifyApproval}. */
export interface VerifyApprovalOptions {
  readonly trustRoot: TrustRoot;
  /** Verification time, explicit. */
  readonly now: Instant;
  /** Digest of the canonical intent about to be dispatched. */
  readonly intent: Digest;
  /** Digest of the policy bundle in force now. */
  readonly policy: Digest;
  /** The rule id that demands approval. */
  readonly rule: string;
  /** Refuse approvals given under another policy digest (default true). */
  readonly reapproveOnPolicyChange?: boolean;
  /** Current digest of the target connector's argument schema; a different pinned one is drift. */
  readonly connectorSchema?: Digest;
  readonly consumed?: ConsumedApprovals;
  /** Default 30, at most 300. */
  readonly clockSkewSeconds?: number;
  readonly backend?: Ed25519Backend;
}

/** A verified approval with the approver's trust-root record. */
export interface VerifiedApproval extends Approval {
  readonly key: TrustedKeyRecord;
}

function refuse(code: WritErrorCode, message: string, cause?: unknown): never {
  throw new WritError(code, message, cause === undefined ? undefined : { cause });
}

function invalidOption(parameter: string): never {
  throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} is invalid`, { details: { parameter } });
}

/** Validates options shared by both verifiers; returns now and skew in seconds. */
export function checkApprovalOptions(options: VerifyApprovalOptions): { now: number; skew: number } {
  if (typeof options !== 'object' || options === null) invalidOption('options');
  if (!(options.trustRoot instanceof TrustRoot)) invalidOption('trustRoot');
  if (!isDigest(options.intent)) invalidOption('intent');
  if (!isDigest(options.policy)) invalidOption('policy');
  if (typeof options.rule !== 'string' || options.rule.length === 0) invalidOption('rule');
  if (options.connectorSchema !== undefined && !isDigest(options.connectorSchema)) invalidOption('connectorSchema');
  if (options.consumed !== undefined && typeof options.consumed?.has !== 'function') invalidOption('consumed');
  const skew = options.clockSkewSeconds ?? 30;
  if (typeof skew !== 'number' || !(skew >= 0 && skew <= 300)) invalidOption('clockSkewSeconds');
  return { now: toMillis(options.now, 'now') / 1000, skew };
}

/** Internal: the approver key of a signed statement (approval or rejection), checked in its window, and its signature. */
export function checkStatementSigner(check: {
  readonly approval: { readonly envelope: Approval['envelope']; readonly payload: { readonly approver: string; readonly role: string; readonly iat: number; readonly exp: number } };
  readonly options: { readonly trustRoot: TrustRoot; readonly backend?: Ed25519Backend };
  readonly now: number;
  readonly payloadType: string;
}): TrustedKeyRecord {
  const { approval, options, now, payloadType } = check;
  const { payload } = approval;
  let key: TrustedKeyRecord;
  try {
    key = options.trustRoot.checkKey({ keyId: payload.approver, role: 'approver', at: new Date(payload.iat * 1000) });
    // Valid when signed is not enough: a key compromised since, inside the window, voids it.
    const usedAt = Math.min(now, payload.exp);
    if (key.status === 'compromised' && Date.parse(key.since!) <= usedAt * 1000) refuse('ERR_KEY_COMPROMISED', 'approver key compromised in the window');
  } catch (error) {
    refuse('ERR_APPROVAL_SIGNER_INVALID', 'approval signer was not valid in the approval window', error);
  }
  if (!(key.approvalRoles ?? []).includes(payload.role)) refuse('ERR_APPROVAL_SIGNER_INVALID', 'approver does not hold the claimed role');
  try {
    verifyEnvelope(approval.envelope, {
      payloadType,
      keys: [{ keyId: key.keyId, publicKey: key.publicKeyBytes }],
      ...(options.backend ? { backend: options.backend } : {}),
    });
  } catch (error) {
    refuse('ERR_SIGNATURE_INVALID', 'statement signature is invalid', error);
  }
  return key;
}

async function verifyOne(statement: unknown, options: VerifyApprovalOptions, clock: { now: number; skew: number }): Promise<VerifiedApproval> {
  const approval = readApproval(statement);
  const key = checkStatementSigner({ approval, options, now: clock.now, payloadType: APPROVAL_PAYLOAD_TYPE });
  const { payload } = approval;
  // Drift first: when the schema changed, a differing intent digest is its consequence.
  if (options.connectorSchema !== undefined && payload.connector !== undefined && payload.connector.schema !== options.connectorSchema) {
    refuse('ERR_APPROVAL_SCHEMA_DRIFT', 'connector schema changed since the approval');
  }
  if (payload.intent !== options.intent) refuse('ERR_APPROVAL_INTENT_MISMATCH', 'approval is for a different intent');
  if (payload.policy.rule !== options.rule) refuse('ERR_APPROVAL_RULE_MISMATCH', 'approval is for a different rule');
  if (payload.policy.digest !== options.policy && options.reapproveOnPolicyChange !== false) {
    refuse('ERR_APPROVAL_POLICY_CHANGED', 'policy changed since the approval');
  }
  if (clock.now >= payload.exp + clock.skew) refuse('ERR_APPROVAL_EXPIRED', 'approval has expired');
  if (clock.now + clock.skew < payload.iat) refuse('ERR_APPROVAL_NOT_YET_VALID', 'approval is dated in the future');
  if (payload.singleUse && options.consumed !== undefined && (await options.consumed.has(approval.digest)) === true) {
    refuse('ERR_APPROVAL_CONSUMED', 'approval was already used');
  }
  return { ...approval, key };
}

/**
 * Verifies one approval statement for the intent about to be dispatched.
 * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_APPROVAL_MALFORMED`, `ERR_APPROVAL_SIGNER_INVALID`
 *   (unknown key, not an approver, not valid or compromised in the window, role not held),
 *   `ERR_SIGNATURE_INVALID`, `ERR_APPROVAL_SCHEMA_DRIFT`, `ERR_APPROVAL_INTENT_MISMATCH`,
 *   `ERR_APPROVAL_RULE_MISMATCH`, `ERR_APPROVAL_POLICY_CHANGED`, `ERR_APPROVAL_EXPIRED`,
 *   `ERR_APPROVAL_NOT_YET_VALID`, `ERR_APPROVAL_CONSUMED`.
 */
export async function verifyApproval(statement: unknown, options: VerifyApprovalOptions): Promise<VerifiedApproval> {
  const clock = checkApprovalOptions(options);
  return verifyOne(statement, options, clock);
}

/** Internal: verify with options already checked. */
export { verifyOne as verifyCheckedApproval };
