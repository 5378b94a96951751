import { describe, expect, it } from 'vitest';
import { SessionHistory, scopeSize } from './session-history.ts';
import type { HistoryEvent } from './session-history.ts';

const event = (over: Partial<HistoryEvent>): HistoryEvent => ({
  at: 0,
  tool: 'deploy',
  actionClass: 'A4',
  intentDigest: 'sha256:a',
  decision: 'allow',
  effects: ['deployment'],
  args: {},
  ...over,
});

describe('SessionHistory', () => {
  it('counts earlier denials of the same intent', () => {
    const history = new SessionHistory();
    history.record(event({ decision: 'deny' }));
    history.record(event({ decision: 'require-approval', at: 1 }));
    history.record(event({ decision: 'deny', intentDigest: 'sha256:b', at: 2 }));
    expect(history.view({ ...event({ at: 3 }) }).signals.repeatedDenials).toBe(2);
  });

  it('flags an alternate tool with the same effect after a denial, not an unrelated one', () => {
    const history = new SessionHistory();
    history.record(event({ decision: 'deny' }));
    expect(history.view(event({ tool: 'ssh_exec', effects: ['deployment', 'security'], at: 5 })).signals.alternateToolAfterDenial).toBe(true);
    expect(history.view(event({ tool: 'search', effects: ['read'], at: 5 })).signals.alternateToolAfterDenial).toBe(false);
  });

  it('does not flag an alternate tool when nothing was denied', () => {
    const history = new SessionHistory();
    history.record(event({}));
    expect(history.view(event({ tool: 'ssh_exec', at: 5 })).signals.alternateToolAfterDenial).toBe(false);
  });

  it('flags narrowing after a denial followed by expansion', () => {
    const history = new SessionHistory();
    history.record(event({ tool: 'refund', decision: 'deny', args: { amount: 900 } }));
    history.record(event({ tool: 'refund', args: { amount: 50 }, at: 1 }));
    expect(history.view(event({ tool: 'refund', args: { amount: 40 }, at: 2 })).signals.scopeExpansionAfterNarrowing).toBe(false);
    expect(history.view(event({ tool: 'refund', args: { amount: 400 }, at: 2 })).signals.scopeExpansionAfterNarrowing).toBe(true);
  });

  it('forgets events outside the window', () => {
    const history = new SessionHistory(1000);
    history.record(event({ decision: 'deny' }));
    expect(history.view(event({ at: 5000 })).signals.repeatedDenials).toBe(0);
    expect(history.view(event({ at: 5000 })).attempts).toBe(0);
  });

  it('keeps at most 256 events', () => {
    const history = new SessionHistory();
    for (let i = 0; i < 1000; i += 1) history.record(event({ at: i, decision: 'deny' }));
    expect(history.view(event({ at: 1000 })).signals.repeatedDenials).toBe(256);
  });
});

describe('scopeSize', () => {
  it('sums numbers and array lengths and ignores strings', () => {
    expect(scopeSize({ amount: 5, to: ['a', 'b'], note: 'x' })).toBe(7);
  });

  it('stays finite on deep nesting', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i += 1) deep = [deep];
    expect(Number.isFinite(scopeSize(deep as never))).toBe(true);
  });
});

describe('SessionHistory with declared scope', () => {
  it('measures scope from the declared scope size when the tool has one', () => {
    const history = new SessionHistory();
    history.record(event({ tool: 'mail', decision: 'deny', args: { to: ['a', 'b', 'c'] }, scope: 3 }));
    history.record(event({ tool: 'mail', args: { to: ['a'] }, scope: 1, at: 1 }));
    expect(history.view(event({ tool: 'mail', args: { to: ['a', 'b'] }, scope: 2, at: 2 })).signals.scopeExpansionAfterNarrowing).toBe(true);
  });
});
