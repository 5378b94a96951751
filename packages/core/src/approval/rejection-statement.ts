/**
 * Rejection statements: an approver refuses a pending request by signing a narrow statement
 * over the canonical intent digest with their own key. A separate DSSE payload type
 * (`application/vnd.writ.rejection+json`) from approvals: the payload type is bound into the
 * DSSE signature (PAE), so a rejection can never be read, verified or counted as an approval,
 * and an approval signed before rejections existed can never be read as a rejection
 * (docs/decisions/0013-signed-rejection-payload-type.md).
 */
import type { Digest } from '../crypto/digest.ts';
import type { Signer } from '../crypto/signer.ts';
import { writPayloadType } from '../dsse/envelope.ts';
import type { Instant } from '../trust/time.ts';
import { checkCommonFields, fieldChecks, readStatement, signStatement } from './statement-fields.ts';
import type { SignedStatement, StatementKind } from './statement-fields.ts';

/** DSSE payload type of rejections. */
export const REJECTION_PAYLOAD_TYPE = writPayloadType('rejection');

/** The signed content of a rejection. */
export interface RejectionPayload {
  readonly v: 1;
  readonly id: string;
  /** Key id of the approver's key (role `approver` in the trust root). */
  readonly approver: string;
  /** The business role the approver acts in (one of the key's `approvalRoles`). */
  readonly role: string;
  /** Digest of the canonical intent rejected. */
  readonly intent: Digest;
  /** The policy bundle digest and the rule that asked for approval. */
  readonly policy: { readonly digest: Digest; readonly rule: string };
  /** Issued at and end of the window in which it may be submitted, seconds since epoch. */
  readonly iat: number;
  readonly exp: number;
  /** The approver's reason, for people. */
  readonly reason?: string;
  /** What the approver was shown. Never enforced. */
  readonly summary?: string;
}

/** A signed rejection. */
export type Rejection = SignedStatement<RejectionPayload>;

const FIELDS = ['v', 'id', 'approver', 'role', 'intent', 'policy', 'iat', 'exp', 'reason', 'summary'];

const checks = fieldChecks('rejection');

/** Checks a rejection payload from untrusted JSON. @throws WritError `ERR_APPROVAL_MALFORMED` */
export function parseRejectionPayload(value: unknown): RejectionPayload {
  const { text } = checks;
  const input = checkCommonFields(value, FIELDS, checks);
  if (input.reason !== undefined) text(input.reason, 'reason', 2048);
  if (input.summary !== undefined) text(input.summary, 'summary', 2048);
  return value as RejectionPayload;
}

/** Options for {@link signRejection}. */
export interface SignRejectionOptions {
  /** The approver's key. */
  readonly signer: Signer;
  readonly role: string;
  readonly intent: Digest;
  readonly policy: { readonly digest: Digest; readonly rule: string };
  /** Signing time (default: now). */
  readonly now?: Instant;
  /** Submission window length (default 15 minutes). */
  readonly ttlSeconds?: number;
  readonly reason?: string;
  readonly summary?: string;
}

/**
 * Signs a rejection statement with the approver's key.
 * @throws WritError `ERR_INVALID_ARGUMENT` naming the offending field.
 * @example
 * ```ts
 * const rejection = signRejection({ signer: financeSigner, role: 'finance', intent: pending.intentDigest,
 *   policy: { digest: pending.policyDigest, rule: pending.rule.rule }, reason: 'not a customer of ours' });
 * ```
 */
export function signRejection(options: SignRejectionOptions): Rejection {
  return signStatement(REJECTION, options, (o: SignRejectionOptions) => ({
    role: o.role,
    intent: o.intent,
    policy: o.policy,
    reason: o.reason,
    summary: o.summary,
  }));
}

/**
 * Reads (without verifying) a rejection: envelope object, JSON text or {@link Rejection}.
 * Anything of another payload type (an approval included) is malformed here.
 * @throws WritError `ERR_APPROVAL_MALFORMED`
 */
export function readRejection(value: unknown): Rejection {
  return readStatement(REJECTION, value);
}

const REJECTION: StatementKind<RejectionPayload> = { name: 'rejection', payloadType: REJECTION_PAYLOAD_TYPE, parse: parseRejectionPayload };

/** True when `value` is a DSSE envelope object whose payload type is a rejection's (not verified). */
export function isRejectionEnvelope(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { payloadType?: unknown }).payloadType === REJECTION_PAYLOAD_TYPE;
}
