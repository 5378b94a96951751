import { describe, expect, it } from 'vitest';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import { cosignCheckpoint, formatCosignerKey } from './cosignature.ts';
import { exportBundle, verifyBundle } from './bundle.ts';
import { sampleKeys, sampleTrustRootDocument, writeSampleTranscript } from './sample-transcript.ts';

async function sample() {
  const store = new MemoryLedgerStore();
  const written = await writeSampleTranscript({ store, calls: 4 });
  return { store, ...written, document: sampleTrustRootDocument(sampleKeys()) };
}

describe('exportBundle / verifyBundle', () => {
  it('exports a slice that verifies on its own', async () => {
    const { store, trustRoot, document } = await sample();
    const bundle = await exportBundle({ store, from: 3, to: 9, trustRoot: document });
    expect(bundle.entries).toHaveLength(6);
    const copy = JSON.parse(JSON.stringify(bundle));
    expect(verifyBundle({ bundle: copy, trustRoot })).toMatchObject({ valid: true, entries: 6 });
  });

  it('detects a tampered entry, a wrong proof, a dropped entry and a foreign checkpoint', async () => {
    const { store, trustRoot, document } = await sample();
    const bundle = JSON.parse(
      JSON.stringify(await exportBundle({ store, from: 2, to: 6, trustRoot: document })),
    );
    const flipped = {
      ...bundle,
      entries: bundle.entries.map((line: string, i: number) =>
        i === 1 ? line.replace('"session-1"', '"session-2"') : line,
      ),
    };
    expect(verifyBundle({ bundle: flipped, trustRoot }).failure).toMatchObject({
      check: 'inclusion-proof',
      seq: 3,
    });
    const badProof = { ...bundle, proofs: [bundle.proofs[1], ...bundle.proofs.slice(1)] };
    expect(verifyBundle({ bundle: badProof, trustRoot }).failure).toMatchObject({
      check: 'inclusion-proof',
      seq: 2,
    });
    const dropped = {
      ...bundle,
      entries: [bundle.entries[0], ...bundle.entries.slice(2)],
      proofs: [bundle.proofs[0], ...bundle.proofs.slice(2)],
    };
    expect(verifyBundle({ bundle: dropped, trustRoot }).failure).toMatchObject({
      check: 'sequence',
      seq: 3,
    });
    const other = new MemoryLedgerStore();
    await writeSampleTranscript({ store: other, calls: 5, sessionId: 'other' });
    const foreign = { ...bundle, checkpoint: (await other.latestCheckpoint())!.note };
    expect(verifyBundle({ bundle: foreign, trustRoot }).failure?.check).toBe('inclusion-proof');
  });

  it('reports malformed bundles instead of throwing', async () => {
    const { trustRoot } = await sample();
    for (const bad of [
      null,
      1,
      {},
      { type: 'writ.evidence-bundle/v1', from: -1 },
      { type: 'writ.evidence-bundle/v1', from: 0, entries: [], proofs: [], checkpoint: 'x' },
    ]) {
      expect(verifyBundle({ bundle: bad, trustRoot }).failure?.code).toBe('ERR_BUNDLE_MALFORMED');
    }
    expect(() => verifyBundle({ bundle: {}, trustRoot: null as never })).toThrow();
  });

  it('refuses ranges outside the latest checkpoint', async () => {
    const { store, document } = await sample();
    await expect(
      exportBundle({ store, from: 0, to: 1000, trustRoot: document }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(
      exportBundle({ store: new MemoryLedgerStore(), trustRoot: document }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('bundles proven against a witnessed checkpoint', () => {
  const w1 = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(71)));
  const keys = [formatCosignerKey('witness.example/w1', w1.publicKey)];
  const at = new Date('2026-01-02T00:00:00Z');

  async function logged(sessionId = 'session-1') {
    const store = new MemoryLedgerStore();
    const written = await writeSampleTranscript({ store, calls: 4, policy: { everyEntries: 4 }, sessionId });
    const notes: { size: number; note: string }[] = [];
    for await (const checkpoint of store.checkpoints()) notes.push({ size: checkpoint.size, note: checkpoint.note });
    return { store, ...written, notes, document: sampleTrustRootDocument(sampleKeys()) };
  }

  it('exports against a cosigned checkpoint (latest or earlier) and verifies with its witnesses', async () => {
    const { store, trustRoot, document, notes } = await logged();
    for (const { size, note } of [notes.at(-1)!, notes[1]!]) {
      const cosigned = cosignCheckpoint({ note, name: 'witness.example/w1', signer: w1, time: at });
      const bundle = JSON.parse(JSON.stringify(await exportBundle({ store, trustRoot: document, checkpoint: cosigned, from: 1 })));
      expect(bundle.checkpoint).toBe(cosigned);
      expect(bundle.entries).toHaveLength(size - 1);
      expect(verifyBundle({ bundle, trustRoot, witnesses: { keys } })).toMatchObject({
        valid: true,
        signedSize: size,
        witnessed: { size, cosigners: [{ name: 'witness.example/w1', time: '2026-01-02T00:00:00.000Z' }] },
      });
    }
  });

  it('since: only cosignatures at or after the bound count', async () => {
    const { store, trustRoot, document, notes } = await logged();
    const cosigned = cosignCheckpoint({ note: notes.at(-1)!.note, name: 'witness.example/w1', signer: w1, time: at });
    const bundle = await exportBundle({ store, trustRoot: document, checkpoint: cosigned });
    expect(verifyBundle({ bundle, trustRoot, witnesses: { keys, since: '2026-01-02T00:00:00Z' } }).valid).toBe(true);
    expect(verifyBundle({ bundle, trustRoot, witnesses: { keys, since: '2026-01-02T00:00:01Z' } }).failure).toMatchObject({
      check: 'checkpoint-witness',
      code: 'ERR_TRANSCRIPT_WITNESS',
      message: 'checkpoint has 0 of the 1 witness cosignatures required since 2026-01-02T00:00:01Z (1 older)',
    });
    expect(() => verifyBundle({ bundle, trustRoot, witnesses: { keys, since: 'now' } })).toThrow(/witnesses\.since/u);
  });

  it('fails without the cosignatures, and with a cosignature that does not verify', async () => {
    const { store, trustRoot, document, notes } = await logged();
    const plain = await exportBundle({ store, trustRoot: document });
    expect(verifyBundle({ bundle: plain, trustRoot, witnesses: { keys } }).failure).toMatchObject({
      check: 'checkpoint-witness',
      code: 'ERR_TRANSCRIPT_WITNESS',
      message: 'checkpoint has 0 of the 1 witness cosignatures required',
    });
    const cosigned = cosignCheckpoint({ note: notes.at(-1)!.note, name: 'witness.example/w1', signer: w1, time: at });
    const bundle = await exportBundle({ store, trustRoot: document, checkpoint: cosigned });
    const line = cosigned.slice(notes.at(-1)!.note.length).trim().split(' ');
    const blob = Buffer.from(line[2]!, 'base64');
    blob[30] = blob[30]! ^ 4;
    const forged = { ...bundle, checkpoint: `${notes.at(-1)!.note}\u2014 witness.example/w1 ${blob.toString('base64')}\n` };
    expect(verifyBundle({ bundle: forged, trustRoot, witnesses: { keys } }).failure).toMatchObject({ check: 'checkpoint-witness', cause: 'ERR_NOTE_UNVERIFIED' });
    expect(() => verifyBundle({ bundle, trustRoot, witnesses: { keys: [] } })).toThrow(/witnesses\.keys/u);
    expect(() => verifyBundle({ bundle, trustRoot, witnesses: { keys, quorum: 2 } })).toThrow(/quorum/u);
    // The log's own ledger key is not a witness of it.
    expect(() => verifyBundle({ bundle, trustRoot, witnesses: { keys: [formatCosignerKey('witness.example/self', sampleKeys().ledger.publicKey)] } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }) as Error);
  });

  it('refuses a checkpoint of another log, of another history, beyond the stored ones, or not a note', async () => {
    const { store, document, notes } = await logged();
    const other = await logged('session-forked');
    const foreignStore = new MemoryLedgerStore();
    await writeSampleTranscript({ store: foreignStore, calls: 2, origin: 'writ.test/other' });
    const foreign = (await foreignStore.latestCheckpoint())!.note;
    const cases: [unknown, RegExp][] = [
      [foreign, /is for log writ\.test\/other/u],
      ['not a note', /must be a signed checkpoint note/u],
      [42, /must be a signed checkpoint note/u],
    ];
    for (const [checkpoint, message] of cases) {
      await expect(exportBundle({ store, trustRoot: document, checkpoint: checkpoint as string })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(message) });
    }
    await expect(exportBundle({ store, trustRoot: document, checkpoint: other.notes[1]!.note })).rejects.toMatchObject({
      code: 'ERR_TRANSCRIPT_ANCHOR',
      message: expect.stringMatching(/does not match the stored entries at size \d+ \(a forked or rewritten history\)/u),
    });
    const bigger = await logged();
    await writeSampleTranscript({ store: bigger.store, calls: 0, sessionId: 'more', start: new Date('2026-01-01T01:00:00Z') });
    const beyond = (await bigger.store.latestCheckpoint())!.note;
    await expect(exportBundle({ store, trustRoot: document, checkpoint: beyond })).rejects.toMatchObject({ message: expect.stringMatching(/is not within the store's checkpoints/u) });
    expect(notes.length).toBeGreaterThan(1);
  });
});
