import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLineChunks, readLines } from './line-reader.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'writ-line-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Lines the reader must yield for `text` (complete lines only) with their byte offsets.
function expected(bytes: Buffer, start = 0): { line: string; offset: number }[] {
  const out: { line: string; offset: number }[] = [];
  let lineStart = start;
  for (let i = start; i < bytes.length; i++) {
    if (bytes[i] === 10) {
      out.push({ line: bytes.subarray(lineStart, i).toString('latin1'), offset: lineStart });
      lineStart = i + 1;
    }
  }
  return out;
}

async function collect(path: string, range?: { start?: number; end?: number }): Promise<{ line: string; offset: number }[]> {
  const handle = await open(path, 'r');
  try {
    const out: { line: string; offset: number }[] = [];
    // Copy each line before the next step: the reader reuses its buffer.
    for await (const { bytes, offset } of readLines(handle, range)) out.push({ line: bytes.toString('latin1'), offset });
    return out;
  } finally {
    await handle.close();
  }
}

describe('readLines', () => {
  it('yields every complete line with its offset, never the torn tail', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.constant('')), { maxLength: 60 }),
        fc.string({ maxLength: 10 }),
        async (lines, tail) => {
          const bytes = Buffer.from(lines.map((line) => `${line.replaceAll('\n', '')}\n`).join('') + tail.replaceAll('\n', ''), 'latin1');
          const path = join(dir, `p${n++}.jsonl`);
          await writeFile(path, bytes);
          expect(await collect(path)).toEqual(expected(bytes));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('carries lines across 1 MiB reads and grows for lines longer than a read', async () => {
    const lines = ['a'.repeat(1_048_575), 'b'.repeat(10), 'c'.repeat(3_000_000), '', 'd'.repeat(1_048_576), 'e'];
    const bytes = Buffer.from(`${lines.join('\n')}\n` + 'torn', 'latin1');
    const path = join(dir, 'long.jsonl');
    await writeFile(path, bytes);
    const got = await collect(path);
    expect(got.map(({ line }) => line.length)).toEqual(lines.map((line) => line.length));
    expect(got).toEqual(expected(bytes));
  });

  it('reads only between start and end', async () => {
    const bytes = Buffer.from('one\ntwo\nthree\nfour\n', 'latin1');
    const path = join(dir, 'range.jsonl');
    await writeFile(path, bytes);
    expect(await collect(path, { start: 4, end: 14 })).toEqual([
      { line: 'two', offset: 4 },
      { line: 'three', offset: 8 },
    ]);
    expect(await collect(path, { start: 4, end: 10 })).toEqual([{ line: 'two', offset: 4 }]);
    expect(await collect(path, { end: 0 })).toEqual([]);
  });
});

describe('readLineChunks', () => {
  // The lines of `path` as readLineChunks splits them, checking each chunk's shape.
  async function chunked(path: string, range?: { start?: number; end?: number }): Promise<{ line: string; offset: number }[]> {
    const handle = await open(path, 'r');
    try {
      const out: { line: string; offset: number }[] = [];
      let next = range?.start ?? 0;
      for await (const { data, offset } of readLineChunks(handle, range)) {
        expect(offset).toBe(next);
        expect(data.length).toBeGreaterThan(0);
        expect(data[data.length - 1]).toBe(10);
        let lineStart = 0;
        for (let i = 0; i < data.length; i++) {
          if (data[i] !== 10) continue;
          out.push({ line: data.subarray(lineStart, i).toString('latin1'), offset: offset + lineStart });
          lineStart = i + 1;
        }
        next = offset + data.length;
      }
      return out;
    } finally {
      await handle.close();
    }
  }
  it('yields the same lines and offsets as readLines, in whole-line chunks', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.constant('')), { maxLength: 60 }),
        fc.string({ maxLength: 10 }),
        fc.nat({ max: 30 }),
        async (lines, tail, start) => {
          const bytes = Buffer.from(lines.map((line) => `${line.replaceAll('\n', '')}\n`).join('') + tail.replaceAll('\n', ''), 'latin1');
          const path = join(dir, `c${n++}.jsonl`);
          await writeFile(path, bytes);
          expect(await chunked(path)).toEqual(expected(bytes));
          // From a line start, as the store reads from its index.
          const from = expected(bytes).find((line) => line.offset >= start)?.offset ?? 0;
          expect(await chunked(path, { start: from })).toEqual(await collect(path, { start: from }));
        },
      ),
      { numRuns: 60 },
    );
  });
  it('carries lines across 1 MiB reads and grows for lines longer than a read', async () => {
    const lines = ['a'.repeat(1_048_575), 'b'.repeat(10), 'c'.repeat(3_000_000), '', 'd'.repeat(1_048_576), 'e'];
    const bytes = Buffer.from(`${lines.join('\n')}\ntorn`, 'latin1');
    const path = join(dir, 'long-chunks.jsonl');
    await writeFile(path, bytes);
    expect(await chunked(path)).toEqual(expected(bytes));
  });
});
