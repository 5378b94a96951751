/**
 * The trust root: a versioned document listing every key Writ accepts, with its roles,
 * owner, validity window and status. Every verification asks it one question —
 * "was this key valid for this role at the signing time?" ({@link TrustRoot.checkKey}).
 *
 * A retired key's earlier signatures stay valid; a compromised key's signatures at or
 * after the compromise time fail with `ERR_KEY_COMPROMISED`. Note the limit of any such
 * scheme: the holder of a compromised key can claim an earlier signing time, so high-value
 * artifacts should have their time anchored elsewhere (the transcript's signed checkpoints).
 */
import { canonicalize } from '../canonical/canonicalize.ts';
import { digest } from '../crypto/digest.ts';
import type { Digest } from '../crypto/digest.ts';
import { fromBase64Url } from '../crypto/encoding.ts';
import { keyIdOf } from '../crypto/keys.ts';
import { WritError } from '../errors.ts';
import { isTimestamp, toMillis } from './time.ts';
import type { Instant } from './time.ts';

/** What a key may sign. `ledger` keys sign transcript checkpoints. */
export type KeyRole = 'root' | 'authority' | 'approver' | 'gateway' | 'auditor' | 'ledger';
/** Lifecycle state of a key. */
export type KeyStatus = 'active' | 'retired' | 'compromised';

/** All key roles. */
export const KEY_ROLES: readonly KeyRole[] = ['root', 'authority', 'approver', 'gateway', 'auditor', 'ledger'];

/** One key as written in a trust-root document. */
export interface TrustRootKeyEntry {
  /** {@link keyIdOf} the public key. */
  readonly keyId: string;
  /** Ed25519 public key, base64url without padding. */
  readonly publicKey: string;
  readonly roles: readonly KeyRole[];
  /** Person, team or service accountable for the key. */
  readonly owner: string;
  /** For approver keys: the business roles the owner approves as (e.g. `finance`, `security`). */
  readonly approvalRoles?: readonly string[];
  /** RFC 3339; signatures before this instant are refused. */
  readonly validFrom: string;
  /** RFC 3339, exclusive; signatures at or after it are refused. */
  readonly validUntil?: string;
  readonly status: KeyStatus;
  /** RFC 3339; required when status is `retired` (retired at) or `compromised` (compromised since). */
  readonly since?: string;
}

/** The signed content of one trust-root version. */
export interface TrustRootDocument {
  readonly type: 'writ.trust-root/v1';
  /** 1, 2, 3, ... — each version is signed by a threshold of the previous version's root keys. */
  readonly version: number;
  readonly issuedAt: string;
  readonly expiresAt?: string;
  /** Root signatures required on this version and on the next one (TUF `threshold`). */
  readonly threshold: number;
  readonly keys: readonly TrustRootKeyEntry[];
}

/** A key record with its public key decoded, as returned by {@link TrustRoot.checkKey}. */
export interface TrustedKeyRecord extends TrustRootKeyEntry {
  readonly publicKeyBytes: Uint8Array;
}

/** Options for {@link TrustRoot.checkKey}. */
export interface CheckKeyOptions {
  readonly keyId: string;
  readonly role: KeyRole;
  /** The signing time being vouched for (not the verification time). */
  readonly at: Instant;
}

const MAX_KEYS = 1024;
const MAX_TEXT = 256;

function invalid(reason: string): WritError {
  return new WritError('ERR_TRUST_ROOT_INVALID', `trust root is invalid: ${reason}`);
}

function text(value: unknown, name: string, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw invalid(`${name} must be a non-empty string`);
  return value;
}

function timestamp(value: unknown, name: string): string {
  if (!isTimestamp(value)) throw invalid(`${name} must be an RFC 3339 timestamp`);
  return value;
}

const KEY_FIELDS = new Set(['keyId', 'publicKey', 'roles', 'owner', 'approvalRoles', 'validFrom', 'validUntil', 'status', 'since']);
const DOCUMENT_FIELDS = new Set(['type', 'version', 'issuedAt', 'expiresAt', 'threshold', 'keys']);

