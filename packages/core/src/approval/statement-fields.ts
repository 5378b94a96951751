/**
 * What approval, rejection and resolution statements share: field checks of untrusted payloads (with the
 * statement's name in the message), signing over canonical bytes after the payload has been
 * re-parsed the way a verifier will, and reading an envelope back with the canonical check.
 * Each statement keeps its own payload type, fields and parser.
 */
import { canonicalBytes, canonicalize } from '../canonical/canonicalize.ts';
import { digestBytes, isDigest } from '../crypto/digest.ts';
import type { Digest } from '../crypto/digest.ts';
import { fromBase64Any, fromUtf8 } from '../crypto/encoding.ts';
import type { Signer } from '../crypto/signer.ts';
import { parseEnvelope, signEnvelope } from '../dsse/envelope.ts';
import type { Envelope } from '../dsse/envelope.ts';
import { WritError } from '../errors.ts';
import { newTokenId } from '../token/mint-token.ts';
import { toMillis } from '../trust/time.ts';
import type { Instant } from '../trust/time.ts';

/** Default window of approvals, rejections and resolutions. */
export const DEFAULT_APPROVAL_TTL_SECONDS = 15 * 60;

/** A signed statement: envelope, checked payload and the digest of the signed bytes. */
export interface SignedStatement<P> {
  readonly envelope: Envelope;
  readonly payload: P;
  /** `sha256:` of the signed payload bytes. */
  readonly digest: Digest;
}

/** One kind of statement. */
export interface StatementKind<P> {
  /** `approval`, `rejection` or `resolution`: names the statement in errors. */
  readonly name: string;
  readonly payloadType: string;
  readonly parse: (value: unknown) => P;
}

/** Field checks that throw `ERR_APPROVAL_MALFORMED` naming the statement and the field. */
export interface FieldChecks {
  readonly bad: (field: string) => never;
  readonly text: (value: unknown, field: string, max?: number) => void;
  readonly seconds: (value: unknown, field: string) => number;
  /** `{digest, rule}` (policy) or `{schema, name}` (connector). */
  readonly pair: (value: unknown, field: string, second: 'rule' | 'name') => void;
}

/** Field checks for statements called `name`. */
export function fieldChecks(name: string): FieldChecks {
  const bad = (field: string): never => {
    throw new WritError('ERR_APPROVAL_MALFORMED', `${name} field ${field} is invalid`, { details: { field } });
  };
  const text = (value: unknown, field: string, max = 256): void => {
    if (typeof value !== 'string' || value.length === 0 || value.length > max) bad(field);
  };
  return {
    bad,
    text,
    seconds: (value, field) => {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) bad(field);
      return value as number;
    },
    pair: (value, field, second) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(field);
      const record = value as Record<string, unknown>;
      const digestKey = second === 'rule' ? 'digest' : 'schema';
      if (Object.keys(record).some((key) => key !== digestKey && key !== second) || !isDigest(record[digestKey])) bad(field);
      text(record[second], `${field}.${second}`);
    },
  };
}

/**
 * Checks the fields every statement has (object, only `fields`, v, id, approver, role,
 * iat < exp) and returns the object for the statement's own fields.
 */
export function checkBaseFields(value: unknown, fields: readonly string[], checks: FieldChecks): Record<string, unknown> {
  const { bad, text, seconds } = checks;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('payload');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!fields.includes(key)) bad(key);
  if (input.v !== 1) bad('v');
  text(input.id, 'id');
  text(input.approver, 'approver');
  text(input.role, 'role');
  if (seconds(input.exp, 'exp') <= seconds(input.iat, 'iat')) bad('exp');
  return input;
}

/**
 * Checks the fields every statement about a pending request has: the base fields
 * ({@link checkBaseFields}) plus the intent digest and the policy `{digest, rule}`.
 */
export function checkCommonFields(value: unknown, fields: readonly string[], checks: FieldChecks): Record<string, unknown> {
  const input = checkBaseFields(value, fields, checks);
  if (!isDigest(input.intent)) checks.bad('intent');
  checks.pair(input.policy, 'policy', 'rule');
  return input;
}

/** Options every statement's signer takes. */
export interface StatementSignOptions {
  readonly signer: Signer;
  readonly now?: Instant;
  readonly ttlSeconds?: number;
}

/**
 * Signs a statement: `fields` gets `v`, a fresh `id`, `approver` (the signer's key id), `iat`
 * and `exp` from the options; the canonical bytes are parsed back with the kind's parser first.
 * @throws WritError `ERR_INVALID_ARGUMENT` naming the offending option or field.
 */
export function signStatement<P, O extends StatementSignOptions>(kind: StatementKind<P>, options: O, fields: (options: O) => Record<string, unknown>): SignedStatement<P> {
  const fn = `sign${kind.name[0]!.toUpperCase()}${kind.name.slice(1)}`;
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  const { signer } = options;
  if (typeof signer !== 'object' || signer === null || typeof signer.sign !== 'function' || typeof signer.keyId !== 'string') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'signer must be a Signer', { details: { parameter: 'signer' } });
  }
  const iat = Math.floor((options.now === undefined ? Date.now() : toMillis(options.now, 'now')) / 1000);
  const ttl = options.ttlSeconds ?? DEFAULT_APPROVAL_TTL_SECONDS;
  const exp = typeof ttl === 'number' && Number.isSafeInteger(ttl) && ttl > 0 ? iat + ttl : -1;
  let bytes: Uint8Array;
  let payload: P;
  try {
    const own = fields(options);
    bytes = canonicalBytes({ v: 1, id: newTokenId(), approver: signer.keyId, ...own, iat, exp });
    payload = kind.parse(JSON.parse(fromUtf8(bytes)));
  } catch (error) {
    if (!WritError.isInstance(error)) throw error;
    throw new WritError('ERR_INVALID_ARGUMENT', `${fn}: an option is invalid`, { details: error.details, cause: error });
  }
  const envelope = signEnvelope({ payloadType: kind.payloadType, payload: bytes, signers: [signer] });
  return { envelope, payload, digest: digestBytes(bytes) };
}

/**
 * Reads (without verifying) a statement: envelope object, JSON text or a signed statement. An
 * envelope of another payload type, or with non-canonical payload bytes, is malformed.
 * @throws WritError `ERR_APPROVAL_MALFORMED`
 */
export function readStatement<P>(kind: StatementKind<P>, value: unknown): SignedStatement<P> {
  let envelope: Envelope;
  let bytes: Uint8Array;
  let parsed: unknown;
  try {
    const raw: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    const candidate = typeof raw === 'object' && raw !== null && 'envelope' in raw ? raw.envelope : raw;
    envelope = parseEnvelope(candidate);
    if (envelope.payloadType !== kind.payloadType) throw new Error(`not ${kind.name === 'approval' ? 'an' : 'a'} ${kind.name}`);
    bytes = fromBase64Any(envelope.payload, 'payload');
    const json = fromUtf8(bytes);
    parsed = JSON.parse(json);
    if (canonicalize(parsed) !== json) throw new Error(`not a canonical ${kind.name}`);
  } catch (error) {
    throw new WritError('ERR_APPROVAL_MALFORMED', `${kind.name} is malformed`, { cause: error });
  }
  return { envelope, payload: kind.parse(parsed), digest: digestBytes(bytes) };
}
