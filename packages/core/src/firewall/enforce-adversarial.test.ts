/**
 * Adversarial review of the enforce path: an attacker who controls the agent (arguments,
 * call ids, order and timing of calls) and possibly the application's tool functions, but
 * not the authority or gateway keys, tries to make a tool run when it should not, with
 * other arguments than the released ones, or more often than allowed. Each refused attack
 * stays here as a regression test.
 */
import { describe, expect, it } from 'vitest';
import { signApproval } from '../approval/approval-statement.ts';
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts';
import { verifyTranscript } from '../transcript/verify-transcript.ts';
import { createFirewall } from './create-firewall.ts';
import type { CreateFirewallOptions } from './firewall-options.ts';
import { T0, allow, deny, entries, firewallOptions, frozenClock, keys, policyDouble, toolOf, trustRootFor } from './test-support.ts';

const who = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot', framework: 'test' } };
const rule = { rule: 'refund.manager', roles: ['manager'], threshold: 1, separationOfDuties: true, expiresInSeconds: 3600 };
const needsApproval = { decision: 'require-approval', reasons: [{ code: 'class.approval', text: 'refunds need a manager' }], approval: rule };

async function setUp(decide: (input: Record<string, unknown>) => unknown = () => allow, over: Partial<CreateFirewallOptions> = {}) {
  const k = keys();
  const clock = frozenClock();
  const policy = policyDouble(decide);
  const options = firewallOptions({ policy, keys: { authority: k.authority }, trustRoot: trustRootFor(k), clock: clock.now, mode: 'enforce', ...over });
  const firewall = await createFirewall(options);
  const s = await firewall.openSession({ ...who, sessionId: 's1' });
  const forCall = async (type: string, callId: string) => (await entries(options.stores.ledger)).filter((e) => e.type === type && e.body.callId === callId);
  const approve = async (pending: { id: string }, intent: string, at = T0) => {
    const statement = signApproval({ signer: k.approver, role: 'manager', intent: intent as never, policy: { digest: policy.digest as never, rule: 'refund.manager' }, now: at });
    return firewall.submitApproval({ requestId: pending.id, statement: statement.envelope as never });
  };
  return { k, clock, policy, options, firewall, s, forCall, approve };
}

