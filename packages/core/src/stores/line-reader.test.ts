import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endWithoutZeros, inspectTail, readLineChunks, readLines } from './line-reader.ts';
import type { TailReport } from './line-reader.ts';

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

describe('inspectTail', () => {
  // The model: lines end at the last newline before the first NUL; the rest is classified.
  function model(bytes: Buffer): { lines: { line: string; offset: number }[]; kind: string; nul: number; dataEnd: number } {
    const nul = bytes.indexOf(0);
    const limit = nul === -1 ? bytes.length : nul;
    const start = limit === 0 ? 0 : bytes.lastIndexOf(10, limit - 1) + 1;
    const lines = expected(bytes.subarray(0, start));
    let dataEnd = start;
    for (let i = start; i < bytes.length; i++) if (bytes[i] !== 0) dataEnd = i + 1;
    const kind =
      start === bytes.length ? 'none' : dataEnd === start ? 'zeros' : nul === -1 || dataEnd <= nul ? 'fragment' : 'damaged';
    return { lines, kind, nul: nul === -1 ? bytes.length : nul, dataEnd };
  }

  it('stops the lines at the first NUL and classifies what follows', async () => {
    let n = 0;
    const piece = fc.oneof(
      fc.string({ maxLength: 30 }).map((text) => Buffer.from(text, 'latin1')),
      fc.constant(Buffer.from('\n')),
      fc.nat({ max: 3000 }).map((length) => Buffer.alloc(length)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 12 }), async (pieces) => {
        const bytes = Buffer.concat(pieces);
        const path = join(dir, `t${n++}.jsonl`);
        await writeFile(path, bytes);
        const handle = await open(path, 'r');
        try {
          const report: TailReport = {};
          const lines: { line: string; offset: number }[] = [];
          for await (const { bytes: line, offset } of readLines(handle, { tail: report })) lines.push({ line: line.toString('latin1'), offset });
          const want = model(bytes);
          expect(lines).toEqual(want.lines);
          expect(report.tail).toMatchObject({ kind: want.kind, nul: want.nul, dataEnd: want.dataEnd, end: bytes.length });
        } finally {
          await handle.close();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('finds data after megabytes of zeros, across reads', async () => {
    const path = join(dir, 'zeros.jsonl');
    const zeros = Buffer.alloc(3 << 20);
    await writeFile(path, Buffer.concat([Buffer.from('a\n'), zeros]));
    const handle = await open(path, 'r+');
    try {
      expect(await inspectTail(handle, { start: 2 })).toEqual({ kind: 'zeros', start: 2, nul: 2, dataEnd: 2, end: 2 + zeros.length });
      await handle.write(Buffer.from('x'), 0, 1, (2 << 20) + 7);
      expect(await inspectTail(handle, { start: 2 })).toMatchObject({ kind: 'damaged', dataEnd: (2 << 20) + 8 });
    } finally {
      await handle.close();
    }
  });
});

describe('endWithoutZeros', () => {
  it('is the size less the trailing NULs, across chunk boundaries', async () => {
    const path = join(dir, 'zero-tail');
    const MiB = 1 << 20;
    for (const [bytes, end] of [
      [Buffer.from('a\nb\n'), 4],
      [Buffer.concat([Buffer.from('a\n\0b\n'), Buffer.alloc(3 * MiB + 7)]), 5],
      [Buffer.concat([Buffer.alloc(MiB - 1, 'x'), Buffer.alloc(2 * MiB)]), MiB - 1],
      [Buffer.alloc(2 * MiB + 1), 0],
      [Buffer.alloc(0), 0],
    ] as const) {
      await writeFile(path, bytes);
      const handle = await open(path, 'r');
      try {
        expect(await endWithoutZeros(handle)).toBe(end);
      } finally {
        await handle.close();
      }
    }
  });
});
