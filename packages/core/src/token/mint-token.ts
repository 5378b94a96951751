import { digestBytes } from '../crypto/digest.ts';
import type { Digest } from '../crypto/digest.ts';
import { toBase64Url, utf8 } from '../crypto/encoding.ts';
import type { Signer } from '../crypto/signer.ts';
import { signEnvelope } from '../dsse/envelope.ts';
import { WritError } from '../errors.ts';
import { toMillis } from '../trust/time.ts';
import type { Instant } from '../trust/time.ts';
import type { ActionToken } from './action-token.ts';
import { canonicalTokenPayload } from './token-json.ts';
import { ACTION_TOKEN_PAYLOAD_TYPE, parseTokenPayload } from './token-payload.ts';
import type { ActionTokenPayload, TokenConstraints } from './token-payload.ts';

/** Default lifetime of a token: short, as seed 000 asks ("validity under a minute"). */
export const DEFAULT_TOKEN_TTL_SECONDS = 60;

/** Options for {@link mintToken}. Field names are spelled out; the payload uses the short names. */
export interface MintTokenOptions {
  /** Authority key (role `authority` in the trust root). */
  readonly signer: Signer;
  /** Custodian: the orchestrator instance minting the token (`iss`). */
  readonly issuer: string;
  /** The agent (`sub`). */
  readonly subject: string;
  /** The principal on whose behalf, then any delegating subjects (`act`). */
  readonly actor?: string | readonly string[];
  /** Target system(s) (`aud`). */
  readonly audience: string | readonly string[];
  /** Tool / action path (`cmd`). */
  readonly command: string;
  readonly resource?: string;
  /** Digest of the canonical intent (see `digest()`). */
  readonly intent?: Digest;
  /** Issue time (default: now). */
  readonly now?: Instant;
  /** Lifetime in seconds when `constraints.exp` is not given (default 60). */
  readonly ttlSeconds?: number;
  /** Constraints; `exp` defaults to issue time + `ttlSeconds`. */
  readonly constraints?: Partial<TokenConstraints>;
  readonly policy?: ActionTokenPayload['policy'];
  readonly basis?: ActionTokenPayload['basis'];
  readonly env?: Digest;
  readonly approvals?: readonly Digest[];
  readonly parent?: Digest;
  readonly summary?: string;
  /** Token id / nonce (default: 128 random bits, base64url). */
  readonly id?: string;
}

function invalid(parameter: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `mintToken: ${parameter} is invalid`, { details: { parameter } });
}

// The constraints as given, with exp filled in and absent (undefined) entries dropped, so
// the payload has exactly the fields that are signed. Spreading keeps an own `__proto__`
// key as data (the parser then refuses it as unknown).
function constraintsOf(given: Partial<TokenConstraints> | undefined, exp: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...given, exp };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}

// Randomness is drawn 4 KiB at a time: one CSPRNG call per 256 ids instead of one per id.
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

/** 128 random bits from the platform CSPRNG, base64url (22 characters). */
export function newTokenId(): string {
  if (poolOffset + 16 > pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const id = pool.slice(poolOffset, poolOffset + 16);
  pool.fill(0, poolOffset, poolOffset + 16); // never hand out the same bytes twice
  poolOffset += 16;
  return toBase64Url(id);
}

/** Signs a checked payload into an {@link ActionToken}. */
export function signTokenPayload(payload: ActionTokenPayload, signer: Signer): ActionToken {
  const bytes = utf8(canonicalTokenPayload(payload));
  const envelope = signEnvelope({ payloadType: ACTION_TOKEN_PAYLOAD_TYPE, payload: bytes, signers: [signer] });
  return { envelope, payload, digest: digestBytes(bytes), keyId: signer.keyId };
}

/**
 * Mints a signed, single-use action token (DSSE envelope over canonical JSON).
 * @throws WritError `ERR_INVALID_ARGUMENT` naming the offending option.
 * @example
 * ```ts
 * const token = mintToken({
 *   signer, issuer: 'orchestrator-1', subject: 'agent:mailer', actor: 'user:alice',
 *   audience: 'smtp-gateway', command: 'email.send', intent: digest(intent),
 *   constraints: { args: { to: { oneOf: ['bob@example.com'] } } },
 * });
 * JSON.stringify(token.envelope); // what the gateway receives
 * ```
 */
export function mintToken(options: MintTokenOptions): ActionToken {
  if (typeof options !== 'object' || options === null) throw invalid('options');
  const { signer } = options;
  if (typeof signer !== 'object' || signer === null || typeof signer.sign !== 'function' || typeof signer.keyId !== 'string') {
    throw invalid('signer');
  }
  const iat = Math.floor((options.now === undefined ? Date.now() : toMillis(options.now, 'now')) / 1000);
  const ttl = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!Number.isSafeInteger(ttl) || ttl < 1) throw invalid('ttlSeconds');
  if (options.constraints !== undefined && (typeof options.constraints !== 'object' || options.constraints === null)) {
    throw invalid('constraints');
  }
  const audience: unknown = typeof options.audience === 'string' ? [options.audience] : options.audience;
  const actor: unknown = typeof options.actor === 'string' ? [options.actor] : options.actor;
  // Only present fields are set, on an ordinary object literal (fast property access).
  const draft: Record<string, unknown> = {
    v: 1,
    id: options.id ?? newTokenId(),
    iss: options.issuer,
    sub: options.subject,
    aud: Array.isArray(audience) ? audience.slice() : audience,
    cmd: options.command,
    iat,
    constraints: constraintsOf(options.constraints, options.constraints?.exp ?? iat + ttl),
  };
  if (actor !== undefined) draft.act = Array.isArray(actor) ? actor.slice() : actor;
  if (options.resource !== undefined) draft.resource = options.resource;
  if (options.intent !== undefined) draft.intent = options.intent;
  if (options.policy !== undefined) draft.policy = options.policy;
  if (options.basis !== undefined) draft.basis = options.basis;
  if (options.env !== undefined) draft.env = options.env;
  if (options.approvals !== undefined) draft.approvals = options.approvals;
  if (options.parent !== undefined) draft.parent = options.parent;
  if (options.summary !== undefined) draft.summary = options.summary;
  let payload: ActionTokenPayload;
  try {
    payload = parseTokenPayload(draft, 'ERR_INVALID_ARGUMENT');
  } catch (error) {
    if (WritError.isInstance(error)) throw invalid(typeof error.details?.field === 'string' ? error.details.field : 'options');
    throw error;
  }
  return signTokenPayload(payload, signer);
}
