/**
 * The batched loss window holds even for a caller that never yields to the event loop:
 * a store whose append completes later (a thread-pool file write) used to let batches pile
 * up behind it without bound. The gateway now waits, before an effect, until at most
 * 2 × `maxBatch` recorded entries (a batch being appended, one filling) are not yet in the
 * ledger.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLedgerStore } from '../stores/file-ledger-store.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import type { EntryDraft, StoredEntry } from '../stores/types.ts';
import { createFirewall } from './create-firewall.ts';
import { allow, entries, firewallOptions, policyDouble } from './test-support.ts';

/** A memory ledger whose appends complete only when the test opens the gate. */
class GatedLedger extends MemoryLedgerStore {
  gated = false;
  readonly #waiting: (() => void)[] = [];
  override append(drafts: readonly EntryDraft[]): Promise<StoredEntry[]> {
    if (!this.gated) return super.append(drafts);
    return new Promise<void>((resolve) => this.#waiting.push(resolve)).then(() => super.append(drafts));
  }
  open(): void {
    this.gated = false;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
  get waiting(): number {
    return this.#waiting.length;
  }
}

const session = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot' } };
// A2: a token-bearing class; with `default: 'batched'` its release and receipt are batched.
const note = (callId: string) => ({ tool: 'crm.update', args: { id: 'c-1', note: callId }, callId });
const turns = () => new Promise((resolve) => setImmediate(resolve));

describe('batched loss window', () => {
  it('no effect starts while more than 2 x maxBatch recorded entries wait for the ledger; it runs once they land', async () => {
    const ledger = new GatedLedger();
    const base = firewallOptions({ policy: policyDouble(() => allow) });
    const firewall = await createFirewall({ ...base, stores: { ...base.stores, ledger }, durability: { default: 'batched', maxBatch: 2, flushIntervalMs: 60_000 } });
    const s = await firewall.openSession(session);
    ledger.gated = true;
    const ran: string[] = [];
    const tool = (callId: string) => () => {
      ran.push(callId);
      return 'ok';
    };
    // Each call records its release (decision + token) and its receipt, batched; with the
    // ledger's appends held, the backlog passes maxBatch within a few calls.
    const results: Promise<unknown>[] = [];
    let held: string | undefined;
    for (let i = 1; i <= 6 && held === undefined; i++) {
      const id = `c${i}`;
      results.push(s.execute(note(id), tool(id)));
      await turns();
      if (!ran.includes(id)) held = id;
    }
    // maxBatch 2, so the window is 4: c1's release (2 entries) reaches maxBatch and goes to the
    // held ledger, c1 runs; its receipt makes 3 pending; c2's release makes 5 > 4: c2 waits.
    expect(held).toBe('c2');
    expect(ledger.waiting).toBeGreaterThan(0);
    // Still held after more event-loop turns: it waits for the ledger, not for time.
    await turns();
    await turns();
    expect(ran).not.toContain(held);
    ledger.open();
    await Promise.all(results);
    expect(ran).toContain(held);
    await firewall.close();
    const types = (await entries(ledger)).map((e) => e.type);
    expect(types.filter((t) => t === 'effect-executed')).toHaveLength(ran.length);
  });

  it('a caller that never yields: when each effect starts, at most 2 x maxBatch entries are not yet durable in a thread-pool file ledger', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'writ-loss-window-'));
    try {
      const store = await FileLedgerStore.open({ dir });
      const base = firewallOptions({ policy: policyDouble(() => allow) });
      const firewall = await createFirewall({ ...base, stores: { ...base.stores, ledger: store }, durability: { default: 'batched', maxBatch: 4 } });
      const s = await firewall.openSession(session);
      const before = (await store.head()).size;
      let worst = 0;
      for (let i = 0; i < 60; i++) {
        let pendingAtEffect = -1;
        const result = await s.execute(note(`c${i}`), async () => {
          // Every call records its decision, its token and (after this) its receipt.
          pendingAtEffect = i * 3 + 2 - ((await store.head()).size - before);
          return 'ok';
        });
        expect(result.status).toBe('executed');
        worst = Math.max(worst, pendingAtEffect);
      }
      // When each effect started, at most 2 × maxBatch (8) recorded entries were not yet
      // durable (without the wait: all of them, 179 by the last call).
      expect(worst).toBeLessThanOrEqual(8);
      expect(worst).toBeGreaterThan(0);
      await firewall.close();
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
