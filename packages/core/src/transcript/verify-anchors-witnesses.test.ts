/**
 * Anchors and witnesses: what a transcript alone cannot show. A writer holding the ledger key
 * can cut the transcript short together with its later checkpoints, or rewrite history and
 * checkpoint it again; the result verifies. A checkpoint held outside the transcript (an
 * anchor: from a witness, an earlier audit) and a quorum of witness cosignatures on the
 * latest checkpoint make both visible.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import { cosignCheckpoint, formatCosignerKey } from './cosignature.ts';
import { writeSampleTranscript } from './sample-transcript.ts';
import { verifyTranscript } from './verify-transcript.ts';
import type { TranscriptReport, VerifyTranscriptOptions } from './verify-transcript.ts';

interface Transcript {
  readonly trustRoot: TrustRoot;
  readonly lines: string[];
  /** Checkpoint notes by size. */
  readonly notes: Map<number, string>;
}

async function transcript(options: { calls: number; sessionId?: string; origin?: string }): Promise<Transcript> {
  const store = new MemoryLedgerStore();
  const { trustRoot } = await writeSampleTranscript({
    store,
    calls: options.calls,
    policy: { everyEntries: 4 },
    ...(options.sessionId !== undefined && { sessionId: options.sessionId }),
    ...(options.origin !== undefined && { origin: options.origin }),
  });
  const lines: string[] = [];
  for await (const entry of store.read()) lines.push(entry.line);
  const notes = new Map<number, string>();
  for await (const checkpoint of store.checkpoints()) notes.set(checkpoint.size, checkpoint.note);
  return { trustRoot, lines, notes };
}

function latest(t: Transcript): [number, string] {
  return [...t.notes].at(-1)!;
}

// The first `size` entries with the checkpoints they cover: a consistent cut, as a writer with
// the ledger key would leave it (the last kept checkpoint ends the kept entries).
function cut(t: Transcript, size: number): { lines: string[]; notes: string[] } {
  return { lines: t.lines.slice(0, size), notes: [...t.notes].filter(([n]) => n <= size).map(([, note]) => note) };
}

function verify(t: Transcript, parts: { lines: string[]; notes: string[] }, extra: Partial<VerifyTranscriptOptions> = {}): Promise<TranscriptReport> {
  return verifyTranscript({ entries: parts.lines, checkpoints: parts.notes, trustRoot: t.trustRoot, ...extra });
}

const w1 = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(91)));
const w2 = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(92)));
const W1 = 'witness.example/w1';
const W2 = 'witness.example/w2';
const witnessKeys = [formatCosignerKey(W1, w1.publicKey), formatCosignerKey(W2, w2.publicKey)];
const at = new Date('2026-01-01T01:00:00Z');

