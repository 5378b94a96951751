import { describe, expect, it } from 'vitest';
import { PendingIndex } from './pending-index.ts';
import type { PendingDetail } from './pending-store.ts';

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
