import { describe, expect, it } from 'vitest';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
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
