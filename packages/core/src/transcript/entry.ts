/**
 * Ledger entries: JCS objects `{ type, seq, time, prev, body }`. The stored line is the
 * exact canonical serialization; its RFC 6962 leaf hash is both the Merkle leaf and the
 * `prev` of the next entry, so one hash per entry serves the chain and the tree.
 */
import { canonicalize } from '../canonical/canonicalize.ts';
import { WritError } from '../errors.ts';
import type { EntryDraft, JsonObject, Sha256Digest, StoredEntry } from '../stores/types.ts';
import { fromHex, toHex } from '../crypto/encoding.ts';
import { isCanonicalJson } from './canonical-check.ts';
import { leafHashHexOfPrefixed } from './merkle.ts';
import { isUtcTime } from './time.ts';

/** `prev` of entry 0. */
export const GENESIS_HASH: Sha256Digest = `sha256:${'0'.repeat(64)}`;

/** A parsed ledger entry. */
export interface LedgerEntry extends EntryDraft {
  readonly seq: number;
  readonly prev: Sha256Digest;
}

const ENTRY_TYPE = /^[a-z][a-z0-9-]{0,63}$/;
const ENTRY_KEYS = ['body', 'prev', 'seq', 'time', 'type'];

function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `sha256:<hex>` of raw hash bytes. */
export function hashToDigest(hash: Uint8Array): Sha256Digest {
  return `sha256:${toHex(hash)}`;
}

/** Raw bytes of a `sha256:<hex>` digest (no validation beyond length; callers validate). */
export function digestToHash(digest: Sha256Digest): Uint8Array {
  return fromHex(digest.slice(7), 'digest');
}

// Value of a lowercase hex digit by char code, -1 for anything else.
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

/**
 * Whether `digest` is exactly `hashToDigest(hash)` for a 32-byte `hash`, compared in place
 * (no hex string is built): the verifier's chain check runs it once per entry.
 */
export function digestMatchesHash(digest: string, hash: Uint8Array): boolean {
  if (hash.length !== 32 || digest.length !== 71 || !digest.startsWith('sha256:')) return false;
  for (let i = 0; i < 32; i++) {
    const high = digest.charCodeAt(7 + 2 * i);
    const low = digest.charCodeAt(8 + 2 * i);
    if (high >= 128 || low >= 128) return false;
    const h = HEX_VALUE[high]!;
    const l = HEX_VALUE[low]!;
    if (h < 0 || l < 0 || h * 16 + l !== hash[i]) return false;
  }
  return true;
}

/**
 * `isDigest` (`sha256:` + 64 lowercase hex digits) without a regex or a slice; property-tested
 * equal to it. Entries are parsed one per line, so this runs once per entry.
 */
export function isEntryDigest(value: unknown): value is Sha256Digest {
  if (typeof value !== 'string' || value.length !== 71 || !value.startsWith('sha256:')) return false;
  for (let i = 7; i < 71; i++) {
    const code = value.charCodeAt(i);
    if (code >= 128 || HEX_VALUE[code]! < 0) return false;
  }
  return true;
}

/**
 * Validate an {@link EntryDraft} at a store's boundary.
 * @throws `ERR_INVALID_ARGUMENT` naming `parameter` and the field.
 */
export function assertEntryDraft(draft: unknown, parameter = 'draft'): asserts draft is EntryDraft {
  const bad = (field: string): WritError =>
    new WritError('ERR_INVALID_ARGUMENT', `${parameter}.${field} is invalid`, {
      details: { parameter: `${parameter}.${field}` },
    });
  if (!isPlainObject(draft)) throw bad('(object)');
  const { type, time, body } = draft as Record<string, unknown>;
  if (typeof type !== 'string' || !ENTRY_TYPE.test(type)) throw bad('type');
  if (!isUtcTime(time)) throw bad('time');
  if (!isPlainObject(body)) throw bad('body');
}

