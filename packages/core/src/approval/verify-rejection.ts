/**
 * Verifying rejection statements. Checked like approvals: the approver key valid for role
 * `approver` when signed (and not compromised inside the window), the claimed role held,
 * the signature under the rejection payload type, the intent digest, the rule, the policy
 * digest and the window. A rejection is never an approval: `verifyApproval` refuses it as
 * malformed (another payload type) and this verifier refuses approvals the same way.
 */
import { isDigest } from '../crypto/digest.ts';
import type { Digest } from '../crypto/digest.ts';
import type { Ed25519Backend } from '../crypto/ed25519-backend.ts';
import { WritError } from '../errors.ts';
import { toMillis } from '../trust/time.ts';
import type { Instant } from '../trust/time.ts';
import { TrustRoot } from '../trust/trust-root.ts';
import type { TrustedKeyRecord } from '../trust/trust-root.ts';
import { REJECTION_PAYLOAD_TYPE, readRejection } from './rejection-statement.ts';
import type { Rejection } from './rejection-statement.ts';
import { checkStatementSigner } from './verify-approval.ts';

/** Options for {@link verifyRejection}. */
export interface VerifyRejectionOptions {
  readonly trustRoot: TrustRoot;
  /** Verification time, explicit. */
  readonly now: Instant;
  /** Digest of the canonical intent of the pending request. */
  readonly intent: Digest;
  /** Digest of the policy bundle in force now. */
  readonly policy: Digest;
  /** The rule id that asked for approval. */
  readonly rule: string;
  /** Roles that may decide the request (empty or absent: any role the key holds). */
  readonly roles?: readonly string[];
  /** Default 30, at most 300. */
  readonly clockSkewSeconds?: number;
  readonly backend?: Ed25519Backend;
}

/** A verified rejection with the approver's trust-root record. */
export interface VerifiedRejection extends Rejection {
  readonly key: TrustedKeyRecord;
}

function invalidOption(parameter: string): never {
  throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} is invalid`, { details: { parameter } });
}

/**
 * Verifies one rejection statement for a pending request.
 * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_APPROVAL_MALFORMED` (not a rejection, an
 *   approval included), `ERR_APPROVAL_SIGNER_INVALID` (unknown key, not an approver, not valid
 *   or compromised in the window, role not held or not eligible for the rule),
 *   `ERR_SIGNATURE_INVALID`, `ERR_APPROVAL_INTENT_MISMATCH`, `ERR_APPROVAL_RULE_MISMATCH`,
 *   `ERR_APPROVAL_POLICY_CHANGED`, `ERR_APPROVAL_EXPIRED`, `ERR_APPROVAL_NOT_YET_VALID`.
 * @example
 * ```ts
 * const verified = await verifyRejection(envelope, { trustRoot, now, intent, policy, rule: 'refunds.large' });
 * ```
 */
export async function verifyRejection(statement: unknown, options: VerifyRejectionOptions): Promise<VerifiedRejection> {
  // Asynchronous like verifyApproval (same call sites); the checks themselves are synchronous.
  await Promise.resolve();
  return verifyNow(statement, options);
}

function verifyNow(statement: unknown, options: VerifyRejectionOptions): VerifiedRejection {
  if (typeof options !== 'object' || options === null) invalidOption('options');
  if (!(options.trustRoot instanceof TrustRoot)) invalidOption('trustRoot');
  if (!isDigest(options.intent)) invalidOption('intent');
  if (!isDigest(options.policy)) invalidOption('policy');
  if (typeof options.rule !== 'string' || options.rule.length === 0) invalidOption('rule');
  if (options.roles !== undefined && (!Array.isArray(options.roles) || !options.roles.every((r) => typeof r === 'string'))) invalidOption('roles');
  const skew = options.clockSkewSeconds ?? 30;
  if (typeof skew !== 'number' || !(skew >= 0 && skew <= 300)) invalidOption('clockSkewSeconds');
  const now = toMillis(options.now, 'now') / 1000;

  const rejection = readRejection(statement);
  const key = checkStatementSigner({ approval: rejection, options, now, payloadType: REJECTION_PAYLOAD_TYPE });
  const { payload } = rejection;
  const roles = options.roles ?? [];
  if (roles.length > 0 && !roles.includes(payload.role)) {
    throw new WritError('ERR_APPROVAL_SIGNER_INVALID', 'the rejecting role may not decide this request');
  }
  if (payload.intent !== options.intent) throw new WritError('ERR_APPROVAL_INTENT_MISMATCH', 'rejection is for a different intent');
  if (payload.policy.rule !== options.rule) throw new WritError('ERR_APPROVAL_RULE_MISMATCH', 'rejection is for a different rule');
  if (payload.policy.digest !== options.policy) throw new WritError('ERR_APPROVAL_POLICY_CHANGED', 'policy changed since the rejection');
  if (now >= payload.exp + skew) throw new WritError('ERR_APPROVAL_EXPIRED', 'rejection has expired');
  if (now + skew < payload.iat) throw new WritError('ERR_APPROVAL_NOT_YET_VALID', 'rejection is dated in the future');
  return { ...rejection, key };
}
