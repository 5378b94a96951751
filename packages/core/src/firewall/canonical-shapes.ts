/**
 * RFC 8785 canonical text of the small fixed-shape objects the firewall digests or signs on
 * every call — the intent, the approval request id, the receipt id and the receipt payload —
 * written directly: keys in their known sorted order (UTF-16 code units, as JCS sorts),
 * strings as `JSON.stringify` writes well-formed strings (RFC 8785 §3.2.2.2), integers as
 * ECMAScript writes them. The intent reuses the call's canonical arguments instead of
 * canonicalizing them again.
 *
 * Each writer gives exactly the text of the generic `canonicalize` (the property tests
 * compare both); anything outside its shape — a string with a lone surrogate, a time that is
 * not a safe integer — falls back to the generic canonicalizer (see crypto/canonical-text.ts).
 */
import { canonicalize } from '../canonical/canonicalize.ts';
import { jcsInteger as int, jcsString as str, jcsStringOrNull as strOrNull, outside, writtenOr as written } from '../crypto/canonical-text.ts';
import type { JsonObject } from '../stores/types.ts';

/** The intent object of a call (see `intentOf`). */
export interface IntentFields {
  readonly tool: string;
  readonly args: JsonObject;
  readonly audience: string;
  readonly principal: string;
  readonly tenant: string | null;
}

/** The intent object as `intentOf` digests it. */
export function intentObject(fields: IntentFields): JsonObject {
  return { v: 'writ.intent/v1', tool: fields.tool, args: fields.args, audience: fields.audience, principal: fields.principal, tenant: fields.tenant };
}

/**
 * Canonical text of the intent. `canonicalArgs` must be the canonical text of
 * `fields.args` (a checked call carries both); without it the arguments are canonicalized here.
 */
export function intentText(fields: IntentFields, canonicalArgs: string | undefined): string {
  return written(
    () =>
      `{"args":${canonicalArgs ?? canonicalize(fields.args)},"audience":${str(fields.audience)},"principal":${str(fields.principal)},"tenant":${strOrNull(fields.tenant)},"tool":${str(fields.tool)},"v":"writ.intent/v1"}`,
    () => intentObject(fields),
  );
}

/** Canonical text of `{ v: 'writ.approval-request/v1', session, call, intent }`. */
export function approvalRequestText(fields: { readonly session: string; readonly call: string; readonly intent: string }): string {
  return written(
    () => `{"call":${str(fields.call)},"intent":${str(fields.intent)},"session":${str(fields.session)},"v":"writ.approval-request/v1"}`,
    () => ({ v: 'writ.approval-request/v1', session: fields.session, call: fields.call, intent: fields.intent }),
  );
}

/** Canonical text of `{ callId, sessionId, tokenId }` (the receipt id's preimage). */
export function receiptIdText(fields: { readonly callId: string; readonly sessionId: string; readonly tokenId: string | null }): string {
  return written(
    () => `{"callId":${str(fields.callId)},"sessionId":${str(fields.sessionId)},"tokenId":${strOrNull(fields.tokenId)}}`,
    () => ({ callId: fields.callId, sessionId: fields.sessionId, tokenId: fields.tokenId }),
  );
}

/** The signed payload of an outcome receipt. */
export interface ReceiptPayload {
  readonly v: 1;
  readonly id: string;
  readonly iss: string;
  readonly iat: number;
  readonly callId: string;
  readonly tokenId: string | null;
  readonly tool: string;
  readonly intentDigest: string;
  readonly argsDigest: string;
  readonly resultDigest: string | null;
  readonly status: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly error?: { readonly name: string; readonly message: string };
}

/** Canonical text of a receipt payload. */
export function receiptText(p: ReceiptPayload): string {
  return written(() => {
    const error = p.error === undefined ? '' : `"error":{"message":${str(p.error.message)},"name":${str(p.error.name)}},`;
    if (p.v !== 1 || (p.error !== undefined && Object.keys(p.error).length !== 2)) outside();
    return (
      `{"argsDigest":${str(p.argsDigest)},"callId":${str(p.callId)},${error}"finishedAt":${str(p.finishedAt)},"iat":${int(p.iat)},"id":${str(p.id)},` +
      `"intentDigest":${str(p.intentDigest)},"iss":${str(p.iss)},"resultDigest":${strOrNull(p.resultDigest)},"startedAt":${str(p.startedAt)},` +
      `"status":${str(p.status)},"tokenId":${strOrNull(p.tokenId)},"tool":${str(p.tool)},"v":1}`
    );
  }, () => p);
}
