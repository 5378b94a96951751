/**
 * Read a file-store transcript directory for verification without opening it as a store
 * (no lock, no repair): raw entry lines, checkpoint notes and the optional trust root.
 */
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { WritError, isWritError } from '../errors.ts';
import type { WritErrorCode } from '../errors.ts';
import { CHECKPOINTS_DIR, ENTRIES_FILE } from '../stores/file-ledger-store.ts';
import { endWithoutZeros, readLineChunks } from '../stores/line-reader.ts';
import { assertRealDirectory, openRegularFile, readEvidenceFile, writeFileDurably } from '../stores/regular-file.ts';
import { parseCheckpoint } from './checkpoint.ts';
import { assertCosignerKey, parseCosignerKey, verifyCosignatures } from './cosignature.ts';
import type { CosignerKey } from './cosignature.ts';
import { MAX_ENTRY_BYTES } from './entry.ts';
import { MerkleTree } from './merkle-tree.ts';
import { equalHashes, leafHash } from './merkle.ts';
import { submitCheckpoint } from './witness.ts';
import { parseNote } from './signed-note.ts';
import type { TailReport } from '../stores/line-reader.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import type { TrustRoot, TrustRootDocument } from '../trust/trust-root.ts';
import { invalidArgument } from '../invalid-argument.ts';
import { ENTRY_TOO_LARGE, TranscriptCheckError, verifyCheckpointNotes } from './verify-transcript.ts';
import type { TranscriptCheck } from './verify-transcript.ts';

/** Conventional name of a trust-root document kept beside a transcript (untrusted until pinned). */
export const TRUST_ROOT_FILE = 'trust-root.json';

/**
 * The most bytes a checkpoint file (`checkpoints/*.json`) or a kept note (`witnessed/*.note`) is
 * read up to. A note is a checkpoint body of a few lines and at most 100 signature lines of
 * about 110 bytes each (`saveWitnessedCheckpoint` keeps no more): a few KiB. A larger file is
 * not one, and is refused unread rather than held in memory with every other note.
 */
export const MAX_CHECKPOINT_FILE_BYTES = 64 * 1024;

/**
 * The most bytes the kept `trust-root.json` is read up to (as `writ` reads `--trust-root`): a
 * document lists at most 1,024 keys of a few hundred bytes each.
 */
export const MAX_TRUST_ROOT_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Folder of witness-cosigned checkpoint notes kept beside a transcript, `<size, 16 digits>.note`
 * ({@link saveWitnessedCheckpoint}). Evidence like the rest: read as checkpoints, so each must
 * verify as one, and their cosignatures count for `verifyTranscript({ witnesses })`.
 */
export const WITNESSED_DIR = 'witnessed';

/** What {@link openTranscriptDirectory} returns. */
export interface TranscriptDirectory {
  /**
   * Entry lines in file order, up to the first NUL byte. Zeros after the last line are
   * unwritten space (a live or crashed writer's, ADR 0028); an incomplete final line, a NUL
   * inside a line or data after zeros fail verification (`entry-format`).
   */
  readonly entries: AsyncIterable<Uint8Array>;
  readonly checkpoints: readonly string[];
  /** Parsed `trust-root.json` when present. */
  readonly trustRootDocument: unknown;
  /** Size of `entries.jsonl` in bytes without its trailing zeros, if any (for progress). */
  readonly bytes: number;
}

/**
 * Open a transcript directory for reading. Checkpoint files and kept notes are read up to
 * {@link MAX_CHECKPOINT_FILE_BYTES} each, `trust-root.json` up to
 * {@link MAX_TRUST_ROOT_FILE_BYTES}; the entries are streamed.
 * @throws `ERR_INVALID_ARGUMENT` (not a transcript directory), `ERR_TRUST_ROOT_INVALID`,
 *   `ERR_STORE_CORRUPT` (a file or folder of it is a symbolic link, a FIFO or otherwise not a
 *   regular file or folder, or a checkpoint, note or trust root over its limit: `details.path`
 *   names it, `details.kind` says which — `too-large` with `details.maxBytes`), `ERR_STORE_IO`
 *   (a note or the trust root cannot be read: the system code in `details.reason`), file
 *   system errors (the entries).
 */