describe('enforce: a call id runs its tool at most once', () => {
  it('refuses a re-run of an executed call id after 10 000 later calls pushed it out of the session journal', async () => {
    const t = await setUp();
    const call = { tool: 'refund', args: { amount: 50 }, callId: 'c-old' };
    let runs = 0;
    expect((await t.s.execute(call, () => ++runs)).status).toBe('executed');
    for (let i = 0; i < 10_000; i++) await t.s.guard({ tool: 'search', args: { q: 'x' }, callId: `fill-${i}` });
    const again = await t.s.execute(call, () => ++runs);
    expect(runs).toBe(1);
    expect(again.status).toBe('blocked');
    if (again.status === 'blocked') expect(again.guard.reasons.map((r) => r.code)).toContain('firewall.call-id-evicted');
    // Still refused on a later re-run, and the guard says the same.
    expect((await t.s.guard(call)).verdict).toBe('block');
    expect(runs).toBe(1);
    await t.s.end();
    expect(await t.forCall('decision-made', 'c-old')).toHaveLength(1);
    expect(await t.forCall('token-issued', 'c-old')).toHaveLength(1);
    const denied = await t.forCall('action-denied', 'c-old');
    expect(denied).toHaveLength(2);
    const payload = (denied[0]!.body.denial as { payload: string }).payload;
    expect(Buffer.from(payload, 'base64url').toString('utf8')).toContain('firewall.call-id-evicted');
  }, 60_000);

  it('runs once when the same call is executed concurrently (one token, one nonce)', async () => {
    const t = await setUp();
    const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
    let runs = 0;
    const results = await Promise.all([1, 2, 3, 4].map(() => t.s.execute(call, () => Promise.resolve(++runs))));
    expect(runs).toBe(1);
    expect(results.every((r) => r.status === 'executed')).toBe(true);
    expect(await t.forCall('token-issued', 'c1')).toHaveLength(1);
  });

  it('runs once when guard, execute and a re-run interleave, and a re-run after a throwing tool does not retry it', async () => {
    const t = await setUp();
    const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
    let runs = 0;
    await t.s.guard(call);
    const first = await t.s.execute(call, () => {
      runs++;
      throw new Error('boom');
    });
    expect(first.status).toBe('failed');
    const second = await t.s.execute(call, () => ++runs);
    expect(second.status).toBe('failed');
    expect(runs).toBe(1);
  });

  it('does not start a second run while a tool never settles', async () => {
    const t = await setUp();
    const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
    let runs = 0;
    void t.s.execute(call, () => {
      runs++;
      return new Promise<never>(() => undefined);
    });
    await new Promise((r) => setTimeout(r, 5));
    const late = t.s.execute(call, () => ++runs);
    await Promise.race([late, new Promise((r) => setTimeout(r, 20))]);
    expect(runs).toBe(1);
  });

  it('a tool re-entering the firewall with its own call id does not run itself again', async () => {
    const t = await setUp();
    const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
    let runs = 0;
    let inner: Promise<unknown> | undefined;
    const result = await t.s.execute(call, () => {
      runs++;
      inner = t.s.execute(call, () => ++runs);
      return 'done';
    });
    expect(result.status).toBe('executed');
    expect(await inner).toMatchObject({ status: 'executed' });
    expect(runs).toBe(1);
  });

  it('refuses the same call id with the same arguments under another tool: a token-free release does not run a consequential tool', async () => {
    const t = await setUp();
    const args = { amount: 5000, q: 'refund 5000' };
    const searched = await t.s.guard({ tool: 'search', args, callId: 'c1' });
    expect(searched).toMatchObject({ verdict: 'execute', actionClass: 'A0' });
    let refunded = 0;
    const r = await t.s.execute({ tool: 'refund', args, callId: 'c1' }, () => ++refunded);
    expect(refunded).toBe(0);
    expect(r.status).toBe('blocked');
    if (r.status === 'blocked') expect(r.guard.reasons[0]!.code).toBe('firewall.call-id-conflict');
    // And the other way round: a refund's guard does not answer for a search of the same id.
    await t.s.guard({ tool: 'refund', args, callId: 'c2' });
    let searches = 0;
    expect((await t.s.execute({ tool: 'search', args, callId: 'c2' }, () => ++searches)).status).toBe('blocked');
    expect(searches).toBe(0);
  });

  it('a released token that expires before execute is refused at the gateway and its budget reservation freed', async () => {
    const t = await setUp(() => ({ decision: 'allow-with-constraints', reasons: [], constraints: { ttlSeconds: 60 } }), {
      budgets: [{ id: 'refunds', scope: 'principal', tools: ['refund'], measure: { argument: 'amount' }, limit: 500, windowMs: 86_400_000 }],
    });
    const call = { tool: 'refund', args: { amount: 500 }, callId: 'c1' };
    expect((await t.s.guard(call)).verdict).toBe('execute');
    // Past expiry: the in-process gateway checks a token it minted against the clock that
    // dated it, with no skew (a remote verifier would allow 30 s more).
    t.clock.advance(60_000);
    let runs = 0;
    const late = await t.s.execute(call, () => ++runs);
    expect(late.status).toBe('blocked');
    if (late.status === 'blocked') expect(late.guard.reasons[0]!.code).toMatch(/^gateway\.ERR_TOKEN_/);
    expect(runs).toBe(0);
    // The whole budget is free again for a new call.
    expect((await t.s.execute({ ...call, callId: 'c2' }, () => ++runs)).status).toBe('executed');
    expect(runs).toBe(1);
  });

  it('a held token is refused from its exp on: no clock skew between the clock that minted it and the one checking it', async () => {
    const t = await setUp(() => ({ decision: 'allow-with-constraints', reasons: [], constraints: { ttlSeconds: 60 } }));
    const call = { tool: 'refund', args: { amount: 5 }, callId: 'c1' };
    expect((await t.s.guard(call)).verdict).toBe('execute');
    t.clock.advance(59_000);
    let runs = 0;
    expect((await t.s.execute(call, () => ++runs)).status).toBe('executed');
    const late = { tool: 'refund', args: { amount: 6 }, callId: 'c2' };
    expect((await t.s.guard(late)).verdict).toBe('execute');
    t.clock.advance(60_000);
    const refused = await t.s.execute(late, () => ++runs);
    expect(refused.status).toBe('blocked');
    if (refused.status === 'blocked') expect(refused.guard.reasons[0]!.code).toBe('gateway.ERR_TOKEN_EXPIRED');
    expect(runs).toBe(1);
  });

  it('refuses the same call id with other arguments (after guard, before execute)', async () => {
    const t = await setUp();
    await t.s.guard({ tool: 'refund', args: { amount: 5 }, callId: 'c1' });
    let ran: unknown;
    const r = await t.s.execute({ tool: 'refund', args: { amount: 5000 }, callId: 'c1' }, (a) => (ran = a));
    expect(r.status).toBe('blocked');
    if (r.status === 'blocked') expect(r.guard.reasons[0]!.code).toBe('firewall.call-id-conflict');
    expect(ran).toBeUndefined();
  });
});

