/**
 * Signed trust-root versions and TUF-style rotation: version N+1 must carry signatures of
 * `threshold(N)` root keys of version N (valid at N+1's `issuedAt`) and of
 * `threshold(N+1)` of its own root keys. The chain starts from an anchor the caller
 * already trusts: the digest of version 1 (or any pinned version) or a TrustRoot.
 */
import { canonicalBytes, canonicalize } from '../canonical/canonicalize.ts';
import { digestBytes } from '../crypto/digest.ts';
import type { Digest } from '../crypto/digest.ts';
import type { Ed25519Backend } from '../crypto/ed25519-backend.ts';
import { fromBase64Any, fromUtf8 } from '../crypto/encoding.ts';
import type { Signer } from '../crypto/signer.ts';
import { parseEnvelope, signEnvelope, verifyEnvelope, writPayloadType } from '../dsse/envelope.ts';
import type { Envelope } from '../dsse/envelope.ts';
import { WritError } from '../errors.ts';
import { toMillis } from './time.ts';
import type { Instant } from './time.ts';
import { TrustRoot, parseTrustRootDocument } from './trust-root.ts';
import type { TrustRootDocument } from './trust-root.ts';

/** DSSE payload type of a signed trust-root version. */
export const TRUST_ROOT_PAYLOAD_TYPE = writPayloadType('trust-root');

/** Options for {@link signTrustRoot}. */
export interface SignTrustRootOptions {
  readonly document: TrustRootDocument;
  /** Root keys of the previous version (threshold of them) and of this version (threshold of them). */
  readonly signers: readonly Signer[];
}

/**
 * Signs a trust-root version as a DSSE envelope over its canonical JSON.
 * @throws WritError `ERR_TRUST_ROOT_INVALID`, `ERR_INVALID_ARGUMENT`
 */
export function signTrustRoot(options: SignTrustRootOptions): Envelope {
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  const { document } = parseTrustRootDocument(options.document);
  return signEnvelope({ payloadType: TRUST_ROOT_PAYLOAD_TYPE, payload: canonicalBytes(document), signers: options.signers });
}

/** Options for {@link verifyTrustRootChain}. */
export interface VerifyTrustRootChainOptions {
  /** What you already trust: the digest of the first envelope's document, or a verified TrustRoot to extend. */
  readonly anchor: Digest | TrustRoot;
  /** When given, the newest version must not have expired at this instant. */
  readonly now?: Instant;
  readonly backend?: Ed25519Backend;
}

// Reads the document out of an envelope before verification (to learn who must have signed).
function readVersion(envelope: unknown, index: number): { payload: Uint8Array; root: TrustRoot } {
  let parsed: Envelope;
  let document: unknown;
  let payload: Uint8Array;
  try {
    parsed = parseEnvelope(envelope);
    payload = fromBase64Any(parsed.payload, 'payload');
    const text = fromUtf8(payload);
    document = JSON.parse(text);
    if (canonicalize(document) !== text) throw new Error('not canonical');
  } catch (error) {
    throw new WritError('ERR_TRUST_ROOT_INVALID', `trust root version ${index} is not a canonical signed document`, { cause: error });
  }
  if (parsed.payloadType !== TRUST_ROOT_PAYLOAD_TYPE) throw new WritError('ERR_TRUST_ROOT_INVALID', 'wrong payload type');
  return { payload, root: TrustRoot.fromDocument(document) };
}

interface Required {
  readonly signedBy: TrustRoot;
  readonly at: string;
  readonly backend: Ed25519Backend | undefined;
}

function requireSignatures(envelope: unknown, { signedBy, at, backend }: Required): void {
  try {
    verifyEnvelope(envelope, {
      payloadType: TRUST_ROOT_PAYLOAD_TYPE,
      keys: signedBy.resolver({ role: 'root', at }),
      threshold: signedBy.document.threshold,
      ...(backend ? { backend } : {}),
    });
  } catch (error) {
    throw new WritError('ERR_TRUST_ROOT_THRESHOLD', 'trust root version lacks the required root signatures', { cause: error });
  }
}