/**
 * Build the stored form of entry `seq` following `prev`. Stores call this inside their
 * critical section so that every backend writes byte-identical entries.
 * @throws `ERR_INVALID_ARGUMENT` (malformed draft), `ERR_CANONICAL_UNSUPPORTED` (body is not JSON).
 */
export function sealEntry(options: {
  readonly draft: EntryDraft;
  readonly seq: number;
  readonly prev: Sha256Digest;
}): StoredEntry {
  const { draft, seq, prev } = options;
  assertEntryDraft(draft);
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'seq must be a non-negative integer', {
      details: { parameter: 'seq' },
    });
  }
  if (!isEntryDigest(prev)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'prev must be a sha256 digest', {
      details: { parameter: 'prev' },
    });
  }
  // The text is built with the leaf prefix byte (U+0000) in front and hashed as it is;
  // the stored line is the rest (a slice, not a copy).
  const prefixed = serializeEntry(draft, seq, prev);
  return { seq, hash: `sha256:${leafHashHexOfPrefixed(prefixed)}`, line: prefixed.slice(1) };
}

/**
 * The canonical line of a validated entry, written directly: the keys in JCS order (body,
 * prev, seq, time, type) around the canonical body. `type`, `time` and `prev` match
 * patterns without characters JSON escapes and `seq` is a safe integer, so this equals
 * `canonicalize({ type, seq, time, prev, body })` (property-tested) with one walk of the
 * body instead of the whole envelope.
 */
function serializeEntry(draft: EntryDraft, seq: number, prev: Sha256Digest): string {
  // Returns '\u0000' + the line (see sealEntry).
  let body: string;
  try {
    body = canonicalize(draft.body);
  } catch (error) {
    // Report the same path (`$.body...`) as canonicalizing the whole entry would.
    canonicalize({ type: draft.type, seq, time: draft.time, prev, body: draft.body });
    throw error;
  }
  return `\u0000{"body":${body},"prev":"${prev}","seq":${seq},"time":"${draft.time}","type":"${draft.type}"}`;
}

/**
 * Parse and validate one stored line: JSON, exactly the five entry fields with valid
 * types, and already in canonical form (so every verifier hashes the same bytes).
 * @throws `ERR_TRANSCRIPT_MALFORMED`.
 */
export function parseEntry(line: unknown): LedgerEntry {
  const malformed = (reason: string): WritError =>
    new WritError('ERR_TRANSCRIPT_MALFORMED', 'transcript entry is malformed', {
      details: { reason },
    });
  if (typeof line !== 'string') throw malformed('not a string');
  // Fast path: one scan proves the line canonical, then only JSON.parse builds the value.
  // Anything else takes the slow path below, which names the reason.
  const canonical = isCanonicalJson(line);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw malformed('not JSON');
  }
  if (!isPlainObject(value)) throw malformed('not an object');
  const entry = value as unknown as LedgerEntry;
  // Canonical text lists keys sorted, which is also their own-property order here.
  const keys = canonical ? Object.keys(value) : Object.keys(value).sort();
  if (keys.length !== ENTRY_KEYS.length) throw malformed('fields');
  for (let i = 0; i < ENTRY_KEYS.length; i++) if (keys[i] !== ENTRY_KEYS[i]) throw malformed('fields');
  if (typeof entry.type !== 'string' || !ENTRY_TYPE.test(entry.type)) throw malformed('type');
  if (!Number.isSafeInteger(entry.seq) || entry.seq < 0) throw malformed('seq');
  if (!isUtcTime(entry.time)) throw malformed('time');
  if (!isEntryDigest(entry.prev)) throw malformed('prev');
  if (!isPlainObject(entry.body)) throw malformed('body');
  if (canonical) return entry;
  let text: string;
  try {
    text = canonicalize(value);
  } catch {
    throw malformed('not canonical JSON');
  }
  if (text !== line) throw malformed('not in canonical form');
  // Not reached while the fast validator agrees with canonicalize (property-tested); if it
  // ever refused a canonical line, the definition above still decides.
  return entry;
}