export async function openTranscriptDirectory(dir: string): Promise<TranscriptDirectory> {
  return (await readTranscriptDirectory(dir)).directory;
}

// openTranscriptDirectory, also answering the file each checkpoint note was read from.
async function readTranscriptDirectory(dir: string): Promise<{ directory: TranscriptDirectory; files: readonly string[] }> {
  if (typeof dir !== 'string' || !existsSync(join(dir, ENTRIES_FILE))) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'not a transcript directory (no entries.jsonl)', {
      details: { parameter: 'dir' },
    });
  }
  // Checkpoint files are read leniently: a damaged one is handed to the verifier as is,
  // which reports it as a checkpoint-format failure instead of refusing to read.
  const checkpoints: string[] = [];
  const files: string[] = [];
  const folder = join(dir, CHECKPOINTS_DIR);
  // Every file is read from the directory itself: a symbolic link (a file or a folder) is
  // refused, never followed (`ERR_STORE_CORRUPT`, naming it), like a FIFO.
  await assertRealDirectory(folder);
  const names = existsSync(folder)
    ? (await readdir(folder)).filter((name) => /^\d{16}\.json$/.test(name)).sort()
    : [];
  for (const name of names) {
    files.push(join(folder, name));
    const text = await readEvidenceFile(join(folder, name), { maxBytes: MAX_CHECKPOINT_FILE_BYTES });
    let note: unknown;
    try {
      note = (JSON.parse(text) as { note?: unknown }).note;
    } catch {
      note = undefined;
    }
    checkpoints.push(typeof note === 'string' ? note : text);
  }
  const witnessedFolder = join(dir, WITNESSED_DIR);
  await assertRealDirectory(witnessedFolder);
  if (existsSync(witnessedFolder)) {
    for (const name of (await readdir(witnessedFolder)).filter((each) => /^\d{16}\.note$/.test(each)).sort()) {
      files.push(join(witnessedFolder, name));
      checkpoints.push(await readEvidenceFile(join(witnessedFolder, name), { maxBytes: MAX_CHECKPOINT_FILE_BYTES }));
    }
  }
  const trustPath = join(dir, TRUST_ROOT_FILE);
  let trustRootDocument: unknown;
  if (existsSync(trustPath)) {
    const text = await readEvidenceFile(trustPath, { maxBytes: MAX_TRUST_ROOT_FILE_BYTES });
    try {
      trustRootDocument = JSON.parse(text);
    } catch (error) {
      throw new WritError('ERR_TRUST_ROOT_INVALID', 'trust-root.json is not JSON', {
        cause: error,
      });
    }
  }
  const path = join(dir, ENTRIES_FILE);
  const handle = await openRegularFile(path);
  let bytes: number;
  try {
    bytes = await endWithoutZeros(handle);
  } finally {
    await handle.close();
  }
  return { directory: { entries: entryLines(path), checkpoints, trustRootDocument, bytes }, files };
}

/**
 * The entry lines of a transcript directory's `entries.jsonl`, streamed — as
 * {@link openTranscriptDirectory}'s `entries`, without reading its checkpoints or trust root: for
 * a reader that only needs the entries (`writ report`, `writ rollback`). The file is opened at
 * the first step: a FIFO or a link is refused then, never waited on or followed. Memory stays
 * bounded whatever the file's size (one line at most `MAX_ENTRY_BYTES`, 16 MiB).
 * @throws at once: `ERR_INVALID_ARGUMENT` (`dir` not a transcript directory). While iterating:
 *   `ERR_STORE_CORRUPT` (`entries.jsonl` is a link or not a regular file), a `TranscriptCheckError`
 *   (`ERR_TRANSCRIPT_MALFORMED`: an incomplete final line, a NUL inside a line or data after
 *   zeros; `ERR_TRANSCRIPT_ENTRY_TOO_LARGE`; `details.seq` the line), file system errors.
 * @example
 * ```ts
 * for await (const line of readTranscriptEntries('./transcripts/s1')) count += 1;
 * ```
 */
