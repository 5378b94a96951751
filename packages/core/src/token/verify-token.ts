import { digestBytes, isDigest } from '../crypto/digest.ts';
import type { Digest } from '../crypto/digest.ts';
import type { Ed25519Backend } from '../crypto/ed25519-backend.ts';
import { fromBase64Any, fromUtf8 } from '../crypto/encoding.ts';
import { pae, parseEnvelope } from '../dsse/envelope.ts';
import { defaultBackend } from '../crypto/keys.ts';
import type { Envelope } from '../dsse/envelope.ts';
import { WritError } from '../errors.ts';
import { toMillis } from '../trust/time.ts';
import type { Instant } from '../trust/time.ts';
import { TrustRoot } from '../trust/trust-root.ts';
import type { ActionToken } from './action-token.ts';
import { assertNarrows } from './narrow.ts';
import { boundHolds, commandMatches, resourceMatches, valueAt } from './scope.ts';
import { isCanonicalTokenText } from './token-json.ts';
import { ACTION_TOKEN_PAYLOAD_TYPE, parseTokenPayload } from './token-payload.ts';
import type { ActionTokenPayload } from './token-payload.ts';

/** Default tolerated clock difference between minter and verifier. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
/** Largest clock skew a caller may allow. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** Default longest token lifetime (`exp - iat`) a verifier accepts. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 3600;

/** Largest serialized token accepted. */
export const MAX_TOKEN_BYTES = 16 * 1024;

/** The call the token is presented for, as the gateway sees it. */
export interface TokenCall {
  /** Tool / action path actually invoked. */
  readonly command: string;
  /** Resource actually touched. */
  readonly resource?: string;
  /** Digest of the canonical intent of the actual call. Required when the token names one. */
  readonly intent?: Digest;
  /** Arguments of the actual call (checked against `constraints.args`). */
  readonly args?: unknown;
  /** Region the call runs in (checked against `constraints.region`). */
  readonly region?: string;
  /** Size of the request in bytes (checked against `constraints.bytes.request`). */
  readonly requestBytes?: number;
  /** Whether the call touches secrets (refused unless `constraints.secrets`). */
  readonly touchesSecrets?: boolean;
}

/** Options for {@link verifyToken}. */
export interface VerifyTokenOptions {
  /** Trust root that must list the signing key with role `authority` at `iat`. */
  readonly trustRoot: TrustRoot;
  /** Verification time — explicit, so tests and replays are deterministic. */
  readonly now: Instant;
  /** The verifier's own identity; must be in `aud`. */
  readonly audience: string;
  /** The actual call; command, resource, intent and constraints are checked against it. */
  readonly call: TokenCall;
  /** Tolerated clock skew in seconds (default 30, at most 300). */
  readonly clockSkewSeconds?: number;
  /**
   * The parent tokens of a delegated token (any order). A token with `parent` fails with
   * `ERR_TOKEN_PARENT` unless its whole chain is given here.
   */
  readonly parents?: readonly unknown[];
  /**
   * Longest accepted lifetime `exp - iat` in seconds (default 3600). It bounds what the
   * holder of a later-compromised authority key can do by back-dating `iat` to before the
   * compromise: such tokens still expire soon after it.
   */
  readonly maxLifetimeSeconds?: number;
  /** Synchronous single-use pre-check; atomic consumption is {@link consumeToken}'s job. */
  readonly isConsumed?: (id: string) => boolean;
  readonly backend?: Ed25519Backend;
}

function refuse(code: ConstructorParameters<typeof WritError>[0], message: string): never {
  throw new WritError(code, message);
}

function checkOptions(options: VerifyTokenOptions): { now: number; skew: number; maxLifetime: number } {
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  if (!(options.trustRoot instanceof TrustRoot)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'trustRoot must be a TrustRoot', { details: { parameter: 'trustRoot' } });
  }
  if (typeof options.audience !== 'string') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'audience must be a string', { details: { parameter: 'audience' } });
  }
  const call = options.call as TokenCall | undefined;
  if (typeof call !== 'object' || call === null || typeof call.command !== 'string') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'call must be an object with a command', { details: { parameter: 'call' } });
  }
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (typeof skew !== 'number' || !Number.isFinite(skew) || skew < 0 || skew > MAX_CLOCK_SKEW_SECONDS) {
    throw new WritError('ERR_INVALID_ARGUMENT', `clockSkewSeconds must be within 0..${MAX_CLOCK_SKEW_SECONDS}`, {
      details: { parameter: 'clockSkewSeconds' },
    });
  }
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  if (typeof maxLifetime !== 'number' || !Number.isSafeInteger(maxLifetime) || maxLifetime < 1) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'maxLifetimeSeconds must be a positive integer', { details: { parameter: 'maxLifetimeSeconds' } });
  }
  if (options.isConsumed !== undefined && typeof options.isConsumed !== 'function') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'isConsumed must be a function', { details: { parameter: 'isConsumed' } });
  }
  return { now: toMillis(options.now, 'now') / 1000, skew, maxLifetime };
}