// Unknown fields are refused: a verifier must understand everything it is asked to trust.
function knownFields(value: Record<string, unknown>, fields: ReadonlySet<string>, at: string): void {
  for (const field of Object.keys(value)) if (!fields.has(field)) throw invalid(`${at} has unknown field ${JSON.stringify(field)}`);
}

function parseKey(value: unknown, index: number): TrustedKeyRecord {
  const at = `keys[${index}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${at} must be an object`);
  const entry = value as Record<string, unknown>;
  knownFields(entry, KEY_FIELDS, at);
  const keyId = text(entry.keyId, `${at}.keyId`);
  const publicKey = text(entry.publicKey, `${at}.publicKey`);
  let publicKeyBytes: Uint8Array;
  try {
    publicKeyBytes = fromBase64Url(publicKey);
  } catch {
    throw invalid(`${at}.publicKey must be base64url`);
  }
  if (publicKeyBytes.length !== 32 || keyIdOf(publicKeyBytes) !== keyId) throw invalid(`${at}.keyId does not match its public key`);
  const roles = entry.roles;
  if (!Array.isArray(roles) || roles.length === 0 || roles.some((role) => !KEY_ROLES.includes(role as KeyRole))) {
    throw invalid(`${at}.roles must list known roles`);
  }
  if (new Set(roles).size !== roles.length) throw invalid(`${at}.roles has duplicates`);
  const approvalRoles = entry.approvalRoles;
  if (approvalRoles !== undefined && (!Array.isArray(approvalRoles) || approvalRoles.length > 64)) {
    throw invalid(`${at}.approvalRoles must be a list`);
  }
  approvalRoles?.forEach((role, roleIndex) => text(role, `${at}.approvalRoles[${roleIndex}]`));
  const status = entry.status;
  if (status !== 'active' && status !== 'retired' && status !== 'compromised') throw invalid(`${at}.status`);
  if (status !== 'active') timestamp(entry.since, `${at}.since`);
  else if (entry.since !== undefined) throw invalid(`${at}.since is only for retired or compromised keys`);
  const validFrom = timestamp(entry.validFrom, `${at}.validFrom`);
  if (entry.validUntil !== undefined) timestamp(entry.validUntil, `${at}.validUntil`);
  return {
    keyId,
    publicKey,
    publicKeyBytes,
    roles: [...(roles as KeyRole[])],
    owner: text(entry.owner, `${at}.owner`),
    ...(approvalRoles === undefined ? {} : { approvalRoles: [...(approvalRoles as string[])] }),
    validFrom,
    ...(entry.validUntil === undefined ? {} : { validUntil: entry.validUntil as string }),
    status,
    ...(entry.since === undefined ? {} : { since: entry.since as string }),
  };
}

/** Checks a trust-root document from untrusted JSON. @throws WritError `ERR_TRUST_ROOT_INVALID` */
export function parseTrustRootDocument(value: unknown): { document: TrustRootDocument; keys: Map<string, TrustedKeyRecord> } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('not an object');
  const input = value as Record<string, unknown>;
  knownFields(input, DOCUMENT_FIELDS, 'document');
  if (input.type !== 'writ.trust-root/v1') throw invalid('type must be writ.trust-root/v1');
  const version = input.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) throw invalid('version must be a positive integer');
  const issuedAt = timestamp(input.issuedAt, 'issuedAt');
  if (input.expiresAt !== undefined) timestamp(input.expiresAt, 'expiresAt');
  if (!Array.isArray(input.keys) || input.keys.length === 0 || input.keys.length > MAX_KEYS) throw invalid('keys must be a non-empty list');
  const keys = new Map<string, TrustedKeyRecord>();
  input.keys.forEach((entry: unknown, index) => {
    const record = parseKey(entry, index);
    if (keys.has(record.keyId)) throw invalid(`keys[${index}] duplicates key ${record.keyId}`);
    keys.set(record.keyId, record);
  });
  const threshold = input.threshold;
  const roots = [...keys.values()].filter((key) => key.roles.includes('root') && key.status === 'active').length;
  if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 1 || threshold > roots) {
    throw invalid('threshold must be between 1 and the number of active root keys');
  }
  const document: TrustRootDocument = {
    type: 'writ.trust-root/v1',
    version,
    issuedAt,
    ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt as string }),
    threshold,
    keys: [...keys.values()].map(({ publicKeyBytes: _bytes, ...entry }) => entry),
  };
  return { document, keys };
}

