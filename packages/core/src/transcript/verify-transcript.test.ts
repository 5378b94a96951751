import { describe, expect, it } from 'vitest';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import { Ledger } from './ledger.ts';
import {
  sampleKeys,
  sampleTrustRootDocument,
  trustEntry,
  writeSampleTranscript,
} from './sample-transcript.ts';
import { verifyTranscript } from './verify-transcript.ts';

async function sample(options: { calls?: number; policy?: { everyEntries?: number } } = {}) {
  const store = new MemoryLedgerStore();
  const { trustRoot, entries, keys } = await writeSampleTranscript({ store, ...options });
  const lines: string[] = [];
  for await (const entry of store.read()) lines.push(entry.line);
  const notes: string[] = [];
  for await (const checkpoint of store.checkpoints()) notes.push(checkpoint.note);
  return { store, trustRoot, entries, keys, lines, notes };
}

describe('verifyTranscript', () => {
  it('accepts a complete sample transcript and reports its size and checkpoints', async () => {
    const { trustRoot, lines, notes, entries } = await sample({ policy: { everyEntries: 4 } });
    const report = await verifyTranscript({ entries: lines, checkpoints: notes, trustRoot });
    expect(report.failure).toBeUndefined();
    expect(report).toMatchObject({
      valid: true,
      entries,
      signedSize: entries,
      origin: 'writ.test/sample',
    });
    expect(report.checkpoints).toBe(notes.length);
    expect(notes.length).toBeGreaterThan(2);
  });

  it('names the first bad entry and the check', async () => {
    const { trustRoot, lines, notes } = await sample();
    const swapped = [...lines];
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    const report = await verifyTranscript({ entries: swapped, checkpoints: notes, trustRoot });
    expect(report.valid).toBe(false);
    expect(report.failure).toMatchObject({
      check: 'sequence',
      code: 'ERR_TRANSCRIPT_SEQUENCE',
      seq: 2,
    });
  });

  it('refuses an unsigned tail unless allowed', async () => {
    const { store, trustRoot, notes } = await sample({ calls: 1 });
    await store.append([{ type: 'note', time: '2026-02-01T00:00:00.000Z', body: {} }]);
    const lines: string[] = [];
    for await (const entry of store.read()) lines.push(entry.line);
    expect(
      (await verifyTranscript({ entries: lines, checkpoints: notes, trustRoot })).failure,
    ).toMatchObject({ check: 'unsigned-tail', seq: lines.length - 1 });
    expect(
      (
        await verifyTranscript({
          entries: lines,
          checkpoints: notes,
          trustRoot,
          allowUnsignedTail: true,
        })
      ).valid,
    ).toBe(true);
  });

  it('refuses a checkpoint signed by a ledger key that was compromised at its signing time', async () => {
    const keys = sampleKeys(3);
    const store = new MemoryLedgerStore();
    await writeSampleTranscript({ store, keys, calls: 1 });
    const lines: string[] = [];
    for await (const entry of store.read()) lines.push(entry.line);
    const notes: string[] = [];
    for await (const checkpoint of store.checkpoints()) notes.push(checkpoint.note);
    const document = sampleTrustRootDocument(keys);
    const compromised = {
      ...document,
      keys: document.keys.map((key) =>
        key.keyId === keys.ledger.keyId
          ? trustEntry(keys.ledger, {
              roles: ['ledger'],
              status: 'compromised',
              since: '2025-06-01T00:00:00Z',
            })
          : key,
      ),
    };
    const report = await verifyTranscript({
      entries: lines,
      checkpoints: notes,
      trustRoot: createTrustRoot(compromised),
    });
    expect(report.failure).toMatchObject({
      check: 'checkpoint-key',
      code: 'ERR_TRANSCRIPT_CHECKPOINT_KEY',
      cause: 'ERR_KEY_COMPROMISED',
    });
  });

  it('flags an execution whose token was never issued and a token used twice', async () => {
    const { trustRoot, lines, notes } = await sample({ calls: 2 });
    const tokenLine = lines.findIndex((line) => line.includes('"type":"token-issued"'));
    const executed = lines.find((line) => line.includes('"type":"effect-executed"'))!;
    // Rebuild the chain so only linkage can catch the replayed execution.
    const store = new MemoryLedgerStore();
    const keys = sampleKeys();
    const ledger = await Ledger.open({
      store,
      origin: 'writ.test/sample',
      signer: keys.ledger,
      now: () => new Date('2026-03-01T00:00:00Z'),
    });
    const drafts = [...lines, executed].map((line) => {
      const { type, time, body } = JSON.parse(line);
      return { type, time, body };
    });
    await ledger.append(drafts);
    await ledger.checkpoint();
    const replayed: string[] = [];
    for await (const entry of store.read()) replayed.push(entry.line);
    const replayNotes: string[] = [];
    for await (const checkpoint of store.checkpoints()) replayNotes.push(checkpoint.note);
    expect(
      (await verifyTranscript({ entries: replayed, checkpoints: replayNotes, trustRoot })).failure,
    ).toMatchObject({ check: 'linkage', seq: replayed.length - 1, entryType: 'effect-executed' });
    expect(tokenLine).toBeGreaterThan(0);
    expect(notes.length).toBeGreaterThan(0);
  });

  it('rejects bad options with ERR_INVALID_ARGUMENT', async () => {
    await expect(
      verifyTranscript({ entries: [], checkpoints: [], trustRoot: {} as never }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(verifyTranscript(null as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    const { trustRoot } = await sample({ calls: 1 });
    await expect(
      verifyTranscript({ entries: [], checkpoints: 'x' as never, trustRoot }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('checks denials and approvals inside entries with the core verifiers', async () => {
    const { trustRoot, lines, notes } = await sample({ calls: 3 });
    const report = await verifyTranscript({ entries: lines, checkpoints: notes, trustRoot });
    expect(report.valid).toBe(true);
    expect(lines.some((line) => line.includes('"type":"action-denied"'))).toBe(true);
    expect(lines.some((line) => line.includes('"type":"approval-recorded"'))).toBe(true);
  });

  it('refuses a denial entry whose id does not match the signed denial', async () => {
    const { trustRoot, lines } = await sample({ calls: 3 });
    const store = new MemoryLedgerStore();
    const ledger = await Ledger.open({
      store,
      origin: 'writ.test/sample',
      signer: sampleKeys().ledger,
      now: () => new Date('2026-03-01T00:00:00Z'),
    });
    await ledger.append(
      lines.map((line) => {
        const { type, time, body } = JSON.parse(line);
        return {
          type,
          time,
          body: type === 'action-denied' ? { ...body, denialId: 'denial-other' } : body,
        };
      }),
    );
    await ledger.checkpoint();
    const relines: string[] = [];
    for await (const entry of store.read()) relines.push(entry.line);
    const renotes: string[] = [];
    for await (const checkpoint of store.checkpoints()) renotes.push(checkpoint.note);
    const report = await verifyTranscript({ entries: relines, checkpoints: renotes, trustRoot });
    expect(report.failure).toMatchObject({ check: 'linkage', entryType: 'action-denied' });
  });
});