export function readTranscriptEntries(dir: string): AsyncIterable<Uint8Array> {
  if (typeof dir !== 'string' || !existsSync(join(dir, ENTRIES_FILE))) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'not a transcript directory (no entries.jsonl)', { details: { parameter: 'dir' } });
  }
  return entryLines(join(dir, ENTRIES_FILE));
}

// What the verifier says about the bytes after the last line, by their kind (line-reader).
const TAIL_FAILURES = {
  fragment: 'the final entry is incomplete (torn write); open the store as a writer to repair it',
  // A canonical line never holds a NUL, and a writer only ever leaves zeros after its last
  // line: a NUL inside a line or data after unwritten space is tampering (or a power loss's
  // torn write that no writer has repaired yet).
  damaged: 'a NUL byte inside an entry, or data after unwritten (zero) space: tampering or an unrepaired torn write',
} as const;

async function* entryLines(path: string): AsyncGenerator<Uint8Array> {
  const handle = await openRegularFile(path);
  try {
    const size = (await handle.stat()).size;
    let count = 0;
    // The lines end at the first NUL; a live writer's file ends in zeros it wrote ahead (ADR
    // 0028), and a damaged-looking tail is re-read in case it was a write in progress.
    const report: TailReport = {};
    // Whole chunks of lines, split here: one generator step per line instead of two.
    // The buffer stays bounded by MAX_ENTRY_BYTES: a longer line is reported, not read whole
    // (the verifier checks the exact limit of the lines yielded).
    try {
      for await (const { data } of readLineChunks(handle, { end: size, tail: report, recheck: 2, maxLine: MAX_ENTRY_BYTES })) {
        let lineStart = 0;
        for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, lineStart)) {
          count += 1;
          yield data.subarray(lineStart, newline);
          lineStart = newline + 1;
        }
      }
    } catch (error) {
      if (!isWritError(error, 'ERR_TRANSCRIPT_ENTRY_TOO_LARGE')) throw error;
      throw new TranscriptCheckError({ check: 'entry-format', code: 'ERR_TRANSCRIPT_ENTRY_TOO_LARGE', message: ENTRY_TOO_LARGE, seq: count });
    }
    const kind = report.tail?.kind;
    if (kind === 'fragment' || kind === 'damaged') {
      throw new TranscriptCheckError({ check: 'entry-format', code: 'ERR_TRANSCRIPT_MALFORMED', message: TAIL_FAILURES[kind], seq: count });
    }
  } finally {
    await handle.close();
  }
}

/** Options of {@link saveWitnessedCheckpoint}. */
export interface SaveWitnessedCheckpointOptions {
  /** The witness whose cosignature the note carries: its lines in the kept note are verified before merging. */
  readonly witness?: string | CosignerKey;
  /**
   * For an unattended writer (the authority's witnessing): a kept note that cannot be merged —
   * not a readable checkpoint note, another checkpoint of that size, a line by `witness` that
   * does not verify, more than 100 signature lines, a link, a FIFO or a file over
   * {@link MAX_CHECKPOINT_FILE_BYTES} — is renamed to
   * `<size>.note.bad` (replacing an older one: at most one per checkpoint) and the new note is
   * kept alone, instead of refusing every save (and so every round) until someone repairs it.
   * {@link submitTranscriptDirectory} reports what was set aside. Default false: refused.
   */
  readonly setAside?: boolean;
}

/** What {@link saveWitnessedCheckpoint} did, as {@link submitTranscriptDirectory} reports it. */
export interface KeptWitnessedCheckpoint {
  /** The note written. */
  readonly path: string;
  /** With `setAside`: the kept note that could not be merged, where it went and why (the code the merge would have refused it with). */
  readonly setAside?: { readonly path: string; readonly code: WritErrorCode };
}

