import type { Digest } from '../crypto/digest.ts';
import type { Ed25519Backend } from '../crypto/ed25519-backend.ts';
import type { Signer } from '../crypto/signer.ts';
import { WritError } from '../errors.ts';
import { toMillis } from '../trust/time.ts';
import type { Instant } from '../trust/time.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import type { ActionToken } from './action-token.ts';
import { newTokenId, signTokenPayload } from './mint-token.ts';
import { assertNarrows } from './narrow.ts';
import { parseTokenPayload } from './token-payload.ts';
import type { ActionTokenPayload, TokenConstraints } from './token-payload.ts';
import { verifyTokenSignature } from './verify-token.ts';

/** Options for {@link delegateToken}. Everything not given is inherited from the parent. */
export interface DelegateTokenOptions {
  /** The parent token (envelope, JSON text or ActionToken); verified against `trustRoot`. */
  readonly parent: unknown;
  readonly trustRoot: TrustRoot;
  /** Authority key signing the child. */
  readonly signer: Signer;
  /** The agent the child is issued to. */
  readonly subject: string;
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
  readonly command?: string;
  readonly resource?: string;
  readonly intent?: Digest;
  /** Constraints to narrow; merged over the parent's (hops default to parent − 1). */
  readonly constraints?: Partial<TokenConstraints>;
  readonly summary?: string;
  /** Issue time (default: now). */
  readonly now?: Instant;
  readonly backend?: Ed25519Backend;
}

/**
 * Mints a child token that only narrows its parent (audience, command, resource,
 * constraints, expiry, hop count). The child names the parent's digest in `parent` and
 * extends the delegation chain `act` with the parent's subject.
 * @throws WritError `ERR_INVALID_ARGUMENT`, the parent's verification errors, `ERR_TOKEN_EXPIRED`
 *   (parent expired), `ERR_TOKEN_HOPS`, `ERR_DELEGATION_WIDENS` naming the widened field.
 */
export function delegateToken(options: DelegateTokenOptions): ActionToken {
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  const parent = verifyTokenSignature(options.parent, options);
  const p: ActionTokenPayload = parent.payload;
  const iat = Math.floor((options.now === undefined ? Date.now() : toMillis(options.now, 'now')) / 1000);
  if (iat >= p.constraints.exp) throw new WritError('ERR_TOKEN_EXPIRED', 'parent token has expired');
  const audience = options.audience === undefined ? p.aud : typeof options.audience === 'string' ? [options.audience] : options.audience;
  const constraints: TokenConstraints = {
    ...p.constraints,
    hops: Math.max(0, (p.constraints.hops ?? 0) - 1),
    ...(p.constraints.nbf === undefined ? {} : { nbf: Math.max(p.constraints.nbf, iat) }),
    ...options.constraints,
  };
  const draft: Record<string, unknown> = {
    ...p,
    id: newTokenId(),
    iss: options.issuer ?? p.iss,
    sub: options.subject,
    act: [...(p.act ?? []), p.sub],
    aud: audience,
    cmd: options.command ?? p.cmd,
    iat,
    constraints,
    parent: parent.digest,
  };
  for (const [key, value] of [['resource', options.resource], ['intent', options.intent], ['summary', options.summary]] as const) {
    if (value !== undefined) draft[key] = value;
  }
  let child: ActionTokenPayload;
  try {
    child = parseTokenPayload(draft, 'ERR_INVALID_ARGUMENT');
  } catch (error) {
    if (WritError.isInstance(error)) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'delegateToken: an option is invalid', { details: error.details, cause: error });
    }
    throw error;
  }
  assertNarrows(p, child);
  return signTokenPayload(child, options.signer);
}
