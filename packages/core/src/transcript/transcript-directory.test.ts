import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedgerStore } from '../stores/file-ledger-store.ts';
import { writeSampleTranscript } from './sample-transcript.ts';
import { openTranscriptDirectory } from './transcript-directory.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import { verifyTranscript } from './verify-transcript.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'writ-transcript-dir-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sample(name: string, calls = 40): Promise<{ path: string; verify: () => ReturnType<typeof verifyTranscript>; entries: number; trustRoot: TrustRoot }> {
  const path = join(dir, name);
  const store = await FileLedgerStore.open({ dir: path });
  const { trustRoot, entries } = await writeSampleTranscript({ store, calls });
  // Closed, so its file holds exactly the lines (a live writer's zeros are added by the tests
  // that want them) and no file handle is left for the garbage collector.
  await store.close();
  const verify = async (): ReturnType<typeof verifyTranscript> => {
    const directory = await openTranscriptDirectory(path);
    return verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot });
  };
  return { path, verify, entries, trustRoot };
}

describe('openTranscriptDirectory', () => {
  it('streams every entry line of the file to the verifier', async () => {
    const { verify, entries } = await sample('whole');
    const report = await verify();
    expect(report.valid).toBe(true);
    expect(report.entries).toBe(entries);
  });
  it('reports a torn final line as entry-format at the first missing entry', async () => {
    const { path, verify, entries } = await sample('torn');
    await appendFile(join(path, 'entries.jsonl'), '{"body":');
    const report = await verify();
    expect(report.valid).toBe(false);
    expect(report.failure).toMatchObject({ check: 'entry-format', seq: entries });
  });
  it('treats zeros after the last line as unwritten space (a live or crashed writer)', async () => {
    const { path, verify, entries } = await sample('zeros');
    await appendFile(join(path, 'entries.jsonl'), Buffer.alloc(3 << 20));
    const live = await readFile(join(path, 'entries.jsonl'));
    // Progress counts the lines, not the zeros.
    expect((await openTranscriptDirectory(path)).bytes).toBe(live.lastIndexOf(10) + 1);
    const report = await verify();
    expect(report.valid).toBe(true);
    expect(report.entries).toBe(entries);
  });
  it('reports data after zeros, and a torn line before zeros, as entry-format', async () => {
    const { path, verify, entries } = await sample('after-zeros');
    const file = join(path, 'entries.jsonl');
    const live = await readFile(file);
    const lines = live.subarray(0, live.lastIndexOf(10) + 1);
    await writeFile(file, Buffer.concat([lines, Buffer.alloc(4096), Buffer.from('{"body":{}}\n'), Buffer.alloc(64)]));
    expect((await verify()).failure).toMatchObject({ check: 'entry-format', seq: entries, message: expect.stringContaining('tampering') });
    await writeFile(file, Buffer.concat([lines, Buffer.from('{"body":'), Buffer.alloc(64)]));
    expect((await verify()).failure).toMatchObject({ check: 'entry-format', seq: entries, message: expect.stringContaining('incomplete') });
    await writeFile(file, Buffer.concat([lines, Buffer.alloc(4096), Buffer.from('{"body":')]));
    expect((await verify()).failure).toMatchObject({ check: 'entry-format', seq: entries, message: expect.stringContaining('tampering') });
  });
  it('reports a NUL anywhere in the lines, whatever follows it', async () => {
    const { path: original, trustRoot } = await sample('nul-original', 4);
    // The hashed lines only (also if the file ended in a writer's zeros).
    const live = await readFile(join(original, 'entries.jsonl'));
    const bytes = live.subarray(0, live.lastIndexOf(10) + 1);
    const copy = join(dir, 'nul-copy');
    await cp(original, copy, { recursive: true });
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.nat({ max: 5000 }), async (at, zeros) => {
        runs += 1;
        const damaged = Buffer.concat([bytes, Buffer.alloc(zeros)]);
        damaged[at] = 0;
        await writeFile(join(copy, 'entries.jsonl'), damaged);
        const directory = await openTranscriptDirectory(copy);
        const report = await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot });
        expect(report.valid).toBe(false);
        // Never later than the line holding the NUL.
        const line = bytes.subarray(0, at).filter((byte) => byte === 10).length;
        expect(report.failure!.seq).toBeLessThanOrEqual(line);
      }),
      { numRuns: 40 },
    );
    expect(runs).toBe(40);
  });
});