/**
 * Keep a witness-cosigned checkpoint note in `<dir>/witnessed/<size>.note`, where
 * {@link openTranscriptDirectory} (and so `writ verify --witness`) finds it. A note for a size
 * already kept is merged when it is the same checkpoint text (the signature lines of both, each
 * once, and of a witness's cosignatures only the newest: re-submitting an unchanged checkpoint
 * refreshes its cosignature time, which `verifyTranscript`'s `witnesses.since` checks); another
 * text of that size is refused. Nothing is verified here: the verifier checks every note and
 * cosignature it reads — except, with `options.witness`, the kept note's lines by that witness:
 * the newest line of a witness replaces its others, so a kept line that does not verify (forged,
 * say, with a far-future time) would otherwise displace every later valid cosignature of it.
 * With `options.setAside`, a kept note that cannot be merged is set aside instead of refused.
 * @returns the path written.
 * @throws `ERR_INVALID_ARGUMENT` (not a transcript directory, not a checkpoint note, another
 *   checkpoint of that size kept already, more than 100 signature lines, a merged note over
 *   {@link MAX_CHECKPOINT_FILE_BYTES}, a bad `options.witness`), `ERR_NOTE_UNVERIFIED` (with
 *   `options.witness`: the kept note holds a line by that witness that does not verify; nothing
 *   is written), `ERR_STORE_CORRUPT` (the kept note or `witnessed/` is a link or not a regular
 *   file or folder, or the kept note is over {@link MAX_CHECKPOINT_FILE_BYTES}), `ERR_STORE_IO`.
 */
export async function saveWitnessedCheckpoint(dir: string, note: string, options: SaveWitnessedCheckpointOptions = {}): Promise<string> {
  return (await keepWitnessedCheckpoint(dir, note, options)).path;
}

// saveWitnessedCheckpoint, also answering what `options.setAside` set aside.
async function keepWitnessedCheckpoint(dir: string, note: string, options: SaveWitnessedCheckpointOptions = {}): Promise<KeptWitnessedCheckpoint> {
  if (typeof dir !== 'string' || !existsSync(join(dir, ENTRIES_FILE))) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'not a transcript directory (no entries.jsonl)', { details: { parameter: 'dir' } });
  }
  if (typeof options !== 'object' || options === null) throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  if (options.setAside !== undefined && typeof options.setAside !== 'boolean') throw new WritError('ERR_INVALID_ARGUMENT', 'options.setAside must be a boolean', { details: { parameter: 'options.setAside' } });
  let witness: CosignerKey | undefined;
  if (typeof options.witness === 'string') {
    try {
      witness = parseCosignerKey(options.witness);
    } catch {
      throw new WritError('ERR_INVALID_ARGUMENT', 'options.witness must be a witness verifier key (C2SP cosignature/v1)', { details: { parameter: 'options.witness' } });
    }
  } else if (options.witness !== undefined) {
    assertCosignerKey(options.witness, 'options.witness');
    witness = options.witness;
  }
  let parsed;
  let size: number;
  try {
    parsed = parseNote(note);
    size = parseCheckpoint(parsed.text).size;
  } catch {
    throw new WritError('ERR_INVALID_ARGUMENT', 'note must be a signed checkpoint note', { details: { parameter: 'note' } });
  }
  const folder = join(dir, WITNESSED_DIR);
  // A linked witnessed/ would take the note into another folder.
  await assertRealDirectory(folder);
  const path = join(folder, `${String(size).padStart(16, '0')}.note`);
  let merged = note;
  let setAside: KeptWitnessedCheckpoint['setAside'];
  if (await lstat(path).then(() => true, () => false)) {
    try {
      merged = await mergeKeptNote({ path, note, text: parsed.text, size, witness, lenient: options.setAside !== true });
    } catch (error) {
      if (options.setAside !== true || !WritError.isInstance(error) || error.code === 'ERR_STORE_IO') throw error;
      try {
        await rename(path, `${path}.bad`);
      } catch (cause) {
        throw new WritError('ERR_STORE_IO', `cannot set ${path} aside`, { cause, details: { path } });
      }
      setAside = { path: `${path}.bad`, code: error.code };
    }
  }
  // Never keep a note the readers would refuse as too large (and so fail the whole directory on).
  if (Buffer.byteLength(merged) > MAX_CHECKPOINT_FILE_BYTES) {
    throw new WritError('ERR_INVALID_ARGUMENT', `the note to keep is larger than ${MAX_CHECKPOINT_FILE_BYTES} bytes`, { details: { parameter: 'note', maxBytes: MAX_CHECKPOINT_FILE_BYTES } });
  }
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw new WritError('ERR_STORE_IO', `cannot create ${folder}`, { cause: error });
  }
  await writeFileDurably(path, merged);
  return { path, ...(setAside !== undefined && { setAside }) };
}

