/**
 * The action token payload (ARCHITECTURE.md "Cryptography and formats") and its strict
 * parser. Times are whole seconds since the epoch (as in JWT), digests are `sha256:<hex>`.
 * The payload is signed as RFC 8785 canonical JSON inside a DSSE envelope of type
 * `application/vnd.writ.action-token+json`.
 */
import { isDigest } from '../crypto/digest.ts';
import type { Digest } from '../crypto/digest.ts';
import { WritError } from '../errors.ts';
import type { WritErrorCode } from '../errors.ts';
import { writPayloadType } from '../dsse/envelope.ts';
import { invalidArgument } from '../invalid-argument.ts';

/** DSSE payload type of action tokens. */
export const ACTION_TOKEN_PAYLOAD_TYPE = writPayloadType('action-token');

/** A scalar an argument may be pinned to. */
export type ArgumentScalar = string | number | boolean | null;

/** Bounds on one argument value (addressed by a dotted path into the call's arguments). */
export interface ArgumentBound {
  /** Numbers: inclusive lower bound. */
  readonly min?: number;
  /** Numbers: inclusive upper bound. */
  readonly max?: number;
  /** Strings and arrays: maximum length. */
  readonly maxLength?: number;
  /** The value must equal one of these scalars. */
  readonly oneOf?: readonly ArgumentScalar[];
}

/** Constraints the gateway enforces. Absent means "no limit" except where noted. */
export interface TokenConstraints {
  /** Expiry, seconds since epoch (required). */
  readonly exp: number;
  /** Not before, seconds since epoch (default: `iat`). */
  readonly nbf?: number;
  /** How many times the token may be used (default 1: single use). */
  readonly maxUses?: number;
  /** At most `count` uses per `perSeconds` (enforced by the gateway's counters). */
  readonly rate?: { readonly count: number; readonly perSeconds: number };
  /** Byte limits on the request and the response. */
  readonly bytes?: { readonly request?: number; readonly response?: number };
  /** Bounds per argument path, e.g. `{ "amount": { "max": 100 } }`. */
  readonly args?: Readonly<Record<string, ArgumentBound>>;
  /** Regions the call may run in. */
  readonly region?: readonly string[];
  /** Remaining delegation hops (default 0: cannot be delegated). */
  readonly hops?: number;
  /** May the call touch secrets (default false). */
  readonly secrets?: boolean;
}

/** The signed content of an action token. */
export interface ActionTokenPayload {
  /** Format version. */
  readonly v: 1;
  /** Unique id, also the single-use nonce. */
  readonly id: string;
  /** Custodian: the orchestrator instance that minted the token. */
  readonly iss: string;
  /** The agent the token is issued to. */
  readonly sub: string;
  /** Principal first, then each delegating subject (delegation chain). */
  readonly act?: readonly string[];
  /** Target systems that may accept the token. */
  readonly aud: readonly string[];
  /** Tool / action path; a trailing `.*` or `/*` matches a whole subtree. */
  readonly cmd: string;
  /** Resource; a trailing `*` makes it a prefix. Absent: any resource. */
  readonly resource?: string;
  /** Digest of the canonical intent the token releases. Absent only for scope tokens. */
  readonly intent?: Digest;
  /** Issued at, seconds since epoch. */
  readonly iat: number;
  readonly constraints: TokenConstraints;
  readonly policy?: { readonly digest: Digest; readonly decision: string };
  readonly basis?: { readonly digest: Digest; readonly score: number };
  /** Environment digest (model, tool versions, config). */
  readonly env?: Digest;
  /** Digests of the verified approvals this release relies on. */
  readonly approvals?: readonly Digest[];
  /** Digest of the parent token's payload (delegation). */
  readonly parent?: Digest;
  /** Human summary. Never enforced. */
  readonly summary?: string;
}

const MAX_ID = 256;
const MAX_LIST = 64;
const MAX_TEXT = 2048;
const MAX_TIME = 253402300799; // 9999-12-31T23:59:59Z

/** Validation failure raised as `code` with a generic message naming the field. */
export function fail(code: WritErrorCode, field: string): never {
  throw new WritError(code, `token field ${field} is invalid`, { details: { field } });
}

type Reader = Record<string, unknown>;

function isRecord(value: unknown): value is Reader {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Unknown fields are refused: a verifier must understand everything it is asked to honour.
function only(value: Reader, fields: readonly string[], where: { readonly at: string; readonly code: WritErrorCode }): void {
  for (const key of Object.keys(value)) if (!fields.includes(key)) fail(where.code, `${where.at}.${key}`);
}

/** Bounded non-empty string (identifiers: 256 characters). */
export function checkText(value: unknown, field: string, code: WritErrorCode): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID) fail(code, field);
  return value;
}

function longText(value: unknown, field: string, code: WritErrorCode): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) fail(code, field);
  return value;
}

function seconds(value: unknown, field: string, code: WritErrorCode): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_TIME) fail(code, field);
  return value;
}

function count(value: unknown, field: string, code: WritErrorCode): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(code, field);
  return value;
}

function textList(value: unknown, field: string, code: WritErrorCode): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST) fail(code, field);
  const list = value.map((item, index) => checkText(item, `${field}[${index}]`, code));
  if (new Set(list).size !== list.length) fail(code, field);
  return list;
}

function digestField(value: unknown, field: string, code: WritErrorCode): Digest {
  if (!isDigest(value)) fail(code, field);
  return value;
}

function isScalar(value: unknown): value is ArgumentScalar {
  return value === null || ['string', 'boolean'].includes(typeof value) || (typeof value === 'number' && Number.isFinite(value));
}

