/**
 * Adversarial review of copyLedger and FileLedgerStore#appendStored (`writ pull`, the
 * authority's ledger mirror). The attacker is the source: a PostgreSQL database or an authority
 * someone else runs, or any LedgerStore-like object, answering `read`, `head` and `checkpoints`
 * with whatever it likes — lines, claimed hashes, sizes, checkpoint records. The copy must hold
 * only lines that hash and chain as the verifier will see them, an incremental run must refuse a
 * source that no longer extends the copy, and a refused or failed run must leave a copy that is
 * still a valid prefix and still opens as a writer.
 *
 * Cases marked GAP were accepted before the fix they name; the rest were refused already and
 * stay as regression tests.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleKeys, writeSampleTranscript } from '../transcript/sample-transcript.ts';
import { openTranscriptDirectory } from '../transcript/transcript-directory.ts';
import { verifyTranscript } from '../transcript/verify-transcript.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import { copyLedger } from './copy-ledger.ts';
import { CHECKPOINTS_DIR, ENTRIES_FILE, FileLedgerStore } from './file-ledger-store.ts';
import { MemoryLedgerStore } from './memory-ledger-store.ts';
import type { CheckpointRecord, LedgerHead, LedgerStore, ReadRange, StoredEntry } from './types.ts';

type Source = Pick<LedgerStore, 'read' | 'head' | 'checkpoints'>;

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'writ-copy-adversarial-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const fresh = (): string => join(dir, `copy-${counter++}`);

async function sample(calls: number, sessionId?: string): Promise<{ store: MemoryLedgerStore; trustRoot: TrustRoot; lines: string[]; checkpoints: CheckpointRecord[] }> {
  const store = new MemoryLedgerStore();
  const { trustRoot } = await writeSampleTranscript({ store, calls, policy: { everyEntries: 4 }, ...(sessionId !== undefined && { sessionId }) });
  const lines: string[] = [];
  for await (const entry of store.read()) lines.push(entry.line);
  const checkpoints: CheckpointRecord[] = [];
  for await (const checkpoint of store.checkpoints()) checkpoints.push(checkpoint);
  return { store, trustRoot, lines, checkpoints };
}

// A source built from parts: the honest store's answers unless overridden.
function lying(store: Source, override: { read?: (range?: ReadRange) => AsyncIterable<StoredEntry>; head?: () => Promise<LedgerHead>; checkpoints?: () => AsyncIterable<CheckpointRecord> }): Source {
  return {
    read: override.read ?? ((range) => store.read(range)),
    head: override.head ?? (() => store.head()),
    checkpoints: override.checkpoints ?? (() => store.checkpoints()),
  };
}

async function* listed<T>(items: readonly T[]): AsyncIterable<T> {
  for (const item of items) yield await Promise.resolve(item);
}

// A copy of the source's first `size` entries (all of them and its checkpoints by default).
async function copyOf(source: Source, size?: number): Promise<string> {
  const path = fresh();
  const to = await FileLedgerStore.open({ dir: path });
  try {
    if (size === undefined) await copyLedger({ from: source, to });
    else {
      const lines: string[] = [];
      for await (const entry of source.read({ from: 0, to: size })) lines.push(entry.line);
      await to.appendStored(lines);
    }
  } finally {
    await to.close();
  }
  return path;
}

async function verifyDir(path: string, trustRoot: TrustRoot): ReturnType<typeof verifyTranscript> {
  const directory = await openTranscriptDirectory(path);
  return verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot, allowUnsignedTail: true });
}

async function pullInto(path: string, source: Source, batch?: number): ReturnType<typeof copyLedger> {
  const to = await FileLedgerStore.open({ dir: path });
  try {
    return await copyLedger({ from: source, to, ...(batch !== undefined && { batch }) });
  } finally {
    await to.close();
  }
}

describe('copyLedger against a lying source', () => {
  it('refuses a source whose entry before the new ones was rewritten but still claims the old hash', async () => {
    // GAP: the prefix check compared the hash the source *claimed* for entry n-1 with the copy's;
    // a source that rewrote that line (a different body) and kept its hash column got its new
    // entries appended as if it still held the copy's history. The hash is now computed here
    // from the line the source returns.
    const { store, lines } = await sample(3);
    const path = await copyOf(store, 6);
    const before = await readFile(join(path, ENTRIES_FILE), 'utf8');
    const rewritten = lines[5]!.replace(/"time":"[^"]*"/u, '"time":"2030-01-01T00:00:00.000Z"');
    expect(rewritten).not.toBe(lines[5]);
    const source = lying(store, {
      async *read(range) {
        for await (const entry of store.read(range)) yield entry.seq === 5 ? { ...entry, line: rewritten } : entry;
      },
    });
    await expect(pullInto(path, source)).rejects.toMatchObject({ code: 'ERR_STORE_CONFLICT', details: { reason: 'diverged', seq: 5 } });
    expect(await readFile(join(path, ENTRIES_FILE), 'utf8')).toBe(before);
  });

  it('refuses a source checkpoint record whose size or root is not its note\'s, writing no checkpoint', async () => {
    // GAP: the record was stored as the source gave it — `checkpoints/<size>.json` named and
    // ordered by a size the note does not carry, with a `root` field nobody checks — so the copy
    // held checkpoint bytes that differ from what verifies, and its latestCheckpoint() (what the
    // authority's mirror submits to witnesses) was a note of another size.
    const { store, checkpoints } = await sample(3);
    const first = checkpoints[0]!;
    const second = checkpoints[1]!;
    for (const forged of [
      { ...first, size: second.size },
      { ...second, root: first.root },
    ]) {
      const path = fresh();
      const source = lying(store, { checkpoints: () => listed([...checkpoints.filter((each) => each.size !== forged.size), forged].sort((a, b) => a.size - b.size)) });
      await expect(pullInto(path, source)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { reason: 'checkpoint-note', checkpointSize: forged.size } });
      expect(await readdir(join(path, CHECKPOINTS_DIR))).toEqual([]);
    }
  });

  it('refuses two different source checkpoints of one size before writing either', async () => {
    // GAP: the first was stored, the second refused by putCheckpoint with
    // ERR_STORE_CHECKPOINT_CONFLICT — the copy kept whichever came first.
    const { store, checkpoints } = await sample(3);
    const other = await sample(3, 'another-session');
    const twin = other.checkpoints.find((each) => each.size === checkpoints[0]!.size);
    expect(twin).toBeDefined();
    expect(twin!.note).not.toBe(checkpoints[0]!.note);
    const path = fresh();
    const source = lying(store, { checkpoints: () => listed([checkpoints[0]!, twin!, ...checkpoints.slice(1)]) });
    await expect(pullInto(path, source)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { reason: 'checkpoint-twice', checkpointSize: checkpoints[0]!.size } });
    expect(await readdir(join(path, CHECKPOINTS_DIR))).toEqual([]);
  });

  it('refuses a source that no longer lists a checkpoint the copy holds', async () => {
    // GAP: only checkpoints of sizes both listed were compared; a source that dropped (or never
    // had) a signed checkpoint the copy holds passed as an extension of the copy.
    const { store, checkpoints } = await sample(3);
    const path = fresh();
    await pullInto(path, store);
    const dropped = checkpoints[1]!;
    const source = lying(store, { checkpoints: () => listed(checkpoints.filter((each) => each !== dropped)) });
    await expect(pullInto(path, source)).rejects.toMatchObject({ code: 'ERR_STORE_CONFLICT', details: { reason: 'diverged', checkpointSize: dropped.size } });
    // The honest source still extends it.
    await expect(pullInto(path, store)).resolves.toMatchObject({ checkpoints: 0 });
  });

  it('refuses a checkpoint note that differs from the held one, and one missing below the copy\'s latest', async () => {
    const { store, checkpoints } = await sample(3);
    const path = await copyOf(store);
    const other = await sample(3, 'another-session');
    const swapped = checkpoints.map((each) => other.checkpoints.find((candidate) => candidate.size === each.size) ?? each);
    await expect(pullInto(path, lying(store, { checkpoints: () => listed(swapped) }))).rejects.toMatchObject({ code: 'ERR_STORE_CONFLICT' });
  });

  it('keeps what was durably copied when the source fails mid-read; the next run completes and verifies', async () => {
    const { store, trustRoot, lines } = await sample(6);
    const path = fresh();
    const failing = lying(store, {
      async *read(range) {
        for await (const entry of store.read(range)) {
          if (entry.seq === 7) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
          yield entry;
        }
      },
    });
    await expect(pullInto(path, failing, 3)).rejects.toThrow('connection reset');
    // Two whole batches (0..5) are durable; the batch in progress (6) was never written.
    expect(await readFile(join(path, ENTRIES_FILE), 'utf8')).toBe(`${lines.slice(0, 6).join('\n')}\n`);
    expect(await readdir(join(path, CHECKPOINTS_DIR))).toEqual([]);
    expect(await pullInto(path, store, 3)).toMatchObject({ from: 6, size: lines.length });
    expect(await verifyDir(path, trustRoot)).toMatchObject({ valid: true, entries: lines.length });
  });

  it('recovers from a crash that tore the last batch: the reopened copy is cut to whole lines and the next run completes', async () => {
    const { store, trustRoot, lines } = await sample(4);
    const path = fresh();
    await pullInto(path, store, 5);
    // A power loss mid-write: the file ends inside a line, and zeros follow (pre-written space).
    const { truncate, appendFile } = await import('node:fs/promises');
    const whole = await readFile(join(path, ENTRIES_FILE));
    const cut = whole.length - Math.floor(Buffer.byteLength(lines.at(-1)!) / 2);
    await truncate(join(path, ENTRIES_FILE), cut);
    await appendFile(join(path, ENTRIES_FILE), Buffer.alloc(4096));
    const result = await pullInto(path, store, 5);
    expect(result).toMatchObject({ from: lines.length - 1, size: lines.length });
    expect(await readFile(join(path, ENTRIES_FILE), 'utf8')).toBe(`${lines.join('\n')}\n`);
    expect(await verifyDir(path, trustRoot)).toMatchObject({ valid: true, entries: lines.length });
  });

  it('keeps the chain-checked prefix when a line mid-batch is refused; the store stays writable', async () => {
    const { store, lines } = await sample(4);
    const path = fresh();
    const bad = lying(store, {
      async *read(range) {
        for await (const entry of store.read(range)) yield entry.seq === 9 ? { ...entry, line: `${entry.line} ` } : entry;
      },
    });
    await expect(pullInto(path, bad, 4)).rejects.toMatchObject({ code: 'ERR_TRANSCRIPT_MALFORMED' });
    expect(await readFile(join(path, ENTRIES_FILE), 'utf8')).toBe(`${lines.slice(0, 8).join('\n')}\n`);
    expect(await pullInto(path, store)).toMatchObject({ from: 8, size: lines.length });
  });

  it('refuses a head that is not where the entries end (more, fewer, or another hash), keeping a valid prefix', async () => {
    const { store, trustRoot, lines } = await sample(3);
    const real = await store.head();
    for (const [head, code] of [
      // The source's own read refuses a range beyond what it holds.
      [{ size: real.size + 3, hash: real.hash }, 'ERR_INVALID_ARGUMENT'],
      [{ size: real.size, hash: `sha256:${'ab'.repeat(32)}` as const }, 'ERR_STORE_CONFLICT'],
    ] as const) {
      const path = fresh();
      await expect(pullInto(path, lying(store, { head: () => Promise.resolve(head) }))).rejects.toMatchObject({ code });
      const report = await verifyDir(path, trustRoot);
      expect(report.valid).toBe(true);
      expect(report.entries).toBeLessThanOrEqual(lines.length);
    }
    // A source whose reads stop short of its head.
    const path = fresh();
    const short = lying(store, {
      async *read(range) {
        for await (const entry of store.read(range)) if (entry.seq < 4) yield entry;
      },
    });
    await expect(pullInto(path, short)).rejects.toMatchObject({ code: 'ERR_STORE_CONFLICT' });
  });

  it('refuses a source that returns the same page twice, or entries out of order', async () => {
    const { store, lines } = await sample(3);
    for (const order of [[0, 1, 2, 0, 1, 2], [1, 0, 2]]) {
      const path = fresh();
      const source = lying(store, {
        head: () => Promise.resolve({ size: order.length, hash: `sha256:${'0'.repeat(64)}` as const }),
        read: () => listed(order.map((seq, i) => ({ seq: i, hash: `sha256:${'0'.repeat(64)}` as const, line: lines[seq]! }))),
      });
      await expect(pullInto(path, source)).rejects.toMatchObject({ code: 'ERR_TRANSCRIPT_SEQUENCE' });
    }
  });
});

describe('copyLedger memory and range', () => {
  it('cuts a batch once its lines are large, whatever the batch size', async () => {
    // GAP: batches were cut by count alone, so a source serving huge lines (an authority page is
    // up to 64 MiB, a database row has no limit) made copyLedger hold `batch` of them — 1000 by
    // default — before writing any.
    const store = new MemoryLedgerStore();
    const { Ledger } = await import('../transcript/ledger.ts');
    const ledger = await Ledger.open({ store, origin: 'writ.test/sample', signer: sampleKeys().ledger, now: () => new Date('2026-01-01T00:00:00Z') });
    const big = 'x'.repeat(1 << 20);
    for (let i = 0; i < 20; i++) await ledger.append([{ type: 'note', time: '2026-01-01T00:00:00.000Z', body: { big, i } }]);
    const progress: number[] = [];
    const to = await FileLedgerStore.open({ dir: fresh() });
    await copyLedger({ from: store, to, onProgress: (size) => progress.push(size) });
    await to.close();
    expect(progress.at(-1)).toBe(20);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress[0]).toBeLessThanOrEqual(9);
  });

  it('stops at the head the source reported even when its read yields more', async () => {
    // GAP: every entry the read yielded was appended, past the reported head, and the run then
    // failed as diverged — leaving a copy longer than any head the source ever reported.
    const { store, lines } = await sample(3);
    const path = fresh();
    const generous = lying(store, {
      head: async () => {
        for await (const entry of store.read({ from: 5, to: 6 })) return { size: 6, hash: entry.hash };
        throw new Error('unreachable');
      },
      read: (range) => store.read({ from: range?.from ?? 0 }),
      checkpoints: () => listed([]),
    });
    expect(await pullInto(path, generous)).toMatchObject({ size: 6 });
    expect(await readFile(join(path, ENTRIES_FILE), 'utf8')).toBe(`${lines.slice(0, 6).join('\n')}\n`);
  });
});

describe('FileLedgerStore.appendStored smuggling', () => {
  it('refuses lines carrying a newline, a NUL, a lone surrogate, a BOM or CR, or two entries in one; the store stays usable', async () => {
    const { lines } = await sample(2);
    const path = fresh();
    const to = await FileLedgerStore.open({ dir: path });
    await to.appendStored(lines.slice(0, 2));
    const next = lines[2]!;
    const withValue = (value: string): string => next.replace(/"time":"/u, `"x":"${value}","time":"`);
    const cases = [
      `${next}\n${lines[3]!}`,
      `${next}\n`,
      withValue('a\nb'),
      withValue('a\u0000b'),
      withValue('\ud800'),
      withValue('\udc00x'),
      `\ufeff${next}`,
      `${next}\r`,
      next.replace('{"body":{', '{"body":{"x":"a\u2028b\\u2028",'),
      next.replace('{"body":{', '{"body":{"x":"\\u0041",'),
      '',
    ];
    for (const line of cases) {
      await expect(to.appendStored([line]), JSON.stringify(line)).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_TRANSCRIPT_(MALFORMED|SEQUENCE|CHAIN)$/u) as string });
    }
    // A String object is no string.
    await expect(to.appendStored([new String(next) as unknown as string])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await to.appendStored(lines.slice(2));
    await to.close();
    expect(await readFile(join(path, ENTRIES_FILE), 'utf8')).toBe(`${lines.join('\n')}\n`);
    const reopened = await FileLedgerStore.open({ dir: path });
    expect((await reopened.head()).size).toBe(lines.length);
    await reopened.close();
  });

  it('writes exactly the bytes it hashes for a line with non-ASCII text and U+2028', async () => {
    const store = new MemoryLedgerStore();
    const keys = sampleKeys();
    const { Ledger } = await import('../transcript/ledger.ts');
    const ledger = await Ledger.open({ store, origin: 'writ.test/sample', signer: keys.ledger, now: () => new Date('2026-01-01T00:00:00Z') });
    await ledger.append([{ type: 'note', time: '2026-01-01T00:00:00.000Z', body: { text: 'ü 😀 \u2028 \u2029 \u0085' } }]);
    const path = fresh();
    await pullInto(path, store);
    const source = [];
    for await (const entry of store.read()) source.push(entry);
    expect(await readFile(join(path, ENTRIES_FILE))).toEqual(Buffer.from(`${source.map((entry) => entry.line).join('\n')}\n`, 'utf8'));
    const copy = await FileLedgerStore.open({ dir: path, readOnly: true });
    expect(await copy.head()).toEqual(await store.head());
    await copy.close();
  });
});
