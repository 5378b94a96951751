import { describe, expect, it } from 'vitest';
import { CapabilityBudgets } from './budgets.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const party = (args: Record<string, number | string> = {}, principal = 'alice') => ({
  tool: 'refund',
  args,
  principal,
  agent: 'bot',
  session: 's1',
});

describe('CapabilityBudgets', () => {
  const rules = [
    { id: 'refund-amount', scope: 'principal', tools: ['refund'], measure: { argument: 'amount' }, limit: 100, windowMs: 86_400_000 },
    { id: 'refund-count', scope: 'session', tools: ['refund'], measure: 'count', limit: 3, windowMs: 3_600_000 },
  ];

  it('reserves at release and refuses the call that would overrun', () => {
    const budgets = new CapabilityBudgets(rules);
    budgets.reserve(party({ amount: 60 }), T0)!.settle(true);
    expect(budgets.view(party({ amount: 50 }), T0)[0]).toMatchObject({ used: 60, requested: 50, remaining: -10 });
    expect(() => budgets.reserve(party({ amount: 50 }), T0)).toThrow(expect.objectContaining({ code: 'ERR_FIREWALL_BUDGET_EXCEEDED' }));
    expect(budgets.reserve(party({ amount: 40 }), T0)).toBeDefined();
  });

  it('frees a reservation when the call fails', () => {
    const budgets = new CapabilityBudgets(rules);
    const r = budgets.reserve(party({ amount: 100 }), T0)!;
    expect(budgets.view(party({ amount: 1 }), T0)[0]).toMatchObject({ reserved: 100 });
    r.settle(false);
    expect(budgets.view(party({ amount: 1 }), T0)[0]).toMatchObject({ used: 0, reserved: 0 });
  });

  it('counts per scope: another principal has its own amount budget', () => {
    const budgets = new CapabilityBudgets(rules);
    budgets.reserve(party({ amount: 100 }), T0)!.settle(true);
    expect(budgets.view(party({ amount: 100 }, 'bob'), T0)[0]!.remaining).toBe(0);
  });

  it('forgets spending outside the sliding window but keeps escrow until reconciliation', () => {
    const budgets = new CapabilityBudgets([{ ...rules[1], escrow: true }]);
    const r = budgets.reserve(party(), T0)!;
    r.settle(true);
    expect(r.escrowed).toBe(true);
    expect(budgets.view(party(), at(7_200_000))[0]!.used).toBe(1);
    r.release(true);
    expect(budgets.view(party(), at(7_200_000))[0]!.used).toBe(0);
  });

  it('frees escrow when the effect was compensated', () => {
    const budgets = new CapabilityBudgets([{ ...rules[0], escrow: true }]);
    const r = budgets.reserve(party({ amount: 100 }), T0)!;
    r.settle(true);
    r.release(false);
    expect(budgets.view(party({ amount: 100 }), T0)[0]!.remaining).toBe(0);
  });

  it('treats a call without a usable amount as drawing the whole budget', () => {
    const budgets = new CapabilityBudgets(rules);
    for (const amount of ['100', -5, Number.NaN]) {
      expect(() => budgets.reserve({ ...party(), args: { amount } }, T0)).toThrow(expect.objectContaining({ code: 'ERR_FIREWALL_BUDGET_EXCEEDED' }));
    }
  });

  it('returns undefined when no budget applies to the tool', () => {
    expect(new CapabilityBudgets(rules).reserve({ ...party(), tool: 'search' }, T0)).toBeUndefined();
  });

  it.each([[null], ['x'], [[{}]], [[{ ...rules[0], limit: -1 }]], [[{ ...rules[0], scope: 'world' }]], [[{ ...rules[0], windowMs: 0 }]]])(
    'refuses malformed rules %j',
    (value) => {
      expect(() => new CapabilityBudgets(value)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    },
  );
});

describe('CapabilityBudgets memory', () => {
  it('keeps the holds of one window, not every call ever made: spent holds past the window are dropped, escrow is kept', () => {
    const rule = { id: 'emails', scope: 'session', measure: 'count', limit: 10, windowMs: 60_000 } as const;
    const budgets = new CapabilityBudgets([rule]);
    const escrowed = new CapabilityBudgets([{ ...rule, escrow: true }]);
    let maxHolds = 0;
    // 2,000 calls, one every 10 s, across 200 sessions: at most 6 spent holds are in a window.
    for (let i = 0; i < 2000; i++) {
      const now = at(i * 10_000);
      const who = { tool: 'email.send', args: {}, principal: 'alice', agent: 'bot', session: `s${i % 200}` };
      budgets.reserve(who, now)!.settle(true);
      escrowed.reserve(who, now)!.settle(true);
      maxHolds = Math.max(maxHolds, budgets.holds);
    }
    // Each session's key is pruned when it is next looked at; a key left empty is gone.
    expect(maxHolds).toBeLessThanOrEqual(200);
    const late = at(2000 * 10_000 + 120_000);
    for (let s = 0; s < 200; s++) budgets.view({ tool: 'email.send', args: {}, principal: 'alice', agent: 'bot', session: `s${s}` }, late);
    expect(budgets.holds).toBe(0);
    // Escrow counts until reconciliation, whatever the window: nothing is dropped.
    expect(escrowed.holds).toBe(2000);
    expect(escrowed.view({ tool: 'email.send', args: {}, principal: 'alice', agent: 'bot', session: 's0' }, late)[0]).toMatchObject({ used: 10 });
  });

  it('counts a spent hold until its window ends, then no more', () => {
    const budgets = new CapabilityBudgets([{ id: 'n', scope: 'principal', measure: 'count', limit: 1, windowMs: 1000 }]);
    const who = { tool: 't', args: {}, principal: 'p', agent: 'a', session: 's' };
    budgets.reserve(who, at(0))!.settle(true);
    expect(budgets.view(who, at(999))[0]).toMatchObject({ used: 1 });
    expect(() => budgets.reserve(who, at(999))).toThrow(expect.objectContaining({ code: 'ERR_FIREWALL_BUDGET_EXCEEDED' }));
    expect(budgets.view(who, at(1000))[0]).toMatchObject({ used: 0 });
    expect(budgets.holds).toBe(0);
    expect(budgets.reserve(who, at(1000))).toBeDefined();
  });
});

describe('CapabilityBudgets memory (adversarial)', () => {
  const who = (session: string) => ({ tool: 'email.send', args: {}, principal: 'alice', agent: 'bot', session });

  it('GAP: drops the spent holds of keys never looked at again (sessions that ended or left), not only of keys looked at', () => {
    const budgets = new CapabilityBudgets([{ id: 'emails', scope: 'session', measure: 'count', limit: 10, windowMs: 60_000 }]);
    // 20,000 sessions spend once each, one every 100 ms, and never come back: a window holds 600.
    let maxHolds = 0;
    for (let i = 0; i < 20_000; i++) {
      budgets.reserve(who(`s${i}`), at(i * 100))!.settle(true);
      maxHolds = Math.max(maxHolds, budgets.holds);
    }
    expect(maxHolds).toBeLessThanOrEqual(600 + 2 * 1024);
  });

  it('frees a reservation whose release expired unused (it can no longer run), but not one admitted before it expired', () => {
    const budgets = new CapabilityBudgets([{ id: 'n', scope: 'principal', measure: 'count', limit: 1, windowMs: 86_400_000 }]);
    const unused = budgets.reserve(who('s1'), at(0))!;
    unused.expiresAt(at(1000));
    expect(() => budgets.reserve(who('s2'), at(999))).toThrow(expect.objectContaining({ code: 'ERR_FIREWALL_BUDGET_EXCEEDED' }));
    const admitted = budgets.reserve(who('s2'), at(1000))!;
    expect(budgets.holds).toBe(1);
    // A late settle of the expired one changes nothing.
    unused.settle(true);
    expect(budgets.view(who('s3'), at(1000))[0]).toMatchObject({ used: 0, reserved: 1 });
    admitted.expiresAt(at(2000));
    admitted.admit();
    expect(budgets.view(who('s3'), at(5000))[0]).toMatchObject({ used: 0, reserved: 1 });
    admitted.settle(true);
    expect(budgets.view(who('s3'), at(5000))[0]).toMatchObject({ used: 1, reserved: 0 });
  });

  it('keeps a reserved hold whatever the clock does when it has no expiry, and counts spent holds with a clock going backwards', () => {
    const budgets = new CapabilityBudgets([{ id: 'n', scope: 'principal', measure: 'count', limit: 2, windowMs: 1000 }]);
    budgets.reserve(who('s1'), at(10_000))!.settle(true);
    const reserved = budgets.reserve(who('s1'), at(10_000))!;
    // The clock goes back an hour: the spent hold is not "past its window", it still counts.
    expect(budgets.view(who('s1'), at(10_000 - 3_600_000))[0]).toMatchObject({ used: 1, reserved: 1 });
    expect(budgets.view(who('s1'), at(10_000 + 3_600_000))[0]).toMatchObject({ used: 0, reserved: 1 });
    reserved.settle(false);
    expect(budgets.holds).toBe(0);
  });
});
