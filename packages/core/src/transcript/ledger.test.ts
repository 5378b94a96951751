import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FileLedgerStore } from '../stores/file-ledger-store.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import { digestToHash } from './entry.ts';
import { Ledger } from './ledger.ts';
import { sampleKeys } from './sample-transcript.ts';

const keys = sampleKeys();
const now = () => new Date('2026-01-01T00:00:10.000Z');
const draft = (n: number) => ({
  type: 'test-entry',
  time: '2026-01-01T00:00:00.000Z',
  body: { n },
});

async function sizes(ledger: Ledger): Promise<number[]> {
  const out: number[] = [];
  for await (const checkpoint of ledger.checkpoints()) out.push(checkpoint.size);
  return out;
}

describe('Ledger', () => {
  it('checkpoints every N entries, on demand and on close', async () => {
    const store = new MemoryLedgerStore();
    const ledger = await Ledger.open({
      store,
      origin: 'writ.test/l',
      signer: keys.ledger,
      policy: { everyEntries: 3 },
      now,
    });
    for (let n = 0; n < 7; n++) await ledger.append([draft(n)]);
    expect(await sizes(ledger)).toEqual([3, 6]);
    await ledger.checkpoint();
    await ledger.checkpoint();
    expect(await sizes(ledger)).toEqual([3, 6, 7]);
    await ledger.append([draft(7)]);
    await ledger.close();
    const reopened = await Ledger.open({
      store: new MemoryLedgerStore(),
      origin: 'writ.test/l',
      signer: keys.ledger,
      now,
    });
    expect(reopened.checkpointedSize).toBe(0);
  });

  it('checkpoints T milliseconds after the first uncovered entry', async () => {
    vi.useFakeTimers();
    try {
      const ledger = await Ledger.open({
        store: new MemoryLedgerStore(),
        origin: 'writ.test/l',
        signer: keys.ledger,
        policy: { everyMs: 1000 },
        now,
      });
      await ledger.append([draft(0)]);
      await ledger.append([draft(1)]);
      expect(await sizes(ledger)).toEqual([]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(await sizes(ledger)).toEqual([2]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes session-started with the environment digest and checkpoints at session end', async () => {
    const ledger = await Ledger.open({
      store: new MemoryLedgerStore(),
      origin: 'writ.test/l',
      signer: keys.ledger,
      now,
    });
    const started = await ledger.startSession({
      sessionId: 's1',
      time: '2026-01-01T00:00:00.000Z',
      principal: { id: 'p' },
      agent: { id: 'a' },
      environment: {
        model: { id: 'm' },
        tools: [],
        configDigest: `sha256:${'1'.repeat(64)}`,
        policyDigest: `sha256:${'2'.repeat(64)}`,
      },
    });
    expect(JSON.parse(started.line).body.environmentDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const checkpoint = await ledger.endSession({
      sessionId: 's1',
      time: '2026-01-01T00:00:01.000Z',
    });
    expect(checkpoint.size).toBe(2);
  });

  it('signs checkpoint times no earlier than the entries they cover', async () => {
    const ledger = await Ledger.open({
      store: new MemoryLedgerStore(),
      origin: 'writ.test/l',
      signer: keys.ledger,
      now: () => new Date('2020-01-01T00:00:00Z'),
    });
    await ledger.append([draft(0)]);
    const checkpoint = await ledger.checkpoint();
    expect(checkpoint!.note).toContain('writ-time 2026-01-01T00:00:00.000Z');
  });

  it('signs no earlier than the latest entry time, also when entry times went backwards', async () => {
    const { verifyTranscript } = await import('./verify-transcript.ts');
    const { createTrustRoot } = await import('../trust/trust-root.ts');
    const { sampleTrustRootDocument } = await import('./sample-transcript.ts');
    // A body member named `time` must not be taken for the entry's own (read back on reopen).
    const at = (n: number, time: string) => ({ type: 'test-entry', time, body: { n, time: '2099-01-01T00:00:00.000Z' } });
    const check = async (reopen: boolean) => {
      const store = new MemoryLedgerStore();
      const open = () => Ledger.open({ store, origin: 'writ.test/l', signer: keys.ledger, now: () => new Date('2020-01-01T00:00:00Z') });
      let ledger = await open();
      // A clock stepped back between two entries (NTP), and the signer's clock further behind.
      await ledger.append([at(0, '2026-01-01T00:00:09.000Z')]);
      await ledger.append([at(1, '2026-01-01T00:00:05.000Z')]);
      if (reopen) ledger = await open(); // the times then come from reading the store back
      const checkpoint = (await ledger.checkpoint())!;
      expect(checkpoint.note).toContain('writ-time 2026-01-01T00:00:09.000Z');
      const lines: string[] = [];
      for await (const stored of store.read()) lines.push(stored.line);
      const notes: string[] = [];
      for await (const stored of store.checkpoints()) notes.push(stored.note);
      const report = await verifyTranscript({ entries: lines, checkpoints: notes, trustRoot: createTrustRoot(sampleTrustRootDocument(keys)) });
      expect(report.failure).toBeUndefined();
    };
    await check(false);
    await check(true);
  });

  it('rebuilds the tree on reopen and refuses a store whose checkpoint disagrees with its entries', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'writ-ledger-'));
    try {
      const first = await Ledger.open({
        store: await FileLedgerStore.open({ dir }),
        origin: 'writ.test/l',
        signer: keys.ledger,
        now,
      });
      await first.append([draft(0), draft(1)]);
      await first.close();
      const second = await Ledger.open({
        store: await FileLedgerStore.open({ dir }),
        origin: 'writ.test/l',
        signer: keys.ledger,
        now,
      });
      expect(second.checkpointedSize).toBe(2);
      await second.append([draft(2)]);
      expect((await second.checkpoint())!.size).toBe(3);
      await second.close();
      const other = new MemoryLedgerStore();
      await other.append([draft(9), draft(8)]);
      const foreign = await FileLedgerStore.open({ dir, readOnly: true });
      const record = (await foreign.latestCheckpoint())!;
      await foreign.close();
      await other.append([draft(7)]);
      await other.putCheckpoint(record);
      await expect(
        Ledger.open({ store: other, origin: 'writ.test/l', signer: keys.ledger, now }),
      ).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hands a stored hash that is not a lowercase sha256 digest to digestToHash, which refuses it as before', async () => {
    const store = new MemoryLedgerStore();
    const append = store.append.bind(store);
    // A store that answers with an uppercase digest: the frontier's fast decode must not take it.
    store.append = async (drafts) =>
      (await append(drafts)).map((entry) => ({ ...entry, hash: entry.hash.toUpperCase() as typeof entry.hash }));
    const ledger = await Ledger.open({ store, origin: 'writ.test/l', signer: keys.ledger, now });
    let expected: unknown;
    try {
      digestToHash('SHA256:AB' as never);
    } catch (error) {
      expected = error;
    }
    await expect(ledger.append([draft(0)])).rejects.toMatchObject({ code: (expected as { code: string }).code });
  });

  it('rejects malformed options', async () => {
    const store = new MemoryLedgerStore();
    await expect(
      Ledger.open({ store, origin: 'has space', signer: keys.ledger }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(Ledger.open({ store, origin: 'o', signer: {} as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(
      Ledger.open({ store, origin: 'o', signer: keys.ledger, policy: { everyEntries: 0 } }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(Ledger.open(null as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});

describe('Ledger.appendRedacted', () => {
  it('stores commitments, keeps values in the vault, and stays verifiable after erasure', async () => {
    const { MemoryVault, verifyReveal } = await import('./redaction.ts');
    const { verifyTranscript } = await import('./verify-transcript.ts');
    const { createTrustRoot } = await import('../trust/trust-root.ts');
    const { sampleTrustRootDocument } = await import('./sample-transcript.ts');
    const vault = new MemoryVault();
    const store = new MemoryLedgerStore();
    const ledger = await Ledger.open({
      store,
      origin: 'writ.test/l',
      signer: keys.ledger,
      now,
      vault,
    });
    const [entry] = await ledger.appendRedacted([
      {
        draft: {
          type: 'test-entry',
          time: '2026-01-01T00:00:00.000Z',
          body: { to: 'alice@example.com', amount: 5 },
        },
        sensitive: [['to']],
      },
    ]);
    await ledger.checkpoint();
    const body = JSON.parse(entry!.line).body;
    expect(body.amount).toBe(5);
    expect(entry!.line).not.toContain('alice@example.com');
    const item = (await vault.get(body.to.$commit))!;
    expect(() =>
      verifyReveal({ commitment: body.to.$commit, salt: item.salt, value: 'alice@example.com' }),
    ).not.toThrow();
    await vault.erase(body.to.$commit);
    const lines: string[] = [];
    for await (const stored of store.read()) lines.push(stored.line);
    const notes: string[] = [];
    for await (const checkpoint of store.checkpoints()) notes.push(checkpoint.note);
    const report = await verifyTranscript({
      entries: lines,
      checkpoints: notes,
      trustRoot: createTrustRoot(sampleTrustRootDocument(keys)),
    });
    expect(report.valid).toBe(true);
    await expect(vault.get(body.to.$commit)).rejects.toMatchObject({ code: 'ERR_VAULT_ERASED' });
  });

  it('refuses without a vault', async () => {
    const ledger = await Ledger.open({
      store: new MemoryLedgerStore(),
      origin: 'writ.test/l',
      signer: keys.ledger,
      now,
    });
    await expect(ledger.appendRedacted([])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
