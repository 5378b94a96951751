/**
 * The embedded default {@link LedgerStore}: a directory holding
 *
 * - `entries.jsonl` — one canonical entry per line, exactly the bytes that are hashed;
 * - `checkpoints/<size, 16 digits>.json` — one JCS record `{ note, root, size }` per checkpoint;
 * - `writer.lock` — the single-writer lock (see `file-lock.ts`).
 *
 * Appends are group-committed: entries sealed while a durable write is in flight are
 * written together by the next one, and every `append` resolves only after the write
 * covering its lines is durable (the file is opened with O_DSYNC where the platform has it,
 * so the write itself is the `fdatasync` — one thread-pool round trip per group commit;
 * elsewhere an explicit `fdatasync` follows the write). On open, a torn final line (a crash mid-write) is cut
 * off and the file fsync'd; damage anywhere else is `ERR_STORE_CORRUPT`.
 *
 * A writer keeps the entries file pre-written with zeros ahead of its last line (ADR 0028):
 * a commit then overwrites space that is already allocated and durable, so its `fdatasync`
 * has no inode size to journal. The zeros are written in the background, 1 MiB at a time;
 * an append waits for them only when it would run past the pre-written space (it then
 * extends the file itself). Commits of 32 KiB or more pause the pre-writing (ADR 0029). The
 * lines end at the first NUL byte (a canonical line never contains one); a clean close
 * truncates the zeros away.
 */
import { isUtf8 } from 'node:buffer';
import { constants, fdatasyncSync, writeSync } from 'node:fs';
import { mkdir, open, readdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalize } from '../canonical/canonicalize.ts';
import { WritError } from '../errors.ts';
import { GENESIS_HASH, MAX_ENTRY_BYTES, entryTooLarge, hashToDigest, parseEntry, sealEntries } from '../transcript/entry.ts';
import { leafHash } from '../transcript/merkle.ts';
import { acquireLock } from './file-lock.ts';
import type { HeldLock } from './file-lock.ts';
import { readLines } from './line-reader.ts';
import { assertRealDirectory, assertRegularFile, openNoFollow, openRegularFile, readRegularFile, writeFileDurably } from './regular-file.ts';
import type { LineRange, RawLine, Tail, TailReport } from './line-reader.ts';
import {
  admitCheckpoint,
  assertCheckpointRecord,
  assertDrafts,
  closedError,
  resolveRange,
} from './store-checks.ts';
import type {
  CheckpointRecord,
  EntryDraft,
  LedgerHead,
  LedgerStore,
  ReadRange,
  Sha256Digest,
  StoredEntry,
} from './types.ts';

/** File names inside a file store directory. */
export const ENTRIES_FILE = 'entries.jsonl';
/** Folder of checkpoint records. */
export const CHECKPOINTS_DIR = 'checkpoints';

/**
 * The most bytes a checkpoint record file is read up to — as `openTranscriptDirectory` reads
 * one (`MAX_CHECKPOINT_FILE_BYTES`): a record is a signed note of a few KiB, its root and size.
 * A larger file is refused unread (anyone who can write `checkpoints/` could otherwise fill the
 * memory of every process opening the store), and {@link FileLedgerStore.putCheckpoint} never
 * writes one.
 */
export const MAX_CHECKPOINT_RECORD_BYTES = 64 * 1024;
// Sparse offset index: byte offset of every INDEX_STRIDE-th entry, for ranged reads.
const INDEX_STRIDE = 1024;
/** O_DSYNC where the platform has it (Linux, macOS): a write returns once it is durable. */
const DSYNC = constants.O_DSYNC ?? 0;
/** The writer's flags without pre-writing: `a+` (read, append, create), plus O_DSYNC. */
const APPEND_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_APPEND | DSYNC;
// With pre-writing: positional writes at the logical end (Linux ignores a pwrite's position
// under O_APPEND).
const OVERWRITE_FLAGS = constants.O_RDWR | constants.O_CREAT | DSYNC;
// Default of FileLedgerStoreOptions.preallocate: 4 MiB.
const DEFAULT_PREALLOCATE = 4 << 20;
// The largest single write: a background piece of zeros, or one write of a group commit.
const PREWRITE_PIECE = 1 << 20;
// A commit larger than this is written in several durable writes, so the data a crash's
// torn write can leave after a NUL lies within this many bytes of the first NUL (recover()).
const WRITE_LIMIT = PREWRITE_PIECE;
const ZEROS = Buffer.alloc(PREWRITE_PIECE);
// A commit at least this large gains little from pre-written space — the one file-size update
// its fdatasync journals is spread over its bytes — while pre-writing its space costs a second
// write of as many bytes (the zeros). After such a commit no new zeros are written until a
// smaller commit comes (ADR 0029); what is already pre-written is used up first.
const BULK_COMMIT = 32 << 10;

