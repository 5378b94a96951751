/**
 * The in-process gateway's knowledge of the tokens its own firewall minted. A gateway in
 * the process that minted a token gains nothing by re-verifying the signature it just made,
 * nor by base64-decoding and re-parsing the bytes it just wrote (the signature is for
 * auditors and remote gateways, which verify the envelope fully). It checks the payload
 * object the minter kept instead — with `verifyHeldToken`: key validity in the trust root,
 * expiry, lifetime, audience, command, resource, intent digest of the actual call,
 * argument bounds, region, bytes, secrets — and the nonce store enforces single use.
 *
 * A held token is frozen (token object and payload, deeply) when it is minted, so the
 * payload checked is the payload signed, and it is held for one check only: a second
 * check of the same token, or any token this firewall did not mint (one read back from the
 * ledger after a restart, say), is verified in full, signature included.
 */
import type { ActionToken } from '../token/action-token.ts';

function freezeDeep(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) freezeDeep((value as Record<string, unknown>)[key]);
}

/** Tokens this firewall minted and has not yet checked at its gateway. */
export class HeldTokens {
  // Weak: a token released but never executed is collected with its release.
  readonly #held = new WeakSet<ActionToken>();

  /** Hold a token this firewall just minted; freezes it and its payload. */
  hold(token: ActionToken): void {
    freezeDeep(token.payload);
    Object.freeze(token);
    this.#held.add(token);
  }

  /** True, once, for a token held here (the check spends the hold). */
  take(token: ActionToken): boolean {
    return this.#held.delete(token);
  }
}
