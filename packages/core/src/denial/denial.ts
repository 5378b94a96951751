/**
 * Denial artifacts: a signed record of a refused request, so denials are as auditable as
 * releases (seed 000: "the log of denied requests is where suspicious behavior hides").
 * DSSE envelope of type `application/vnd.writ.denial+json` over canonical JSON.
 */
import { canonicalBytes, canonicalize } from '../canonical/canonicalize.ts';
import { digestBytes, isDigest } from '../crypto/digest.ts';
import type { Digest } from '../crypto/digest.ts';
import type { Ed25519Backend } from '../crypto/ed25519-backend.ts';
import { fromBase64Any, fromUtf8 } from '../crypto/encoding.ts';
import type { Signer } from '../crypto/signer.ts';
import { parseEnvelope, signEnvelope, verifyEnvelope, writPayloadType } from '../dsse/envelope.ts';
import type { Envelope } from '../dsse/envelope.ts';
import { WritError } from '../errors.ts';
import { toMillis } from '../trust/time.ts';
import type { Instant } from '../trust/time.ts';
import { TrustRoot } from '../trust/trust-root.ts';
import type { KeyRole } from '../trust/trust-root.ts';
import { newTokenId } from '../token/mint-token.ts';

/** DSSE payload type of denials. */
export const DENIAL_PAYLOAD_TYPE = writPayloadType('denial');

/** Which stage refused. */
export type DenialStage = 'policy' | 'approval' | 'basis' | 'budget' | 'gateway' | 'firewall';
const STAGES: readonly DenialStage[] = ['policy', 'approval', 'basis', 'budget', 'gateway', 'firewall'];

/** One reason: a stable code (e.g. `basis.tainted-argument`) and optional human text. */
export interface DenialReason {
  readonly code: string;
  readonly message?: string;
}

/** The signed content of a denial. */
export interface DenialPayload {
  readonly v: 1;
  readonly id: string;
  /** Custodian that refused. */
  readonly iss: string;
  /** The agent whose request was refused. */
  readonly sub: string;
  readonly act?: readonly string[];
  readonly aud?: readonly string[];
  readonly cmd: string;
  readonly resource?: string;
  /** Digest of the canonical intent that was refused. */
  readonly intent: Digest;
  /** Refused at, seconds since epoch. */
  readonly iat: number;
  readonly stage: DenialStage;
  readonly reasons: readonly DenialReason[];
  readonly policy?: { readonly digest: Digest; readonly decision: string };
  readonly basis?: { readonly digest: Digest; readonly score: number };
  readonly env?: Digest;
  readonly summary?: string;
}

/** A signed denial. */
export interface Denial {
  readonly envelope: Envelope;
  readonly payload: DenialPayload;
  readonly digest: Digest;
}

const FIELDS = ['v', 'id', 'iss', 'sub', 'act', 'aud', 'cmd', 'resource', 'intent', 'iat', 'stage', 'reasons', 'policy', 'basis', 'env', 'summary'];

function bad(field: string): never {
  throw new WritError('ERR_DENIAL_MALFORMED', `denial field ${field} is invalid`, { details: { field } });
}

function text(value: unknown, field: string, max = 256): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) bad(field);
}

function list(value: unknown, field: string): void {
  if (!Array.isArray(value) || value.length === 0 || value.length > 64) bad(field);
  value.forEach((item, index) => text(item, `${field}[${index}]`));
}

function digestPair(value: unknown, field: string, second: 'decision' | 'score'): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(field);
  const record = value as Record<string, unknown>;
  if (Object.keys(record).some((key) => key !== 'digest' && key !== second) || !isDigest(record.digest)) bad(field);
  if (second === 'decision') text(record.decision, `${field}.decision`);
  else if (typeof record.score !== 'number' || !Number.isFinite(record.score)) bad(`${field}.score`);
}

/** Checks a denial payload from untrusted JSON. @throws WritError `ERR_DENIAL_MALFORMED` */
export function parseDenialPayload(value: unknown): DenialPayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('payload');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!FIELDS.includes(key)) bad(key);
  if (input.v !== 1) bad('v');
  text(input.id, 'id');
  text(input.iss, 'iss');
  text(input.sub, 'sub');
  if (input.act !== undefined) list(input.act, 'act');
  if (input.aud !== undefined) list(input.aud, 'aud');
  text(input.cmd, 'cmd');
  if (input.resource !== undefined) text(input.resource, 'resource', 2048);
  if (!isDigest(input.intent)) bad('intent');
  if (typeof input.iat !== 'number' || !Number.isSafeInteger(input.iat) || input.iat < 0) bad('iat');
  if (!STAGES.includes(input.stage as DenialStage)) bad('stage');
  const reasons = input.reasons;
  if (!Array.isArray(reasons) || reasons.length === 0 || reasons.length > 64) bad('reasons');
  reasons.forEach((reason: unknown, index) => {
    if (typeof reason !== 'object' || reason === null || Array.isArray(reason)) bad(`reasons[${index}]`);
    const record = reason as Record<string, unknown>;
    if (Object.keys(record).some((key) => key !== 'code' && key !== 'message')) bad(`reasons[${index}]`);
    text(record.code, `reasons[${index}].code`);
    if (record.message !== undefined) text(record.message, `reasons[${index}].message`, 2048);
  });
  if (input.policy !== undefined) digestPair(input.policy, 'policy', 'decision');
  if (input.basis !== undefined) digestPair(input.basis, 'basis', 'score');
  if (input.env !== undefined && !isDigest(input.env)) bad('env');
  if (input.summary !== undefined) text(input.summary, 'summary', 2048);
  return value as DenialPayload;
}

