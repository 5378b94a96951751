/**
 * Stream newline-terminated lines of a file as raw byte slices, in large chunks, with
 * flat memory. Bytes after the last newline (a torn or in-progress line) are not yielded.
 */
import type { FileHandle } from 'node:fs/promises';

/** One complete line (without its newline) and the byte offset where it starts. */
export interface RawLine {
  readonly bytes: Buffer;
  readonly offset: number;
}

const CHUNK = 1 << 20;

/**
 * Yield complete lines of `handle` between byte offsets `start` and `end` (default: file
 * size when iteration starts). The yielded buffers may be reused after the next step;
 * copy them to keep them.
 */
export async function* readLines(
  handle: FileHandle,
  range: { start?: number; end?: number } = {},
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
 * step per read instead of one per line.
 */
export async function* readLineChunks(
  handle: FileHandle,
  range: { start?: number; end?: number } = {},
): AsyncGenerator<LineChunk> {
  const end = range.end ?? (await handle.stat()).size;
  let position = range.start ?? 0;
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
    const complete = buffer.lastIndexOf(10, length - 1) + 1;
    if (complete > 0) yield { data: buffer.subarray(0, complete), offset: carryOffset };
    buffer.copy(buffer, 0, complete, length);
    carry = length - complete;
    carryOffset += complete;
  }
}
