/**
 * DSSE v1 envelopes (secure-systems-lab/dsse `protocol.md`, `envelope.md`): a typed
 * payload signed over its Pre-Authentication Encoding, with any number of signatures.
 * Writ verifies the PAE bytes and hands back exactly the payload that was verified.
 */
import type { Ed25519Backend } from '../crypto/ed25519-backend.ts';
import { assertBytes, fromBase64Any, toBase64, utf8 } from '../crypto/encoding.ts';
import { defaultBackend } from '../crypto/keys.ts';
import type { Signer } from '../crypto/signer.ts';
import { WritError } from '../errors.ts';

/** One DSSE signature. `keyid` is an unauthenticated hint. */
export interface EnvelopeSignature {
  readonly keyid?: string;
  readonly sig: string;
}

/** A DSSE v1 envelope in its JSON form. */
export interface Envelope {
  readonly payloadType: string;
  readonly payload: string;
  readonly signatures: readonly EnvelopeSignature[];
}

/** Writ payload kinds; the payload type is `application/vnd.writ.<kind>+json`. */
export type WritPayloadKind = 'action-token' | 'denial' | 'approval' | 'receipt' | 'trust-root' | (string & {});

/** `application/vnd.writ.<kind>+json`. */
export function writPayloadType(kind: WritPayloadKind): string {
  if (typeof kind !== 'string' || !/^[a-z0-9][a-z0-9.-]{0,63}$/.test(kind)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'kind must be a lowercase media-type word', { details: { parameter: 'kind' } });
  }
  return `application/vnd.writ.${kind}+json`;
}

/** Largest payload accepted by default (bytes, decoded). */
export const MAX_ENVELOPE_PAYLOAD_BYTES = 1 << 20;
/** Most signatures accepted on one envelope. */
export const MAX_ENVELOPE_SIGNATURES = 64;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

// Buffer is used when present (Node, Bun, Deno): small allocations come from its shared pool.
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
function allocate(length: number): Uint8Array {
  if (!NodeBuffer) return new Uint8Array(length);
  const buffer = NodeBuffer.allocUnsafe(length); // every byte is written by the caller
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}

/**
 * DSSE v1 Pre-Authentication Encoding:
 * `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, LEN = ASCII decimal byte length.
 * @throws WritError `ERR_INVALID_ARGUMENT`
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  if (typeof payloadType !== 'string') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'payloadType must be a string', { details: { parameter: 'payloadType' } });
  }
  assertBytes(payload, 'payload');
  // Every signature and verification builds one; payload types are printable ASCII in
  // practice, whose header bytes are its char codes (no encoder round trips). Others
  // take the general UTF-8 path. Both give the same bytes.
  if (PRINTABLE_ASCII.test(payloadType)) {
    const head = `DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `;
    const out = allocate(head.length + payload.length);
    for (let i = 0; i < head.length; i++) out[i] = head.charCodeAt(i);
    out.set(payload, head.length);
    return out;
  }
  const type = utf8(payloadType);
  const head = utf8(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/** Options for {@link signEnvelope}. */
export interface SignEnvelopeOptions {
  readonly payloadType: string;
  readonly payload: Uint8Array;
  /** One or more signers; each adds one signature with its key id. */
  readonly signers: readonly Signer[];
}

/**
 * Signs `payload` with every signer (standard base64, key ids set).
 * @throws WritError `ERR_INVALID_ARGUMENT`
 */
export function signEnvelope(options: SignEnvelopeOptions): Envelope {
  if (typeof options !== 'object' || options === null || !Array.isArray(options.signers) || options.signers.length === 0) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'signEnvelope needs { payloadType, payload, signers: [≥1] }', {
      details: { parameter: 'options' },
    });
  }
  const signers: readonly Signer[] = options.signers;
  for (const signer of signers) {
    if (typeof signer !== 'object' || signer === null || typeof signer.sign !== 'function' || typeof signer.keyId !== 'string') {
      throw new WritError('ERR_INVALID_ARGUMENT', 'every signer must be a Signer', { details: { parameter: 'signers' } });
    }
  }
  const message = pae(options.payloadType, options.payload);
  const signatures = signers.map((signer) => ({ keyid: signer.keyId, sig: toBase64(signer.sign(message)) }));
  return { payloadType: options.payloadType, payload: toBase64(options.payload), signatures };
}

function malformed(reason: string): WritError {
  return new WritError('ERR_ENVELOPE_MALFORMED', `envelope is malformed: ${reason}`);
}

/**
 * Checks the JSON shape of an envelope (from untrusted input) without verifying it.
 * @throws WritError `ERR_ENVELOPE_MALFORMED`
 */
export function parseEnvelope(value: unknown): Envelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('not an object');
  // Unknown fields are refused (here and in signatures): nothing unsigned rides along unnoticed.
  if (Object.keys(value).some((key) => key !== 'payloadType' && key !== 'payload' && key !== 'signatures')) throw malformed('unknown field');
  const { payloadType, payload, signatures } = value as Record<string, unknown>;
  if (typeof payloadType !== 'string') throw malformed('payloadType');
  if (typeof payload !== 'string') throw malformed('payload');
  if (payload.length > (MAX_ENVELOPE_PAYLOAD_BYTES * 4) / 3 + 4) throw malformed('payload too large');
  if (!Array.isArray(signatures) || signatures.length === 0 || signatures.length > MAX_ENVELOPE_SIGNATURES) {
    throw malformed('signatures');
  }
  const parsed = signatures.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) throw malformed('signature entry');
    if (Object.keys(entry).some((key) => key !== 'keyid' && key !== 'sig')) throw malformed('unknown signature field');
    const { keyid, sig } = entry as Record<string, unknown>;
    if (typeof sig !== 'string' || sig.length > 1024) throw malformed('sig');
    if (keyid !== undefined && (typeof keyid !== 'string' || keyid.length > 256)) throw malformed('keyid');
    return keyid === undefined ? { sig } : { keyid, sig };
  });
  return { payloadType, payload, signatures: parsed };
}

