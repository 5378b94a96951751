/**
 * Approval statements (seed 004): an approver signs a narrow statement over the canonical
 * intent digest — not a free-form message — naming their key, their role at approval time,
 * the policy digest and rule id, the approval window and whether it is single use.
 * DSSE envelope of type `application/vnd.writ.approval+json` over canonical JSON.
 */
import { canonicalBytes, canonicalize } from '../canonical/canonicalize.ts';
import { digestBytes, isDigest } from '../crypto/digest.ts';
import type { Digest } from '../crypto/digest.ts';
import { fromBase64Any, fromUtf8 } from '../crypto/encoding.ts';
import type { Signer } from '../crypto/signer.ts';
import { parseEnvelope, signEnvelope, writPayloadType } from '../dsse/envelope.ts';
import type { Envelope } from '../dsse/envelope.ts';
import { WritError } from '../errors.ts';
import { newTokenId } from '../token/mint-token.ts';
import { toMillis } from '../trust/time.ts';
import type { Instant } from '../trust/time.ts';

/** DSSE payload type of approvals. */
export const APPROVAL_PAYLOAD_TYPE = writPayloadType('approval');

/** Default approval window. */
export const DEFAULT_APPROVAL_TTL_SECONDS = 15 * 60;

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
export interface Approval {
  readonly envelope: Envelope;
  readonly payload: ApprovalPayload;
  /** `sha256:` of the signed payload bytes; what tokens cite in `approvals`. */
  readonly digest: Digest;
}

const FIELDS = ['v', 'id', 'approver', 'role', 'intent', 'policy', 'connector', 'class', 'iat', 'exp', 'singleUse', 'summary'];

function bad(field: string): never {
  throw new WritError('ERR_APPROVAL_MALFORMED', `approval field ${field} is invalid`, { details: { field } });
}

function text(value: unknown, field: string, max = 256): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) bad(field);
}

function pair(value: unknown, field: string, second: 'rule' | 'name'): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(field);
  const record = value as Record<string, unknown>;
  const digestKey = second === 'rule' ? 'digest' : 'schema';
  if (Object.keys(record).some((key) => key !== digestKey && key !== second) || !isDigest(record[digestKey])) bad(field);
  text(record[second], `${field}.${second}`);
}

function seconds(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) bad(field);
  return value;
}

/** Checks an approval payload from untrusted JSON. @throws WritError `ERR_APPROVAL_MALFORMED` */
export function parseApprovalPayload(value: unknown): ApprovalPayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('payload');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!FIELDS.includes(key)) bad(key);
  if (input.v !== 1) bad('v');
  text(input.id, 'id');
  text(input.approver, 'approver');
  text(input.role, 'role');
  if (!isDigest(input.intent)) bad('intent');
  pair(input.policy, 'policy', 'rule');
  if (input.connector !== undefined) pair(input.connector, 'connector', 'name');
  if (input.class !== undefined) text(input.class, 'class');
  if (seconds(input.exp, 'exp') <= seconds(input.iat, 'iat')) bad('exp');
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
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  const { signer } = options;
  if (typeof signer !== 'object' || signer === null || typeof signer.sign !== 'function' || typeof signer.keyId !== 'string') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'signer must be a Signer', { details: { parameter: 'signer' } });
  }
  const iat = Math.floor((options.now === undefined ? Date.now() : toMillis(options.now, 'now')) / 1000);
  const ttl = options.ttlSeconds ?? DEFAULT_APPROVAL_TTL_SECONDS;
  const draft = {
    v: 1,
    id: newTokenId(),
    approver: signer.keyId,
    role: options.role,
    intent: options.intent,
    policy: options.policy,
    connector: options.connector,
    class: options.actionClass,
    iat,
    exp: typeof ttl === 'number' && Number.isSafeInteger(ttl) && ttl > 0 ? iat + ttl : -1,
    singleUse: options.singleUse ?? true,
    summary: options.summary,
  };
  let bytes: Uint8Array;
  let payload: ApprovalPayload;
  try {
    bytes = canonicalBytes(draft);
    payload = parseApprovalPayload(JSON.parse(fromUtf8(bytes)));
  } catch (error) {
    if (!WritError.isInstance(error)) throw error;
    throw new WritError('ERR_INVALID_ARGUMENT', 'signApproval: an option is invalid', { details: error.details, cause: error });
  }
  const envelope = signEnvelope({ payloadType: APPROVAL_PAYLOAD_TYPE, payload: bytes, signers: [signer] });
  return { envelope, payload, digest: digestBytes(bytes) };
}

/**
 * Reads (without verifying) an approval: envelope object, JSON text or {@link Approval}.
 * @throws WritError `ERR_APPROVAL_MALFORMED`
 */
export function readApproval(value: unknown): Approval {
  let envelope: Envelope;
  let bytes: Uint8Array;
  let parsed: unknown;
  try {
    const raw: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    const candidate = typeof raw === 'object' && raw !== null && 'envelope' in raw ? (raw as Approval).envelope : raw;
    envelope = parseEnvelope(candidate);
    bytes = fromBase64Any(envelope.payload, 'payload');
    const json = fromUtf8(bytes);
    parsed = JSON.parse(json);
    if (canonicalize(parsed) !== json || envelope.payloadType !== APPROVAL_PAYLOAD_TYPE) throw new Error('not a canonical approval');
  } catch (error) {
    throw new WritError('ERR_APPROVAL_MALFORMED', 'approval is malformed', { cause: error });
  }
  return { envelope, payload: parseApprovalPayload(parsed), digest: digestBytes(bytes) };
}
