/**
 * The in-process gateway's knowledge of its own signatures. A gateway in the process that
 * minted a token gains nothing by re-verifying the signature it just made (the signature
 * is for auditors and remote gateways, which verify it fully). The token verifier still
 * runs every other check — key validity in the trust root, expiry, audience, command,
 * intent digest, bounds — with an Ed25519 back-end that answers `true` only for the exact
 * (key, message, signature) triple this firewall signed, and verifies everything else.
 */
import type { Ed25519Backend } from '../crypto/ed25519-backend.ts';
import { bytesEqual, fromBase64Any, toBase64 } from '../crypto/encoding.ts';
import { defaultBackend } from '../crypto/keys.ts';
import { pae } from '../dsse/envelope.ts';
import type { ActionToken } from '../token/action-token.ts';

const LIMIT = 10_000;

/** Signatures this firewall made, until their token is checked at the gateway. */
export class MintedSignatures {
  readonly #signed = new Map<string, { readonly message: Uint8Array; readonly publicKey: Uint8Array }>();
  readonly #fallback: Ed25519Backend;
  /** The back-end to hand to `verifyToken`. */
  readonly backend: Ed25519Backend;

  constructor(fallback: Ed25519Backend = defaultBackend) {
    this.#fallback = fallback;
    this.backend = {
      name: `minted+${fallback.name}`,
      publicKeyFromSeed: (seed) => fallback.publicKeyFromSeed(seed),
      sign: (seed, message) => fallback.sign(seed, message),
      verify: (publicKey, message, signature) => this.#known(publicKey, message, signature) || this.#fallback.verify(publicKey, message, signature),
    };
  }

  /** Remember the signature of a token this firewall just minted with `publicKey`. */
  remember(token: ActionToken, publicKey: Uint8Array): void {
    const signature = token.envelope.signatures[0];
    if (signature === undefined) return;
    const message = pae(token.envelope.payloadType, fromBase64Any(token.envelope.payload, 'payload'));
    this.#signed.set(toBase64(fromBase64Any(signature.sig, 'sig')), { message, publicKey });
    if (this.#signed.size > LIMIT) {
      const oldest = this.#signed.keys().next().value;
      if (oldest !== undefined) this.#signed.delete(oldest);
    }
  }

  /** Forget a token's signature once the gateway has checked it. */
  forget(token: ActionToken): void {
    const signature = token.envelope.signatures[0];
    if (signature !== undefined) this.#signed.delete(toBase64(fromBase64Any(signature.sig, 'sig')));
  }

  #known(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const entry = this.#signed.get(toBase64(signature));
    return entry !== undefined && bytesEqual(entry.publicKey, publicKey) && bytesEqual(entry.message, message);
  }
}