/** Options of {@link FileLedgerStore.open}. */
export interface FileLedgerStoreOptions {
  /** The store directory (created when missing unless `readOnly`). */
  readonly dir: string;
  /** Open without the writer lock for reading and verifying; `append`/`putCheckpoint` then fail. */
  readonly readOnly?: boolean;
  /**
   * Where a group commit's durable write runs. `thread-pool` (default): an asynchronous
   * write on libuv's thread pool; the event loop keeps running while the disk syncs.
   * `main-thread`: a synchronous write on the O_DSYNC file (`writeSync`, plus `fdatasyncSync`
   * where the platform has no O_DSYNC) — no thread-pool round trip (two cross-thread
   * wake-ups per commit), but **the event loop is blocked for the whole `fdatasync`** (about
   * 0.2–5 ms depending on the disk and the load). Same durability: `append` still resolves
   * only once its lines are on disk. Meant for a single-agent process whose next step waits
   * for the commit anyway; a server running many sessions (the authority) should keep the
   * default.
   */
  readonly durableWrite?: 'thread-pool' | 'main-thread';
  /**
   * Bytes of zeros a writer keeps written and synced ahead of the last entry (default 4 MiB,
   * refilled in the background, 1 MiB at a time, once half is used). A commit that
   * overwrites pre-written space is durable without journaling a new file size (about 0.6x
   * the time of an appending `fdatasync` on ext4, docs/benchmarks.md). After a commit of
   * 32 KiB or more no new zeros are written until a smaller commit comes (a large commit gains
   * little from them and the zeros would double its bytes; ADR 0029): bulk writers need not
   * tune this. `0` turns it off: appends then extend the
   * file (O_APPEND), as before ADR 0028. The zeros are truncated away on `close`; a reader
   * (`verifyTranscript`, `writ verify`, a read-only store) treats zeros after the last line
   * as unwritten space.
   */
  readonly preallocate?: number;
}

interface Pending {
  readonly bytes: Buffer;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function ioError(cause: unknown): WritError {
  return WritError.isInstance(cause)
    ? cause
    : new WritError('ERR_STORE_IO', 'store I/O failed', { cause });
}

function corrupt(reason: string, seq: number): WritError {
  return new WritError('ERR_STORE_CORRUPT', 'ledger file is corrupt', { details: { reason, seq } });
}

const SEQ_PREV =
  /^\{"body":.*,"prev":"(sha256:[0-9a-f]{64})","seq":(\d+),"time":"[^"]*","type":"[a-z][a-z0-9-]*"\}$/s;

// Light structural check used on open and on read: canonical key order puts prev, seq,
// time, type after body, so the tail of the line carries the chain fields.
function chainFields(line: string): { prev: string; seq: number } | undefined {
  const tail = line.lastIndexOf(',"prev":"');
  if (tail < 0) return undefined;
  const match = SEQ_PREV.exec(`{"body":0${line.slice(tail)}`);
  return match ? { prev: match[1]!, seq: Number(match[2]) } : undefined;
}

function checkpointFile(size: number): string {
  return `${String(size).padStart(16, '0')}.json`;
}

/** Append-only JSONL ledger in a directory, one writer at a time. */
export class FileLedgerStore implements LedgerStore {
  readonly #dir: string;
  readonly #readOnly: boolean;
  readonly #handle: FileHandle;
  readonly #lock: HeldLock | undefined;
  readonly #index: number[];
  readonly #checkpoints: CheckpointRecord[];
  // Durable (acknowledged) state and the sealed-but-unflushed state ahead of it.
  #size: number;
  #bytes: number;
  #hash: Sha256Digest;
  #sealedSize: number;
  #sealedHash: Sha256Digest;
  #pending: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #failed: WritError | undefined;
  #closed = false;
  readonly #mainThread: boolean;
  // Pre-writing (ADR 0028): [#bytes, #prepared) holds durable zeros; #piece is the write of
  // the next piece, at #prepared; #extending marks a commit that runs past #prepared (no
  // piece may start meanwhile); #refilling is set from half the space used until it is whole.
  readonly #preallocate: number;
  #prepared: number;
  #piece: Promise<void> | undefined;
  #extending = false;
  #refilling = false;
  // The last commit was at least BULK_COMMIT bytes: write no new zeros (see #refill).
  #bulk = false;
  #prewriteFailed = false;