describe('enforce: the tool receives exactly the arguments that were judged', () => {
  it('reads accessors once and hands the tool a private copy: later mutation of the caller object changes nothing', async () => {
    const amounts = [5, 5000];
    const args = {} as Record<string, unknown>;
    Object.defineProperty(args, 'amount', { enumerable: true, get: () => amounts.shift() ?? 9999 });
    const t = await setUp((input) => ((input.action as { args: { amount: number } }).args.amount <= 10 ? allow : deny));
    const caller = { tool: 'refund', args, callId: 'c1' };
    let seen: unknown;
    const r = await t.s.execute(caller, async (a) => {
      await new Promise((res) => setTimeout(res, 1));
      seen = structuredClone(a);
    });
    expect(r.status).toBe('executed');
    expect(seen).toEqual({ amount: 5 });
  });

  it('a proxy, symbol keys and hidden properties: the tool gets exactly the canonical object the policy judged', async () => {
    const t = await setUp();
    let reads = 0;
    const target = { amount: 1, [Symbol('k')]: 2 } as Record<string | symbol, unknown>;
    Object.defineProperty(target, 'hidden', { value: 5000, enumerable: false });
    const args = new Proxy(target, { get: (o, k) => (k === 'amount' ? (++reads === 1 ? 7 : 5000) : Reflect.get(o, k)) });
    let seen: unknown;
    const r = await t.s.execute({ tool: 'refund', args, callId: 'c1' }, (a) => (seen = a));
    expect(r.status).toBe('executed');
    expect(seen).toEqual({ amount: 7 });
    expect((t.policy.inputs[0]!.action as { args: unknown }).args).toEqual({ amount: 7 });
    expect(reads).toBe(1);
  });

  it('a tool that mutates its arguments does not change what was recorded or what rollback compensates', async () => {
    let compensated: unknown;
    const t = await setUp(() => allow, { reconcilers: { refund: { compensate: (effect: { args: unknown }) => void (compensated = structuredClone(effect.args)) } } } as never);
    const r = await t.s.execute({ tool: 'refund', args: { amount: 5 }, callId: 'c1' }, (a) => {
      (a as Record<string, unknown>).amount = 5000;
      return 'ok';
    });
    expect(r.status).toBe('executed');
    if (r.status !== 'executed') return;
    await t.firewall.rollback(r.receipt.tokenId!);
    expect(compensated).toEqual({ amount: 5 });
  });

  it('refuses arguments that are not JSON (bigint, functions, symbols, NaN, class instances, holes, toJSON)', async () => {
    const t = await setUp();
    let runs = 0;
    const bad: unknown[] = [
      { amount: 1n },
      { amount: () => 1 },
      { amount: undefined, x: Symbol('s') },
      { amount: Number.NaN },
      { amount: Infinity },
      new Map([['amount', 1]]),
      { list: [1, , 3] },
      { nested: new Date() },
      { amount: 1, toJSON: () => ({ amount: 9 }) },
    ];
    for (const [i, args] of bad.entries()) {
      const r = await t.s.execute({ tool: 'refund', args, callId: `c${i}` }, () => ++runs).catch((e: { code: string }) => e.code);
      if (typeof r === 'string') expect(r).toBe('ERR_INVALID_ARGUMENT');
      else expect(r.status === 'executed' ? 'ran' : r.status).not.toBe('ran');
    }
    expect(runs).toBe(0);
  });

  it('hands the tool the canonical values of odd JSON (-0, 1e21, __proto__ key) and binds the intent to them', async () => {
    const t = await setUp();
    const args = JSON.parse('{"amount": -0, "big": 1e21, "__proto__": {"admin": true}}') as Record<string, unknown>;
    let seen: Record<string, unknown> | undefined;
    const r = await t.s.execute({ tool: 'refund', args, callId: 'c1' }, (a) => (seen = a as Record<string, unknown>));
    expect(r.status).toBe('executed');
    expect(Object.is(seen!.amount, 0)).toBe(true);
    expect(seen!.big).toBe(1e21);
    expect((seen as { admin?: unknown }).admin).toBeUndefined();
    expect(Object.getPrototypeOf(seen)).toBe(Object.prototype);
    expect(Object.hasOwn(seen!, '__proto__')).toBe(true);
  });
});

