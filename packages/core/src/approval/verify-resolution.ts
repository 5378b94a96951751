/**
 * Verifying resolution statements. Checked like rejections: the approver key valid for role
 * `approver` when signed (and not compromised inside the window), the claimed role held, the
 * signature under the resolution payload type, then the token (and the outcome, when the caller
 * expects one) and the window. Approvals and rejections are malformed here (another payload type).
 */
import type { Ed25519Backend } from '../crypto/ed25519-backend.ts';
import { WritError } from '../errors.ts';
import { toMillis } from '../trust/time.ts';
import type { Instant } from '../trust/time.ts';
import { TrustRoot } from '../trust/trust-root.ts';
import type { TrustedKeyRecord } from '../trust/trust-root.ts';
import { RESOLUTION_PAYLOAD_TYPE, readResolution } from './resolution-statement.ts';
import type { Resolution, ResolutionOutcome } from './resolution-statement.ts';
import { checkStatementSigner } from './verify-approval.ts';

/** Options for {@link verifyResolution}. */
export interface VerifyResolutionOptions {
  readonly trustRoot: TrustRoot;
  /** Verification time, explicit. */
  readonly now: Instant;
  /** The token of the unfinished release being resolved. */
  readonly tokenId: string;
  /** The outcome the caller expects (absent: either). */
  readonly outcome?: ResolutionOutcome;
  /** Default 30, at most 300. */
  readonly clockSkewSeconds?: number;
  readonly backend?: Ed25519Backend;
}

/** A verified resolution with the approver's trust-root record. */
export interface VerifiedResolution extends Resolution {
  readonly key: TrustedKeyRecord;
}

function invalidOption(parameter: string): never {
  throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} is invalid`, { details: { parameter } });
}

/**
 * Verifies one resolution statement for the unfinished release of `tokenId`.
 * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_APPROVAL_MALFORMED` (not a resolution, an
 *   approval or rejection included), `ERR_APPROVAL_SIGNER_INVALID` (unknown key, not an
 *   approver, not valid or compromised in the window, role not held), `ERR_SIGNATURE_INVALID`,
 *   `ERR_APPROVAL_TOKEN_MISMATCH`, `ERR_APPROVAL_OUTCOME_MISMATCH`, `ERR_APPROVAL_EXPIRED`,
 *   `ERR_APPROVAL_NOT_YET_VALID`.
 * @example
 * ```ts
 * const verified = await verifyResolution(envelope, { trustRoot, now: new Date(), tokenId });
 * verified.payload.outcome; // 'executed' | 'not-executed'
 * ```
 */
export async function verifyResolution(statement: unknown, options: VerifyResolutionOptions): Promise<VerifiedResolution> {
  // Asynchronous like the other statement verifiers; the checks themselves are synchronous.
  await Promise.resolve();
  return verifyResolutionNow(statement, options);
}

/** Internal: {@link verifyResolution}, synchronously (the firewall verifies before it writes). */
export function verifyResolutionNow(statement: unknown, options: VerifyResolutionOptions): VerifiedResolution {
  if (typeof options !== 'object' || options === null) invalidOption('options');
  if (!(options.trustRoot instanceof TrustRoot)) invalidOption('trustRoot');
  if (typeof options.tokenId !== 'string' || options.tokenId.length === 0) invalidOption('tokenId');
  if (options.outcome !== undefined && options.outcome !== 'executed' && options.outcome !== 'not-executed') invalidOption('outcome');
  const skew = options.clockSkewSeconds ?? 30;
  if (typeof skew !== 'number' || !(skew >= 0 && skew <= 300)) invalidOption('clockSkewSeconds');
  const now = toMillis(options.now, 'now') / 1000;

  const resolution = readResolution(statement);
  const key = checkStatementSigner({ approval: resolution, options, now, payloadType: RESOLUTION_PAYLOAD_TYPE });
  const { payload } = resolution;
  if (payload.tokenId !== options.tokenId) throw new WritError('ERR_APPROVAL_TOKEN_MISMATCH', 'resolution is for a different token');
  if (options.outcome !== undefined && payload.outcome !== options.outcome) throw new WritError('ERR_APPROVAL_OUTCOME_MISMATCH', 'resolution states another outcome');
  if (now >= payload.exp + skew) throw new WritError('ERR_APPROVAL_EXPIRED', 'resolution has expired');
  if (now + skew < payload.iat) throw new WritError('ERR_APPROVAL_NOT_YET_VALID', 'resolution is dated in the future');
  return { ...resolution, key };
}
