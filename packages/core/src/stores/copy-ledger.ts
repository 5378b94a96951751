/**
 * Copy a ledger, entries byte for byte and its checkpoints, into a file store: how a ledger
 * kept in PostgreSQL (or any {@link LedgerStore}) becomes a transcript directory that
 * `writ verify`, `writ witness` and `writ report` read. Run again, it appends what the source
 * gained since, after checking that the copy is still a prefix of the source.
 */
import { WritError } from '../errors.ts';
import { assertOptions, invalidArgument } from '../invalid-argument.ts';
import { parseCheckpoint } from '../transcript/checkpoint.ts';
import { hashToDigest } from '../transcript/entry.ts';
import { leafHash } from '../transcript/merkle.ts';
import { parseNote } from '../transcript/signed-note.ts';
import type { FileLedgerStore } from './file-ledger-store.ts';
import type { CheckpointRecord, LedgerStore } from './types.ts';

/** Options of {@link copyLedger}. */
export interface CopyLedgerOptions {
  /** The ledger to copy (read only). */
  readonly from: Pick<LedgerStore, 'read' | 'head' | 'checkpoints'>;
  /** The file store it is copied into (its writer: it holds the directory's lock). */
  readonly to: FileLedgerStore;
  /** Entries per durable append (default 1000; a batch is cut earlier once its lines reach 8 Mi characters). */
  readonly batch?: number;
  /** Called after each batch with the copy's size so far. */
  readonly onProgress?: (size: number) => void;
}

/** What {@link copyLedger} did. */
export interface CopyLedgerResult {
  /** Entries the copy held before. */
  readonly from: number;
  /** Entries it holds now: the source's head when the copy started. */
  readonly size: number;
  /** Checkpoints added to the copy. */
  readonly checkpoints: number;
}

// At most this many UTF-16 units of lines are held before they are appended (8 Mi: up to 24 MiB
// of UTF-8).
const BATCH_CHARS = 8 << 20;

function diverged(reason: string, details: Record<string, unknown>): WritError {
  return new WritError('ERR_STORE_CONFLICT', `the copy is not a prefix of the source ledger: ${reason}`, { details: { reason: 'diverged', ...details } });
}

function corruptSource(reason: 'checkpoint-note' | 'checkpoint-twice', message: string, checkpointSize: number): WritError {
  return new WritError('ERR_STORE_CORRUPT', `the source ledger is inconsistent: ${message}`, { details: { reason, checkpointSize } });
}

// A checkpoint record is stored as `checkpoints/<size>.json` and ordered by its size, but only its
// note is verified: a record whose size or root is not its note's would be a copy that holds
// other bytes than the ones that verify.
function assertRecordIsItsNote(checkpoint: CheckpointRecord): void {
  let size: number;
  let root: string;
  try {
    const parsed = parseCheckpoint(parseNote(checkpoint.note).text);
    size = parsed.size;
    root = hashToDigest(parsed.root);
  } catch {
    throw corruptSource('checkpoint-note', `its checkpoint of size ${checkpoint.size} is not a checkpoint note`, checkpoint.size);
  }
  if (size !== checkpoint.size || root !== checkpoint.root) {
    throw corruptSource('checkpoint-note', `its checkpoint record of size ${checkpoint.size} does not carry its note's size and root`, checkpoint.size);
  }
}

/**
 * Bring `to` up to the head `from` has now: the entries after the ones `to` holds (each line
 * exactly as the source stored it, chain-checked on the way in by `appendStored`) and every
 * checkpoint of the source up to that head that `to` does not have. Entries the source gains
 * during the copy are left for the next one. Nothing is trusted here that a verifier would not
 * check again: the copy is a transcript directory to verify, not a verdict.
 * @throws `ERR_INVALID_ARGUMENT` (options), `ERR_STORE_CONFLICT` (`to` holds entries the source
 *   does not — more, or others at the same positions — or a checkpoint the source does not list
 *   or lists with another note), `ERR_STORE_CORRUPT` (a source checkpoint record whose size or
 *   root is not its note's, or two of one size; nothing of its checkpoints is copied then), the
 *   stores' read and write errors (`ERR_STORE_CORRUPT`, `ERR_STORE_IO`, ...), and
 *   what {@link FileLedgerStore.appendStored} throws for a line the source should never hold.
 */
