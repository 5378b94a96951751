/**
 * Approval statements (seed 004): an approver signs a narrow statement over the canonical
 * intent digest — not a free-form message — naming their key, their role at approval time,
 * the policy digest and rule id, the approval window and whether it is single use.
 * DSSE envelope of type `application/vnd.writ.approval+json` over canonical JSON.
 */
import type { Digest } from '../crypto/digest.ts';
import type { Signer } from '../crypto/signer.ts';
import { writPayloadType } from '../dsse/envelope.ts';
import type { Instant } from '../trust/time.ts';
import { checkCommonFields, fieldChecks, readStatement, signStatement } from './statement-fields.ts';
import type { SignedStatement, StatementKind } from './statement-fields.ts';

/** DSSE payload type of approvals. */
export const APPROVAL_PAYLOAD_TYPE = writPayloadType('approval');

/** Default approval window. */
export { DEFAULT_APPROVAL_TTL_SECONDS } from './statement-fields.ts';

/** The signed content of an approval. */
export interface ApprovalPayload {
  readonly v: 1;
  readonly id: string;
  /** Key id of the approver's key (role `approver` in the trust root). */
  readonly approver: string;
  /** The business role the approver acts in (must be one of the key's `approvalRoles`). */
  readonly role: string;
  /** Digest of the canonical intent approved. */
  readonly intent: Digest;
  /** The policy bundle digest and the rule that asked for approval. */
  readonly policy: { readonly digest: Digest; readonly rule: string };
  /** Target connector and the digest of its argument schema (detects schema drift). */
  readonly connector?: { readonly name: string; readonly schema: Digest };
  /** Action class, e.g. `A4`. */
  readonly class?: string;
  /** Issued at and expiry, seconds since epoch. */
  readonly iat: number;
  readonly exp: number;
  /** Consumed by its first use (default true). */
  readonly singleUse: boolean;
  /** What the approver was shown. Never enforced. */
  readonly summary?: string;
}

/** A signed approval. */
export type Approval = SignedStatement<ApprovalPayload>;

const FIELDS = ['v', 'id', 'approver', 'role', 'intent', 'policy', 'connector', 'class', 'iat', 'exp', 'singleUse', 'summary'];

const checks = fieldChecks('approval');

/** Checks an approval payload from untrusted JSON. @throws WritError `ERR_APPROVAL_MALFORMED` */
export function parseApprovalPayload(value: unknown): ApprovalPayload {
  const { bad, text, pair } = checks;
  const input = checkCommonFields(value, FIELDS, checks);
  if (input.connector !== undefined) pair(input.connector, 'connector', 'name');
  if (input.class !== undefined) text(input.class, 'class');
  if (typeof input.singleUse !== 'boolean') bad('singleUse');
  if (input.summary !== undefined) text(input.summary, 'summary', 2048);
  return value as ApprovalPayload;
}

/** Options for {@link signApproval}. */
export interface SignApprovalOptions {
  /** The approver's key. */
  readonly signer: Signer;
  readonly role: string;
  readonly intent: Digest;
  readonly policy: { readonly digest: Digest; readonly rule: string };
  readonly connector?: { readonly name: string; readonly schema: Digest };
  readonly actionClass?: string;
  /** Approval time (default: now). */
  readonly now?: Instant;
  /** Window length (default 15 minutes). */
  readonly ttlSeconds?: number;
  /** Default true. */
  readonly singleUse?: boolean;
  readonly summary?: string;
}

/**
 * Signs an approval statement with the approver's key.
 * @throws WritError `ERR_INVALID_ARGUMENT` naming the offending field.
 * @example
 * ```ts
 * const approval = signApproval({ signer: financeSigner, role: 'finance', intent: digest(intent),
 *   policy: { digest: policyDigest, rule: 'payments.large-transfer' } });
 * ```
 */
export function signApproval(options: SignApprovalOptions): Approval {
  return signStatement(APPROVAL, options, (o: SignApprovalOptions) => ({
    role: o.role,
    intent: o.intent,
    policy: o.policy,
    connector: o.connector,
    class: o.actionClass,
    singleUse: o.singleUse ?? true,
    summary: o.summary,
  }));
}

/**
 * Reads (without verifying) an approval: envelope object, JSON text or {@link Approval}.
 * @throws WritError `ERR_APPROVAL_MALFORMED`
 */
export function readApproval(value: unknown): Approval {
  return readStatement(APPROVAL, value);
}

const APPROVAL: StatementKind<ApprovalPayload> = { name: 'approval', payloadType: APPROVAL_PAYLOAD_TYPE, parse: parseApprovalPayload };