describe('anchors', () => {
  it('a consistent cut verifies on its own (the gap) and fails against an anchor of the larger checkpoint', async () => {
    const t = await transcript({ calls: 6 });
    const [size, note] = latest(t);
    const sizes = [...t.notes.keys()];
    const kept = sizes.at(-2)!;
    const short = cut(t, kept);
    expect((await verify(t, short)).valid).toBe(true);
    const report = await verify(t, short, { anchors: [note] });
    expect(report.valid).toBe(false);
    expect(report.failure).toMatchObject({ check: 'checkpoint-anchor', code: 'ERR_TRANSCRIPT_ANCHOR', checkpointSize: size, seq: kept });
    expect(report.failure?.message).toMatch(/ends before an anchored checkpoint/u);
  });

  it('the whole transcript extends every one of its own checkpoints used as anchors', async () => {
    const t = await transcript({ calls: 6 });
    const report = await verify(t, cut(t, t.lines.length), { anchors: [...t.notes.values()] });
    expect(report).toMatchObject({ valid: true, anchors: t.notes.size, signedSize: t.lines.length });
  });

  it('property: every cut below an anchored size is refused; every cut at or above it verifies', async () => {
    const t = await transcript({ calls: 5 });
    const sizes = [...t.notes.keys()];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...sizes), fc.constantFrom(...sizes), async (anchorSize, keep) => {
        const report = await verify(t, cut(t, keep), { anchors: [t.notes.get(anchorSize)!] });
        expect(report.valid).toBe(keep >= anchorSize);
        if (!report.valid) expect(report.failure?.check).toBe('checkpoint-anchor');
      }),
      { numRuns: 60 },
    );
  });

  it('history rewritten and checkpointed again with the ledger key verifies alone, and fails against an anchor', async () => {
    const original = await transcript({ calls: 6 });
    const rewritten = await transcript({ calls: 6, sessionId: 'session-rewritten' });
    const all = cut(rewritten, rewritten.lines.length);
    expect((await verify(rewritten, all)).valid).toBe(true);
    const [size, note] = [...original.notes][1]!;
    const report = await verify(rewritten, all, { anchors: [note] });
    expect(report.failure).toMatchObject({ check: 'checkpoint-anchor', code: 'ERR_TRANSCRIPT_ANCHOR', checkpointSize: size, seq: size - 1 });
    expect(report.failure?.message).toMatch(/history rewritten/u);
  });

  it('an anchor must be a valid checkpoint of this log', async () => {
    const t = await transcript({ calls: 4 });
    const other = await transcript({ calls: 4, origin: 'writ.test/other' });
    const all = cut(t, t.lines.length);
    const foreign = await verify(t, all, { anchors: [latest(other)[1]] });
    expect(foreign.failure).toMatchObject({ check: 'checkpoint-anchor', code: 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT' });
    expect(foreign.failure?.message).toMatch(/^anchor: checkpoint is for another log/u);
    const note = latest(t)[1];
    const forged = note.replace(/\n(\d+)\n/u, (_, n: string) => `\n${Number(n) + 1}\n`);
    const bad = await verify(t, all, { anchors: [forged] });
    expect(bad.failure).toMatchObject({ check: 'checkpoint-anchor', code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE' });
    const garbage = await verify(t, all, { anchors: ['not a checkpoint'] });
    expect(garbage.failure).toMatchObject({ check: 'checkpoint-anchor', code: 'ERR_CHECKPOINT_MALFORMED' });
  });

  it('an anchor beyond the checkpoints signs a live tail the entries match', async () => {
    const t = await transcript({ calls: 6 });
    const sizes = [...t.notes.keys()];
    const lines = t.lines;
    const notes = [...t.notes].filter(([n]) => n <= sizes.at(-2)!).map(([, note]) => note);
    expect((await verify(t, { lines, notes })).failure?.check).toBe('unsigned-tail');
    const report = await verify(t, { lines, notes }, { anchors: [latest(t)[1]] });
    expect(report).toMatchObject({ valid: true, signedSize: lines.length, anchors: 1 });
  });
});

describe('witnesses', () => {
  it('the latest checkpoint cosigned by a quorum verifies and reports who cosigned when', async () => {
    const t = await transcript({ calls: 5 });
    const [size, note] = latest(t);
    let cosigned = cosignCheckpoint({ note, name: W1, signer: w1, time: at });
    cosigned = cosignCheckpoint({ note: cosigned, name: W2, signer: w2, time: new Date(at.getTime() + 5000) });
    const report = await verify(t, cut(t, t.lines.length), { anchors: [cosigned], witnesses: { keys: witnessKeys } });
    expect(report).toMatchObject({
      valid: true,
      anchors: 1,
      witnessed: { size, cosigners: [{ name: W1, time: '2026-01-01T01:00:00.000Z' }, { name: W2, time: '2026-01-01T01:00:05.000Z' }] },
    });
  });

  it('fails short of the quorum, and when only an older checkpoint was cosigned', async () => {
    const t = await transcript({ calls: 5 });
    const all = cut(t, t.lines.length);
    const [size, note] = latest(t);
    const one = cosignCheckpoint({ note, name: W1, signer: w1, time: at });
    const short = await verify(t, all, { anchors: [one], witnesses: { keys: witnessKeys } });
    expect(short.failure).toMatchObject({ check: 'checkpoint-witness', code: 'ERR_TRANSCRIPT_WITNESS', checkpointSize: size });
    expect(short.failure?.message).toBe('latest checkpoint has 1 of the 2 witness cosignatures required');
    expect((await verify(t, all, { anchors: [one], witnesses: { keys: witnessKeys, quorum: 1 } })).valid).toBe(true);
    const older = cosignCheckpoint({ note: [...t.notes][0]![1], name: W1, signer: w1, time: at });
    const stale = await verify(t, all, { anchors: [older], witnesses: { keys: witnessKeys, quorum: 1 } });
    expect(stale.failure).toMatchObject({ check: 'checkpoint-witness', checkpointSize: size });
  });

  it('cosignatures carried inside the transcript count like those on anchors', async () => {
    const t = await transcript({ calls: 5 });
    const [size, note] = latest(t);
    const notes = [...t.notes].filter(([n]) => n !== size).map(([, n]) => n);
    notes.push(cosignCheckpoint({ note, name: W2, signer: w2, time: at }));
    const report = await verify(t, { lines: t.lines, notes }, { witnesses: { keys: witnessKeys, quorum: 1 } });
    expect(report).toMatchObject({ valid: true, witnessed: { size, cosigners: [{ name: W2 }] } });
  });

  it('a listed witness cosignature that does not verify fails the transcript, wherever it is', async () => {
    const t = await transcript({ calls: 5 });
    const [first, firstNote] = [...t.notes][0]!;
    const cosigned = cosignCheckpoint({ note: firstNote, name: W1, signer: w1, time: at });
    const line = cosigned.slice(firstNote.length).trim().split(' ');
    const blob = Buffer.from(line[2]!, 'base64');
    blob[20] = blob[20]! ^ 1;
    const tampered = `${firstNote}\u2014 ${W1} ${blob.toString('base64')}\n`;
    const notes = [...t.notes].filter(([n]) => n !== first).map(([, n]) => n);
    const report = await verify(t, { lines: t.lines, notes: [tampered, ...notes] }, { witnesses: { keys: witnessKeys, quorum: 1 } });
    expect(report.failure).toMatchObject({ check: 'checkpoint-witness', code: 'ERR_TRANSCRIPT_WITNESS', cause: 'ERR_NOTE_UNVERIFIED', checkpointSize: first });
  });

  it('since: a transcript cut back to an older cosigned checkpoint passes a quorum alone and fails a freshness bound', async () => {
    const t = await transcript({ calls: 6 });
    const sizes = [...t.notes.keys()];
    const kept = sizes.at(-2)!;
    // The witness cosigned the older checkpoint an hour ago; it has since seen the newer one and
    // will not cosign the older again, so the cut-back transcript only carries stale cosignatures.
    const stale = cosignCheckpoint({ note: t.notes.get(kept)!, name: W1, signer: w1, time: at });
    const short = cut(t, kept);
    const alone = await verify(t, short, { anchors: [stale], witnesses: { keys: witnessKeys, quorum: 1 } });
    expect(alone).toMatchObject({ valid: true, signedSize: kept });
    const since = '2026-01-01T01:30:00Z';
    const bounded = await verify(t, short, { anchors: [stale], witnesses: { keys: witnessKeys, quorum: 1, since } });
    expect(bounded.failure).toMatchObject({ check: 'checkpoint-witness', code: 'ERR_TRANSCRIPT_WITNESS', checkpointSize: kept });
    expect(bounded.failure?.message).toBe('latest checkpoint has 0 of the 1 witness cosignatures required since 2026-01-01T01:30:00Z (1 older)');
    // The whole transcript, its latest checkpoint cosigned after the bound, passes.
    const fresh = cosignCheckpoint({ note: latest(t)[1], name: W1, signer: w1, time: new Date('2026-01-01T02:00:00Z') });
    const whole = await verify(t, cut(t, t.lines.length), { anchors: [fresh], witnesses: { keys: witnessKeys, quorum: 1, since } });
    expect(whole).toMatchObject({ valid: true, witnessed: { cosigners: [{ name: W1, time: '2026-01-01T02:00:00.000Z' }] } });
  });

  it('since: the bound is inclusive, in whole seconds, and a refreshed cosignature of the same checkpoint counts', async () => {
    const t = await transcript({ calls: 5 });
    const all = cut(t, t.lines.length);
    const note = latest(t)[1];
    const old = cosignCheckpoint({ note, name: W1, signer: w1, time: at });
    const policy = (since: string) => ({ keys: witnessKeys, quorum: 1, since });
    expect((await verify(t, all, { anchors: [old], witnesses: policy('2026-01-01T01:00:00Z') })).valid).toBe(true);
    expect((await verify(t, all, { anchors: [old], witnesses: policy('2026-01-01T01:00:00.001Z') })).valid).toBe(false);
    // Re-submitting the unchanged checkpoint later gives a newer cosignature; the newest counts.
    const refreshed = cosignCheckpoint({ note, name: W1, signer: w1, time: new Date('2026-01-02T01:00:00Z') });
    const report = await verify(t, all, { anchors: [old, refreshed], witnesses: policy('2026-01-02T00:00:00Z') });
    expect(report).toMatchObject({ valid: true, witnessed: { cosigners: [{ name: W1, time: '2026-01-02T01:00:00.000Z' }] } });
    // With two witnesses required, one fresh and one stale is short, and says so.
    const both = cosignCheckpoint({ note: refreshed, name: W2, signer: w2, time: at });
    const short = await verify(t, all, { anchors: [both], witnesses: { keys: witnessKeys, since: '2026-01-02T00:00:00Z' } });
    expect(short.failure?.message).toBe('latest checkpoint has 1 of the 2 witness cosignatures required since 2026-01-02T00:00:00Z (1 older)');
  });

  it('property: a quorum with since counts exactly the cosignatures at or after it', async () => {
    const t = await transcript({ calls: 3 });
    const all = cut(t, t.lines.length);
    const note = latest(t)[1];
    const base = at.getTime() / 1000;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 2 }), async (a, b, bound, quorum) => {
        let cosigned = cosignCheckpoint({ note, name: W1, signer: w1, time: new Date((base + a) * 1000) });
        cosigned = cosignCheckpoint({ note: cosigned, name: W2, signer: w2, time: new Date((base + b) * 1000) });
        const since = new Date((base + bound) * 1000).toISOString();
        const report = await verify(t, all, { anchors: [cosigned], witnesses: { keys: witnessKeys, quorum, since } });
        const fresh = Number(a >= bound) + Number(b >= bound);
        expect(report.valid).toBe(fresh >= quorum);
      }),
      { numRuns: 40 },
    );
  });

  it('an empty transcript has nothing witnessed', async () => {
    const t = await transcript({ calls: 1 });
    const report = await verifyTranscript({ entries: [], checkpoints: [], trustRoot: t.trustRoot, witnesses: { keys: witnessKeys, quorum: 1 } });
    expect(report.failure).toMatchObject({ check: 'checkpoint-witness', message: 'no checkpoint for witnesses to cosign' });
  });
});

