/**
 * What a firewall keeps of its sessions in memory: an ended session leaves at `end()` (its id
 * stays ended, also after a restart), and with `sessions.idleMs` an idle session is evicted
 * when another opens — never while it is busy, waiting for an approval or holding a release it
 * could still use; a re-run of its calls is refused, never run twice.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { signApproval } from '../approval/approval-statement.ts';
import { createFirewall } from './create-firewall.ts';
import { T0, allow, entries, firewallOptions, frozenClock, keys, policyDouble, trustRootFor } from './test-support.ts';
import type { FirewallSession } from './types.ts';

const who = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot', framework: 'test' } };
const MINUTE = 60_000;

function setUp(options: { decide?: (input: Record<string, unknown>) => unknown; idleMs?: number; budgets?: unknown[] } = {}) {
  const k = keys();
  const clock = frozenClock();
  const evicted: string[] = [];
  const policy = policyDouble(options.decide ?? (() => allow));
  const firewallOptionsWith = firewallOptions({
    policy,
    keys: { authority: k.authority },
    trustRoot: trustRootFor(k),
    clock: clock.now,
    mode: 'enforce',
    ...(options.budgets === undefined ? {} : { budgets: options.budgets as never }),
    ...(options.idleMs === undefined ? {} : { sessions: { idleMs: options.idleMs, onEvicted: (id: string) => evicted.push(id) } }),
  });
  return { k, clock, policy, options: firewallOptionsWith, evicted };
}

const code = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: { code?: string }) => error.code);

describe('ended sessions', () => {
  it('refuses to open an ended session id again (ERR_FIREWALL_SESSION_ENDED), in this process and after a restart', async () => {
    const t = setUp();
    const first = await createFirewall(t.options);
    const s = await first.openSession({ ...who, sessionId: 's1' });
    await s.end();
    expect(await code(first.openSession({ ...who, sessionId: 's1' }))).toBe('ERR_FIREWALL_SESSION_ENDED');
    // Its own methods refuse as before.
    expect(await code(s.guard({ tool: 'search', args: {}, callId: 'c' }))).toBe('ERR_FIREWALL_SESSION_ENDED');
    await first.close();
    const second = await createFirewall(t.options);
    expect(await code(second.openSession({ ...who, sessionId: 's1' }))).toBe('ERR_FIREWALL_SESSION_ENDED');
    // Other ids open.
    expect((await second.openSession({ ...who, sessionId: 's2' })).id).toBe('s2');
  });

  it('opens an id whose last session-started follows its session-ended (a ledger of an older firewall that reopened it)', async () => {
    const t = setUp();
    const first = await createFirewall(t.options);
    await (await first.openSession({ ...who, sessionId: 's1' })).end();
    await first.close();
    // An older firewall opened the ended id again after a restart.
    const { Ledger } = await import('../transcript/ledger.ts');
    const ledger = await Ledger.open({ store: t.options.stores.ledger, origin: 'writ/ledger', signer: t.k.authority, now: t.clock.now });
    await ledger.startSession({ sessionId: 's1', time: T0.toISOString(), principal: { id: 'alice', roles: [], tenant: 'acme' }, agent: { id: 'bot', framework: null, model: null }, environment: {} as never });
    const second = await createFirewall(t.options);
    expect((await second.openSession({ ...who, sessionId: 's1' })).id).toBe('s1');
  });

  it('lets go of an ended session: once the caller drops it, it is garbage', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const t = setUp();
    const firewall = await createFirewall(t.options);
    // In a function of its own, so no frame of this test still holds the last session.
    const openAndEnd = async () => {
      const refs: WeakRef<FirewallSession>[] = [];
      for (let i = 0; i < 20; i++) {
        const s = await firewall.openSession({ ...who, sessionId: `s${i}` });
        await s.addUserTurn('x'.repeat(10_000));
        await s.end();
        refs.push(new WeakRef(s));
      }
      return refs;
    };
    const refs = await openAndEnd();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(refs.flatMap((ref, i) => (ref.deref() === undefined ? [] : [i]))).toEqual([]);
    await firewall.close();
  });
});

describe('idle sessions (sessions.idleMs)', () => {
  it('evicts a session idle past idleMs when another opens; its methods refuse, its id reopens afresh, its calls are never run again', async () => {
    const t = setUp({ idleMs: 10 * MINUTE });
    const firewall = await createFirewall(t.options);
    const a = await firewall.openSession({ ...who, sessionId: 's1' });
    let runs = 0;
    expect((await a.execute({ tool: 'email.send', args: { to: 'bob@example.com' }, callId: 'c1' }, () => ++runs)).status).toBe('executed');
    t.clock.advance(9 * MINUTE);
    await firewall.openSession({ ...who, sessionId: 'other' });
    expect(t.evicted).toEqual([]);
    t.clock.advance(2 * MINUTE);
    await firewall.openSession({ ...who, sessionId: 'other-2' });
    expect(t.evicted).toEqual(['s1']);
    expect(await code(a.guard({ tool: 'search', args: {}, callId: 'c2' }))).toBe('ERR_FIREWALL_SESSION_EVICTED');
    expect(await code(a.addUserTurn('hello'))).toBe('ERR_FIREWALL_SESSION_EVICTED');
    expect(await code(a.end())).toBe('ERR_FIREWALL_SESSION_EVICTED');

    const b = await firewall.openSession({ ...who, sessionId: 's1' });
    expect(b).not.toBe(a);
    const again = await b.execute({ tool: 'email.send', args: { to: 'bob@example.com' }, callId: 'c1' }, () => ++runs);
    expect(runs).toBe(1);
    expect(again.status).toBe('blocked');
    expect(again.guard.reasons.map((r) => r.code)).toEqual(['firewall.call-id-evicted']);
    expect((await b.execute({ tool: 'email.send', args: { to: 'bob@example.com' }, callId: 'c3' }, () => ++runs)).status).toBe('executed');
    expect(runs).toBe(2);
    await b.end();
    // The reopened session is a second session-started of the same id, as after a restart.
    const started = (await entries(t.options.stores.ledger)).filter((e) => e.type === 'session-started' && e.body.sessionId === 's1');
    expect(started).toHaveLength(2);
    await firewall.close();
  });

  it('never evicts a session while one of its calls runs', async () => {
    const t = setUp({ idleMs: MINUTE });
    const firewall = await createFirewall(t.options);
    const a = await firewall.openSession({ ...who, sessionId: 's1' });
    let finish!: () => void;
    const running = a.execute({ tool: 'email.send', args: { to: 'bob@example.com' }, callId: 'c1' }, () => new Promise<string>((resolve) => (finish = () => resolve('sent'))));
    while (finish === undefined) await new Promise((resolve) => setImmediate(resolve));
    t.clock.advance(10 * MINUTE);
    await firewall.openSession({ ...who, sessionId: 'other' });
    expect(t.evicted).toEqual([]);
    finish();
    expect((await running).status).toBe('executed');
    // Idle from the end of the call on.
    t.clock.advance(MINUTE);
    await firewall.openSession({ ...who, sessionId: 'other-2' });
    expect(t.evicted).toContain('s1');
    await firewall.close();
  });

  it('keeps a session waiting for an approval for the approval lifetime, then evicts it; the approved call is then refused, not run', async () => {
    const rule = { rule: 'refund.manager', roles: ['manager'], threshold: 1, separationOfDuties: true, expiresInSeconds: 3600 };
    const t = setUp({ idleMs: MINUTE, decide: () => ({ decision: 'require-approval', reasons: [{ code: 'class.approval', text: 'refunds need a manager' }], approval: rule }) });
    const firewall = await createFirewall({ ...t.options, approvalTtlMs: 60 * MINUTE });
    const a = await firewall.openSession({ ...who, sessionId: 's1' });
    const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
    const asked = await a.guard(call);
    expect(asked.verdict).toBe('approval-required');
    t.clock.advance(30 * MINUTE);
    await firewall.openSession({ ...who, sessionId: 'other' });
    expect(t.evicted).toEqual([]);
    // Approved in time: the session is still there and runs it.
    if (asked.verdict !== 'approval-required') throw new Error('unreachable');
    const statement = signApproval({ signer: t.k.approver, role: 'manager', intent: asked.intentDigest, policy: { digest: t.policy.digest as never, rule: 'refund.manager' }, now: t.clock.now() });
    await firewall.submitApproval({ requestId: asked.pending.id, statement: statement.envelope as never });
    t.policy.inputs.length = 0;
    const second = await firewall.openSession({ ...who, sessionId: 's2' });
    const asked2 = await second.guard({ ...call, callId: 'c2' });
    expect(asked2.verdict).toBe('approval-required');
    t.clock.advance(61 * MINUTE);
    await firewall.openSession({ ...who, sessionId: 'other-2' });
    expect(t.evicted).toEqual(expect.arrayContaining(['s1', 's2']));
    const reopened = await firewall.openSession({ ...who, sessionId: 's2' });
    let runs = 0;
    const result = await reopened.execute({ ...call, callId: 'c2' }, () => ++runs);
    expect(runs).toBe(0);
    expect(result.guard.reasons.map((r) => r.code)).toEqual(['firewall.call-id-evicted']);
    await firewall.close();
  });

  it('keeps a session waiting for an approval that lives longer than approvalTtlMs (the policy’s expiresInSeconds) until the request expires', async () => {
    const rule = { rule: 'refund.manager', roles: ['manager'], threshold: 1, separationOfDuties: true, expiresInSeconds: 3 * 3600 };
    const t = setUp({ idleMs: MINUTE, decide: () => ({ decision: 'require-approval', reasons: [{ code: 'class.approval', text: 'refunds need a manager' }], approval: rule }) });
    const firewall = await createFirewall({ ...t.options, approvalTtlMs: 60 * MINUTE });
    const a = await firewall.openSession({ ...who, sessionId: 's1' });
    expect((await a.guard({ tool: 'refund', args: { amount: 50 }, callId: 'c1' })).verdict).toBe('approval-required');
    t.clock.advance(2 * 60 * MINUTE);
    await firewall.openSession({ ...who, sessionId: 'other' });
    expect(t.evicted).toEqual([]);
    t.clock.advance(60 * MINUTE + 1);
    await firewall.openSession({ ...who, sessionId: 'other-2' });
    expect(t.evicted).toContain('s1');
    await firewall.close();
  });

  it('keeps a released call for the token lifetime; evicting it later frees its budget reservation', async () => {
    const budgets = [{ id: 'emails', scope: 'principal', tools: ['email.send'], measure: 'count', limit: 1, windowMs: 86_400_000 }];
    const t = setUp({ idleMs: MINUTE, budgets });
    const firewall = await createFirewall({ ...t.options, tokenTtlMs: 5 * MINUTE });
    const a = await firewall.openSession({ ...who, sessionId: 's1' });
    const released = await a.guard({ tool: 'email.send', args: { to: 'bob@example.com' }, callId: 'c1' });
    expect(released.verdict).toBe('execute');
    t.clock.advance(2 * MINUTE);
    const b = await firewall.openSession({ ...who, sessionId: 's2' });
    expect(t.evicted).toEqual([]);
    // The reservation holds the whole budget.
    expect((await b.guard({ tool: 'email.send', args: { to: 'carol@example.com' }, callId: 'c2' })).verdict).toBe('block');
    t.clock.advance(5 * MINUTE);
    await firewall.openSession({ ...who, sessionId: 's3' });
    expect(t.evicted).toContain('s1');
    // Its token expired and can never run: the reservation is freed.
    const c = await firewall.openSession({ ...who, sessionId: 's4' });
    expect((await c.guard({ tool: 'email.send', args: { to: 'carol@example.com' }, callId: 'c3' })).verdict).toBe('execute');
    await firewall.close();
  });

  it('refuses a bad sessions option with the option named', async () => {
    const t = setUp();
    for (const sessions of [null, 5, { idleMs: 0 }, { idleMs: -1 }, { idleMs: Number.NaN }, { idleMs: '60000' }, { onEvicted: 'x' }]) {
      const error = await createFirewall({ ...t.options, sessions: sessions as never }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      expect((error as { details?: { parameter?: string } }).details?.parameter).toMatch(/^sessions/);
    }
  });

  it('a throwing onEvicted hook does not fail the open that swept', async () => {
    const t = setUp();
    const firewall = await createFirewall({ ...t.options, sessions: { idleMs: MINUTE, onEvicted: () => { throw new Error('hook'); } } });
    await firewall.openSession({ ...who, sessionId: 's1' });
    t.clock.advance(2 * MINUTE);
    expect((await firewall.openSession({ ...who, sessionId: 's2' })).id).toBe('s2');
    await firewall.close();
  });
});