describe('enforce: approvals release only the approved call', () => {
  it('refuses to run an approved call with arguments changed after approval', async () => {
    const t = await setUp(() => needsApproval);
    const asked = await t.s.guard({ tool: 'refund', args: { amount: 50 }, callId: 'c1' });
    if (asked.verdict !== 'approval-required') throw new Error('expected approval-required');
    expect((await t.approve(asked.pending, asked.intentDigest)).status).toBe('approved');
    let runs = 0;
    const r = await t.s.execute({ tool: 'refund', args: { amount: 5000 }, callId: 'c1' }, () => ++runs);
    expect(r.status).toBe('blocked');
    expect(runs).toBe(0);
    // A new call id with the new arguments asks again; the approval does not carry over.
    const other = await t.s.execute({ tool: 'refund', args: { amount: 5000 }, callId: 'c2' }, () => ++runs);
    expect(other.status).toBe('approval-required');
    expect(runs).toBe(0);
  });

  it('an approval signed for another intent, or an expired one, leaves the call pending', async () => {
    const t = await setUp(() => needsApproval);
    const asked = await t.s.guard({ tool: 'refund', args: { amount: 50 }, callId: 'c1' });
    if (asked.verdict !== 'approval-required') throw new Error('expected approval-required');
    const other = await t.s.guard({ tool: 'refund', args: { amount: 5 }, callId: 'c2' });
    if (other.verdict !== 'approval-required') throw new Error('expected approval-required');
    // Signed over c2's intent, submitted for c1's request.
    expect((await t.approve(asked.pending, other.intentDigest)).status).not.toBe('approved');
    let runs = 0;
    expect((await t.s.execute({ tool: 'refund', args: { amount: 50 }, callId: 'c1' }, () => ++runs)).status).toBe('approval-required');
    // Approved, then the approval expires before the resume.
    expect((await t.approve(asked.pending, asked.intentDigest)).status).toBe('approved');
    t.clock.advance(3601_000);
    expect((await t.s.execute({ tool: 'refund', args: { amount: 50 }, callId: 'c1' }, () => ++runs)).status).not.toBe('executed');
    expect(runs).toBe(0);
  });

  it('one signed approval statement releases one call: replayed for another call id with the same arguments it is refused', async () => {
    const t = await setUp(() => needsApproval);
    const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
    const asked = await t.s.guard(call);
    if (asked.verdict !== 'approval-required') throw new Error('expected approval-required');
    const statement = signApproval({ signer: t.k.approver, role: 'manager', intent: asked.intentDigest, policy: { digest: t.policy.digest as never, rule: 'refund.manager' }, now: T0 });
    // The agent asks for a second identical refund before the first runs, and carries the statement to both.
    const second = await t.s.guard({ ...call, callId: 'c2' });
    if (second.verdict !== 'approval-required') throw new Error('expected approval-required');
    expect(second.intentDigest).toBe(asked.intentDigest);
    expect((await t.firewall.submitApproval({ requestId: asked.pending.id, statement: statement.envelope as never })).status).toBe('approved');
    let runs = 0;
    expect((await t.s.execute(call, () => ++runs)).status).toBe('executed');
    // The statement verifies for c2's request (same intent), but it has released c1 already.
    await t.firewall.submitApproval({ requestId: second.pending.id, statement: statement.envelope as never });
    const replayed = await t.s.execute({ ...call, callId: 'c2' }, () => ++runs);
    expect(replayed.status).toBe('blocked');
    expect(replayed.guard.reasons.map((r) => r.code)).toContain('approval.statement-used');
    // Carried in the resume payload of yet another call: still no second run.
    const c3 = { ...call, callId: 'c3', approvals: [statement.envelope as never] };
    expect((await t.s.execute(c3, () => ++runs)).status).toBe('approval-required');
    const third = await t.s.execute(c3, () => ++runs);
    expect(third.status).toBe('blocked');
    expect(third.guard.reasons.map((r) => r.code)).toContain('approval.statement-used');
    expect(runs).toBe(1);
    await t.s.end();
    expect(await t.forCall('token-issued', 'c2')).toHaveLength(0);
    expect(await t.forCall('action-denied', 'c2')).toHaveLength(1);
  });


  it('a statement signed with singleUse: false is a standing approval of its intent: it releases each call with those arguments', async () => {
    const t = await setUp(() => needsApproval);
    const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
    const asked = await t.s.guard(call);
    if (asked.verdict !== 'approval-required') throw new Error('expected approval-required');
    const standing = signApproval({ signer: t.k.approver, role: 'manager', intent: asked.intentDigest, policy: { digest: t.policy.digest as never, rule: 'refund.manager' }, now: T0, singleUse: false });
    let runs = 0;
    for (const callId of ['c1', 'c2', 'c3']) {
      const c = { ...call, callId, approvals: [standing.envelope as never] };
      const first = await t.s.execute(c, () => ++runs);
      const result = first.status === 'approval-required' ? await t.s.execute(c, () => ++runs) : first;
      expect(result.status, callId).toBe('executed');
    }
    expect(runs).toBe(3);
  });
  it('an approval is used once: two resumes of one approved call run it once', async () => {
    const t = await setUp(() => needsApproval);
    const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
    const asked = await t.s.guard(call);
    if (asked.verdict !== 'approval-required') throw new Error('expected approval-required');
    await t.approve(asked.pending, asked.intentDigest);
    let runs = 0;
    await Promise.all([t.s.execute(call, () => ++runs), t.s.execute(call, () => ++runs), t.s.guard(call)]);
    expect(runs).toBe(1);
    expect(await t.forCall('token-issued', 'c1')).toHaveLength(1);
  });
});

