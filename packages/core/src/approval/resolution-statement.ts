/**
 * Resolution statements: an approver who checked the target of a release left without an
 * outcome (a crash between release and outcome, `release-unfinished`) signs what they found —
 * `executed` or `not-executed` — for that one token, with their own key. Its own DSSE payload
 * type (`application/vnd.writ.resolution+json`): the type is bound into the signature (PAE), so a
 * resolution is never read as an approval or a rejection, nor either of them as a resolution
 * (docs/decisions/0013-signed-rejection-payload-type.md, 0039-signed-release-resolutions.md).
 */
import type { Signer } from '../crypto/signer.ts';
import { writPayloadType } from '../dsse/envelope.ts';
import type { Instant } from '../trust/time.ts';
import { checkBaseFields, fieldChecks, readStatement, signStatement } from './statement-fields.ts';
import type { SignedStatement, StatementKind } from './statement-fields.ts';

/** DSSE payload type of resolutions. */
export const RESOLUTION_PAYLOAD_TYPE = writPayloadType('resolution');

/** Most characters of a resolution's note (as `resolveUnfinished` takes one unsigned). */
export const MAX_RESOLUTION_NOTE = 4096;

/** What the resolver found: the release's effect happened, or it did not. */
export type ResolutionOutcome = 'executed' | 'not-executed';

/** The signed content of a resolution. */
export interface ResolutionPayload {
  readonly v: 1;
  readonly id: string;
  /** Key id of the approver's key (role `approver` in the trust root). */
  readonly approver: string;
  /** The business role the approver acts in (one of the key's `approvalRoles`). */
  readonly role: string;
  /** The token of the unfinished release resolved. */
  readonly tokenId: string;
  readonly outcome: ResolutionOutcome;
  /** What was checked, for people (a payment reference, "no email in the outbox"). */
  readonly note?: string;
  /** Issued at and end of the window in which it may be submitted, seconds since epoch. */
  readonly iat: number;
  readonly exp: number;
}

/** A signed resolution. */
export type Resolution = SignedStatement<ResolutionPayload>;

const FIELDS = ['v', 'id', 'approver', 'role', 'tokenId', 'outcome', 'note', 'iat', 'exp'];

const checks = fieldChecks('resolution');

/** Checks a resolution payload from untrusted JSON. @throws WritError `ERR_APPROVAL_MALFORMED` */
export function parseResolutionPayload(value: unknown): ResolutionPayload {
  const { bad, text } = checks;
  const input = checkBaseFields(value, FIELDS, checks);
  text(input.tokenId, 'tokenId');
  if (input.outcome !== 'executed' && input.outcome !== 'not-executed') bad('outcome');
  if (input.note !== undefined) text(input.note, 'note', MAX_RESOLUTION_NOTE);
  return value as ResolutionPayload;
}

/** Options for {@link signResolution}. */
export interface SignResolutionOptions {
  /** The approver's key. */
  readonly signer: Signer;
  readonly role: string;
  /** The token of the unfinished release (`UnfinishedRelease.tokenId`). */
  readonly tokenId: string;
  readonly outcome: ResolutionOutcome;
  /** 1 to 4096 characters. */
  readonly note?: string;
  /** Signing time (default: now). */
  readonly now?: Instant;
  /** Submission window length (default 15 minutes). */
  readonly ttlSeconds?: number;
}

/**
 * Signs a resolution statement with the approver's key.
 * @throws WritError `ERR_INVALID_ARGUMENT` naming the offending field.
 * @example
 * ```ts
 * const resolution = signResolution({ signer: opsSigner, role: 'ops', tokenId: release.tokenId,
 *   outcome: 'not-executed', note: 'no refund at the bank' });
 * await firewall.resolveUnfinished(release.tokenId, { statement: resolution.envelope });
 * ```
 */
export function signResolution(options: SignResolutionOptions): Resolution {
  return signStatement(RESOLUTION, options, (o: SignResolutionOptions) => ({
    role: o.role,
    tokenId: o.tokenId,
    outcome: o.outcome,
    note: o.note,
  }));
}

/**
 * Reads (without verifying) a resolution: envelope object, JSON text or {@link Resolution}.
 * Anything of another payload type (an approval or a rejection included) is malformed here.
 * @throws WritError `ERR_APPROVAL_MALFORMED`
 */
export function readResolution(value: unknown): Resolution {
  return readStatement(RESOLUTION, value);
}

const RESOLUTION: StatementKind<ResolutionPayload> = { name: 'resolution', payloadType: RESOLUTION_PAYLOAD_TYPE, parse: parseResolutionPayload };

/** The `by` of a `release-resolved` entry made from a verified resolution: `approver:<keyId> as <role>`. */
export function resolutionBy(payload: Pick<ResolutionPayload, 'approver' | 'role'>): string {
  return `approver:${payload.approver} as ${payload.role}`;
}
