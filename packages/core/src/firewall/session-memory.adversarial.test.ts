/**
 * Adversarial review of bounded session memory (sessions leaving the firewall at end or after
 * idling, budget holds kept for their window): a call never runs twice across an eviction or
 * a restart, and a budget neither overspends nor keeps reservations of releases that can no
 * longer run. Tests marked GAP failed before their fix.
 */
import { describe, expect, it } from 'vitest';
import { createFirewall } from './create-firewall.ts';
import { allow, firewallOptions, frozenClock, keys, policyDouble, trustRootFor } from './test-support.ts';

const who = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot', framework: 'test' } };
const MINUTE = 60_000;
const DAY = 86_400_000;
const email = (to: string, callId: string) => ({ tool: 'email.send', args: { to }, callId });
const searchCall = (q: string, callId: string) => ({ tool: 'search', args: { q }, callId });

function setUp(options: { idleMs?: number; budgets?: unknown[]; tokenTtlMs?: number } = {}) {
  const k = keys();
  const clock = frozenClock();
  const evicted: string[] = [];
  const firewall = firewallOptions({
    policy: policyDouble(() => allow),
    keys: { authority: k.authority },
    trustRoot: trustRootFor(k),
    clock: clock.now,
    mode: 'enforce',
    tokenTtlMs: options.tokenTtlMs ?? 5 * MINUTE,
    ...(options.budgets === undefined ? {} : { budgets: options.budgets as never }),
    ...(options.idleMs === undefined ? {} : { sessions: { idleMs: options.idleMs, onEvicted: (id: string) => evicted.push(id) } }),
  });
  return { k, clock, options: firewall, evicted };
}

const oneEmailADay = [{ id: 'emails', scope: 'principal', tools: ['email.send'], measure: 'count', limit: 1, windowMs: DAY }];

describe('budget reservations of releases that can no longer run', () => {
  it('GAP: frees the reservation of a release never executed in a session that ended, once its token has expired', async () => {
    const t = setUp({ budgets: oneEmailADay });
    const firewall = await createFirewall(t.options);
    const a = await firewall.openSession({ ...who, sessionId: 's1' });
    expect((await a.guard(email('bob@example.com', 'c1'))).verdict).toBe('execute');
    await a.end();
    const b = await firewall.openSession({ ...who, sessionId: 's2' });
    // While its token is valid the reservation holds the budget (an ended session's token is
    // refused in-process, but another gateway could still be presented it).
    expect((await b.guard(email('carol@example.com', 'c2'))).verdict).toBe('block');
    // Expired (with the nonce store's 5 min margin): it can never run, so it no longer counts.
    t.clock.advance(11 * MINUTE);
    expect((await b.guard(email('carol@example.com', 'c3'))).verdict).toBe('execute');
    await firewall.close();
  });

  it('GAP: frees the reservation of a release its busy session never executed, once its token has expired', async () => {
    const t = setUp({ budgets: oneEmailADay });
    const firewall = await createFirewall(t.options);
    const a = await firewall.openSession({ ...who, sessionId: 's1' });
    expect((await a.guard(email('bob@example.com', 'c1'))).verdict).toBe('execute');
    t.clock.advance(11 * MINUTE);
    // The session keeps working; c1 was abandoned (never started) and its token has expired.
    expect((await a.guard(searchCall('x', 'c0'))).verdict).toBe('execute');
    expect((await a.guard(email('carol@example.com', 'c2'))).verdict).toBe('execute');
    await firewall.close();
  });

  it('counts a call admitted before its token expired that finishes after: the budget is spent, not freed', async () => {
    const t = setUp({ budgets: oneEmailADay });
    const firewall = await createFirewall(t.options);
    const a = await firewall.openSession({ ...who, sessionId: 's1' });
    let finish!: () => void;
    const running = a.execute(email('bob@example.com', 'c1'), () => new Promise<string>((resolve) => (finish = () => resolve('sent'))));
    while (finish === undefined) await new Promise((resolve) => setImmediate(resolve));
    t.clock.advance(20 * MINUTE);
    const b = await firewall.openSession({ ...who, sessionId: 's2' });
    // Still running: reserved.
    expect((await b.guard(email('carol@example.com', 'c2'))).verdict).toBe('block');
    finish();
    expect((await running).status).toBe('executed');
    expect((await b.guard(email('carol@example.com', 'c3'))).verdict).toBe('block');
    await firewall.close();
  });

  it('GAP: frees the reservation of a token-free release never executed once its session has ended and nothing of it runs', async () => {
    const t = setUp({ budgets: [{ id: 'searches', scope: 'principal', tools: ['search'], measure: 'count', limit: 1, windowMs: DAY }] });
    const firewall = await createFirewall(t.options);
    const a = await firewall.openSession({ ...who, sessionId: 's1' });
    // A0: released without a token, so no expiry ever frees it.
    const guard = await a.guard(searchCall('x', 'c1'));
    expect(guard).toMatchObject({ verdict: 'execute', tokenId: undefined });
    await a.end();
    const b = await firewall.openSession({ ...who, sessionId: 's2' });
    expect((await b.guard(searchCall('y', 'c2'))).verdict).toBe('execute');
    await firewall.close();
  });

  it('keeps the reservation of a call still running when its session ends, and spends it when the call finishes', async () => {
    const t = setUp({ budgets: [{ id: 'searches', scope: 'principal', tools: ['search'], measure: 'count', limit: 1, windowMs: DAY }] });
    const firewall = await createFirewall(t.options);
    const a = await firewall.openSession({ ...who, sessionId: 's1' });
    let finish!: () => void;
    const running = a.execute(searchCall('x', 'c1'), () => new Promise<string>((resolve) => (finish = () => resolve('found'))));
    while (finish === undefined) await new Promise((resolve) => setImmediate(resolve));
    await a.end();
    const b = await firewall.openSession({ ...who, sessionId: 's2' });
    expect((await b.guard(searchCall('y', 'c2'))).verdict).toBe('block');
    finish();
    expect((await running).status).toBe('executed');
    expect((await b.guard(searchCall('y', 'c3'))).verdict).toBe('block');
    await firewall.close();
  });
});