  private constructor(init: {
    dir: string;
    readOnly: boolean;
    mainThread: boolean;
    preallocate: number;
    prepared: number;
    handle: FileHandle;
    lock: HeldLock | undefined;
    index: number[];
    checkpoints: CheckpointRecord[];
    size: number;
    bytes: number;
    hash: Sha256Digest;
  }) {
    this.#dir = init.dir;
    this.#readOnly = init.readOnly;
    this.#mainThread = init.mainThread;
    this.#preallocate = init.preallocate;
    this.#prepared = init.prepared;
    this.#handle = init.handle;
    this.#lock = init.lock;
    this.#index = init.index;
    this.#checkpoints = init.checkpoints;
    this.#size = this.#sealedSize = init.size;
    this.#bytes = init.bytes;
    this.#hash = this.#sealedHash = init.hash;
  }

  /**
   * Open (or create) a file store directory; a writer takes the lock and repairs a torn tail.
   * @throws `ERR_STORE_LOCKED`, `ERR_STORE_CORRUPT`, `ERR_STORE_IO`, `ERR_INVALID_ARGUMENT`.
   * @example
   * ```ts
   * const store = await FileLedgerStore.open({ dir: './transcripts/session-1' });
   * await store.append([{ type: 'note', time: new Date().toISOString(), body: {} }]);
   * await store.close();
   * ```
   */
  static async open(options: FileLedgerStoreOptions): Promise<FileLedgerStore> {
    if (
      typeof options !== 'object' ||
      options === null ||
      typeof options.dir !== 'string' ||
      options.dir.length === 0
    ) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'options.dir must be a directory path', {
        details: { parameter: 'options.dir' },
      });
    }
    const { dir } = options;
    const readOnly = options.readOnly === true;
    if (options.durableWrite !== undefined && options.durableWrite !== 'thread-pool' && options.durableWrite !== 'main-thread') {
      throw new WritError('ERR_INVALID_ARGUMENT', "options.durableWrite must be 'thread-pool' or 'main-thread'", {
        details: { parameter: 'options.durableWrite' },
      });
    }
    const mainThread = options.durableWrite === 'main-thread';
    const preallocate = readOnly ? 0 : (options.preallocate ?? DEFAULT_PREALLOCATE);
    if (!Number.isSafeInteger(preallocate) || preallocate < 0) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'options.preallocate must be a non-negative integer', {
        details: { parameter: 'options.preallocate' },
      });
    }
    let lock: HeldLock | undefined;
    let handle: FileHandle | undefined;
    try {
      if (!readOnly) {
        // A linked checkpoints/ would take the checkpoint records into another folder.
        await assertRealDirectory(join(dir, CHECKPOINTS_DIR));
        await mkdir(join(dir, CHECKPOINTS_DIR), { recursive: true });
        lock = await acquireLock(dir);
      }
      // Never through a symbolic link: a writer's appends, zeros and tail repairs would land in
      // the file it names (O_CREAT would even create one), a reader would check another file.
      handle = readOnly
        ? await openRegularFile(join(dir, ENTRIES_FILE))
        : await openNoFollow(join(dir, ENTRIES_FILE), preallocate > 0 ? OVERWRITE_FLAGS : APPEND_FLAGS);
      // A FIFO or device where the entries belong (O_RDWR opens one without blocking).
      if (!readOnly) await assertRegularFile(handle, join(dir, ENTRIES_FILE));
      // A newly created entries file must survive a power loss too: persist its directory entry.
      if (!readOnly) await syncDirectory(dir);
      const checkpoints = await loadCheckpoints(dir, readOnly);
      const { tail, ...scanned } = await scan(handle, readOnly);
      const prepared = await recover({
        handle,
        readOnly,
        preallocate,
        tail,
        size: scanned.size,
        checkpointSize: checkpoints.at(-1)?.size ?? 0,
      });
      const store = new FileLedgerStore({
        dir,
        readOnly,
        mainThread,
        preallocate,
        prepared,
        handle,
        lock,
        checkpoints,
        ...scanned,
      });
      // The first piece is written before the first append rather than during it.
      await store.#refill();
      return store;
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await lock?.release().catch(() => undefined);
      throw ioError(error);
    }
  }

  /** The store directory. */
  get dir(): string {
    return this.#dir;
  }

  /** @inheritdoc */
  append(drafts: readonly EntryDraft[]): Promise<StoredEntry[]> {
    return new Promise<StoredEntry[]>((resolve, reject) => {
      this.#writable();
      assertDrafts(drafts);
      // The whole batch is sealed (and encoded for the write) before any state changes:
      // one bad draft leaves the store untouched.
      const { entries: sealed, bytes } = sealEntries({ drafts, seq: this.#sealedSize, prev: this.#sealedHash });
      this.#sealedSize += sealed.length;
      this.#sealedHash = sealed.at(-1)!.hash;
      this.#pending.push({
        // A Buffer view of the same memory (no copy): the commit's newline scan then runs on
        // Buffer#indexOf, several times faster than Uint8Array#indexOf.
        bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        resolve: () => resolve(sealed),
        reject,
      });
      this.#kick();
    });
  }

  /**
   * Append entries another store sealed, byte for byte (a copy of a ledger: `copyLedger`,
   * `writ pull`): each line must be a canonical entry whose `seq` is this store's next and
   * whose `prev` is the hash of the entry before it; its hash is computed here. Durable when
   * the promise resolves, like {@link append}. The whole batch is checked before anything is
   * written: one bad line leaves the store untouched.
   * @throws `ERR_INVALID_ARGUMENT` (not an array of strings), `ERR_TRANSCRIPT_MALFORMED`,
   *   `ERR_TRANSCRIPT_ENTRY_TOO_LARGE` (a line over `MAX_ENTRY_BYTES`),
   *   `ERR_TRANSCRIPT_SEQUENCE` (a seq that is not the next), `ERR_TRANSCRIPT_CHAIN` (a prev
   *   that is not the hash before it), and what {@link append} throws.
   */
  appendStored(lines: readonly string[]): Promise<StoredEntry[]> {
    return new Promise<StoredEntry[]>((resolve, reject) => {
      this.#writable();
      const input: unknown = lines;
      if (!Array.isArray(input) || input.some((line) => typeof line !== 'string')) {
        throw new WritError('ERR_INVALID_ARGUMENT', 'lines must be an array of entry lines', { details: { parameter: 'lines' } });
      }
      const entries: StoredEntry[] = [];
      let seq = this.#sealedSize;
      let prev = this.#sealedHash;
      for (const line of lines) {
        // The limit every append keeps (a line has at least as many bytes as UTF-16 units, at most three times as many).
        if (line.length > MAX_ENTRY_BYTES || (3 * line.length > MAX_ENTRY_BYTES && Buffer.byteLength(line) > MAX_ENTRY_BYTES)) throw entryTooLarge(seq);
        // parseEntry proves the line canonical JSON with exactly the entry fields (and no raw
        // newline, which JSON strings cannot hold), so the line written is the line hashed.
        const entry = parseEntry(line);
        if (entry.seq !== seq) {
          throw new WritError('ERR_TRANSCRIPT_SEQUENCE', `entry has seq ${entry.seq}, expected ${seq}`, { details: { seq, found: entry.seq } });
        }
        if (entry.prev !== prev) {
          throw new WritError('ERR_TRANSCRIPT_CHAIN', `entry ${seq} does not follow the hash before it`, { details: { seq } });
        }
        prev = hashToDigest(leafHash(line));
        entries.push({ seq, hash: prev, line });
        seq += 1;
      }
      if (entries.length === 0) {
        resolve([]);
        return;
      }
      this.#sealedSize = seq;
      this.#sealedHash = prev;
      this.#pending.push({
        bytes: Buffer.from(`${lines.join('\n')}\n`, 'utf8'),
        resolve: () => resolve(entries),
        reject,
      });
      this.#kick();
    });
  }

  /** @inheritdoc */
  async *read(range?: ReadRange): AsyncIterable<StoredEntry> {
    if (this.#closed) throw closedError();
    const { from, to } = resolveRange(range, this.#size);
    if (from === to) return;
    const block = Math.floor(from / INDEX_STRIDE);
    let seq = block * INDEX_STRIDE;
    let prev: string | undefined;
    for await (const { bytes } of readLinesOfEntries(this.#handle, {
      start: this.#index[block]!,
      end: this.#bytes,
    }, seq)) {
      if (this.#closed) throw closedError();
      if (seq >= from) {
        if (bytes.length > MAX_ENTRY_BYTES) throw corrupt('entry larger than MAX_ENTRY_BYTES', seq);
        if (!isUtf8(bytes)) throw corrupt('not UTF-8', seq);
        const line = bytes.toString('utf8');
        const fields = chainFields(line);
        if (
          fields === undefined ||
          fields.seq !== seq ||
          (prev !== undefined && fields.prev !== prev)
        )
          throw corrupt('chain', seq);
        const hash = hashToDigest(leafHash(bytes));
        yield { seq, hash, line };
        prev = hash;
      }
      seq += 1;
      if (seq >= to) return;
    }
    throw corrupt('file shorter than the head', seq);
  }

  /** @inheritdoc */
  head(): Promise<LedgerHead> {
    return new Promise((resolve) => {
      if (this.#closed) throw closedError();
      resolve({ size: this.#size, hash: this.#hash });
    });
  }

  /**
   * Store a checkpoint record (see `LedgerStore.putCheckpoint`), durably.
   * @throws as `LedgerStore.putCheckpoint`; also `ERR_INVALID_ARGUMENT` (`checkpoint.note`) for
   *   a record over {@link MAX_CHECKPOINT_RECORD_BYTES}, which no reader would accept.
   */
  async putCheckpoint(checkpoint: CheckpointRecord): Promise<void> {
    this.#writable();
    assertCheckpointRecord(checkpoint);
    const record: CheckpointRecord = {
      size: checkpoint.size,
      root: checkpoint.root,
      note: checkpoint.note,
    };
    // Never write a record this store (and openTranscriptDirectory) would refuse to read back.
    const text = canonicalize(record);
    if (Buffer.byteLength(text) > MAX_CHECKPOINT_RECORD_BYTES) {
      throw new WritError('ERR_INVALID_ARGUMENT', `checkpoint.note makes a record larger than ${MAX_CHECKPOINT_RECORD_BYTES} bytes`, {
        details: { parameter: 'checkpoint.note', maxBytes: MAX_CHECKPOINT_RECORD_BYTES },
      });
    }
    const existing = this.#checkpoints.find((stored) => stored.size === record.size);
    const head = { size: this.#size, hash: this.#hash };
    if (!admitCheckpoint({ next: record, existing, latest: this.#checkpoints.at(-1), head }))
      return;
    // Write a temporary file (random name, created exclusively: a link planted at a predictable
    // name is never written through), fsync, rename, fsync the directory: the record appears
    // whole or not at all.
    await writeFileDurably(join(this.#dir, CHECKPOINTS_DIR, checkpointFile(record.size)), text);
    this.#checkpoints.push(record);
  }

  /** @inheritdoc */
  async *checkpoints(): AsyncIterable<CheckpointRecord> {
    if (this.#closed) throw closedError();
    const list = this.#readOnly
      ? await loadCheckpoints(this.#dir, true)
      : this.#checkpoints.slice();
    yield* list;
  }

  /** @inheritdoc */
  async latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    if (this.#closed) throw closedError();
    const list = this.#readOnly ? await loadCheckpoints(this.#dir, true) : this.#checkpoints;
    return list.at(-1);
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#flushing) await this.#flushing.catch(() => undefined);
    while (this.#piece) await this.#piece;
    if (this.#preallocate > 0) {
      // A closed transcript is exactly its lines. Should this fail or not reach the disk, the
      // zeros left behind read as unwritten space.
      await this.#handle
        .truncate(this.#bytes)
        .then(() => this.#handle.datasync())
        .catch(() => undefined);
    }
    await this.#handle.close().catch(() => undefined);
    await this.#lock?.release().catch(() => undefined);
  }

  #writable(): void {
    if (this.#closed) throw closedError();
    if (this.#readOnly) throw new WritError('ERR_STORE_LOCKED', 'store was opened read-only');
    if (this.#failed) throw this.#failed;
  }

  #kick(): void {
    if (this.#flushing || this.#pending.length === 0) return;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = undefined;
      this.#kick();
    });
  }

  // Group commit: one write and one fdatasync for everything sealed so far.
  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    const sizeAfter = this.#sealedSize;
    const hashAfter = this.#sealedHash;
    const data =
      batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((item) => item.bytes));
    const end = this.#bytes + data.length;
    try {
      if (end > this.#prepared) {
        // Past the pre-written space (or none kept): wait for the piece in flight, which may
        // cover this write, and start no other until this write has extended the file.
        this.#extending = true;
        while (this.#piece) await this.#piece;
      }
      let written = 0;
      if (this.#mainThread) {
        // Synchronous on the O_DSYNC file: durable when writeSync returns (see durableWrite).
        const fd = this.#handle.fd;
        while (written < data.length) {
          const length = Math.min(data.length - written, WRITE_LIMIT);
          written += writeSync(fd, data, written, length, this.#bytes + written);
          if (DSYNC === 0) fdatasyncSync(fd);
        }
      }
      while (written < data.length) {
        const { bytesWritten } = await this.#handle.write(
          data,
          written,
          Math.min(data.length - written, WRITE_LIMIT),
          this.#bytes + written,
        );
        written += bytesWritten;
        // With O_DSYNC each write returns once its data is durable (one thread-pool round
        // trip per group commit instead of two); without it, fdatasync after the write.
        if (DSYNC === 0) await this.#handle.datasync();
      }
    } catch (error) {
      // The file may now hold part of this batch: refuse further appends until reopened,
      // which repairs the tail.
      this.#failed = ioError(error);
      this.#extending = false;
      for (const item of [...batch, ...this.#pending.splice(0)]) item.reject(this.#failed);
      return;
    }
    if (end > this.#prepared) this.#prepared = end;
    this.#extending = false;
    // Index the new entries' start offsets before publishing them.
    let offset = this.#bytes;
    let seq = this.#size;
    for (const item of batch) {
      let start = 0;
      for (
        let newline = item.bytes.indexOf(10);
        newline !== -1;
        newline = item.bytes.indexOf(10, start)
      ) {
        if (seq % INDEX_STRIDE === 0) this.#index[seq / INDEX_STRIDE] = offset + start;
        seq += 1;
        start = newline + 1;
      }
      offset += item.bytes.length;
    }
    if (seq !== sizeAfter)
      throw new WritError('ERR_INTERNAL', 'group commit lost count of its entries');
    this.#bytes = offset;
    this.#size = sizeAfter;
    this.#hash = hashAfter;
    for (const item of batch) item.resolve();
    this.#bulk = data.length >= BULK_COMMIT;
    void this.#refill();
  }

  // Keep [#bytes, #prepared) at least half of `preallocate` long: once less is left, write
  // pieces of zeros at #prepared (each durable when its O_DSYNC write returns) until it is
  // whole again. Runs beside commits, which write below #prepared; a commit that needs more
  // sets #extending and waits for the piece in flight. Never rejects: a failed piece stops
  // pre-writing, and commits extend the file as without it. Pauses while commits are bulk
  // (at least BULK_COMMIT bytes): they then extend the file, as with `preallocate: 0`.
  #refill(): Promise<void> {
    if (
      this.#preallocate === 0 ||
      this.#bulk ||
      this.#piece !== undefined ||
      this.#extending ||
      this.#closed ||
      this.#failed !== undefined ||
      this.#prewriteFailed
    )
      return this.#piece ?? Promise.resolve();
    const ahead = this.#prepared - this.#bytes;
    if (ahead >= this.#preallocate || (!this.#refilling && ahead >= this.#preallocate / 2)) {
      this.#refilling = false;
      return Promise.resolve();
    }
    this.#refilling = true;
    const start = this.#prepared;
    const length = Math.min(PREWRITE_PIECE, this.#bytes + this.#preallocate - start);
    const piece = (async () => {
      let written = 0;
      while (written < length) {
        const { bytesWritten } = await this.#handle.write(ZEROS, 0, length - written, start + written);
        written += bytesWritten;
      }
      if (DSYNC === 0) await this.#handle.datasync();
    })().then(
      () => {
        this.#prepared = start + length;
      },
      () => {
        this.#prewriteFailed = true;
      },
    );
    this.#piece = piece.finally(() => {
      this.#piece = undefined;
      void this.#refill();
    });
    return this.#piece;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// readLines with its buffer bounded by MAX_ENTRY_BYTES: a longer line is corrupt (counting
// from `seq`, the entry the range starts at), never read whole into memory.
async function* readLinesOfEntries(handle: FileHandle, range: LineRange, seq: number): AsyncGenerator<RawLine> {
  let at = seq;
  try {
    for await (const line of readLines(handle, { ...range, maxLine: MAX_ENTRY_BYTES })) {
      yield line;
      at += 1;
    }
  } catch (error) {
    if (WritError.isInstance(error) && error.code === 'ERR_TRANSCRIPT_ENTRY_TOO_LARGE') throw corrupt('entry larger than MAX_ENTRY_BYTES', at);
    throw error;
  }
}

// Find the end of the lines: count complete lines up to the first NUL, index them and
// check the last line's chain fields; report what follows them.
async function scan(
  handle: FileHandle,
  readOnly: boolean,
): Promise<{ index: number[]; size: number; bytes: number; hash: Sha256Digest; tail: Tail }> {
  const index: number[] = [];
  let size = 0;
  let bytes = 0;
  let last: Buffer | undefined;
  const report: TailReport = {};
  // A reader may race a live writer's multi-page write: re-read a damaged-looking tail.
  for await (const line of readLinesOfEntries(handle, { tail: report, recheck: readOnly ? 2 : 0 }, 0)) {
    // No writer writes a line this long (MAX_ENTRY_BYTES): damage, or a hand-made file.
    if (line.bytes.length > MAX_ENTRY_BYTES) throw corrupt('entry larger than MAX_ENTRY_BYTES', size);
    if (size % INDEX_STRIDE === 0) index[size / INDEX_STRIDE] = line.offset;
    size += 1;
    bytes = line.offset + line.bytes.length + 1;
    last = line.bytes;
  }
  if (size % INDEX_STRIDE === 0) index[size / INDEX_STRIDE] = bytes;
  const tail = report.tail!;
  if (last === undefined) return { index, size, bytes, hash: GENESIS_HASH, tail };
  const text = isUtf8(last) ? last.toString('utf8') : '';
  const fields = chainFields(text);
  if (fields === undefined || fields.seq !== size - 1) throw corrupt('last entry', size - 1);
  return { index, size, bytes, hash: hashToDigest(leafHash(last)), tail };
}

// Deal with what follows the last complete line; answer where pre-written space ends.
// - Zeros: space a writer wrote ahead. Kept (synced, in case its writer died before its
//   sync did) when pre-writing, else cut.
// - A fragment (an incomplete line, then at most zeros): a torn unacknowledged write, cut
//   as before ADR 0028.
// - Damaged (data after a NUL): a crash can leave that — a commit's write lands in blocks,
//   in any order, over zeros — but only within the one write in flight (commits are
//   serialized; each write is at most WRITE_LIMIT bytes), which starts at or before the
//   first NUL since all before it was durable data; and never below a checkpoint
//   (checkpoints cover durable entries only). Anything else is tampering or damage, never
//   "repaired".
// A reader repairs nothing; it reports damage, which it cannot tell from tampering.
async function recover(init: {
  handle: FileHandle;
  readOnly: boolean;
  preallocate: number;
  tail: Tail;
  size: number;
  checkpointSize: number;
}): Promise<number> {
  const { handle, tail } = init;
  if (tail.kind === 'damaged') {
    if (init.readOnly) throw corrupt('data after unwritten space', init.size);
    if (tail.dataEnd - tail.nul > WRITE_LIMIT || init.size < init.checkpointSize)
      throw corrupt('data after unwritten space', init.size);
  }
  if (init.readOnly || tail.kind === 'none') return tail.start;
  if (tail.kind === 'zeros' && init.preallocate > 0) {
    await handle.datasync();
    return tail.end;
  }
  await handle.truncate(tail.start);
  await handle.sync();
  return tail.start;
}

// A checkpoint file's text, read bounded: one over the limit is damage like a record that does
// not parse (same code and `details.file`), told apart by `details.kind`.
async function readCheckpointFile(dir: string, name: string): Promise<string> {
  const path = join(dir, CHECKPOINTS_DIR, name);
  try {
    return await readRegularFile(path, { maxBytes: MAX_CHECKPOINT_RECORD_BYTES });
  } catch (error) {
    if (WritError.isInstance(error) && (error.details as { kind?: unknown } | undefined)?.kind === 'too-large') {
      throw new WritError('ERR_STORE_CORRUPT', 'checkpoint file is too large', {
        details: { file: name, path, kind: 'too-large', maxBytes: MAX_CHECKPOINT_RECORD_BYTES },
      });
    }
    throw error;
  }
}

/**
 * @internal Read the checkpoint records of a store directory, each file up to
 * {@link MAX_CHECKPOINT_RECORD_BYTES}.
 * @throws `ERR_STORE_CORRUPT` (a file is not a record, is misnamed, a link or not a regular
 *   file, or too large: `details.kind` `'too-large'`), file system errors.
 */
export async function loadCheckpoints(dir: string, readOnly: boolean): Promise<CheckpointRecord[]> {
  let names: string[];
  try {
    await assertRealDirectory(join(dir, CHECKPOINTS_DIR));
    names = (await readdir(join(dir, CHECKPOINTS_DIR)))
      .filter((name) => /^\d{16}\.json$/.test(name))
      .sort();
  } catch (error) {
    if (readOnly && (error as { code?: unknown }).code === 'ENOENT') return [];
    throw error;
  }
  const records: CheckpointRecord[] = [];
  for (const name of names) {
    const text = await readCheckpointFile(dir, name);
    let record: CheckpointRecord;
    try {
      record = JSON.parse(text) as CheckpointRecord;
      assertCheckpointRecord(record);
    } catch {
      throw new WritError('ERR_STORE_CORRUPT', 'checkpoint file is corrupt', {
        details: { file: name },
      });
    }
    if (checkpointFile(record.size) !== name)
      throw new WritError('ERR_STORE_CORRUPT', 'checkpoint file name does not match its size', {
        details: { file: name },
      });
    records.push({ size: record.size, root: record.root, note: record.note });
  }
  return records;
}