// The kept note at `path` merged with the new `note` of checkpoint `text`. `lenient`: a kept
// file that is not a checkpoint note is replaced by the new note (as before `setAside`); else
// refused with ERR_NOTE_MALFORMED.
async function mergeKeptNote(input: { path: string; note: string; text: string; size: number; witness: CosignerKey | undefined; lenient: boolean }): Promise<string> {
  const { path, note, witness } = input;
  const kept = await readEvidenceFile(path, { maxBytes: MAX_CHECKPOINT_FILE_BYTES });
  let keptText: string;
  try {
    keptText = parseNote(kept).text;
  } catch {
    if (input.lenient) return note;
    throw new WritError('ERR_NOTE_MALFORMED', `${path} is not a signed checkpoint note`, { details: { path } });
  }
  if (keptText !== input.text) {
    throw new WritError('ERR_INVALID_ARGUMENT', `another checkpoint of size ${input.size} is kept in ${path}`, { details: { parameter: 'note', size: input.size } });
  }
  if (witness !== undefined) {
    try {
      verifyCosignatures(kept, [witness]);
    } catch {
      throw new WritError('ERR_NOTE_UNVERIFIED', `${path} holds a cosignature line by ${witness.name} that does not verify (tampering?): not merged, so it cannot displace the new one; remove the line`, { details: { keyName: witness.name, path } });
    }
  }
  const lines = (each: string): string[] => each.slice(each.lastIndexOf('\n\n') + 2, -1).split('\n');
  const all = mergeSignatureLines(lines(kept), lines(note));
  if (all.length > 100) throw new WritError('ERR_INVALID_ARGUMENT', 'more than 100 signature lines for one checkpoint', { details: { parameter: 'note' } });
  return `${input.text}\n${all.map((line) => `${line}\n`).join('')}`;
}

// A cosignature/v1 signature line (`— <name> base64(key ID[4] || timestamp[8] || signature[64])`):
// its witness (name and key ID) and timestamp; undefined for any other line (log signatures).
function cosignatureLine(line: string): { witness: string; timestamp: bigint } | undefined {
  const match = /^\u2014 (\S+) ([A-Za-z0-9+/]{100}[A-Za-z0-9+/=]{4})$/u.exec(line);
  if (match === null) return undefined;
  const blob = Buffer.from(match[2]!, 'base64');
  if (blob.length !== 76) return undefined;
  return { witness: `${match[1]!} ${blob.subarray(0, 4).toString('hex')}`, timestamp: blob.readBigUInt64BE(4) };
}

// The signature lines of a kept note and a new one, each once, in order; of one witness's
// cosignatures only the newest (on a tie, the new note's), where the older one stood.
function mergeSignatureLines(kept: readonly string[], added: readonly string[]): string[] {
  const out: string[] = [];
  const at = new Map<string, { index: number; timestamp: bigint }>();
  for (const line of [...kept, ...added]) {
    if (out.includes(line)) continue;
    const cosignature = cosignatureLine(line);
    if (cosignature === undefined) {
      out.push(line);
      continue;
    }
    const seen = at.get(cosignature.witness);
    if (seen === undefined) {
      at.set(cosignature.witness, { index: out.length, timestamp: cosignature.timestamp });
      out.push(line);
    } else if (cosignature.timestamp >= seen.timestamp) {
      out[seen.index] = line;
      seen.timestamp = cosignature.timestamp;
    }
  }
  return out;
}

