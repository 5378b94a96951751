/**
 * Stream newline-terminated lines of a file as raw byte slices, in large chunks, with
 * flat memory. Bytes after the last newline (a torn or in-progress line) are not yielded.
 *
 * A NUL byte ends the lines: a canonical entry line never contains one, and a file store
 * writes zeros ahead of its last line (ADR 0028), so the lines end at the last newline
 * before the first NUL. What follows — nothing, unwritten (all-zero) space, a torn line, or
 * damage — is classified by {@link inspectTail}.
 */
import type { FileHandle } from 'node:fs/promises';
import { WritError } from '../errors.ts';

/** One complete line (without its newline) and the byte offset where it starts. */
export interface RawLine {
  readonly bytes: Buffer;
  readonly offset: number;
}

const CHUNK = 1 << 20;
const ZEROS = Buffer.alloc(CHUNK);

/**
 * What follows the last complete line:
 * - `none` — nothing;
 * - `zeros` — only NUL bytes: space written ahead by a live or crashed writer, not yet used;
 * - `fragment` — an incomplete line, alone or followed by NULs only: a torn or in-progress write;
 * - `damaged` — a non-zero byte after a NUL (a NUL inside a line, or data after unwritten
 *   space): tampering, or a crash's torn write that only a writer may repair.
 */
export type TailKind = 'none' | 'zeros' | 'fragment' | 'damaged';

/** The bytes after the last complete line, from {@link inspectTail}. */
export interface Tail {
  readonly kind: TailKind;
  /** Where the tail starts: the end of the last complete line. */
  readonly start: number;
  /** Where the first NUL byte is (`end` when there is none). */
  readonly nul: number;
  /** One past the last non-zero byte of the tail (`start` when it holds none). */
  readonly dataEnd: number;
  /** Where the tail ends (the file size read). */
  readonly end: number;
}

/** Receives the {@link Tail} found after the lines of a {@link readLineChunks} pass. */
export interface TailReport {
  tail?: Tail;
}

/** Range and options of {@link readLines} and {@link readLineChunks}. */
export interface LineRange {
  readonly start?: number;
  /** Default: the file size when iteration starts. */
  readonly end?: number;
  /** When given, receives what follows the last complete line once iteration ends. */
  readonly tail?: TailReport;
  /**
   * Re-read a `damaged` tail up to this many times before reporting it (default 0): a reader
   * of a live writer's file can see a multi-page write half done, a later page before an
   * earlier one. Each pass continues from the end of the lines read so far.
   */
  readonly recheck?: number;
  /**
   * Bound the buffer: once the line being read is longer than this many bytes and still
   * incomplete, stop with `ERR_TRANSCRIPT_ENTRY_TOO_LARGE` (`details.offset`: where it starts)
   * instead of growing the buffer for it. Lines up to about twice as long may still be yielded
   * whole: the caller checks the exact limit. Default: unbounded.
   */
  readonly maxLine?: number;
}

/**
 * Yield complete lines of `handle` between byte offsets `start` and `end` (default: file
 * size when iteration starts). The yielded buffers may be reused after the next step;
 * copy them to keep them.
 */
export async function* readLines(
  handle: FileHandle,
  range: LineRange = {},
): AsyncGenerator<RawLine> {
  // A chunk's buffer is reused only when the next chunk is read, after its last line.
  for await (const { data, offset } of readLineChunks(handle, range)) {
    let lineStart = 0;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, lineStart)) {
      yield { bytes: data.subarray(lineStart, newline), offset: offset + lineStart };
      lineStart = newline + 1;
    }
  }
}

/** A run of complete lines: `data` ends with a newline and starts at file `offset`. */
export interface LineChunk {
  readonly data: Buffer;
  readonly offset: number;
}

/**
 * Yield the complete lines of `handle` between byte offsets `start` and `end` (default:
 * file size when iteration starts) a read at a time: each chunk holds whole lines only, the
 * last byte of `data` being a newline. The buffer is reused after the next step. The same
 * reading as {@link readLines}, for consumers that split lines themselves: one generator
 * step per read instead of one per line. Stops at the first NUL byte; with `range.tail`, then
 * reports what follows the last line (see {@link inspectTail}).
 */
export async function* readLineChunks(
  handle: FileHandle,
  range: LineRange = {},
): AsyncGenerator<LineChunk> {
  const end = range.end ?? (await handle.stat()).size;
  let position = range.start ?? 0;
  for (let recheck = range.recheck ?? 0; ; recheck -= 1) {
    position = yield* chunksUntilNul(handle, { start: position, end, maxLine: range.maxLine ?? Number.POSITIVE_INFINITY });
    if (range.tail === undefined) return;
    const tail = await inspectTail(handle, { start: position, end });
    if (tail.kind !== 'damaged' || recheck <= 0) {
      range.tail.tail = tail;
      return;
    }
  }
}

