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

  it('treats __proto__ as an ordinary call id', () => {
    const journal = new CallJournal<number, never>();
    expect(journal.claim({ callId: '__proto__', tool: 't', argsDigest: A, start: () => Promise.resolve(0) }).kind).toBe('new');
    expect(journal.claim({ callId: '__proto__', tool: 't', argsDigest: A, start: () => Promise.resolve(0) }).kind).toBe('replay');
  });
});