function toEnvelope(token: unknown): unknown {
  if (typeof token === 'string') {
    if (token.length > MAX_TOKEN_BYTES) refuse('ERR_TOKEN_MALFORMED', 'token is too large');
    try {
      return JSON.parse(token);
    } catch {
      return refuse('ERR_TOKEN_MALFORMED', 'token is not JSON');
    }
  }
  if (typeof token === 'object' && token !== null && 'envelope' in token && 'payload' in token) return (token as ActionToken).envelope;
  return token;
}

/** Reads (without verifying) the payload of a token envelope. @throws WritError `ERR_TOKEN_MALFORMED` */
export function readTokenPayload(token: unknown): { envelope: Envelope; payload: ActionTokenPayload; bytes: Uint8Array } {
  let envelope: Envelope;
  let bytes: Uint8Array;
  let text: string;
  let value: unknown;
  try {
    envelope = parseEnvelope(toEnvelope(token));
    bytes = fromBase64Any(envelope.payload, 'payload');
    if (bytes.length > MAX_TOKEN_BYTES) throw new Error('too large');
    text = fromUtf8(bytes);
    value = JSON.parse(text);
  } catch (error) {
    if (WritError.isInstance(error) && error.code === 'ERR_TOKEN_MALFORMED') throw error;
    throw new WritError('ERR_TOKEN_MALFORMED', 'token is malformed', { cause: error });
  }
  if (envelope.payloadType !== ACTION_TOKEN_PAYLOAD_TYPE) refuse('ERR_TOKEN_MALFORMED', 'not an action token');
  const payload = parseTokenPayload(value);
  // One token, one byte string: a payload that is not canonical JSON is refused. The payload
  // has its checked shape here (see isCanonicalTokenText: same verdict as canonicalize).
  let canonical: boolean;
  try {
    canonical = isCanonicalTokenText(payload, text);
  } catch (error) {
    throw new WritError('ERR_TOKEN_MALFORMED', 'token is malformed', { cause: error });
  }
  if (!canonical) refuse('ERR_TOKEN_MALFORMED', 'token payload is not canonical JSON');
  return { envelope, payload, bytes };
}

/**
 * Checks signature and key validity at issuance (role `authority` at `iat`). The DSSE
 * steps are done inline on the already-decoded payload rather than through
 * `verifyEnvelope`, which would parse and decode the envelope a second time.
 */
export function verifyTokenSignature(token: unknown, options: Pick<VerifyTokenOptions, 'trustRoot' | 'backend'>): ActionToken {
  const { envelope, payload, bytes } = readTokenPayload(token);
  const message = pae(ACTION_TOKEN_PAYLOAD_TYPE, bytes);
  const backend = options.backend ?? defaultBackend;
  const at = new Date(payload.iat * 1000);
  let keyError: WritError | undefined;
  for (const signature of envelope.signatures) {
    if (!signature.keyid) continue;
    let publicKey: Uint8Array;
    let sig: Uint8Array;
    try {
      publicKey = options.trustRoot.checkKey({ keyId: signature.keyid, role: 'authority', at }).publicKeyBytes;
    } catch (error) {
      if (!WritError.isInstance(error)) throw error;
      keyError ??= error;
      continue;
    }
    try {
      sig = fromBase64Any(signature.sig, 'sig');
    } catch {
      continue;
    }
    if (backend.verify(publicKey, message, sig)) return { envelope, payload, digest: digestBytes(bytes), keyId: signature.keyid };
  }
  if (keyError !== undefined) throw keyError;
  throw new WritError('ERR_TOKEN_SIGNATURE', 'token signature is invalid');
}

function checkTime(payload: ActionTokenPayload, now: number, skew: number): void {
  const { exp, nbf = payload.iat } = payload.constraints;
  if (now >= exp + skew) refuse('ERR_TOKEN_EXPIRED', 'token has expired');
  if (now + skew < nbf || now + skew < payload.iat) refuse('ERR_TOKEN_NOT_YET_VALID', 'token is not valid yet');
}

function checkCall(payload: ActionTokenPayload, call: TokenCall): void {
  if (!commandMatches(payload.cmd, call.command)) refuse('ERR_TOKEN_COMMAND', 'token does not cover this command');
  if (!resourceMatches(payload.resource, call.resource)) refuse('ERR_TOKEN_RESOURCE', 'token does not cover this resource');
  if (payload.intent !== undefined && (!isDigest(call.intent) || call.intent !== payload.intent)) {
    refuse('ERR_TOKEN_INTENT', 'call intent does not match the token');
  }
  const { args, region, bytes, secrets } = payload.constraints;
  if (args !== undefined) {
    for (const path of Object.keys(args)) {
      if (!boundHolds(args[path]!, valueAt(call.args, path))) refuse('ERR_TOKEN_ARGUMENT_BOUNDS', 'call arguments are out of bounds');
    }
  }
  if (region !== undefined && (typeof call.region !== 'string' || !region.includes(call.region))) {
    refuse('ERR_TOKEN_REGION', 'call region is not allowed');
  }
  if (bytes?.request !== undefined && !(typeof call.requestBytes === 'number' && call.requestBytes <= bytes.request)) {
    refuse('ERR_TOKEN_BYTES', 'request exceeds the token byte limit');
  }
  if (call.touchesSecrets === true && secrets !== true) refuse('ERR_TOKEN_SECRETS', 'token does not allow touching secrets');
}