/** Options of {@link submitTranscriptDirectory}. */
export interface SubmitTranscriptDirectoryOptions {
  /** The witness's submission prefix (`<url>/add-checkpoint`). */
  readonly url: string;
  /** The witness's cosignature/v1 verifier key. */
  readonly witness: string;
  /**
   * The trust root whose `ledger` keys a checkpoint must be signed by to be submitted (pinned).
   * Default: the directory's `trust-root.json`; with neither, the call is refused
   * (`ERR_INVALID_ARGUMENT` naming `options.trustRoot`) rather than submitting a note nothing
   * verified.
   */
  readonly trustRoot?: TrustRoot;
  /** Keep the cosigned note in `<dir>/witnessed/` ({@link saveWitnessedCheckpoint}). */
  readonly save?: boolean;
  /** With `save`: set a kept note that cannot be merged aside (`SaveWitnessedCheckpointOptions.setAside`); the result names it. */
  readonly setAside?: boolean;
  /** The size the witness is believed to hold (default 0: learnt from its 409 answer, one more request). */
  readonly oldSize?: number;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/**
 * A checkpoint note {@link submitTranscriptDirectory} passed over: one that is not a checkpoint
 * note at all, or one larger than the checkpoint submitted that does not verify against the
 * trust root. The codes are the verifier's (`verifyTranscript` fails the directory on the same
 * note, with the same code).
 */
export interface SkippedCheckpoint {
  /** The file the note was read from (in `checkpoints/` or `witnessed/`). */
  readonly path: string;
  /** The size its body claims, when it has a readable one. */
  readonly size?: number;
  /**
   * `ERR_CHECKPOINT_MALFORMED` (not a checkpoint note, or no `writ-time`),
   * `ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE` (no `ledger` key of the trust root signed it: a foreign
   * key, another role's key, a damaged signature or body), `ERR_TRANSCRIPT_CHECKPOINT_KEY` (the
   * ledger key was not valid at the note's signing time).
   */
  readonly code: WritErrorCode;
  /** The verifier's check that failed (`checkpoint-format`, `checkpoint-signature`, `checkpoint-key`). */
  readonly check: TranscriptCheck;
  /** The underlying code when it adds precision (`ERR_KEY_COMPROMISED`, `ERR_KEY_NOT_VALID_AT`, ...). */
  readonly cause?: string;
}

/** What {@link submitTranscriptDirectory} returns. */
export interface SubmittedTranscriptDirectory {
  /** The cosigned note (the submitted checkpoint with the witness's cosignature). */
  readonly note: string;
  readonly size: number;
  /** The size the witness held before. */
  readonly oldSize: number;
  /** The cosignature time (seconds since the epoch). */
  readonly timestamp: number;
  /** With `save`: where the cosigned note was kept. */
  readonly saved?: string;
  /** With `save` and `setAside`: the kept note set aside, and why. */
  readonly setAside?: KeptWitnessedCheckpoint['setAside'];
  /** Notes passed over on the way to the one submitted (empty when none). */
  readonly skipped: readonly SkippedCheckpoint[];
}

/**
 * Have the latest checkpoint of a transcript directory that verifies against the trust root
 * (signed by one of its `ledger` keys, valid at the checkpoint's time: the verifier's own
 * `verifyCheckpointNotes`) cosigned by a C2SP tlog-witness. Notes larger than that one which do
 * not verify — damaged or forged, in `witnessed/` or `checkpoints/` — are passed over and
 * reported in `skipped`, instead of being submitted for the witness to refuse round after round;
 * they stay evidence `verifyTranscript` fails on. A note that does verify is never passed over:
 * every checkpoint signed by a ledger key must be of one log, agree with the others and match
 * the Merkle root of the entries it covers (the verifier's `checkpoint-consistency` and
 * `checkpoint-root` checks), else nothing is submitted — a ledger-signed fork, or entries
 * rewritten under a signed checkpoint, is evidence of the ledger key's misuse for someone to
 * look at, not a note to route around (a witness seeing the log for the first time would cosign
 * whichever it is sent). The entries up to the chosen checkpoint are read once (64 bytes per
 * entry for the proof tree) to check those roots and to prove consistency from whatever size
 * the witness holds. Call it after checkpoints, on a timer, from CI.
 * @returns the cosigned note, its size, the size the witness held, where it was kept, (with
 *   `setAside`) the kept note set aside, and the notes skipped.
 * @throws `ERR_INVALID_ARGUMENT` (options; not a transcript directory or no checkpoint: naming
 *   `dir`; no trust root — neither `options.trustRoot` nor a `trust-root.json` in the directory —
 *   or not a TrustRoot: naming `options.trustRoot`), `ERR_TRUST_ROOT_INVALID` (the directory's
 *   `trust-root.json` is not a trust root), `ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE` (no checkpoint
 *   verifies: `details.skipped` lists them all), `ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT`
 *   (checkpoints that verify are of two logs, differ at one size, or a larger one was signed
 *   before a smaller one) and `ERR_TRANSCRIPT_ROOT_MISMATCH` (one that verifies does not match
 *   the entries) — both with `details: { check, size, paths, skipped }`, `paths` the notes of that
 *   size —, `ERR_TRANSCRIPT_CHECKPOINT_BEYOND_END` (the entries end before the chosen
 *   checkpoint), what {@link openTranscriptDirectory} throws, and what {@link submitCheckpoint}
 *   and {@link saveWitnessedCheckpoint} throw.
 * @example
 * ```ts
 * const result = await submitTranscriptDirectory('./transcripts/s1', { url, witness: vkey, trustRoot, save: true });
 * for (const note of result.skipped) console.warn(`skipped ${note.path}: ${note.code}`);
 * ```
 */
export async function submitTranscriptDirectory(dir: string, options: SubmitTranscriptDirectoryOptions): Promise<SubmittedTranscriptDirectory> {
  if (typeof options !== 'object' || options === null) throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  if (options.trustRoot !== undefined && typeof (options.trustRoot as Partial<TrustRoot> | null)?.checkKey !== 'function') throw invalidArgument('options.trustRoot', 'must be a TrustRoot');
  const { directory, files } = await readTranscriptDirectory(dir);
  if (directory.checkpoints.length === 0) throw new WritError('ERR_INVALID_ARGUMENT', 'the transcript has no checkpoint to submit', { details: { parameter: 'dir' } });
  const trustRoot = options.trustRoot ?? directoryTrustRoot(directory.trustRootDocument);
  const { latest, skipped, verified } = latestVerified({ notes: directory.checkpoints, files, trustRoot });
  // Every checkpoint a ledger key signed must be of one log, agree with the others and with the
  // entries — the verifier's checks — before one of them is handed to a witness, which cosigns
  // the first checkpoint it sees of a log without asking for more: a ledger-signed fork, or
  // entries rewritten under a signed checkpoint, would get a witness's word.
  const pending = agreeingCheckpoints({ verified, trustRoot, skipped });
  const tree = new MerkleTree();
  const meet = (): void => {
    while (pending.length > 0 && pending[0]!.size === tree.size) {
      const checkpoint = pending.shift()!;
      if (!equalHashes(tree.root(), checkpoint.root)) {
        throw new WritError('ERR_TRANSCRIPT_ROOT_MISMATCH', `a checkpoint of size ${checkpoint.size} signed by a ledger key of the trust root does not match the entries (a fork, or entries rewritten under it): nothing was submitted`, {
          details: { check: 'checkpoint-root' satisfies TranscriptCheck, size: checkpoint.size, paths: pathsOfSize(verified, checkpoint.size), skipped },
        });
      }
    }
  };
  meet();
  for await (const line of directory.entries) {
    if (tree.size === latest.size) break;
    tree.push(leafHash(line));
    meet();
  }
  if (tree.size < latest.size) {
    throw new WritError('ERR_TRANSCRIPT_CHECKPOINT_BEYOND_END', `the transcript ends at entry ${tree.size}, before its checkpoint of size ${latest.size}`, { details: { size: latest.size, entries: tree.size } });
  }
  const result = await submitCheckpoint({
    url: options.url,
    witness: options.witness,
    note: latest.note,
    proof: (oldSize) => tree.consistencyProof(oldSize, latest.size),
    ...(options.oldSize !== undefined && { oldSize: options.oldSize }),
    ...(options.fetch !== undefined && { fetch: options.fetch }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  });
  const kept = options.save === true ? await keepWitnessedCheckpoint(dir, result.note, { witness: options.witness, setAside: options.setAside === true }) : undefined;
  return { note: result.note, size: latest.size, oldSize: result.oldSize, timestamp: result.timestamp, ...(kept !== undefined && { saved: kept.path }), ...(kept?.setAside !== undefined && { setAside: kept.setAside }), skipped };
}

// The trust root of the directory's trust-root.json; refused when there is none: a checkpoint
// nothing verified is not submitted (the witness would refuse a forged one, every round).
function directoryTrustRoot(document: unknown): TrustRoot {
  if (document === undefined) {
    throw new WritError('ERR_INVALID_ARGUMENT', `options.trustRoot is required: the directory has no ${TRUST_ROOT_FILE} to verify its checkpoints against`, { details: { parameter: 'options.trustRoot' } });
  }
  return createTrustRoot(document as TrustRootDocument);
}

interface Candidate {
  readonly note: string;
  readonly size: number;
  readonly path: string;
}

// The largest checkpoint note that verifies against `trustRoot` (the first such in file order,
// `checkpoints/` before `witnessed/`, on a tie); the notes passed over on the way: the ones that
// are not checkpoint notes, then the larger ones that do not verify, largest first; and every
// note that verifies on its own, in file order (a smaller one that does not is the verifier's
// finding, neither passed over nor checked further here).
function latestVerified(input: { notes: readonly string[]; files: readonly string[]; trustRoot: TrustRoot }): { latest: Candidate; skipped: SkippedCheckpoint[]; verified: Candidate[] } {
  const skipped: SkippedCheckpoint[] = [];
  const sized: Candidate[] = [];
  input.notes.forEach((note, i) => {
    const path = input.files[i]!;
    try {
      sized.push({ note, size: parseCheckpoint(parseNote(note).text).size, path });
    } catch (error) {
      skipped.push({ path, code: 'ERR_CHECKPOINT_MALFORMED', check: 'checkpoint-format', ...(WritError.isInstance(error) && error.code !== 'ERR_CHECKPOINT_MALFORMED' && { cause: error.code }) });
    }
  });
  const verified = new Set<Candidate>();
  const failed = new Map<Candidate, SkippedCheckpoint>();
  for (const candidate of sized) {
    try {
      // The verifier's own check of one note: format, a ledger key's signature, the key's validity at its time.
      verifyCheckpointNotes({ notes: [candidate.note], trustRoot: input.trustRoot });
      verified.add(candidate);
    } catch (error) {
      if (!(error instanceof TranscriptCheckError)) throw error;
      const { code, check, cause } = error.failure;
      failed.set(candidate, { path: candidate.path, size: candidate.size, code, check, ...(cause !== undefined && { cause }) });
    }
  }
  // Stable: of one size, the note read first is tried first.
  for (const candidate of [...sized].sort((a, b) => b.size - a.size)) {
    if (verified.has(candidate)) return { latest: candidate, skipped, verified: sized.filter((each) => verified.has(each)) };
    skipped.push(failed.get(candidate)!);
  }
  throw new WritError('ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE', 'no checkpoint of the transcript verifies against the trust root (no ledger key signed one)', { details: { skipped } });
}

// The checkpoints of `verified` notes, by size, once each, checked together as the verifier does
// (one origin — that of the first, so a `checkpoints/` note the ledger wrote sets it —, one root
// per size, no larger tree signed before a smaller one). Each verified alone, so a disagreement
// is the ledger key's doing: refused, never passed over for an older checkpoint.
function agreeingCheckpoints(input: { verified: readonly Candidate[]; trustRoot: TrustRoot; skipped: readonly SkippedCheckpoint[] }): { size: number; root: Uint8Array }[] {
  try {
    return verifyCheckpointNotes({ notes: input.verified.map((each) => each.note), trustRoot: input.trustRoot }).checkpoints;
  } catch (error) {
    if (!(error instanceof TranscriptCheckError)) throw error;
    const { code, check, message, checkpointSize } = error.failure;
    const size = checkpointSize!;
    throw new WritError(code, `checkpoints signed by a ledger key of the trust root disagree at size ${size} (${message}): the ledger key signed a fork or another log's checkpoint; nothing was submitted`, {
      details: { check, size, paths: pathsOfSize(input.verified, size), skipped: input.skipped },
    });
  }
}

// The files of the verified notes of one size (the notes a refusal is about).
function pathsOfSize(verified: readonly Candidate[], size: number): string[] {
  return verified.filter((each) => each.size === size).map((each) => each.path);
}