describe('the transcript verifier: one release per single-use approval', () => {
  // Two calls with the same arguments, each resumed with the same statement; returns the verdict
  // of verifyTranscript over what the firewall wrote.
  async function twoReleases(singleUse: boolean, nonces: MemoryNonceStore) {
    const t = await setUp(() => needsApproval, { stores: { ...firewallOptions({ policy: policyDouble(() => needsApproval) }).stores, nonces } });
    const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
    const asked = await t.s.guard(call);
    if (asked.verdict !== 'approval-required') throw new Error('expected approval-required');
    const statement = signApproval({ signer: t.k.approver, role: 'manager', intent: asked.intentDigest, policy: { digest: t.policy.digest as never, rule: 'refund.manager' }, now: T0, singleUse });
    let runs = 0;
    for (const callId of ['c1', 'c2']) {
      const c = { ...call, callId, approvals: [statement.envelope as never] };
      const first = await t.s.execute(c, () => ++runs);
      if (first.status === 'approval-required') await t.s.execute(c, () => ++runs);
    }
    await t.s.end();
    const lines: string[] = [];
    for await (const stored of t.options.stores.ledger.read()) lines.push(stored.line);
    const notes: string[] = [];
    for await (const stored of t.options.stores.ledger.checkpoints()) notes.push(stored.note);
    return { runs, report: await verifyTranscript({ entries: lines, checkpoints: notes, trustRoot: t.options.trustRoot }) };
  }

  it('accepts two tokens relying on one standing (singleUse: false) statement', async () => {
    const { runs, report } = await twoReleases(false, new MemoryNonceStore());
    expect(runs).toBe(2);
    expect(report.failure).toBeUndefined();
  });

  it('refuses two tokens relying on one single-use statement (a writer whose nonce store let it through)', async () => {
    // The writer's nonce store answers "first use" for every approval statement: the firewall
    // releases twice, and only the transcript can show it.
    class Lying extends MemoryNonceStore {
      override consume(options: Parameters<MemoryNonceStore['consume']>[0]): ReturnType<MemoryNonceStore['consume']> {
        return options.id.startsWith('approval:') ? Promise.resolve(true) : super.consume(options);
      }
    }
    const { runs, report } = await twoReleases(true, new Lying());
    expect(runs).toBe(2);
    expect(report.failure).toMatchObject({ check: 'linkage', message: expect.stringContaining('single-use approval') });
  });
});

