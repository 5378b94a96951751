import { describe, expect, it } from 'vitest';
import { CallJournal } from './call-journal.ts';

const A = 'sha256:aa' as const;
const B = 'sha256:bb' as const;

describe('CallJournal', () => {
  it('runs start once and replays the same promise for equal arguments', async () => {
    const journal = new CallJournal<number, never>();
    let runs = 0;
    const start = () => Promise.resolve(++runs);
    const first = journal.claim({ callId: 'c', tool: 't', argsDigest: A, start });
    const second = journal.claim({ callId: 'c', tool: 't', argsDigest: A, start });
    expect(first.kind).toBe('new');
    expect(second.kind).toBe('replay');
    expect(second.kind === 'replay' && (await second.record.guard)).toBe(1);
    expect(runs).toBe(1);
  });

  it('keeps a dropped call id as a tombstone: claiming it again is evicted, never new', async () => {
    const journal = new CallJournal<number, never>(2);
    let runs = 0;
    const start = () => Promise.resolve(++runs);
    for (const id of ['a', 'b', 'c']) journal.claim({ callId: id, tool: 't', argsDigest: A, start });
    expect(journal.get('a')).toBeUndefined();
    expect(journal.evicted('a')).toBe(true);
    expect(journal.claim({ callId: 'a', tool: 't', argsDigest: A, start }).kind).toBe('evicted');
    expect(runs).toBe(3);
    // A forgotten call (nothing recorded) is judged again.
    journal.forget('c');
    expect(journal.evicted('c')).toBe(false);
    expect(journal.claim({ callId: 'c', tool: 't', argsDigest: A, start }).kind).toBe('new');
    expect(await Promise.resolve(runs)).toBe(4);
  });

  it('tombstones a call id it holds no record of (used before a restart): claiming it is evicted and starts nothing', () => {
    const journal = new CallJournal<number, never>();
    let runs = 0;
    const start = () => Promise.resolve(++runs);
    journal.tombstone('old');
    expect(journal.evicted('old')).toBe(true);
    expect(journal.claim({ callId: 'old', tool: 't', argsDigest: A, start }).kind).toBe('evicted');
    // A call id with a record keeps it: tombstoning it changes nothing.
    journal.claim({ callId: 'c', tool: 't', argsDigest: A, start });
    journal.tombstone('c');
    expect(journal.evicted('c')).toBe(false);
    expect(journal.claim({ callId: 'c', tool: 't', argsDigest: A, start }).kind).toBe('replay');
    expect(runs).toBe(1);
  });

  it('reports a conflict for the same call id with other arguments', () => {
    const journal = new CallJournal<number, never>();
    journal.claim({ callId: 'c', tool: 't', argsDigest: A, start: () => Promise.resolve(1) });
    expect(journal.claim({ callId: 'c', tool: 't', argsDigest: B, start: () => Promise.resolve(2) }).kind).toBe('conflict');
    expect(journal.claim({ callId: 'c', tool: 'other', argsDigest: A, start: () => Promise.resolve(3) }).kind).toBe('conflict');
  });

  it('forgets the oldest call past its limit and on request', () => {
    const journal = new CallJournal<number, never>(2);
    for (const id of ['a', 'b', 'c']) journal.claim({ callId: id, tool: 't', argsDigest: A, start: () => Promise.resolve(0) });
    expect(journal.get('a')).toBeUndefined();
    journal.forget('b');
    expect(journal.get('b')).toBeUndefined();
    expect(journal.get('c')).toBeDefined();
  });

  it('folds old tombstones into fingerprints: every evicted id stays evicted, fresh ids stay new, and the strings held stay bounded', () => {
    const journal = new CallJournal<number, never>(4);
    const start = (): Promise<number> => Promise.resolve(0);
    const total = 60_000;
    let maxRecent = 0;
    for (let i = 0; i < total; i++) {
      journal.claim({ callId: `call-${i}`, tool: 't', argsDigest: A, start });
      maxRecent = Math.max(maxRecent, journal.tombstones.recent);
    }
    const { recent, folded } = journal.tombstones;
    expect(recent + folded).toBe(total - 4);
    expect(folded).toBeGreaterThan(0);
    // Strings held: at most the larger of 4096 and an eighth of the folded ones, plus one.
    expect(maxRecent).toBeLessThanOrEqual(Math.max(4096, Math.ceil(total / 8)) + 1);
    for (let i = 0; i < total - 4; i += 97) expect(journal.claim({ callId: `call-${i}`, tool: 't', argsDigest: A, start }).kind).toBe('evicted');
    expect(journal.claim({ callId: `call-${total - 1}`, tool: 't', argsDigest: A, start }).kind).toBe('replay');
    for (let i = 0; i < 200; i++) expect(journal.claim({ callId: `fresh-${i}`, tool: 't', argsDigest: A, start }).kind).toBe('new');
    // tombstone() folds like an eviction.
    journal.tombstone('restored-old');
    expect(journal.evicted('restored-old')).toBe(true);
  });

  it('treats __proto__ as an ordinary call id', () => {
    const journal = new CallJournal<number, never>();
    expect(journal.claim({ callId: '__proto__', tool: 't', argsDigest: A, start: () => Promise.resolve(0) }).kind).toBe('new');
    expect(journal.claim({ callId: '__proto__', tool: 't', argsDigest: A, start: () => Promise.resolve(0) }).kind).toBe('replay');
  });
});