describe('a call never runs twice across eviction and restart', () => {
  it('a call released, its session evicted, then started in the reopened session: refused, the tool never runs', async () => {
    const t = setUp({ idleMs: MINUTE });
    const firewall = await createFirewall(t.options);
    const a = await firewall.openSession({ ...who, sessionId: 's1' });
    expect((await a.guard(email('bob@example.com', 'c1'))).verdict).toBe('execute');
    t.clock.advance(6 * MINUTE);
    await firewall.openSession({ ...who, sessionId: 'other' });
    expect(t.evicted).toEqual(['s1']);
    const b = await firewall.openSession({ ...who, sessionId: 's1' });
    let runs = 0;
    const result = await b.execute(email('bob@example.com', 'c1'), () => ++runs);
    expect(runs).toBe(0);
    expect(result.guard.reasons.map((r) => r.code)).toEqual(['firewall.call-id-evicted']);
    await firewall.close();
  });

  it('a call executed, its session evicted, the firewall restarted and the session reopened: the call is not run again', async () => {
    const t = setUp({ idleMs: MINUTE });
    const first = await createFirewall(t.options);
    const a = await first.openSession({ ...who, sessionId: 's1' });
    let runs = 0;
    expect((await a.execute(email('bob@example.com', 'c1'), () => ++runs)).status).toBe('executed');
    t.clock.advance(2 * MINUTE);
    await first.openSession({ ...who, sessionId: 'other' });
    expect(t.evicted).toEqual(['s1']);
    await first.close();
    const second = await createFirewall(t.options);
    const b = await second.openSession({ ...who, sessionId: 's1' });
    const again = await b.execute(email('bob@example.com', 'c1'), () => ++runs);
    expect(runs).toBe(1);
    expect(again.status).not.toBe('executed');
    await second.close();
  });

  it('an evicted session cannot be ended through its old handle, and ending the reopened one leaves the id ended', async () => {
    const t = setUp({ idleMs: MINUTE });
    const firewall = await createFirewall(t.options);
    const a = await firewall.openSession({ ...who, sessionId: 's1' });
    t.clock.advance(2 * MINUTE);
    await firewall.openSession({ ...who, sessionId: 'other' });
    const b = await firewall.openSession({ ...who, sessionId: 's1' });
    await expect(a.end()).rejects.toMatchObject({ code: 'ERR_FIREWALL_SESSION_EVICTED' });
    // The old handle's failed end did not drop the reopened session from the firewall.
    expect(await firewall.openSession({ ...who, sessionId: 's1' })).toBe(b);
    await b.end();
    await expect(firewall.openSession({ ...who, sessionId: 's1' })).rejects.toMatchObject({ code: 'ERR_FIREWALL_SESSION_ENDED' });
    await firewall.close();
  });
});

describe('ended session ids across restarts', () => {
  it('an id an older firewall reopened after its end opens; once it ends again it stays ended, in this process and after a restart', async () => {
    const t = setUp();
    const first = await createFirewall(t.options);
    await (await first.openSession({ ...who, sessionId: 's1' })).end();
    await (await first.openSession({ ...who, sessionId: 's2' })).end();
    await first.close();
    // An older firewall opened the ended id s1 again.
    const { Ledger } = await import('../transcript/ledger.ts');
    const ledger = await Ledger.open({ store: t.options.stores.ledger, origin: 'writ/ledger', signer: t.k.authority, now: t.clock.now });
    await ledger.startSession({ sessionId: 's1', time: t.clock.now().toISOString(), principal: { id: 'alice', roles: [], tenant: 'acme' }, agent: { id: 'bot', framework: null, model: null }, environment: {} as never });
    const second = await createFirewall(t.options);
    await expect(second.openSession({ ...who, sessionId: 's2' })).rejects.toMatchObject({ code: 'ERR_FIREWALL_SESSION_ENDED' });
    const reopened = await second.openSession({ ...who, sessionId: 's1' });
    await reopened.end();
    await expect(second.openSession({ ...who, sessionId: 's1' })).rejects.toMatchObject({ code: 'ERR_FIREWALL_SESSION_ENDED' });
    await second.close();
    const third = await createFirewall(t.options);
    for (const id of ['s1', 's2']) await expect(third.openSession({ ...who, sessionId: id })).rejects.toMatchObject({ code: 'ERR_FIREWALL_SESSION_ENDED' });
    await third.close();
  });
});
