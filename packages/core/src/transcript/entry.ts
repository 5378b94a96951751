/**
 * Ledger entries: JCS objects `{ type, seq, time, prev, body }`. The stored line is the
 * exact canonical serialization; its RFC 6962 leaf hash is both the Merkle leaf and the
 * `prev` of the next entry, so one hash per entry serves the chain and the tree.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { canonicalize } from '../canonical/canonicalize.ts';
import { WritError } from '../errors.ts';
import type { EntryDraft, JsonObject, Sha256Digest, StoredEntry } from '../stores/types.ts';
import { fromHex, toHex } from '../crypto/encoding.ts';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import { isCanonicalJson } from './canonical-check.ts';
import { isUtcTime } from './time.ts';
import { assertOptions, assertParameterName, invalidArgument } from '../invalid-argument.ts';

/** `prev` of entry 0. */
export const GENESIS_HASH: Sha256Digest = `sha256:${'0'.repeat(64)}`;

/**
 * The most bytes (UTF-8, without the newline) one entry line may hold: 16 MiB. Every store
 * refuses a larger entry at append time and a copy refuses one from its source
 * (`ERR_TRANSCRIPT_ENTRY_TOO_LARGE`); a verifier reports one as an `entry-format` failure with
 * that code, and its line reader never buffers much more. A tool call's arguments are at most
 * 1 Mi characters, so a firewall's largest entry stays far below; the limit keeps a transcript
 * readable page by page (`writ pull` reads at most 64 MiB an answer) and a verifier's memory flat.
 */
export const MAX_ENTRY_BYTES = 16 * 1024 * 1024;

/** `ERR_TRANSCRIPT_ENTRY_TOO_LARGE` for entry `seq`. */
export function entryTooLarge(seq: number): WritError {
  return new WritError('ERR_TRANSCRIPT_ENTRY_TOO_LARGE', `entry ${seq} is larger than ${MAX_ENTRY_BYTES} bytes (16 MiB), the most one transcript entry may hold`, {
    details: { seq, limit: MAX_ENTRY_BYTES },
  });
}

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
  if (typeof digest !== 'string' || !digest.startsWith('sha256:')) throw invalidArgument('digest', 'must be a sha256:<hex> digest');
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

function badDraft(parameter: string, field: string): WritError {
  assertParameterName(parameter);
  return new WritError('ERR_INVALID_ARGUMENT', `${parameter}.${field} is invalid`, {
    details: { parameter: `${parameter}.${field}` },
  });
}

// The last type and time that passed their checks: a batch's drafts mostly share both, and
// a string equal to one already accepted needs no second regex or time parse.
let acceptedType: string | undefined;
let acceptedTime: string | undefined;

/**
 * Validate an {@link EntryDraft} at a store's boundary.
 * @throws `ERR_INVALID_ARGUMENT` naming `parameter` and the field.
 */
export function assertEntryDraft(draft: unknown, parameter = 'draft'): asserts draft is EntryDraft {
  if (!isPlainObject(draft)) throw badDraft(parameter, '(object)');
  const { type, time, body } = draft as Record<string, unknown>;
  if (typeof type !== 'string') throw badDraft(parameter, 'type');
  if (type !== acceptedType) {
    if (!ENTRY_TYPE.test(type)) throw badDraft(parameter, 'type');
    acceptedType = type;
  }
  if (typeof time !== 'string') throw badDraft(parameter, 'time');
  if (time !== acceptedTime) {
    if (!isUtcTime(time)) throw badDraft(parameter, 'time');
    acceptedTime = time;
  }
  if (!isPlainObject(body)) throw badDraft(parameter, 'body');
}

function assertSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'seq must be a non-negative integer', {
      details: { parameter: 'seq' },
    });
  }
}

function assertPrev(prev: unknown): void {
  if (!isEntryDigest(prev)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'prev must be a sha256 digest', {
      details: { parameter: 'prev' },
    });
  }
}

// Hex SHA-256 of bytes: node:crypto's one-shot `hash` where the runtime has it (hashing the
// encoded bytes costs less than handing it a string to encode), else @noble.
const sha256Hex: (bytes: Uint8Array) => string = (() => {
  const node = nodeCrypto();
  if (node !== undefined && typeof node.hash === 'function') {
    const hash = node.hash;
    return (bytes) => hash('sha256', bytes, 'hex');
  }
  return (bytes) => toHex(nobleSha256(bytes));
})();

const encoder = new TextEncoder();

// Where sealed lines are encoded: byte `at` is the leaf prefix 0x00, the line follows, and
// the leaf hash is taken over those bytes in place. Grown on demand (keeping what it holds);
// kept for the next call only up to SCRATCH_KEEP bytes, so one huge batch does not pin its
// size. Sealing is synchronous, but a body's getter could seal re-entrantly, so a nested
// call gets a buffer of its own (`scratchBusy`).
const SCRATCH_KEEP = 1 << 20;
let scratch: Uint8Array = new Uint8Array(1 << 16);
let scratchBusy = false;

function keepScratch(buffer: Uint8Array): void {
  if (buffer.length <= SCRATCH_KEEP) scratch = buffer;
}