function parseBound(value: unknown, field: string, code: WritErrorCode): ArgumentBound {
  if (!isRecord(value)) fail(code, field);
  only(value, ['min', 'max', 'maxLength', 'oneOf'], { at: field, code });
  const { min, max, maxLength, oneOf } = value;
  if (min !== undefined && (typeof min !== 'number' || !Number.isFinite(min))) fail(code, `${field}.min`);
  if (max !== undefined && (typeof max !== 'number' || !Number.isFinite(max))) fail(code, `${field}.max`);
  if (maxLength !== undefined) count(maxLength, `${field}.maxLength`, code);
  if (oneOf !== undefined && (!Array.isArray(oneOf) || oneOf.length > MAX_LIST || !oneOf.every(isScalar))) fail(code, `${field}.oneOf`);
  if (min === undefined && max === undefined && maxLength === undefined && oneOf === undefined) fail(code, field);
  return value;
}

/** Checks constraints from untrusted input. @throws WritError `code` */
export function parseConstraints(value: unknown, code: WritErrorCode): TokenConstraints {
  const at = 'constraints';
  if (!isRecord(value)) fail(code, at);
  only(value, ['exp', 'nbf', 'maxUses', 'rate', 'bytes', 'args', 'region', 'hops', 'secrets'], { at, code });
  seconds(value.exp, `${at}.exp`, code);
  if (value.nbf !== undefined) seconds(value.nbf, `${at}.nbf`, code);
  if (value.maxUses !== undefined && count(value.maxUses, `${at}.maxUses`, code) < 1) fail(code, `${at}.maxUses`);
  if (value.rate !== undefined) {
    const rate = value.rate;
    if (!isRecord(rate)) fail(code, `${at}.rate`);
    only(rate, ['count', 'perSeconds'], { at: `${at}.rate`, code });
    if (count(rate.count, `${at}.rate.count`, code) < 1 || count(rate.perSeconds, `${at}.rate.perSeconds`, code) < 1) fail(code, `${at}.rate`);
  }
  if (value.bytes !== undefined) {
    const bytes = value.bytes;
    if (!isRecord(bytes)) fail(code, `${at}.bytes`);
    only(bytes, ['request', 'response'], { at: `${at}.bytes`, code });
    if (bytes.request !== undefined) count(bytes.request, `${at}.bytes.request`, code);
    if (bytes.response !== undefined) count(bytes.response, `${at}.bytes.response`, code);
  }
  if (value.args !== undefined) {
    const args = value.args;
    if (!isRecord(args) || Object.keys(args).length > MAX_LIST) fail(code, `${at}.args`);
    for (const path of Object.keys(args)) {
      checkText(path, `${at}.args`, code);
      parseBound(args[path], `${at}.args[${JSON.stringify(path)}]`, code);
    }
  }
  if (value.region !== undefined) textList(value.region, `${at}.region`, code);
  if (value.hops !== undefined) count(value.hops, `${at}.hops`, code);
  if (value.secrets !== undefined && typeof value.secrets !== 'boolean') fail(code, `${at}.secrets`);
  return value as unknown as TokenConstraints;
}

const FIELDS = ['v', 'id', 'iss', 'sub', 'act', 'aud', 'cmd', 'resource', 'intent', 'iat', 'constraints', 'policy', 'basis', 'env', 'approvals', 'parent', 'summary'];

/**
 * Checks an action token payload from untrusted JSON (every field, no unknown fields).
 * @throws WritError `code` (default `ERR_TOKEN_MALFORMED`) naming the field.
 */
export function parseTokenPayload(value: unknown, code: WritErrorCode = 'ERR_TOKEN_MALFORMED'): ActionTokenPayload {
  // `code` becomes the code of every error below: a non-code would make them unrecognisable.
  if (typeof code !== 'string' || !/^ERR_[A-Z0-9_]+$/.test(code)) throw invalidArgument('code', 'must be a WritError code');
  if (!isRecord(value)) fail(code, 'payload');
  only(value, FIELDS, { at: 'payload', code });
  if (value.v !== 1) fail(code, 'v');
  checkText(value.id, 'id', code);
  checkText(value.iss, 'iss', code);
  checkText(value.sub, 'sub', code);
  if (value.act !== undefined) textList(value.act, 'act', code);
  textList(value.aud, 'aud', code);
  checkText(value.cmd, 'cmd', code);
  if (value.resource !== undefined) longText(value.resource, 'resource', code);
  if (value.intent !== undefined) digestField(value.intent, 'intent', code);
  const iat = seconds(value.iat, 'iat', code);
  const constraints = parseConstraints(value.constraints, code);
  if (constraints.exp <= iat) fail(code, 'constraints.exp');
  if (value.policy !== undefined) {
    const policy = value.policy;
    if (!isRecord(policy)) fail(code, 'policy');
    only(policy, ['digest', 'decision'], { at: 'policy', code });
    digestField(policy.digest, 'policy.digest', code);
    checkText(policy.decision, 'policy.decision', code);
  }
  if (value.basis !== undefined) {
    const basis = value.basis;
    if (!isRecord(basis)) fail(code, 'basis');
    only(basis, ['digest', 'score'], { at: 'basis', code });
    digestField(basis.digest, 'basis.digest', code);
    if (typeof basis.score !== 'number' || !Number.isFinite(basis.score)) fail(code, 'basis.score');
  }
  if (value.env !== undefined) digestField(value.env, 'env', code);
  if (value.approvals !== undefined) {
    if (!Array.isArray(value.approvals) || value.approvals.length > MAX_LIST) fail(code, 'approvals');
    value.approvals.forEach((item, index) => digestField(item, `approvals[${index}]`, code));
  }
  if (value.parent !== undefined) digestField(value.parent, 'parent', code);
  if (value.summary !== undefined) longText(value.summary, 'summary', code);
  return value as unknown as ActionTokenPayload;
}