/**
 * A version may not make signatures valid again that its predecessor refused: a key that was
 * retired (since R) or compromised (since S) stays so, and its time never moves later. It may
 * become compromised since a time no later than it was retired or known compromised (a wider
 * window), or leave the trust root altogether (its signatures are then refused as unknown).
 * Verification reads the newest version only, so without this a later version signed by the
 * root keys could reopen a compromise window over signatures already judged forged.
 */
function requireNoRevival(previous: TrustRoot, next: TrustRoot): void {
  for (const before of previous.document.keys) {
    if (before.status === 'active') continue;
    const after = next.document.keys.find((key) => key.keyId === before.keyId);
    if (after === undefined) continue;
    const stays =
      (after.status === before.status || after.status === 'compromised') &&
      after.since !== undefined &&
      Date.parse(after.since) <= Date.parse(before.since!);
    if (!stays) {
      throw new WritError(
        'ERR_TRUST_ROOT_VERSION',
        `trust root version ${next.version} revives key ${before.keyId}: ${before.status} since ${before.since} in version ${previous.version}, ${after.status}${after.since === undefined ? '' : ` since ${after.since}`} now`,
        { details: { keyId: before.keyId, version: next.version } },
      );
    }
  }
}

/**
 * Verifies signed trust-root versions in order from an anchor and returns the newest.
 * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_TRUST_ROOT_INVALID` (malformed, anchor mismatch),
 *   `ERR_TRUST_ROOT_VERSION` (not consecutive, time going backwards, or a retired or compromised
 *   key revived: its status lifted or its time moved later), `ERR_TRUST_ROOT_THRESHOLD`
 *   (missing root signatures of the previous or the new version), `ERR_TRUST_ROOT_EXPIRED`.
 * @example
 * ```ts
 * const root = verifyTrustRootChain([v1, v2, v3], { anchor: pinnedDigestOfV1, now: new Date() });
 * root.checkKey({ keyId, role: 'authority', at: issuedAt });
 * ```
 */
export function verifyTrustRootChain(versions: readonly unknown[], options: VerifyTrustRootChainOptions): TrustRoot {
  if (!Array.isArray(versions) || versions.length > 10_000) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'versions must be a list of envelopes', { details: { parameter: 'versions' } });
  }
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  const { anchor, backend } = options;
  let current: TrustRoot;
  let rest: readonly unknown[] = versions;
  if (anchor instanceof TrustRoot) {
    current = anchor;
  } else if (typeof anchor === 'string') {
    if (versions.length === 0) throw new WritError('ERR_INVALID_ARGUMENT', 'versions must start with the anchored version');
    const first = readVersion(versions[0], 0);
    if (digestBytes(first.payload) !== anchor) throw new WritError('ERR_TRUST_ROOT_INVALID', 'first version does not match the anchor');
    requireSignatures(versions[0], { signedBy: first.root, at: first.root.document.issuedAt, backend });
    current = first.root;
    rest = versions.slice(1);
  } else {
    throw new WritError('ERR_INVALID_ARGUMENT', 'anchor must be a digest or a TrustRoot', { details: { parameter: 'anchor' } });
  }
  rest.forEach((envelope, offset) => {
    const next = readVersion(envelope, offset + 1);
    if (next.root.version !== current.version + 1) throw new WritError('ERR_TRUST_ROOT_VERSION', 'trust root versions must be consecutive');
    if (Date.parse(next.root.document.issuedAt) < Date.parse(current.document.issuedAt)) {
      throw new WritError('ERR_TRUST_ROOT_VERSION', 'trust root version issued before its predecessor');
    }
    requireSignatures(envelope, { signedBy: current, at: next.root.document.issuedAt, backend });
    requireSignatures(envelope, { signedBy: next.root, at: next.root.document.issuedAt, backend });
    requireNoRevival(current, next.root);
    current = next.root;
  });
  const { expiresAt } = current.document;
  if (options.now !== undefined && expiresAt !== undefined && toMillis(options.now, 'now') >= Date.parse(expiresAt)) {
    throw new WritError('ERR_TRUST_ROOT_EXPIRED', 'the newest trust root version has expired');
  }
  return current;
}