/**
 * A parsed, trusted trust-root version. Build one with {@link createTrustRoot} (a document
 * you already trust) or {@link verifyTrustRootChain} (signed versions from an anchor).
 */
export class TrustRoot {
  readonly document: TrustRootDocument;
  /** `sha256:` of the canonical document — what a pin refers to. */
  readonly digest: Digest;
  readonly #keys: Map<string, TrustedKeyRecord>;

  private constructor(document: TrustRootDocument, keys: Map<string, TrustedKeyRecord>) {
    this.document = document;
    this.digest = digest(document);
    this.#keys = keys;
  }

  /** @internal Use {@link createTrustRoot}. */
  static fromDocument(value: unknown): TrustRoot {
    const { document, keys } = parseTrustRootDocument(value);
    return new TrustRoot(document, keys);
  }

  get version(): number {
    return this.document.version;
  }

  /** The record of `keyId`, whatever its status, or `undefined`. */
  key(keyId: string): TrustedKeyRecord | undefined {
    return typeof keyId === 'string' ? this.#keys.get(keyId) : undefined;
  }

  /** All key records, optionally only those holding `role`. */
  keys(role?: KeyRole): TrustedKeyRecord[] {
    const all = [...this.#keys.values()];
    return role === undefined ? all : all.filter((key) => key.roles.includes(role));
  }

  /**
   * Was `keyId` valid for `role` at `at` (the signing time)? Returns its record or throws.
   * @throws WritError `ERR_INVALID_ARGUMENT` (bad options), `ERR_KEY_UNKNOWN`, `ERR_KEY_ROLE_MISMATCH`,
   *   `ERR_KEY_COMPROMISED` (at or after the compromise time), `ERR_KEY_NOT_VALID_AT`
   *   (before `validFrom`, at/after `validUntil`, or at/after retirement).
   * @example
   * ```ts
   * const key = trustRoot.checkKey({ keyId, role: 'authority', at: token.issuedAt });
   * ```
   */
  checkKey(options: CheckKeyOptions): TrustedKeyRecord {
    if (typeof options !== 'object' || options === null) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
    }
    const at = toMillis(options.at, 'at');
    if (!KEY_ROLES.includes(options.role)) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'role must be a key role', { details: { parameter: 'role' } });
    }
    const key = this.key(options.keyId);
    if (!key) throw new WritError('ERR_KEY_UNKNOWN', 'key is not in the trust root');
    if (!key.roles.includes(options.role)) throw new WritError('ERR_KEY_ROLE_MISMATCH', 'key does not hold the required role');
    if (key.status === 'compromised' && at >= Date.parse(key.since!)) {
      throw new WritError('ERR_KEY_COMPROMISED', 'key was compromised at the signing time');
    }
    const retiredAt = key.status === 'retired' ? Date.parse(key.since!) : Infinity;
    const until = key.validUntil === undefined ? Infinity : Date.parse(key.validUntil);
    if (at < Date.parse(key.validFrom) || at >= Math.min(until, retiredAt)) {
      throw new WritError('ERR_KEY_NOT_VALID_AT', 'key was not valid at the signing time');
    }
    return key;
  }

  /** A resolver for {@link verifyEnvelope}: keys valid for `role` at `at`. */
  resolver(options: { readonly role: KeyRole; readonly at: Instant }): (keyId: string) => Uint8Array {
    return (keyId) => this.checkKey({ keyId, role: options.role, at: options.at }).publicKeyBytes;
  }

  /** The canonical JSON of the document. */
  toJSON(): TrustRootDocument {
    return this.document;
  }

  toString(): string {
    return canonicalize(this.document);
  }
}

/**
 * A {@link TrustRoot} from a document you already trust (e.g. shipped with the app).
 * For a signed, rotated history use {@link verifyTrustRootChain}.
 * @throws WritError `ERR_TRUST_ROOT_INVALID`
 */
export function createTrustRoot(document: TrustRootDocument): TrustRoot {
  return TrustRoot.fromDocument(document);
}