/** A key the verifier may accept. */
export interface TrustedKey {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
}

/** Options for {@link verifyEnvelope}. */
export interface VerifyEnvelopeOptions {
  /** Required payload type; a different one fails with `ERR_ENVELOPE_PAYLOAD_TYPE`. */
  readonly payloadType?: string;
  /**
   * Keys to check against: a list (signatures without `keyid` are tried against every
   * entry) or a resolver by key id. A resolver may throw a WritError (e.g. a trust-root
   * `ERR_KEY_COMPROMISED`); such a signature does not count, and when the threshold is
   * missed the first such error is thrown, so callers see the precise reason.
   */
  readonly keys: readonly TrustedKey[] | ((keyId: string) => Uint8Array | undefined);
  /** Distinct keys that must have signed (default 1). */
  readonly threshold?: number;
  readonly backend?: Ed25519Backend;
  readonly maxPayloadBytes?: number;
}

/** The outcome of a successful {@link verifyEnvelope}. */
export interface VerifiedEnvelope {
  readonly payloadType: string;
  /** Exactly the payload bytes that were verified. */
  readonly payload: Uint8Array;
  /** Distinct key ids whose signatures verified, in envelope order. */
  readonly keyIds: readonly string[];
}

function candidates(keys: VerifyEnvelopeOptions['keys'], keyid: string | undefined): TrustedKey[] {
  if (typeof keys === 'function') {
    if (!keyid) return [];
    const publicKey = keys(keyid);
    return publicKey ? [{ keyId: keyid, publicKey }] : [];
  }
  return keyid ? keys.filter((key) => key.keyId === keyid) : [...keys];
}

function checkOptions(options: VerifyEnvelopeOptions): number {
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  const threshold = options.threshold ?? 1;
  if (!Number.isSafeInteger(threshold) || threshold < 1) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'threshold must be a positive integer', { details: { parameter: 'threshold' } });
  }
  const { keys } = options;
  const isKey = (key: TrustedKey | null): boolean => typeof key === 'object' && key !== null && typeof key.keyId === 'string' && key.publicKey instanceof Uint8Array;
  if (typeof keys !== 'function' && !(Array.isArray(keys) && (keys as (TrustedKey | null)[]).every(isKey))) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'keys must be a list of { keyId, publicKey } or a resolver', { details: { parameter: 'keys' } });
  }
  return threshold;
}

/**
 * Verifies a DSSE envelope: payload type, then at least `threshold` signatures by distinct
 * trusted keys over the PAE. Standard and URL-safe base64 are both accepted.
 * @throws WritError `ERR_INVALID_ARGUMENT` (options), `ERR_ENVELOPE_MALFORMED`,
 *   `ERR_ENVELOPE_PAYLOAD_TYPE`, `ERR_SIGNATURE_INVALID` (no valid signature),
 *   `ERR_ENVELOPE_THRESHOLD` (valid, but too few distinct keys), or the first error a key resolver threw.
 * @example
 * ```ts
 * const { payload } = verifyEnvelope(envelope, { payloadType: writPayloadType('approval'), keys: [key] });
 * ```
 */
export function verifyEnvelope(envelope: unknown, options: VerifyEnvelopeOptions): VerifiedEnvelope {
  const threshold = checkOptions(options);
  const parsed = parseEnvelope(envelope);
  if (options.payloadType !== undefined && parsed.payloadType !== options.payloadType) {
    throw new WritError('ERR_ENVELOPE_PAYLOAD_TYPE', 'envelope payload type is not the one expected');
  }
  const payload = fromBase64Any(parsed.payload, 'payload');
  if (payload.length > (options.maxPayloadBytes ?? MAX_ENVELOPE_PAYLOAD_BYTES)) throw malformed('payload too large');
  const message = pae(parsed.payloadType, payload);
  const backend = options.backend ?? defaultBackend;
  const verified = new Set<string>();
  let keyError: WritError | undefined;
  for (const signature of parsed.signatures) {
    let sig: Uint8Array;
    try {
      sig = fromBase64Any(signature.sig, 'sig');
    } catch {
      continue;
    }
    let keys: TrustedKey[];
    try {
      keys = candidates(options.keys, signature.keyid);
    } catch (error) {
      if (!WritError.isInstance(error)) throw error;
      keyError ??= error;
      continue;
    }
    const match = keys.find((key) => !verified.has(key.keyId) && backend.verify(key.publicKey, message, sig));
    if (match) verified.add(match.keyId);
  }
  if (verified.size >= threshold) return { payloadType: parsed.payloadType, payload, keyIds: [...verified] };
  if (keyError) throw keyError;
  if (verified.size > 0) throw new WritError('ERR_ENVELOPE_THRESHOLD', 'envelope has too few valid signatures by distinct trusted keys');
  throw new WritError('ERR_SIGNATURE_INVALID', 'envelope signature is invalid');
}