describe('enforce: budgets hold under concurrency', () => {
  it('two concurrent refunds that each fit but together overrun: one runs, one is refused', async () => {
    const t = await setUp(() => allow, {
      budgets: [{ id: 'refunds', scope: 'principal', tools: ['refund'], measure: { argument: 'amount' }, limit: 500, windowMs: 86_400_000 }],
    });
    let spent = 0;
    const results = await Promise.all(
      ['a', 'b', 'c'].map((id) => t.s.execute({ tool: 'refund', args: { amount: 300 }, callId: id }, (a) => (spent += (a as { amount: number }).amount))),
    );
    expect(spent).toBe(300);
    expect(results.filter((r) => r.status === 'blocked')).toHaveLength(2);
  });

  it('an amount the budget cannot read (string, negative, missing) draws the whole budget', async () => {
    const t = await setUp(() => allow, {
      budgets: [{ id: 'refunds', scope: 'principal', tools: ['refund'], measure: { argument: 'amount' }, limit: 500, windowMs: 86_400_000 }],
    });
    let runs = 0;
    for (const [i, args] of [{ amount: '300' }, { amount: -1 }, {}, { Amount: 1 }].entries()) {
      expect((await t.s.execute({ tool: 'refund', args, callId: `c${i}` }, () => ++runs)).status).toBe('blocked');
    }
    expect(runs).toBe(0);
  });
});

describe('enforce: denials, names, modes and policy failures', () => {
  it('a denied call stays denied on re-run and for a new call id with the same arguments', async () => {
    const t = await setUp(() => deny);
    let runs = 0;
    const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
    expect((await t.s.execute(call, () => ++runs)).status).toBe('blocked');
    expect((await t.s.guard(call)).verdict).toBe('block');
    expect((await t.s.execute(call, () => ++runs)).status).toBe('blocked');
    expect((await t.s.execute({ ...call, callId: 'c2' }, () => ++runs)).status).toBe('blocked');
    expect(runs).toBe(0);
  });

  it('a tool name that differs from a registered one by case or Unicode is judged as an unregistered A5 tool', async () => {
    const t = await setUp((input) => ((input.action as { class?: string }).class === 'A5' ? deny : allow));
    let runs = 0;
    for (const [i, tool] of ['Refund', 'refund\u200b', 'r\u0435fund', 'refund ', '__proto__', 'constructor', 'toString'].entries()) {
      const r = await t.s.execute({ tool, args: { amount: 50 }, callId: `c${i}` }, () => ++runs);
      expect(r.status).toBe('blocked');
      expect(r.guard.actionClass).toBe('A5');
    }
    expect(runs).toBe(0);
    expect(t.policy.inputs.map(toolOf)).toContain('r\u0435fund');
  });

  it('WRIT_MODE set in the environment mid-session does not lift enforcement', async () => {
    const before = process.env.WRIT_MODE;
    delete process.env.WRIT_MODE;
    try {
      const t = await setUp(() => deny, { env: undefined });
      process.env.WRIT_MODE = 'shadow';
      let runs = 0;
      const r = await t.s.execute({ tool: 'refund', args: { amount: 50 }, callId: 'c1' }, () => ++runs);
      expect(r.status).toBe('blocked');
      expect(r.guard.mode).toBe('enforce');
      expect(runs).toBe(0);
    } finally {
      if (before === undefined) delete process.env.WRIT_MODE;
      else process.env.WRIT_MODE = before;
    }
  });

  it('a policy that throws, answers malformed, or never answers is a recorded deny', async () => {
    for (const decide of [
      () => {
        throw new Error('policy bug');
      },
      () => ({ decision: 'allow-ish' }),
      () => null,
      () => new Promise(() => undefined),
    ]) {
      const t = await setUp(decide, { timeoutMs: 20 });
      let runs = 0;
      const r = await t.s.execute({ tool: 'refund', args: { amount: 50 }, callId: 'c1' }, () => ++runs);
      expect(r.status).toBe('blocked');
      expect(r.guard.reasons[0]!.code).toMatch(/^firewall\.policy-/);
      expect(runs).toBe(0);
      expect(await t.forCall('action-denied', 'c1')).toHaveLength(1);
      expect(await t.forCall('token-issued', 'c1')).toHaveLength(0);
    }
  });

  it('a session re-opened with the same id shares its journal: an executed call id does not run again', async () => {
    const t = await setUp();
    const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
    let runs = 0;
    await t.s.execute(call, () => ++runs);
    const again = await t.firewall.openSession({ ...who, sessionId: 's1' });
    await again.execute(call, () => ++runs);
    expect(runs).toBe(1);
  });
});
