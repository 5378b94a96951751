/**
 * Rejection statements: an approver refuses a pending request by signing a narrow statement
 * over the canonical intent digest with their own key. A separate DSSE payload type
 * (`application/vnd.writ.rejection+json`) from approvals: the payload type is bound into the
 * DSSE signature (PAE), so a rejection can never be read, verified or counted as an approval,
 * and an approval signed before rejections existed can never be read as a rejection
 * (docs/decisions/0013-signed-rejection-payload-type.md).
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
import { DEFAULT_APPROVAL_TTL_SECONDS } from './approval-statement.ts';

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
export interface Rejection {
  readonly envelope: Envelope;
  readonly payload: RejectionPayload;
  /** `sha256:` of the signed payload bytes. */
  readonly digest: Digest;
}

const FIELDS = ['v', 'id', 'approver', 'role', 'intent', 'policy', 'iat', 'exp', 'reason', 'summary'];

function bad(field: string): never {
  throw new WritError('ERR_APPROVAL_MALFORMED', `rejection field ${field} is invalid`, { details: { field } });
}

function text(value: unknown, field: string, max = 256): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) bad(field);
}

function seconds(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) bad(field);
  return value;
}

/** Checks a rejection payload from untrusted JSON. @throws WritError `ERR_APPROVAL_MALFORMED` */
export function parseRejectionPayload(value: unknown): RejectionPayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('payload');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!FIELDS.includes(key)) bad(key);
  if (input.v !== 1) bad('v');
  text(input.id, 'id');
  text(input.approver, 'approver');
  text(input.role, 'role');
  if (!isDigest(input.intent)) bad('intent');
  const policy = input.policy as Record<string, unknown> | null;
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) bad('policy');
  if (Object.keys(policy).some((key) => key !== 'digest' && key !== 'rule') || !isDigest(policy.digest)) bad('policy');
  text(policy.rule, 'policy.rule');
  if (seconds(input.exp, 'exp') <= seconds(input.iat, 'iat')) bad('exp');
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
    iat,
    exp: typeof ttl === 'number' && Number.isSafeInteger(ttl) && ttl > 0 ? iat + ttl : -1,
    reason: options.reason,
    summary: options.summary,
  };
  let bytes: Uint8Array;
  let payload: RejectionPayload;
  try {
    bytes = canonicalBytes(draft);
    payload = parseRejectionPayload(JSON.parse(fromUtf8(bytes)));
  } catch (error) {
    if (!WritError.isInstance(error)) throw error;
    throw new WritError('ERR_INVALID_ARGUMENT', 'signRejection: an option is invalid', { details: error.details, cause: error });
  }
  const envelope = signEnvelope({ payloadType: REJECTION_PAYLOAD_TYPE, payload: bytes, signers: [signer] });
  return { envelope, payload, digest: digestBytes(bytes) };
}

/**
 * Reads (without verifying) a rejection: envelope object, JSON text or {@link Rejection}.
 * Anything of another payload type (an approval included) is malformed here.
 * @throws WritError `ERR_APPROVAL_MALFORMED`
 */
export function readRejection(value: unknown): Rejection {
  let envelope: Envelope;
  let bytes: Uint8Array;
  let parsed: unknown;
  try {
    const raw: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    const candidate = typeof raw === 'object' && raw !== null && 'envelope' in raw ? (raw as Rejection).envelope : raw;
    envelope = parseEnvelope(candidate);
    if (envelope.payloadType !== REJECTION_PAYLOAD_TYPE) throw new Error('not a rejection');
    bytes = fromBase64Any(envelope.payload, 'payload');
    const json = fromUtf8(bytes);
    parsed = JSON.parse(json);
    if (canonicalize(parsed) !== json) throw new Error('not a canonical rejection');
  } catch (error) {
    throw new WritError('ERR_APPROVAL_MALFORMED', 'rejection is malformed', { cause: error });
  }
  return { envelope, payload: parseRejectionPayload(parsed), digest: digestBytes(bytes) };
}

/** True when `value` is a DSSE envelope object whose payload type is a rejection's (not verified). */
export function isRejectionEnvelope(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { payloadType?: unknown }).payloadType === REJECTION_PAYLOAD_TYPE;
}