export async function copyLedger(options: CopyLedgerOptions): Promise<CopyLedgerResult> {
  assertOptions(options, 'options');
  const { from, to } = options;
  if (typeof from !== 'object' || from === null || typeof from.read !== 'function' || typeof from.head !== 'function' || typeof from.checkpoints !== 'function') {
    throw invalidArgument('options.from', 'must be a LedgerStore');
  }
  if (typeof to !== 'object' || to === null || typeof (to as Partial<FileLedgerStore>).appendStored !== 'function') {
    throw invalidArgument('options.to', 'must be a FileLedgerStore');
  }
  const batch = options.batch ?? 1000;
  if (!Number.isSafeInteger(batch) || batch < 1) throw invalidArgument('options.batch', 'must be a positive integer');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw invalidArgument('options.onProgress', 'must be a function');

  const target = await to.head();
  const source = await from.head();
  if (target.size > source.size) {
    throw diverged(`it holds ${target.size} entries, the source ${source.size}`, { size: target.size, sourceSize: source.size });
  }
  if (target.size > 0) {
    // The hash of the line the source holds, computed here: a source may claim any hash.
    let last: string | undefined;
    for await (const entry of from.read({ from: target.size - 1, to: target.size })) last = hashToDigest(leafHash(entry.line));
    if (last !== target.hash) {
      throw diverged(`entry ${target.size - 1} differs`, { seq: target.size - 1 });
    }
  }
  let lines: string[] = [];
  // UTF-16 units held in `lines`: a batch is also cut at BATCH_CHARS, so a source serving huge
  // lines cannot make one batch of `batch` of them exhaust memory.
  let held = 0;
  let size = target.size;
  if (source.size > target.size) {
    let read = target.size;
    for await (const entry of from.read({ from: target.size, to: source.size })) {
      // Never past the head the source reported, whatever its read yields.
      if (read++ >= source.size) break;
      lines.push(entry.line);
      held += typeof entry.line === 'string' ? entry.line.length : 0;
      if (lines.length === batch || held >= BATCH_CHARS) {
        size = (await to.appendStored(lines)).at(-1)!.seq + 1;
        lines = [];
        held = 0;
        options.onProgress?.(size);
      }
    }
    if (lines.length > 0) {
      size = (await to.appendStored(lines)).at(-1)!.seq + 1;
      options.onProgress?.(size);
    }
  }
  const head = await to.head();
  if (head.size !== source.size || head.hash !== source.hash) {
    // The entries read do not end in the head the source reported (changed under the copy).
    throw diverged(`the source's entries do not end in the head it reported (${source.size} entries, ${source.hash})`, { size: head.size, sourceSize: source.size });
  }
  const have = new Map<number, string>();
  for await (const checkpoint of to.checkpoints()) have.set(checkpoint.size, checkpoint.note);
  // Sizes the source lists, and the records the copy lacks (only those are held in memory).
  const listed = new Set<number>();
  const fresh = new Map<number, CheckpointRecord>();
  for await (const checkpoint of from.checkpoints()) {
    if (checkpoint.size > source.size) continue;
    const held = have.get(checkpoint.size);
    if (held !== undefined && held !== checkpoint.note) throw diverged(`its checkpoint of size ${checkpoint.size} differs`, { checkpointSize: checkpoint.size });
    const twin = fresh.get(checkpoint.size);
    if (twin !== undefined && (twin.note !== checkpoint.note || twin.root !== checkpoint.root)) {
      throw corruptSource('checkpoint-twice', `it lists two checkpoints of size ${checkpoint.size}`, checkpoint.size);
    }
    if (listed.has(checkpoint.size)) continue;
    assertRecordIsItsNote(checkpoint);
    listed.add(checkpoint.size);
    if (held === undefined) fresh.set(checkpoint.size, checkpoint);
  }
  // Every checkpoint the copy holds came from the source: one it no longer lists was dropped.
  for (const size of have.keys()) {
    if (!listed.has(size)) throw diverged(`the source does not list its checkpoint of size ${size}`, { checkpointSize: size });
  }
  const wanted = [...fresh.values()];
  wanted.sort((a, b) => a.size - b.size);
  const latest = [...have.keys()].reduce((a, b) => Math.max(a, b), 0);
  // Stores keep checkpoints in increasing size, so a copy made by this function holds every
  // source checkpoint up to its latest: one missing below it was not copied from this source.
  const missing = wanted.find((checkpoint) => checkpoint.size < latest);
  if (missing !== undefined) throw diverged(`it lacks the source's checkpoint of size ${missing.size} below its own of size ${latest}`, { checkpointSize: missing.size });
  for (const checkpoint of wanted) await to.putCheckpoint(checkpoint);
  return { from: target.size, size: head.size, checkpoints: wanted.length };
}
