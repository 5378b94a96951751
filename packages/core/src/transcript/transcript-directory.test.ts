import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedgerStore } from '../stores/file-ledger-store.ts';
import { sampleKeys, writeSampleTranscript } from './sample-transcript.ts';
import { openTranscriptDirectory, saveWitnessedCheckpoint, submitTranscriptDirectory } from './transcript-directory.ts';
import { MemoryWitnessState, createWitness } from './witness.ts';
import { formatVerifierKey } from './signed-note.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { cosignCheckpoint, formatCosignerKey } from './cosignature.ts';
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

describe('witnessed checkpoints kept beside a transcript', () => {
  const w1 = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(81)));
  const w2 = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(82)));
  const keys = [formatCosignerKey('w.example/1', w1.publicKey), formatCosignerKey('w.example/2', w2.publicKey)];
  const at = new Date('2026-02-01T00:00:00Z');

  async function latestNote(path: string): Promise<string> {
    const store = await FileLedgerStore.open({ dir: path, readOnly: true });
    const note = (await store.latestCheckpoint())!.note;
    await store.close();
    return note;
  }

  it('are read as checkpoints: two witnesses saved one after the other are merged and meet a quorum of two', async () => {
    const { path, trustRoot } = await sample('witnessed', 3);
    const note = await latestNote(path);
    const saved = await saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: 'w.example/1', signer: w1, time: at }));
    expect(saved).toMatch(/witnessed\/\d{16}\.note$/u);
    await saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: 'w.example/2', signer: w2, time: at }));
    // Saving the same again changes nothing (lines are kept once).
    await saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: 'w.example/2', signer: w2, time: at }));
    const kept = await readFile(saved, 'utf8');
    expect(kept.split('\n').filter((line) => line.startsWith('\u2014 '))).toHaveLength(3);
    const directory = await openTranscriptDirectory(path);
    const report = await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot, witnesses: { keys } });
    expect(report).toMatchObject({ valid: true, witnessed: { cosigners: [{ name: 'w.example/1' }, { name: 'w.example/2' }] } });
  });

  it('a refreshed cosignature replaces the same witness\'s older one (newest kept, never more than one per witness)', async () => {
    const { path, trustRoot } = await sample('witnessed-refresh', 3);
    const note = await latestNote(path);
    const later = (hours: number): Date => new Date(at.getTime() + hours * 3_600_000);
    const saved = await saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: 'w.example/1', signer: w1, time: at }));
    await saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: 'w.example/2', signer: w2, time: at }));
    // 150 refreshes of witness 1 (more than the 100 signature lines a note may carry).
    for (let hour = 1; hour <= 150; hour++) await saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: 'w.example/1', signer: w1, time: later(hour) }));
    // An older cosignature saved after a newer one does not replace it.
    await saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: 'w.example/1', signer: w1, time: later(2) }));
    const kept = (await readFile(saved, 'utf8')).split('\n').filter((line) => line.startsWith('\u2014 '));
    expect(kept).toHaveLength(3);
    expect(kept.filter((line) => line.startsWith('\u2014 w.example/1 '))).toHaveLength(1);
    const directory = await openTranscriptDirectory(path);
    const report = await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot, witnesses: { keys, since: later(150).toISOString() } });
    expect(report.failure?.message).toMatch(/has 1 of the 2 witness cosignatures required since .* \(1 older\)$/u);
    const again = await openTranscriptDirectory(path);
    const one = await verifyTranscript({ entries: again.entries, checkpoints: again.checkpoints, trustRoot, witnesses: { keys, quorum: 1, since: later(150).toISOString() } });
    expect(one).toMatchObject({ valid: true, witnessed: { cosigners: [{ name: 'w.example/1', time: later(150).toISOString() }, { name: 'w.example/2' }] } });
  });

  it('a kept note that was altered fails verification; another checkpoint text of a kept size is refused', async () => {
    const { path, trustRoot } = await sample('witnessed-bad', 3);
    const note = await latestNote(path);
    const saved = await saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: 'w.example/1', signer: w1, time: at }));
    const other = note.replace(/writ-time (\S+)/u, 'writ-time 2026-01-01T00:59:59.000Z');
    await expect(saveWitnessedCheckpoint(path, other)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    const text = await readFile(saved, 'utf8');
    const lines = text.split('\n');
    const last = lines.findLastIndex((line) => line.startsWith('\u2014 w.example/1 '));
    const blob = Buffer.from(lines[last]!.split(' ')[2]!, 'base64');
    blob[40] = blob[40]! ^ 1;
    lines[last] = `\u2014 w.example/1 ${blob.toString('base64')}`;
    await writeFile(saved, lines.join('\n'));
    const directory = await openTranscriptDirectory(path);
    const report = await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot, witnesses: { keys, quorum: 1 } });
    expect(report.failure).toMatchObject({ check: 'checkpoint-witness', cause: 'ERR_NOTE_UNVERIFIED' });
  });

  it('refuses what is not a transcript directory or not a checkpoint note', async () => {
    const { path } = await sample('witnessed-args', 1);
    await expect(saveWitnessedCheckpoint(join(dir, 'nowhere'), await latestNote(path))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(saveWitnessedCheckpoint(path, 'not a note')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('submitTranscriptDirectory', () => {
  const ledgerKey = formatVerifierKey('writ.test/sample', sampleKeys().ledger.publicKey);
  const signer = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(83)));

  function inProcess(): { fetch: typeof fetch; vkey: string } {
    const witness = createWitness({ name: 'w.example/3', signer, logs: [ledgerKey], state: new MemoryWitnessState(), now: () => new Date('2026-02-02T00:00:00Z') });
    const fetch = (async (_url: string, init: { body: string }) => {
      const answer = await witness.addCheckpoint(init.body);
      return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.contentType } });
    }) as unknown as typeof globalThis.fetch;
    return { fetch, vkey: witness.vkey };
  }

  it('has the latest checkpoint cosigned, proving consistency from what the witness holds, and keeps it with --save', async () => {
    const { path, trustRoot } = await sample('submitted', 3);
    const { fetch, vkey } = inProcess();
    const first = await submitTranscriptDirectory(path, { url: 'http://w.test', witness: vkey, fetch, trustRoot, save: true });
    expect(first.oldSize).toBe(0);
    expect(first.saved).toMatch(/witnessed\/\d{16}\.note$/u);
    const directory = await openTranscriptDirectory(path);
    const report = await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot, witnesses: { keys: [vkey] } });
    expect(report).toMatchObject({ valid: true, witnessed: { size: first.size } });
    expect((await submitTranscriptDirectory(path, { url: 'http://w.test', witness: vkey, fetch, trustRoot })).oldSize).toBe(first.size);
    expect(first.skipped).toEqual([]);
  });

  it('refuses a directory whose entries end before its latest checkpoint, and one without a checkpoint', async () => {
    const { path, trustRoot } = await sample('submitted-short', 3);
    const entries = (await readFile(join(path, 'entries.jsonl'), 'utf8')).split('\n').filter((line) => line.length > 0 && !line.startsWith('\u0000'));
    await writeFile(join(path, 'entries.jsonl'), `${entries.slice(0, 3).join('\n')}\n`);
    const { fetch, vkey } = inProcess();
    await expect(submitTranscriptDirectory(path, { url: 'http://w.test', witness: vkey, fetch, trustRoot })).rejects.toMatchObject({ code: 'ERR_TRANSCRIPT_CHECKPOINT_BEYOND_END' });
    const bare = join(dir, 'no-checkpoint');
    await cp(path, bare, { recursive: true });
    await rm(join(bare, 'checkpoints'), { recursive: true, force: true });
    await expect(submitTranscriptDirectory(bare, { url: 'http://w.test', witness: vkey, fetch, trustRoot })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'dir' } });
    await expect(submitTranscriptDirectory(path, null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
