import { describe, expect, it, vi } from 'vitest';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import type { EntryDraft, LedgerStore } from '../stores/types.ts';
import { parseFirewallOptions } from './firewall-options.ts';
import { Recorder } from './recorder.ts';
import { allow, firewallOptions, policyDouble } from './test-support.ts';

const draft = (n: number): EntryDraft => ({ type: 'decision', time: '2026-01-01T00:00:00.000Z', body: { n } });

describe('Recorder', () => {
  it('makes a sync write durable (appended) before it resolves', async () => {
    const ledger = new MemoryLedgerStore();
    const recorder = new Recorder({ ledger });
    const entries = await recorder.write([draft(1), draft(2)], 'sync');
    expect(entries.map((e) => e.seq)).toEqual([0, 1]);
    expect((await ledger.head()).size).toBe(2);
  });

  it('groups batched writes into one append within the flush interval and keeps order', async () => {
    vi.useFakeTimers();
    try {
      const ledger = new MemoryLedgerStore();
      const append = vi.spyOn(ledger, 'append');
      const recorder = new Recorder({ ledger, flushIntervalMs: 5 });
      const a = recorder.write([draft(1)], 'batched');
      const b = recorder.write([draft(2)], 'batched');
      expect(append).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(5);
      expect(append).toHaveBeenCalledTimes(1);
      expect((await a)[0]!.seq).toBe(0);
      expect((await b)[0]!.seq).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('flushes earlier batched entries with a later sync write, in order', async () => {
    const ledger = new MemoryLedgerStore();
    const append = vi.spyOn(ledger, 'append');
    const recorder = new Recorder({ ledger, flushIntervalMs: 10_000 });
    const a = recorder.write([draft(1)], 'batched');
    const b = await recorder.write([draft(2)], 'sync');
    expect(append).toHaveBeenCalledTimes(1);
    expect((await a)[0]!.seq).toBe(0);
    expect(b[0]!.seq).toBe(1);
  });

  it('flushes when maxBatch entries are queued', async () => {
    const ledger = new MemoryLedgerStore();
    const recorder = new Recorder({ ledger, flushIntervalMs: 10_000, maxBatch: 2 });
    const a = recorder.write([draft(1), draft(2)], 'batched');
    expect((await a).length).toBe(2);
  });

  it('holds at most 16 batched entries by default (the stated loss window): the 16th flushes them', async () => {
    const ledger = new MemoryLedgerStore();
    const append = vi.spyOn(ledger, 'append');
    const recorder = new Recorder({ ledger, flushIntervalMs: 10_000 });
    const writes = Array.from({ length: 15 }, (_, n) => recorder.write([draft(n)], 'batched'));
    await Promise.resolve();
    await Promise.resolve();
    expect(append).not.toHaveBeenCalled();
    writes.push(recorder.write([draft(15)], 'batched'));
    expect((await Promise.all(writes)).flat().map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, n) => n));
    expect(append).toHaveBeenCalledTimes(1);
    expect(append.mock.calls[0]![0]).toHaveLength(16);
  });

  it('createFirewall states the same default loss window: 16 entries, 5 ms', () => {
    const { durability } = parseFirewallOptions(firewallOptions({ policy: policyDouble(() => allow) }));
    expect({ maxBatch: durability.maxBatch, flushIntervalMs: durability.flushIntervalMs }).toEqual({ maxBatch: 16, flushIntervalMs: 5 });
  });

  it('backlog() waits while more than 2 x maxBatch entries are not yet appended, and ends on a failed append too', async () => {
    const answers: ((ok: boolean) => void)[] = [];
    const inner = new MemoryLedgerStore();
    const held: LedgerStore = Object.assign(new MemoryLedgerStore(), {
      append: (drafts: readonly EntryDraft[]) =>
        new Promise<boolean>((resolve) => answers.push(resolve)).then((ok) => (ok ? inner.append(drafts) : Promise.reject(new Error('disk full')))),
    });
    const recorder = new Recorder({ ledger: held, flushIntervalMs: 10_000, maxBatch: 1 });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    expect(recorder.backlog()).toBeUndefined();
    const first = recorder.write([draft(1)], 'batched');
    const second = recorder.write([draft(2)], 'batched');
    // Two entries on their way (one being appended, one behind it): within the window.
    expect(recorder.backlog()).toBeUndefined();
    const third = recorder.write([draft(3)], 'batched');
    const waiting = recorder.backlog();
    expect(waiting).toBeInstanceOf(Promise);
    let done = false;
    void waiting!.then(() => (done = true));
    await turn();
    expect(done).toBe(false);
    answers[0]!(true);
    await first;
    await turn();
    expect(done).toBe(true);
    expect(recorder.backlog()).toBeUndefined();
    recorder.write([draft(4)], 'batched').catch(() => undefined);
    const again = recorder.backlog();
    expect(again).toBeInstanceOf(Promise);
    await turn();
    answers[1]!(false);
    await expect(second).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    await expect(third).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    await again;
    expect(recorder.backlog()).toBeUndefined();
  });

  it('is poisoned by a failed append: later writes fail closed with the same error', async () => {
    const failing: LedgerStore = Object.assign(new MemoryLedgerStore(), {
      append: () => Promise.reject(new Error('disk full')),
    });
    const recorder = new Recorder({ ledger: failing });
    await expect(recorder.write([draft(1)], 'sync')).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    await expect(recorder.write([draft(2)], 'batched')).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    await expect(recorder.flush()).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    expect(recorder.failure).toBeDefined();
  });

  it('rejects a malformed draft without losing the other writers in the batch to silence', async () => {
    const recorder = new Recorder({ ledger: new MemoryLedgerStore() });
    await expect(recorder.write([{ type: 'Bad Type', time: 'x', body: {} }], 'sync')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
