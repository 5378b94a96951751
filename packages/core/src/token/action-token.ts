/**
 * A signed action token as handed around in memory: the DSSE envelope (what travels) plus
 * its verified or freshly minted payload and digest.
 */
import type { Digest } from '../crypto/digest.ts';
import type { Envelope } from '../dsse/envelope.ts';
import type { ActionTokenPayload } from './token-payload.ts';

/** A minted or verified action token. */
export interface ActionToken {
  /** The signed DSSE envelope: serialize this (`JSON.stringify`) to send the token. */
  readonly envelope: Envelope;
  readonly payload: ActionTokenPayload;
  /** `sha256:` of the signed payload bytes — the id other artifacts (child tokens, receipts) cite. */
  readonly digest: Digest;
  /** Key id of the authority key that signed it. */
  readonly keyId: string;
}
