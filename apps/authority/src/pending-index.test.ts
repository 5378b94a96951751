import { describe, expect, it } from 'vitest';
import { PendingIndex } from './pending-index.ts';
import { MemoryPendingStore } from './pending-store.ts';
import type { PendingDetail, PendingRetention } from './pending-store.ts';

const detail = (n: number, options: { session?: string; call?: string; agent?: string; expiresAt?: string } = {}): PendingDetail => ({
  pending: { id: `sha256:${n.toString(16).padStart(64, '0')}`, summary: `call ${n}`, intent: {}, intentDigest: `sha256:${'1'.repeat(64)}`, policyDigest: `sha256:${'a'.repeat(64)}`, policyReason: 'needs approval', rule: { rule: 'r' }, requestedAt: `2026-03-01T10:00:${String(n).padStart(2, '0')}.000Z`, expiresAt: options.expiresAt ?? '2026-03-01T11:00:00.000Z' },
  sessionId: options.session ?? 's1',
  callId: options.call ?? `c${n}`,
  agentId: options.agent ?? 'support-agent',
  tool: 'refund',
  args: {},
  reasons: [],
  basis: null,
}) as unknown as PendingDetail;

const NOW = Date.parse('2026-03-01T10:30:00Z');

async function collect(index: PendingIndex, statuses: Map<string, string>, reads: string[], filter?: (d: PendingDetail) => boolean): Promise<number[]> {
  const out: number[] = [];
  for await (const d of index.undecided({ now: NOW, statusOf: (id) => (reads.push(id), Promise.resolve(statuses.get(id))), ...(filter && { filter }) })) out.push(Number.parseInt(d.pending.id.slice(7), 16));
  return out;
}

describe('PendingIndex', () => {
  it('finds details by id, by session and call, and the agent that first named a session', () => {
    const index = new PendingIndex([detail(1, { session: 's1', call: 'c', agent: 'a' }), detail(2, { session: 's1', call: 'c', agent: 'b' }), detail(3, { session: 's2', agent: 'b' })]);
    expect(index.size).toBe(3);
    expect(index.get(detail(2).pending.id)?.agentId).toBe('b');
    expect(index.forCall('s1', 'c').map((d) => d.agentId)).toEqual(['a', 'b']);
    expect(index.forCall('s1', 'nope')).toEqual([]);
    expect(index.agentOfSession('s1')).toBe('a');
    expect(index.agentOfSession('s2')).toBe('b');
    expect(index.agentOfSession('s3')).toBeUndefined();
    // A known id is left as it is.
    index.add(detail(1, { session: 's9', agent: 'z' }));
    expect(index.size).toBe(3);
    expect(index.agentOfSession('s9')).toBeUndefined();
  });

  it('lists undecided requests oldest first; a decided or expired one is read once and never again', async () => {
    const index = new PendingIndex([1, 2, 3, 4, 5].map((n) => detail(n, n === 4 ? { expiresAt: '2026-03-01T10:00:00.000Z' } : {})));
    const statuses = new Map<string, string>([[detail(2).pending.id, 'approved'], [detail(3).pending.id, 'pending']]);
    const reads: string[] = [];
    expect(await collect(index, statuses, reads)).toEqual([1, 3, 5]);
    // 4 expired: no read; every other one read once.
    expect(reads).toHaveLength(4);
    reads.length = 0;
    expect(await collect(index, statuses, reads)).toEqual([1, 3, 5]);
    expect(reads.map((id) => Number.parseInt(id.slice(7), 16))).toEqual([1, 3, 5]);
    statuses.set(detail(1).pending.id, 'rejected');
    expect(await collect(index, statuses, [])).toEqual([3, 5]);
    // Even if a store answered "pending" again, a decided request does not come back.
    statuses.delete(detail(1).pending.id);
    expect(await collect(index, statuses, [])).toEqual([3, 5]);
  });

  it('applies the filter before reading any status', async () => {
    const index = new PendingIndex([detail(1, { agent: 'a' }), detail(2, { agent: 'b' }), detail(3, { agent: 'a' })]);
    const reads: string[] = [];
    expect(await collect(index, new Map(), reads, (d) => d.agentId === 'a')).toEqual([1, 3]);
    expect(reads).toHaveLength(2);
  });
});

const numbers = (details: Iterable<PendingDetail>): number[] => [...details].map((d) => Number.parseInt(d.pending.id.slice(7), 16));
const held = (index: PendingIndex, upTo: number): number[] => Array.from({ length: upTo }, (_, i) => i + 1).filter((n) => index.has(detail(n).pending.id));

async function storeOf(details: PendingDetail[]): Promise<MemoryPendingStore> {
  const store = new MemoryPendingStore();
  for (const d of details) await store.put(d);
  return store;
}

