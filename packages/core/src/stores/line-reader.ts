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
  const end = range.end ?? (await handle.stat()).size;
  let position = range.start ?? 0;
  let carry: Buffer = Buffer.alloc(0);
  let carryOffset = position;
  const chunk = Buffer.allocUnsafe(CHUNK);
  while (position < end) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(CHUNK, end - position), position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const data =
      carry.length > 0
        ? Buffer.concat([carry, chunk.subarray(0, bytesRead)])
        : chunk.subarray(0, bytesRead);
    let lineStart = 0;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, lineStart)) {
      yield { bytes: data.subarray(lineStart, newline), offset: carryOffset + lineStart };
      lineStart = newline + 1;
    }
    carry = Buffer.from(data.subarray(lineStart));
    carryOffset += lineStart;
  }
}