describe('options', () => {
  it('refuses malformed anchors and witness policies with ERR_INVALID_ARGUMENT', async () => {
    const t = await transcript({ calls: 1 });
    const base = { entries: t.lines, checkpoints: [...t.notes.values()], trustRoot: t.trustRoot };
    const bad: Partial<VerifyTranscriptOptions>[] = [
      { anchors: 'note' as never },
      { anchors: [1] as never },
      { witnesses: null as never },
      { witnesses: { keys: [] } },
      { witnesses: { keys: ['not a key'] } },
      { witnesses: { keys: [witnessKeys[0]!, witnessKeys[0]!] } },
      { witnesses: { keys: witnessKeys, quorum: 0 } },
      { witnesses: { keys: witnessKeys, quorum: 3 } },
      { witnesses: { keys: witnessKeys, quorum: 1.5 } },
      { witnesses: { keys: [{}] as never } },
      { witnesses: { keys: witnessKeys, since: 'yesterday' } },
      { witnesses: { keys: witnessKeys, since: '2026-01-01T00:00:00+01:00' } },
      { witnesses: { keys: witnessKeys, since: 1_700_000_000 as never } },
      { witnesses: { keys: witnessKeys, since: new Date() as never } },
    ];
    for (const extra of bad) {
      await expect(verifyTranscript({ ...base, ...extra })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
  });
});
