/**
 * Capability budgets across a restart: every release records what it reserved, and a firewall
 * opened on the same ledger rebuilds its budgets from those records. Before, the budgets were
 * per process: a restart (a deploy, a crash) handed out a window's budget a second time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import type { BudgetRule } from './budgets.ts';
import { CapabilityBudgets, parseBudgetHolds } from './budgets.ts';
import { createFirewall } from './create-firewall.ts';
import type { CreateFirewallOptions } from './firewall-options.ts';
import { BudgetTracker } from './recovery.ts';
import { T0, allow, entries, firewallOptions, frozenClock, policyDouble } from './test-support.ts';

const who = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot', framework: 'test' } };
const DAY = 86_400_000;
const refunds: BudgetRule = { id: 'refunds', scope: 'principal', tools: ['refund'], measure: { argument: 'amount' }, limit: 100, windowMs: DAY };
const searches: BudgetRule = { id: 'searches', scope: 'agent', tools: ['search'], measure: 'count', limit: 2, windowMs: DAY };

function setUp(over: Partial<CreateFirewallOptions> = {}) {
  const clock = frozenClock();
  const options = firewallOptions({ policy: policyDouble(() => allow), clock: clock.now, mode: 'enforce', budgets: [refunds, searches], ...over });
  // The same ledger (and stores) under another process's firewall, with its own options.
  const reopen = (more: Partial<CreateFirewallOptions> = {}) => createFirewall({ ...options, ...more });
  return { clock, options, reopen };
}

const refund = (amount: number, callId: string) => ({ tool: 'refund', args: { amount }, callId });

describe('budgets survive a restart', () => {
  it('GAP: a restart does not hand out the window a second time (refunds of 80, restart, 80 more is refused)', async () => {
    const t = setUp();
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    expect((await a.execute(refund(80, 'c1'), () => 'ok')).status).toBe('executed');
    await first.close();

    const second = await t.reopen();
    const b = await second.openSession({ ...who, sessionId: 's2' });
    const over = await b.execute(refund(80, 'c2'), () => 'ok');
    expect(over.status).toBe('blocked');
    expect(over.guard.reasons.map((r) => r.code)).toContain('budget.exceeded');
    // What is left of the window is still there, and the window ends on time.
    expect((await b.execute(refund(20, 'c3'), () => 'ok')).status).toBe('executed');
    expect((await b.guard(refund(1, 'c4'))).verdict).toBe('block');
    t.clock.advance(DAY);
    expect((await b.execute(refund(100, 'c5'), () => 'ok')).status).toBe('executed');
    await second.close();
  });

  it('records each release’s holds on its entry: token-issued, or the decision of a token-free release', async () => {
    const t = setUp();
    const firewall = await createFirewall(t.options);
    const s = await firewall.openSession({ ...who, sessionId: 's1' });
    await s.execute(refund(30, 'c1'), () => 'ok');
    await s.execute({ tool: 'search', args: { q: 'x' }, callId: 'q1' }, () => 'ok');
    await s.guard({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'e1' });
    await firewall.close();
    const all = await entries(t.options.stores.ledger);
    const token = all.find((e) => e.type === 'token-issued' && e.body.callId === 'c1')!;
    expect(token.body.budgets).toEqual([{ id: 'refunds', scope: 'principal', holder: 'alice', amount: 30 }]);
    const search = all.find((e) => e.type === 'decision-made' && e.body.callId === 'q1')!;
    expect(search.body.budgets).toEqual([{ id: 'searches', scope: 'agent', holder: 'bot', amount: 1 }]);
    // No budget applies: no field (entries stay as they were).
    expect(all.filter((e) => e.body.callId === 'e1').every((e) => !('budgets' in e.body))).toBe(true);
    expect(all.find((e) => e.type === 'decision-made' && e.body.callId === 'c1')!.body.budgets).toBeUndefined();
  });

  it('keeps a token-free budget (searches per agent per day) across a restart', async () => {
    const t = setUp();
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    for (const id of ['q1', 'q2']) expect((await a.execute({ tool: 'search', args: { q: id }, callId: id }, () => 'ok')).status).toBe('executed');
    await a.end();
    await first.close();
    const second = await t.reopen();
    const b = await second.openSession({ ...who, sessionId: 's2' });
    expect((await b.guard({ tool: 'search', args: { q: 'q3' }, callId: 'q3' })).reasons.map((r) => r.code)).toContain('budget.exceeded');
    // Another agent has its own count.
    const c = await second.openSession({ ...who, agent: { id: 'other-bot' }, sessionId: 's3' });
    expect((await c.guard({ tool: 'search', args: { q: 'q3' }, callId: 'q3' })).verdict).toBe('execute');
  });

  it('frees what a failed effect or a gateway refusal reserved, across the restart too', async () => {
    const t = setUp();
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    expect((await a.execute(refund(90, 'c1'), () => { throw new Error('bank down'); })).status).toBe('failed');
    // Released for 90, then asked to run 95: the gateway refuses (another intent) and frees the 90.
    expect((await a.guard(refund(90, 'c2'))).verdict).toBe('execute');
    expect((await a.execute(refund(95, 'c2'), () => 'ok')).status).toBe('blocked');
    await first.close();
    const second = await t.reopen();
    const b = await second.openSession({ ...who, sessionId: 's2' });
    expect((await b.execute(refund(100, 'c3'), () => 'ok')).status).toBe('executed');
  });

  it('counts a release without an outcome as performed: it may have run before the process stopped', async () => {
    const t = setUp();
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    expect((await a.guard(refund(70, 'c1'))).verdict).toBe('execute');
    // The process stops here (no close: nothing flushed in order, as after a crash of a `sync` write-ahead).
    const second = await t.reopen();
    expect(second.unfinished().map((r) => r.callId)).toEqual(['c1']);
    const b = await second.openSession({ ...who, sessionId: 's2' });
    expect((await b.guard(refund(40, 'c2'))).reasons.map((r) => r.code)).toContain('budget.exceeded');
    expect((await b.guard(refund(30, 'c3'))).verdict).toBe('execute');
    // Counted as spent, it leaves with its window.
    t.clock.advance(DAY);
    expect((await b.guard(refund(100, 'c4'))).verdict).toBe('execute');
  });

  it('keeps escrow until reconciled, and frees it when a rollback compensated the effect, across restarts', async () => {
    const escrowed: BudgetRule = { ...refunds, escrow: true, windowMs: 1000 };
    let status: 'drift' | 'reconciled' = 'drift';
    const reconcilers = { refund: { observe: () => ({ status }), compensate: () => ({ status: 'compensated' as const, residue: [] }) } };
    const t = setUp({ budgets: [escrowed], reconcilers });
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    expect((await a.execute(refund(60, 'drifted'), () => 'ok')).status).toBe('executed');
    status = 'reconciled';
    expect((await a.execute(refund(40, 'confirmed'), () => 'ok')).status).toBe('executed');
    await first.close();

    // Past the window: the confirmed 40 left with it; the drifted 60 is still in escrow.
    t.clock.advance(5000);
    const second = await t.reopen();
    const b = await second.openSession({ ...who, sessionId: 's2' });
    expect((await b.guard(refund(41, 'c3'))).reasons.map((r) => r.code)).toContain('budget.exceeded');
    const done = await b.execute(refund(40, 'c4'), () => 'ok');
    expect(done.status).toBe('executed');
    // That one was reconciled at once; the drifted one is rolled back (compensated) by the writer of the ledger.
    const drifted = (await entries(t.options.stores.ledger)).find((e) => e.type === 'token-issued' && e.body.callId === 'drifted')!;
    await t.options.stores.ledger.append([{ type: 'effect-rolled-back', time: t.clock.now().toISOString(), body: { tokenId: drifted.body.tokenId as string, sessionId: 's1', callId: 'drifted', status: 'compensated', residue: [] } }]);
    await second.close();
    t.clock.advance(5000);
    const third = await t.reopen();
    const c = await third.openSession({ ...who, sessionId: 's3' });
    expect((await c.guard(refund(100, 'c5'))).verdict).toBe('execute');
  });

  it('counts what a rule still configured recorded; a removed rule or one now counted under another scope starts afresh, and a lowered limit applies', async () => {
    const t = setUp();
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    expect((await a.execute(refund(60, 'c1'), () => 'ok')).status).toBe('executed');
    await first.close();

    const lowered = await t.reopen({ budgets: [{ ...refunds, limit: 70 }] });
    const b = await lowered.openSession({ ...who, sessionId: 's2' });
    expect((await b.guard(refund(11, 'c2'))).verdict).toBe('block');
    await lowered.close();
    const rescoped = await t.reopen({ budgets: [{ ...refunds, scope: 'agent' }] });
    const c = await rescoped.openSession({ ...who, sessionId: 's3' });
    expect((await c.guard(refund(100, 'c3'))).verdict).toBe('execute');
    await rescoped.close();
    const removed = await t.reopen({ budgets: [] });
    const d = await removed.openSession({ ...who, sessionId: 's4' });
    expect((await d.guard(refund(1000, 'c4'))).verdict).toBe('execute');
  });

  it('refuses to open over a release whose recorded budgets are not budget holds (ERR_TRANSCRIPT_MALFORMED), rather than count nothing', async () => {
    for (const budgets of ['x', [{ id: 'refunds', scope: 'principal', holder: 'alice', amount: -1 }], [{ id: 'refunds', scope: 'world', holder: 'a', amount: 1 }], [null]]) {
      const ledger = new MemoryLedgerStore();
      const time = T0.toISOString();
      await ledger.append([{ type: 'token-issued', time, body: { sessionId: 's1', callId: 'c1', tokenId: 'tok_1', budgets } }]);
      const t = setUp();
      await expect(createFirewall({ ...t.options, stores: { ...t.options.stores, ledger } })).rejects.toMatchObject({ code: 'ERR_TRANSCRIPT_MALFORMED', details: { seq: 0 } });
    }
  });
});

describe('BudgetTracker', () => {
  const at = (ms: number) => new Date(T0.getTime() + ms).toISOString();
  const release = (seq: number, callId: string, amount: number, ms = 0) => ({
    type: 'token-issued',
    seq,
    time: at(ms),
    prev: `sha256:${'0'.repeat(64)}`,
    body: { sessionId: 's', callId, tokenId: `t-${callId}`, budgets: [{ id: 'refunds', scope: 'principal', holder: 'alice', amount }] },
  });
  const outcome = (seq: number, callId: string, status: string, ms = 0) => ({ type: 'effect-executed', seq, time: at(ms), prev: `sha256:${'0'.repeat(64)}`, body: { sessionId: 's', callId, status } });
  const party = { tool: 'refund', args: { amount: 0 }, principal: 'alice', agent: 'bot', session: 's' };

  it('holds only the releases still open or in escrow while it scans, and the budgets only one window of spent holds', () => {
    const budgets = new CapabilityBudgets([{ ...refunds, limit: 1e12, windowMs: 1000 }]);
    const tracker = new BudgetTracker(budgets);
    let seq = 0;
    for (let i = 0; i < 20_000; i++) {
      tracker.track(release(seq++, `c${i}`, 5, i) as never);
      tracker.track(outcome(seq++, `c${i}`, 'succeeded', i) as never);
      expect(tracker.open).toBe(0);
    }
    tracker.finish();
    // A window is 1000 ms of 1 release per ms; the sweep keeps at most about twice that.
    expect(budgets.holds).toBeLessThanOrEqual(2 * 1024 + 1000);
    // Holds at 19 001 … 19 999 ms are inside the window that ends at 20 000.
    expect(budgets.view(party, new Date(T0.getTime() + 20_000))[0]!.used).toBe(5 * 999);
  });

  it('settles as the live firewall would, for any sequence of releases and outcomes (property)', () => {
    const events = fc.array(fc.record({ call: fc.integer({ min: 0, max: 5 }), kind: fc.constantFrom('release', 'succeeded', 'failed', 'denied') }), { maxLength: 40 });
    fc.assert(
      fc.property(events, (list) => {
        const budgets = new CapabilityBudgets([{ ...refunds, limit: 1e9 }]);
        const tracker = new BudgetTracker(budgets);
        // The model: an open release is spent by a success, freed by a failure or a refusal,
        // and counts as performed when another release of its call replaces it or the ledger ends.
        const open = new Set<number>();
        let spent = 0;
        let seq = 0;
        const amount = (call: number) => 10 * (call + 1);
        for (const { call, kind } of list) {
          if (kind === 'release') {
            if (open.has(call)) spent += amount(call);
            open.add(call);
            tracker.track(release(seq++, `c${call}`, amount(call)) as never);
            continue;
          }
          const entry =
            kind === 'denied'
              ? { type: 'action-denied', seq: seq++, time: at(0), prev: `sha256:${'0'.repeat(64)}`, body: { sessionId: 's', callId: `c${call}` } }
              : outcome(seq++, `c${call}`, kind);
          tracker.track(entry as never);
          if (open.delete(call) && kind === 'succeeded') spent += amount(call);
        }
        tracker.finish();
        for (const call of open) spent += amount(call);
        expect(budgets.view(party, T0)[0]).toMatchObject({ used: spent, reserved: 0 });
        expect(tracker.open).toBe(0);
      }),
    );
  });

  it('parseBudgetHolds refuses malformed records with the index in details', () => {
    expect(parseBudgetHolds([{ id: 'a', scope: 'session', holder: 'h', amount: 0 }])).toEqual([{ id: 'a', scope: 'session', holder: 'h', amount: 0 }]);
    for (const [value, parameter] of [
      [undefined, 'budgets'],
      [{}, 'budgets'],
      [[{ id: '', scope: 'session', holder: 'h', amount: 1 }], 'budgets[0]'],
      [[{ id: 'a', scope: 'session', holder: 'h', amount: 1 }, { id: 'a', scope: 'session', holder: '', amount: 1 }], 'budgets[1]'],
      [[{ id: 'a', scope: 'session', holder: 'h', amount: Number.POSITIVE_INFINITY }], 'budgets[0]'],
      [[{ id: 'a', scope: 'session', holder: 'h', amount: '1' }], 'budgets[0]'],
      [[[]], 'budgets[0]'],
    ] as const) {
      expect(() => parseBudgetHolds(value)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter } }));
    }
    const budgets = new CapabilityBudgets([refunds]);
    expect(() => budgets.restore([], new Date(Number.NaN))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'at' } }));
    expect(budgets.restore([{ id: 'other', scope: 'principal', holder: 'alice', amount: 1 }], T0)).toBeUndefined();
  });
});