/**
 * Verifies an action token for one actual call. Checks, in order: shape, signature and
 * key validity at issuance (`authority` role in the trust root), expiry / not-before with
 * bounded clock skew, audience, command, resource, intent digest, argument bounds,
 * region, byte limit, secrets, single use (pre-check), and the delegation chain.
 * @param token The envelope object, its JSON text, or an {@link ActionToken}.
 * @throws WritError `ERR_INVALID_ARGUMENT` (options), `ERR_TOKEN_MALFORMED`, `ERR_TOKEN_SIGNATURE`,
 *   `ERR_KEY_UNKNOWN` / `ERR_KEY_ROLE_MISMATCH` / `ERR_KEY_NOT_VALID_AT` / `ERR_KEY_COMPROMISED`,
 *   `ERR_TOKEN_EXPIRED` (also for a lifetime over `maxLifetimeSeconds`), `ERR_TOKEN_NOT_YET_VALID`, `ERR_TOKEN_AUDIENCE`, `ERR_TOKEN_COMMAND`,
 *   `ERR_TOKEN_RESOURCE`, `ERR_TOKEN_INTENT`, `ERR_TOKEN_ARGUMENT_BOUNDS`, `ERR_TOKEN_REGION`,
 *   `ERR_TOKEN_BYTES`, `ERR_TOKEN_SECRETS`, `ERR_TOKEN_CONSUMED`, `ERR_TOKEN_PARENT`,
 *   `ERR_TOKEN_HOPS`, `ERR_DELEGATION_WIDENS`.
 * @example
 * ```ts
 * const verified = verifyToken(received, {
 *   trustRoot, now: new Date(), audience: 'smtp-gateway',
 *   call: { command: 'email.send', intent: digest(intent), args },
 * });
 * ```
 */
export function verifyToken(token: unknown, options: VerifyTokenOptions): ActionToken {
  const checked = checkOptions(options);
  const verified = verifyTokenSignature(token, options);
  checkClaims(verified, options, checked);
  return verified;
}

/**
 * The checks of {@link verifyToken} for a token this process minted and has held in memory
 * since (its `payload` is the object whose canonical bytes were signed, never decoded from
 * the envelope): the signing key's validity at issuance (`authority` role in the trust
 * root), then every claim `verifyToken` checks — expiry / not-before, lifetime, audience,
 * command, resource, intent digest, argument bounds, region, bytes, secrets, single use
 * (pre-check), delegation chain. What it leaves out is what the holder already knows: that
 * the envelope decodes to this payload and that the signature over it is this process's
 * own. Never call it for a token received from elsewhere (use {@link verifyToken}).
 * @throws the same `ERR_TOKEN_*` / `ERR_KEY_*` codes as {@link verifyToken}.
 */
export function verifyHeldToken(token: ActionToken, options: VerifyTokenOptions): ActionToken {
  const checked = checkOptions(options);
  options.trustRoot.checkKey({ keyId: token.keyId, role: 'authority', at: new Date(token.payload.iat * 1000) });
  checkClaims(token, options, checked);
  return token;
}

function checkClaims(verified: ActionToken, options: VerifyTokenOptions, checked: { now: number; skew: number; maxLifetime: number }): void {
  const { now, skew, maxLifetime } = checked;
  const { payload } = verified;
  checkTime(payload, now, skew);
  if (payload.constraints.exp - payload.iat > maxLifetime) refuse('ERR_TOKEN_EXPIRED', 'token lifetime exceeds the allowed maximum');
  if (!payload.aud.includes(options.audience)) refuse('ERR_TOKEN_AUDIENCE', 'token is not for this audience');
  checkCall(payload, options.call);
  if (options.isConsumed?.(payload.id) === true) refuse('ERR_TOKEN_CONSUMED', 'token was already used');
  if (payload.parent !== undefined) verifyChain(verified, options);
}

function verifyChain(child: ActionToken, options: VerifyTokenOptions): void {
  const parents = options.parents ?? [];
  if (!Array.isArray(parents) || parents.length > 16) refuse('ERR_TOKEN_PARENT', 'token parents are missing');
  const byDigest = new Map<string, ActionToken>();
  for (const parent of parents) {
    const verified = verifyTokenSignature(parent, options);
    byDigest.set(verified.digest, verified);
  }
  let current = child;
  for (let depth = 0; current.payload.parent !== undefined; depth++) {
    const parent = byDigest.get(current.payload.parent);
    if (!parent || depth > 16) refuse('ERR_TOKEN_PARENT', 'token parent is missing or invalid');
    assertNarrows(parent.payload, current.payload);
    current = parent;
  }
}
