/**
 * Bearer credentials of agents and approvers, stored only as SHA-256 digests. A request
 * names no identity itself: the token's digest selects it, compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import { WritError, sha256, toHex, utf8 } from '@writ/core';
import { HttpError } from './http-error.ts';

/** One configured principal of the HTTP API. */
export interface Credential {
  /** Agent id (bound into sessions and tokens) or approver name. */
  readonly id: string;
  /** Hex SHA-256 of the bearer token. */
  readonly tokenSha256: string;
  /** Requests per minute (agents only; default from the config). */
  readonly ratePerMinute?: number;
}

/** Hex SHA-256 of a bearer token, as the config stores it (`writ serve --hash-token`). */
export function hashToken(token: string): string {
  return toHex(sha256(utf8(token)));
}

/**
 * Refuse credential tables in which one bearer token would stand for two principals: twice in
 * one table (the later entry silently replaced the earlier), or as both an agent and an approver
 * (an agent's token would open the console routes: every agent's transcript, the inbox).
 * Two tokens for one id (rotation) are fine.
 * @throws `ERR_INVALID_ARGUMENT` naming the second use (`agents[i].tokenSha256` or `approvers[i].tokenSha256`).
 */
export function assertDistinctTokens(options: { readonly agents: readonly Credential[]; readonly approvers: readonly Credential[] }): void {
  const seen = new Map<string, string>();
  for (const [table, credentials] of [['agents', options.agents], ['approvers', options.approvers]] as const) {
    credentials.forEach((credential, i) => {
      const digest = credential.tokenSha256.toLowerCase();
      const first = seen.get(digest);
      const parameter = `${table}[${i}].tokenSha256`;
      if (first !== undefined) throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} is the token of ${first} too: give every principal its own token`, { details: { parameter } });
      seen.set(digest, `${table === 'agents' ? 'agent' : 'approver'} ${credential.id}`);
    });
  }
}

/** Looks up bearer tokens by digest. */
export class CredentialTable {
  readonly #byDigest = new Map<string, Credential>();

  constructor(credentials: readonly Credential[]) {
    for (const credential of credentials) this.#byDigest.set(credential.tokenSha256.toLowerCase(), credential);
  }

  /**
   * The credential of an `Authorization: Bearer <token>` header.
   * @throws HttpError 401 `ERR_HTTP_UNAUTHENTICATED` (missing, malformed or unknown token).
   */
  authenticate(header: string | undefined): Credential {
    const match = /^Bearer ([\x21-\x7e]{16,512})$/.exec(header ?? '');
    if (match === null) throw unauthenticated();
    const digest = hashToken(match[1]!);
    const found = this.#byDigest.get(digest);
    // The map lookup selects; the constant-time compare keeps the final check free of early exits.
    if (found === undefined || !timingSafeEqual(Buffer.from(found.tokenSha256.toLowerCase()), Buffer.from(digest))) throw unauthenticated();
    return found;
  }
}

function unauthenticated(): HttpError {
  return new HttpError({ status: 401, code: 'ERR_HTTP_UNAUTHENTICATED', message: 'a valid bearer token is required' });
}