function grow(buffer: Uint8Array, used: number, needed: number): Uint8Array {
  let size = buffer.length * 2;
  while (size < needed) size *= 2;
  const bigger = new Uint8Array(size);
  bigger.set(buffer.subarray(0, used));
  return bigger;
}

interface Target {
  buffer: Uint8Array;
}

// Seal one validated draft into `target.buffer` at `at` (0x00, then the line's UTF-8, with
// room for one more byte after it), growing the buffer when needed; returns the entry and
// the end offset.
function sealAt(
  target: Target,
  at: number,
  entry: { readonly draft: EntryDraft; readonly seq: number; readonly prev: Sha256Digest },
): { entry: StoredEntry; end: number } {
  const { seq } = entry;
  const prefixed = serializeEntry(entry.draft, seq, entry.prev);
  // A line has at least as many UTF-8 bytes as UTF-16 units (the first unit is the leaf prefix):
  // refused before the buffer grows for it.
  if (prefixed.length - 1 > MAX_ENTRY_BYTES) throw entryTooLarge(seq);
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  const room = 3 * prefixed.length + 1;
  if (target.buffer.length - at < room) target.buffer = grow(target.buffer, at, at + room);
  const buffer = target.buffer;
  const { read, written } = encoder.encodeInto(prefixed, buffer.subarray(at));
  // Never expected (the room above always suffices): the hashed bytes must be the whole line.
  if (read !== prefixed.length) throw new WritError('ERR_INTERNAL', 'sealed line did not fit its buffer');
  const end = at + written;
  if (written - 1 > MAX_ENTRY_BYTES) throw entryTooLarge(seq);
  const hash: Sha256Digest = `sha256:${sha256Hex(buffer.subarray(at, end))}`;
  return { entry: { seq, hash, line: prefixed.slice(1) }, end };
}

/**
 * Build the stored form of entry `seq` following `prev`. Stores call this inside their
 * critical section so that every backend writes byte-identical entries.
 * @throws `ERR_INVALID_ARGUMENT` (malformed draft), `ERR_CANONICAL_UNSUPPORTED` (body is not JSON),
 *   `ERR_TRANSCRIPT_ENTRY_TOO_LARGE` (a line over {@link MAX_ENTRY_BYTES}).
 */
export function sealEntry(options: {
  readonly draft: EntryDraft;
  readonly seq: number;
  readonly prev: Sha256Digest;
}): StoredEntry {
  assertOptions(options);
  const { draft, seq, prev } = options;
  assertEntryDraft(draft);
  assertSeq(seq);
  assertPrev(prev);
  const busy = scratchBusy;
  const target = { buffer: busy ? new Uint8Array(1 << 10) : scratch };
  scratchBusy = true;
  try {
    return sealAt(target, 0, options).entry;
  } finally {
    if (!busy) keepScratch(target.buffer);
    scratchBusy = busy;
  }
}

/** A batch sealed by {@link sealEntries}. */
export interface SealedBatch {
  /** The entries, as {@link sealEntry} would build them one after the other. */
  readonly entries: StoredEntry[];
  /** Every entry's line followed by `\n`, as UTF-8: what a file store appends. */
  readonly bytes: Uint8Array;
}

/**
 * Seal `drafts` as entries `seq`, `seq + 1`, ... chained from `prev`: exactly what calling
 * {@link sealEntry} for each in turn gives (same entries, same errors, checked in the same
 * order; property-tested), plus the batch's newline-terminated UTF-8 bytes. Each line is
 * encoded once, into the batch buffer, and hashed there (the leaf prefix byte briefly
 * standing in for the newline before it), instead of hashing a string and encoding it again
 * for the write. The `prev` of every entry after the first is the hash just computed, so
 * only the first is checked.
 * @throws `ERR_INVALID_ARGUMENT` (malformed draft, seq or prev), `ERR_CANONICAL_UNSUPPORTED`,
 *   `ERR_TRANSCRIPT_ENTRY_TOO_LARGE` (a line over {@link MAX_ENTRY_BYTES}).
 */
export function sealEntries(options: {
  readonly drafts: readonly EntryDraft[];
  readonly seq: number;
  readonly prev: Sha256Digest;
}): SealedBatch {
  const { drafts, seq } = options;
  let prev = options.prev;
  const busy = scratchBusy;
  const target = { buffer: busy ? new Uint8Array(1 << 12) : scratch };
  scratchBusy = true;
  try {
    const entries: StoredEntry[] = [];
    // The next line's prefix byte is at `at`; the batch's bytes start at 1.
    let at = 0;
    for (let i = 0; i < drafts.length; i++) {
      const draft = drafts[i]!;
      assertEntryDraft(draft);
      assertSeq(seq + i);
      if (i === 0) assertPrev(prev);
      const sealed = sealAt(target, at, { draft, seq: seq + i, prev });
      entries.push(sealed.entry);
      prev = sealed.entry.hash;
      // The prefix byte went where the previous line's newline is: put it back, and end
      // this line with its own (where the next line's prefix byte will go).
      target.buffer[at] = 0x0a;
      target.buffer[sealed.end] = 0x0a;
      at = sealed.end;
    }
    return { entries, bytes: target.buffer.slice(1, at + 1) };
  } finally {
    if (!busy) keepScratch(target.buffer);
    scratchBusy = busy;
  }
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
