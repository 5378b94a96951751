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