/** Options for {@link signDenial}. */
export interface SignDenialOptions {
  /** Authority (or gateway) key. */
  readonly signer: Signer;
  readonly issuer: string;
  readonly subject: string;
  readonly actor?: readonly string[];
  readonly audience?: readonly string[];
  readonly command: string;
  readonly resource?: string;
  readonly intent: Digest;
  readonly stage: DenialStage;
  readonly reasons: readonly DenialReason[];
  readonly policy?: DenialPayload['policy'];
  readonly basis?: DenialPayload['basis'];
  readonly env?: Digest;
  readonly summary?: string;
  /** Refusal time (default: now). */
  readonly now?: Instant;
  readonly id?: string;
}

/**
 * Signs a denial artifact.
 * @throws WritError `ERR_INVALID_ARGUMENT` naming the offending field.
 */
export function signDenial(options: SignDenialOptions): Denial {
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  const { signer } = options;
  if (typeof signer !== 'object' || signer === null || typeof signer.sign !== 'function' || typeof signer.keyId !== 'string') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'signer must be a Signer', { details: { parameter: 'signer' } });
  }
  const draft = {
    v: 1,
    id: options.id ?? newTokenId(),
    iss: options.issuer,
    sub: options.subject,
    act: options.actor,
    aud: options.audience,
    cmd: options.command,
    resource: options.resource,
    intent: options.intent,
    iat: Math.floor((options.now === undefined ? Date.now() : toMillis(options.now, 'now')) / 1000),
    stage: options.stage,
    reasons: options.reasons,
    policy: options.policy,
    basis: options.basis,
    env: options.env,
    summary: options.summary,
  };
  let payload: DenialPayload;
  let bytes: Uint8Array;
  try {
    bytes = canonicalBytes(draft);
    payload = parseDenialPayload(JSON.parse(fromUtf8(bytes)));
  } catch (error) {
    if (!WritError.isInstance(error)) throw error;
    throw new WritError('ERR_INVALID_ARGUMENT', 'signDenial: an option is invalid', { details: error.details, cause: error });
  }
  const envelope = signEnvelope({ payloadType: DENIAL_PAYLOAD_TYPE, payload: bytes, signers: [signer] });
  return { envelope, payload, digest: digestBytes(bytes) };
}

/** Options for {@link verifyDenial}. */
export interface VerifyDenialOptions {
  readonly trustRoot: TrustRoot;
  /** Roles allowed to sign denials (default: authority and gateway). */
  readonly roles?: readonly KeyRole[];
  readonly backend?: Ed25519Backend;
}

/**
 * Verifies a denial: canonical payload, signature by a key valid (for one of `roles`) at
 * the refusal time. Denials do not expire.
 * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_DENIAL_MALFORMED`, `ERR_SIGNATURE_INVALID`, `ERR_KEY_*`.
 */
export function verifyDenial(denial: unknown, options: VerifyDenialOptions): Denial {
  if (typeof options !== 'object' || options === null || !(options.trustRoot instanceof TrustRoot)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options.trustRoot must be a TrustRoot', { details: { parameter: 'trustRoot' } });
  }
  let envelope: Envelope;
  let value: unknown;
  let bytes: Uint8Array;
  try {
    envelope = parseEnvelope(typeof denial === 'string' ? JSON.parse(denial) : (denial as Denial | undefined)?.envelope ?? denial);
    bytes = fromBase64Any(envelope.payload, 'payload');
    const json = fromUtf8(bytes);
    value = JSON.parse(json);
    if (canonicalize(value) !== json || envelope.payloadType !== DENIAL_PAYLOAD_TYPE) throw new Error('not a canonical denial');
  } catch (error) {
    throw new WritError('ERR_DENIAL_MALFORMED', 'denial is malformed', { cause: error });
  }
  const payload = parseDenialPayload(value);
  const roles = options.roles ?? ['authority', 'gateway'];
  const at = new Date(payload.iat * 1000);
  verifyEnvelope(envelope, {
    payloadType: DENIAL_PAYLOAD_TYPE,
    keys: (keyId) => {
      let firstError: unknown;
      for (const role of roles) {
        try {
          return options.trustRoot.checkKey({ keyId, role, at }).publicKeyBytes;
        } catch (error) {
          firstError ??= error;
        }
      }
      throw firstError;
    },
    ...(options.backend ? { backend: options.backend } : {}),
  });
  return { envelope, payload, digest: digestBytes(bytes) };
}