// Yield whole-line chunks from `start` until `end` or the first NUL; return where the
// last complete line ends.
async function* chunksUntilNul(
  handle: FileHandle,
  { start, end, maxLine }: { start: number; end: number; maxLine: number },
): AsyncGenerator<LineChunk, number> {
  let position = start;
  // The incomplete tail of the previous read is moved to the front of the buffer and the
  // next read lands after it (no concatenation); the buffer doubles for a longer line.
  let buffer = Buffer.allocUnsafe(CHUNK);
  let carry = 0;
  let carryOffset = position;
  while (position < end) {
    if (carry === buffer.length) {
      const grown = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(grown, 0, 0, carry);
      buffer = grown;
    }
    const { bytesRead } = await handle.read(
      buffer,
      carry,
      Math.min(buffer.length - carry, end - position),
      position,
    );
    if (bytesRead === 0) break;
    position += bytesRead;
    const length = carry + bytesRead;
    // Only the new bytes can hold a first NUL: the carried ones were searched last time.
    const nul = buffer.subarray(0, length).indexOf(0, carry);
    const limit = nul === -1 ? length : nul;
    const complete = limit === 0 ? 0 : buffer.lastIndexOf(10, limit - 1) + 1;
    if (complete > 0) yield { data: buffer.subarray(0, complete), offset: carryOffset };
    if (nul !== -1) return carryOffset + complete;
    buffer.copy(buffer, 0, complete, length);
    carry = length - complete;
    carryOffset += complete;
    if (carry > maxLine) {
      throw new WritError('ERR_TRANSCRIPT_ENTRY_TOO_LARGE', `a line longer than ${maxLine} bytes starts at byte ${carryOffset}`, { details: { offset: carryOffset, limit: maxLine } });
    }
  }
  return carryOffset;
}

/**
 * Classify the bytes of `handle` from `start` (the end of the last complete line before
 * the first NUL, as {@link readLineChunks} stops) to `end` (default: the file size).
 */
export async function inspectTail(
  handle: FileHandle,
  range: { start: number; end?: number },
): Promise<Tail> {
  const { start } = range;
  const end = range.end ?? (await handle.stat()).size;
  const buffer = Buffer.allocUnsafe(CHUNK);
  let firstNul = -1;
  let dataEnd = start;
  for (let position = start; position < end; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, end - position), position);
    if (bytesRead === 0) break;
    const data = buffer.subarray(0, bytesRead);
    // Zero runs (the common case, megabytes of them) are compared natively, a read at a time.
    let zerosFrom = 0;
    if (firstNul === -1) {
      const nul = data.indexOf(0);
      if (nul === -1) zerosFrom = bytesRead;
      else {
        firstNul = position + nul;
        zerosFrom = nul;
      }
      if (zerosFrom > 0) dataEnd = position + zerosFrom;
    }
    if (zerosFrom < bytesRead && !data.subarray(zerosFrom).equals(ZEROS.subarray(0, bytesRead - zerosFrom))) {
      let last = bytesRead;
      while (data[last - 1] === 0) last -= 1;
      dataEnd = position + last;
    }
    position += bytesRead;
  }
  const kind: TailKind =
    end <= start
      ? 'none'
      : dataEnd === start
        ? 'zeros'
        : firstNul === -1 || dataEnd <= firstNul
          ? 'fragment'
          : 'damaged';
  const last = Math.max(start, end);
  return { kind, start, nul: firstNul === -1 ? last : firstNul, dataEnd, end: last };
}

/**
 * The size of `handle`'s file less its trailing run of NUL bytes (a live writer's
 * pre-written space, ADR 0028), read backwards a chunk at a time.
 */
export async function endWithoutZeros(handle: FileHandle): Promise<number> {
  let end = (await handle.stat()).size;
  const buffer = Buffer.allocUnsafe(CHUNK);
  while (end > 0) {
    const length = Math.min(CHUNK, end);
    const { bytesRead } = await handle.read(buffer, 0, length, end - length);
    if (bytesRead < length) break;
    if (buffer.subarray(0, length).equals(ZEROS.subarray(0, length))) {
      end -= length;
      continue;
    }
    let last = length;
    while (last > 0 && buffer[last - 1] === 0) last -= 1;
    return end - length + last;
  }
  return end;
}