describe('PendingIndex: bounded memory', () => {
  it('holds every undecided request and at most maxDecided decided or expired ones, the latest; the others are found in the store', async () => {
    const details = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => detail(n, n === 3 ? { expiresAt: '2026-03-01T10:00:00.000Z' } : {}));
    const store = await storeOf(details);
    const index = new PendingIndex(details, { maxDecided: 2, store });
    // 1 and 8 stay undecided; 3 expired; the rest decided.
    const statuses = new Map([2, 4, 5, 6, 7].map((n) => [detail(n).pending.id, n % 2 === 0 ? 'approved' : 'rejected']));
    expect(await collect(index, statuses, [])).toEqual([1, 8]);
    expect(held(index, 8)).toEqual([1, 6, 7, 8]);
    expect(index.size).toBe(4);
    // Gone from every in-memory lookup, still in the store.
    expect(index.get(detail(2).pending.id)).toBeUndefined();
    expect(index.forCall('s1', 'c2')).toEqual([]);
    expect(numbers(index.forCall('s1', 'c7'))).toEqual([7]);
    expect(await index.find(detail(2).pending.id)).toEqual(detail(2));
    expect(await index.find(detail(7).pending.id)).toBe(index.get(detail(7).pending.id));
    expect(await index.find(`sha256:${'f'.repeat(64)}`)).toBeUndefined();
    expect(await index.find('not an id')).toBeUndefined();
    // Later decisions push the earlier ones out; an undecided request never leaves, however old.
    for (const n of [9, 10]) index.add(detail(n));
    for (const n of [9, 10]) statuses.set(detail(n).pending.id, 'approved');
    expect(await collect(index, statuses, [])).toEqual([1, 8]);
    expect(held(index, 10)).toEqual([1, 8, 9, 10]);
  });

  it('lets a session’s agent go with the last detail naming the session', async () => {
    const index = new PendingIndex([detail(1, { session: 'a', agent: 'x' }), detail(2, { session: 'b', agent: 'y' }), detail(3, { session: 'a', agent: 'x' }), detail(4, { session: 'c' })], { maxDecided: 1 });
    const statuses = new Map([1, 2, 3].map((n) => [detail(n).pending.id, 'approved']));
    expect(await collect(index, statuses, [])).toEqual([4]);
    expect(held(index, 4)).toEqual([3, 4]);
    expect(index.agentOfSession('a')).toBe('x');
    expect(index.agentOfSession('b')).toBeUndefined();
    // Without a store, what left memory is not found.
    expect(await index.find(detail(1).pending.id)).toBeUndefined();
  });

  it('a listing that meets a request another listing let go of skips it', async () => {
    const index = new PendingIndex([1, 2, 3].map((n) => detail(n)), { maxDecided: 1 });
    const statuses = new Map([1, 2, 3].map((n) => [detail(n).pending.id, 'approved']));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = (async () => {
      const out: number[] = [];
      for await (const d of index.undecided({ now: NOW, statusOf: async (id) => (await gate, statuses.get(id)) })) out.push(numbers([d])[0]!);
      return out;
    })();
    expect(await collect(index, statuses, [])).toEqual([]);
    expect(held(index, 3)).toEqual([3]);
    release();
    expect(await slow).toEqual([]);
    expect(held(index, 3)).toEqual([3]);
  });

  it('open: loads only what the store retains for the bound and drops decided ones before it answers, as a running index would hold them', async () => {
    const details = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => detail(n, n === 3 || n === 4 ? { expiresAt: '2026-03-01T10:00:00.000Z' } : {}));
    const statuses = new Map([2, 5, 6, 7].map((n) => [detail(n).pending.id, 'approved']));
    const running = new PendingIndex(details, { maxDecided: 1 });
    await collect(running, statuses, []);
    expect(held(running, 8)).toEqual([1, 7, 8]);

    const store = await storeOf(details);
    const asked: (PendingRetention | undefined)[] = [];
    const list = store.list.bind(store);
    store.list = (retention) => (asked.push(retention), list(retention));
    const reads: string[] = [];
    const opened = await PendingIndex.open({ store, maxDecided: 1, now: NOW, statusOf: (id) => (reads.push(id), Promise.resolve(statuses.get(id))) });
    expect(asked).toEqual([{ now: NOW, latestExpired: 1 }]);
    // 3 expired and is not the latest expired request: never loaded, never read.
    expect(reads.map((id) => Number.parseInt(id.slice(7), 16))).toEqual([1, 2, 5, 6, 7, 8]);
    expect(held(opened, 8)).toEqual(held(running, 8));
    expect(await collect(opened, statuses, [])).toEqual([1, 8]);
    expect(await opened.find(detail(3).pending.id)).toEqual(detail(3, { expiresAt: '2026-03-01T10:00:00.000Z' }));
  });
});
