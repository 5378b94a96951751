import { describe, expect, it } from 'vitest';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import type { LedgerStore } from '../stores/types.ts';
import { createFirewall } from './create-firewall.ts';
import type { FirewallPolicy } from './firewall-options.ts';
import { signApproval } from '../approval/approval-statement.ts';
import { T0, allow, deny, entries, firewallOptions, frozenClock, keys, policyDouble, toolOf, trustRootFor, verifyLedger } from './test-support.ts';

const session = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot', framework: 'test' } };

describe('createFirewall', () => {
  it('releases a token, runs the tool through the gateway and writes decision, token and outcome entries', async () => {
    const options = firewallOptions({ policy: policyDouble(() => allow) });
    const firewall = await createFirewall(options);
    const s = await firewall.openSession(session);
    await s.addUserTurn('email bob@example.com that the order shipped');
    const guard = await s.guard({ tool: 'email.send', args: { to: 'bob@example.com' }, callId: 'c1' });
    expect(guard).toMatchObject({ verdict: 'execute', mode: 'enforce', decision: 'allow', actionClass: 'A3', replayed: false });
    expect(guard.verdict === 'execute' && typeof guard.tokenId).toBe('string');
    let runs = 0;
    const run = await s.execute({ tool: 'email.send', args: { to: 'bob@example.com' }, callId: 'c1' }, (args) => {
      runs += 1;
      return { sent: args.to };
    });
    expect(run.status).toBe('executed');
    expect(runs).toBe(1);
    if (run.status !== 'executed') throw new Error('unreachable');
    expect(run.result).toEqual({ sent: 'bob@example.com' });
    expect(run.receipt).toMatchObject({ callId: 'c1', status: 'succeeded', tool: 'email.send' });
    expect(run.receipt.resultDigest).toMatch(/^sha256:/);
    await firewall.close();
    const types = (await entries(options.stores.ledger)).map((e) => e.type);
    expect(types).toEqual(['session-started', 'basis-added', 'decision-made', 'token-issued', 'effect-executed']);
  });

  it('blocks a denied call in enforce with a reason the model can read and a signed denial, and never runs the tool', async () => {
    const options = firewallOptions({ policy: policyDouble(() => deny) });
    const firewall = await createFirewall(options);
    const s = await firewall.openSession(session);
    let ran = false;
    const result = await s.execute({ tool: 'email.send', args: { to: 'x@evil.example' }, callId: 'c1' }, () => {
      ran = true;
    });
    expect(ran).toBe(false);
    expect(result.status).toBe('blocked');
    if (result.status !== 'blocked') throw new Error('unreachable');
    expect(result.guard.reason).toContain('tests deny this');
    expect(result.guard.denialId).not.toBe('');
    await firewall.close();
    expect((await entries(options.stores.ledger)).map((e) => e.type)).toContain('action-denied');
  });

  it.each(['shadow', 'advisory'] as const)('executes a denied call in %s mode and records what enforce would have done', async (mode) => {
    const options = firewallOptions({ policy: policyDouble(() => deny), mode });
    const firewall = await createFirewall(options);
    const s = await firewall.openSession(session);
    const result = await s.execute({ tool: 'email.send', args: { to: 'x@evil.example' }, callId: 'c1' }, () => 'sent');
    expect(result.status).toBe('executed');
    expect(result.guard).toMatchObject({ verdict: 'execute', mode, decision: 'deny', wouldHave: 'block' });
    expect(result.guard.verdict === 'execute' && result.guard.warning).toContain('enforce would block');
    await firewall.close();
    const decision = (await entries(options.stores.ledger)).find((e) => e.type === 'decision-made');
    expect(decision?.body).toMatchObject({ mode, decision: 'deny', verdict: 'execute', wouldHave: 'block' });
  });

  it('lets WRIT_MODE switch the mode without a code change, per tool and per class', async () => {
    const firewall = await createFirewall(
      firewallOptions({ policy: policyDouble(() => deny), mode: 'enforce', env: { WRIT_MODE: 'shadow,tool:refund=enforce' } }),
    );
    const s = await firewall.openSession(session);
    expect((await s.guard({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' })).verdict).toBe('execute');
    expect((await s.guard({ tool: 'refund', args: { amount: 5 }, callId: 'c2' })).verdict).toBe('block');
  });

  describe('fails closed', () => {
    const cases = [
      ['the policy throws', { policy: policyDouble(() => { throw new Error('boom'); }) }, 'firewall.policy-error'],
      ['the policy times out', { policy: { digest: `sha256:${'00'.repeat(32)}`, evaluate: () => new Promise(() => undefined) }, timeoutMs: 20 }, 'firewall.policy-timeout'],
      ['the policy returns garbage', { policy: policyDouble(() => ({ decision: 'maybe' })) }, 'firewall.policy-error'],
    ] as const;

    it.each(cases)('denies in enforce when %s', async (_name, over, code) => {
      const firewall = await createFirewall(firewallOptions(over));
      const s = await firewall.openSession(session);
      let ran = false;
      const result = await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' }, () => void (ran = true));
      expect(ran).toBe(false);
      expect(result.guard.reasons.map((r) => r.code)).toContain(code);
    });

    it.each(cases)('executes and records in shadow when %s', async (_name, over, code) => {
      const options = firewallOptions({ ...(over as { policy: FirewallPolicy }), mode: 'shadow' });
      const firewall = await createFirewall(options);
      const s = await firewall.openSession(session);
      const result = await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' }, () => 'ok');
      expect(result.status).toBe('executed');
      await firewall.close();
      const decision = (await entries(options.stores.ledger)).find((e) => e.type === 'decision-made');
      expect(JSON.stringify(decision?.body.reasons)).toContain(code);
    });

    it('denies in enforce when a store throws, and executes in shadow', async () => {
      for (const mode of ['enforce', 'shadow'] as const) {
        const options = firewallOptions({ policy: policyDouble(() => allow), mode });
        options.stores.approvals.get = () => Promise.reject(new Error('db down'));
        const firewall = await createFirewall(options);
        const s = await firewall.openSession(session);
        const result = await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' }, () => 'ok');
        expect(result.status).toBe(mode === 'enforce' ? 'blocked' : 'executed');
        expect(result.guard.reasons.map((r) => r.code)).toContain('firewall.store-error');
      }
    });

    it('denies in enforce when a store does not answer in time, and judges again on retry', async () => {
      const options = firewallOptions({ policy: policyDouble(() => allow), timeoutMs: 20 });
      const get = options.stores.approvals.get.bind(options.stores.approvals);
      let hang = true;
      options.stores.approvals.get = (digest) => (hang ? new Promise(() => undefined) : get(digest));
      const firewall = await createFirewall(options);
      const s = await firewall.openSession(session);
      const call = { tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' };
      const first = await s.guard(call);
      expect(first.verdict).toBe('block');
      expect(first.reasons.map((r) => r.code)).toContain('firewall.store-timeout');
      hang = false;
      expect((await s.guard(call)).verdict).toBe('execute');
    });

    it('denies in enforce when the ledger cannot record the release', async () => {
      const ledger = new MemoryLedgerStore();
      const options = firewallOptions({ policy: policyDouble(() => allow) });
      const firewall = await createFirewall({ ...options, stores: { ...options.stores, ledger } });
      const s = await firewall.openSession(session);
      ledger.append = () => Promise.reject(new Error('disk full'));
      let ran = false;
      const result = await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' }, () => void (ran = true));
      expect(result.status).toBe('blocked');
      expect(ran).toBe(false);
    });
  });

  describe('idempotency per call id', () => {
    it('returns the recorded decision on a re-run and records nothing new', async () => {
      const policy = policyDouble(() => allow);
      const options = firewallOptions({ policy });
      const firewall = await createFirewall(options);
      const s = await firewall.openSession(session);
      const call = { tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' };
      const first = await s.guard(call);
      await options.stores.ledger.head();
      const size = (await entries(options.stores.ledger)).length;
      const second = await s.guard(call);
      expect(second).toEqual({ ...first, replayed: true });
      expect(policy.inputs.length).toBe(1);
      expect((await entries(options.stores.ledger)).length).toBe(size);
    });

    it('runs the tool once when execute is re-run for the same call id', async () => {
      const firewall = await createFirewall(firewallOptions({ policy: policyDouble(() => allow) }));
      const s = await firewall.openSession(session);
      const call = { tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' };
      let runs = 0;
      const tool = () => ++runs;
      const [a, b] = await Promise.all([s.execute(call, tool), s.execute(call, tool)]);
      expect(runs).toBe(1);
      expect(a).toEqual(b);
    });

    it('blocks the same call id with other arguments', async () => {
      const firewall = await createFirewall(firewallOptions({ policy: policyDouble(() => allow) }));
      const s = await firewall.openSession(session);
      await s.guard({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' });
      const other = await s.guard({ tool: 'email.send', args: { to: 'evil@x.example' }, callId: 'c1' });
      expect(other.verdict).toBe('block');
      expect(other.reasons[0]!.code).toBe('firewall.call-id-conflict');
    });
  });

  describe('idempotency across a restart', () => {
    it('answers re-runs from the ledger after a restart, restores unspent releases and never runs a call twice', async () => {
      const policy = policyDouble((input) => {
        const tool = toolOf(input);
        if (tool === 'crm.update') return deny;
        if (tool === 'refund') return { decision: 'require-approval', reasons: [{ code: 'a', text: 'needs a manager' }], approval: { rule: 'r', roles: ['manager'], threshold: 1, separationOfDuties: true, expiresInSeconds: 3600 } };
        return allow;
      });
      const options = firewallOptions({ policy });
      const open = { ...session, sessionId: 's1' };
      const first = await createFirewall(options);
      const a = await first.openSession(open);
      expect((await a.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' }, () => 'sent')).status).toBe('executed');
      expect((await a.guard({ tool: 'crm.update', args: { id: 1 }, callId: 'c2' })).verdict).toBe('block');
      expect((await a.guard({ tool: 'email.send', args: { to: 'c@d.example' }, callId: 'c3' })).verdict).toBe('execute');
      const asked = await a.guard({ tool: 'refund', args: { amount: 5 }, callId: 'c4' });
      await first.close();
      const decisions = async () => (await entries(options.stores.ledger)).filter((e) => e.type === 'decision-made').length;
      const before = await decisions();

      const second = await createFirewall(options);
      const b = await second.openSession(open);
      expect(await b.guard({ tool: 'crm.update', args: { id: 1 }, callId: 'c2' })).toMatchObject({ verdict: 'block', replayed: true });
      let runs = 0;
      const again = await b.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' }, () => ++runs);
      expect(again.status).toBe('blocked');
      expect(again.guard.reasons[0]!.code).toBe('gateway.already-executed');
      expect(runs).toBe(0);
      // Released but without an outcome before the restart: it may have run, so it does not run again.
      const unknown = await b.execute({ tool: 'email.send', args: { to: 'c@d.example' }, callId: 'c3' }, () => ++runs);
      expect(unknown.status).toBe('blocked');
      expect(unknown.guard.reasons[0]!.code).toBe('gateway.outcome-unknown');
      expect(runs).toBe(0);
      expect(second.unfinished().map((u) => u.callId)).toEqual(['c3']);
      const pending = await b.guard({ tool: 'refund', args: { amount: 5 }, callId: 'c4' });
      expect(pending).toMatchObject({ verdict: 'approval-required', replayed: true });
      expect(pending.verdict === 'approval-required' && asked.verdict === 'approval-required' && pending.pending.id === asked.pending.id).toBe(true);
      expect((await b.guard({ tool: 'crm.update', args: { id: 2 }, callId: 'c2' })).reasons[0]!.code).toBe('firewall.call-id-conflict');
      expect(await decisions()).toBe(before);
      expect(policy.inputs.length).toBe(4);
    });
  });

  describe('gateway', () => {
    it('refuses a token whose nonce was already consumed (single use through the nonce store)', async () => {
      const options = firewallOptions({ policy: policyDouble(() => allow) });
      const firewall = await createFirewall(options);
      const s = await firewall.openSession(session);
      const guard = await s.guard({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' });
      if (guard.verdict !== 'execute' || guard.tokenId === undefined) throw new Error('expected a token');
      await options.stores.nonces.consume({ id: guard.tokenId, expiresAt: new Date('2030-01-01') });
      let ran = false;
      const result = await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' }, () => void (ran = true));
      expect(ran).toBe(false);
      expect(result.status).toBe('blocked');
      expect(result.guard.reasons[0]!.code).toBe('gateway.ERR_TOKEN_CONSUMED');
    });

    it('refuses an expired token', async () => {
      const clock = frozenClock();
      const options = firewallOptions({ policy: policyDouble(() => allow), clock: clock.now, tokenTtlMs: 60_000 });
      const firewall = await createFirewall(options);
      const s = await firewall.openSession(session);
      await s.guard({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' });
      clock.advance(10 * 60_000);
      const result = await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' }, () => 'sent');
      expect(result.status).toBe('blocked');
      expect(result.guard.reasons[0]!.code).toBe('gateway.ERR_TOKEN_EXPIRED');
    });

    it('verifies its own token signatures too when asked to', async () => {
      const firewall = await createFirewall(firewallOptions({ policy: policyDouble(() => allow), verifyOwnSignatures: true }));
      const s = await firewall.openSession(session);
      expect((await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' }, () => 'sent')).status).toBe('executed');
    });

    it('refuses a verifyOwnSignatures that is not a boolean (no silent fallback to trusting its own signatures)', async () => {
      for (const value of ['true', 1, null]) {
        await expect(createFirewall(firewallOptions({ policy: policyDouble(() => allow), verifyOwnSignatures: value as never }))).rejects.toMatchObject({
          code: 'ERR_INVALID_ARGUMENT',
          details: { parameter: 'verifyOwnSignatures' },
        });
      }
    });

    it('runs A0 observations without a token', async () => {
      const options = firewallOptions({ policy: policyDouble(() => allow) });
      const firewall = await createFirewall(options);
      const s = await firewall.openSession(session);
      const result = await s.execute({ tool: 'search', args: { q: 'weather' }, callId: 'c1' }, () => ['sunny']);
      expect(result.status).toBe('executed');
      expect(result.guard.verdict === 'execute' && result.guard.tokenId).toBeUndefined();
      await firewall.close();
      expect((await entries(options.stores.ledger)).map((e) => e.type)).not.toContain('token-issued');
    });

    it('records a failed tool with its error and frees its budget', async () => {
      const options = firewallOptions({
        policy: policyDouble(() => allow),
        budgets: [{ id: 'refunds', scope: 'principal', tools: ['refund'], measure: { argument: 'amount' }, limit: 100, windowMs: 86_400_000 }],
      });
      const firewall = await createFirewall(options);
      const s = await firewall.openSession(session);
      const failed = await s.execute({ tool: 'refund', args: { amount: 100 }, callId: 'c1' }, () => {
        throw new Error('bank offline');
      });
      expect(failed.status).toBe('failed');
      if (failed.status !== 'failed') throw new Error('unreachable');
      expect(failed.receipt).toMatchObject({ status: 'failed', error: { name: 'Error', message: 'bank offline' } });
      const retry = await s.execute({ tool: 'refund', args: { amount: 100 }, callId: 'c2' }, () => 'ok');
      expect(retry.status).toBe('executed');
      const over = await s.guard({ tool: 'refund', args: { amount: 1 }, callId: 'c3' });
      expect(over.verdict).toBe('block');
      expect(over.reasons.map((r) => r.code)).toContain('budget.exceeded');
    });
  });

  describe('approvals', () => {
    const rule = { rule: 'refund.manager', roles: ['manager'], threshold: 1, separationOfDuties: true, expiresInSeconds: 3600 };
    const needsApproval = { decision: 'require-approval', reasons: [{ code: 'class.approval', text: 'refunds need a manager' }], approval: rule };

    it('persists a pending request, verifies a signed approval and releases a token bound to the same digest', async () => {
      const k = keys();
      const policy = policyDouble(() => needsApproval);
      const options = firewallOptions({ policy, keys: { authority: k.authority }, trustRoot: trustRootFor(k) });
      const firewall = await createFirewall(options);
      const s = await firewall.openSession(session);
      const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
      const first = await s.guard(call);
      if (first.verdict !== 'approval-required') throw new Error('expected approval-required');
      expect(first.pending).toMatchObject({ summary: 'refund(amount=50)', policyReason: 'refunds need a manager', intentDigest: first.intentDigest });
      expect((await options.stores.approvals.get(first.pending.id as never))?.status).toBe('pending');
      expect((await s.guard(call)).replayed).toBe(true);

      const statement = signApproval({ signer: k.approver, role: 'manager', intent: first.intentDigest, policy: { digest: policy.digest as never, rule: 'refund.manager' }, now: T0 });
      const submitted = await firewall.submitApproval({ requestId: first.pending.id, statement: statement.envelope as never });
      expect(submitted.status).toBe('approved');

      const released = await s.guard(call);
      expect(released).toMatchObject({ verdict: 'execute', intentDigest: first.intentDigest });
      const run = await s.execute(call, () => 'refunded');
      expect(run.status).toBe('executed');
      expect((await options.stores.approvals.get(first.pending.id as never))?.status).toBe('consumed');
    });

    it('refuses an approval for other arguments, by the principal itself, or unsigned by a trusted approver', async () => {
      const k = keys();
      const policy = policyDouble(() => needsApproval);
      const firewall = await createFirewall(firewallOptions({ policy, keys: { authority: k.authority }, trustRoot: trustRootFor(k) }));
      const s = await firewall.openSession(session);
      const asked = await s.guard({ tool: 'refund', args: { amount: 50 }, callId: 'c1' });
      const other = await s.guard({ tool: 'refund', args: { amount: 5000 }, callId: 'c2' });
      if (asked.verdict !== 'approval-required' || other.verdict !== 'approval-required') throw new Error('expected approval-required');
      // Signed for the small refund, submitted for the large one: the digest differs.
      const small = signApproval({ signer: k.approver, role: 'manager', intent: asked.intentDigest, policy: { digest: policy.digest as never, rule: 'refund.manager' }, now: T0 });
      const wrong = await firewall.submitApproval({ requestId: other.pending.id, statement: small.envelope as never });
      expect(wrong).toMatchObject({ status: 'refused', reasons: [{ code: 'approval.ERR_APPROVAL_INTENT_MISMATCH' }] });
      const forged = signApproval({ signer: k.authority, role: 'manager', intent: asked.intentDigest, policy: { digest: policy.digest as never, rule: 'refund.manager' }, now: T0 });
      expect((await firewall.submitApproval({ requestId: asked.pending.id, statement: forged.envelope as never })).status).toBe('refused');
      expect((await s.guard({ tool: 'refund', args: { amount: 5000 }, callId: 'c2' })).verdict).toBe('approval-required');
    });

    it('accepts approvals passed with the guard (a resume payload) and refuses changed arguments at the gateway', async () => {
      const k = keys();
      const policy = policyDouble(() => needsApproval);
      const firewall = await createFirewall(firewallOptions({ policy, keys: { authority: k.authority }, trustRoot: trustRootFor(k) }));
      const s = await firewall.openSession(session);
      const call = { tool: 'refund', args: { amount: 50 }, callId: 'c1' };
      const asked = await s.guard(call);
      const statement = signApproval({ signer: k.approver, role: 'manager', intent: asked.intentDigest, policy: { digest: policy.digest as never, rule: 'refund.manager' }, now: T0 });
      const resumed = await s.guard({ ...call, approvals: [statement.envelope as never] });
      expect(resumed.verdict).toBe('execute');
      let ran = false;
      const changed = await s.execute({ ...call, args: { amount: 5000 } }, () => void (ran = true));
      expect(changed.status).toBe('blocked');
      expect(ran).toBe(false);
    });
  });

  describe('transcript', () => {
    it('writes entries that the offline verifier accepts (signatures, environment digest, token linkage)', async () => {
      const k = keys();
      const rule = { rule: 'refund.manager', roles: ['manager'], threshold: 1, separationOfDuties: true, expiresInSeconds: 3600 };
      const policy = policyDouble((input) => {
        const tool = toolOf(input);
        if (tool === 'refund') return { decision: 'require-approval', reasons: [{ code: 'class.approval', text: 'refunds need a manager' }], approval: rule };
        return tool === 'crm.update' ? deny : allow;
      });
      const trustRoot = trustRootFor(k);
      const options = firewallOptions({ policy, keys: { authority: k.authority }, trustRoot });
      const firewall = await createFirewall(options);
      const s = await firewall.openSession(session);
      await s.addUserTurn('refund 50 and tell bob@example.com');
      await s.execute({ tool: 'search', args: { q: 'order' }, callId: 'c0' }, () => 'found');
      await s.execute({ tool: 'email.send', args: { to: 'bob@example.com' }, callId: 'c1' }, () => 'sent');
      await s.execute({ tool: 'crm.update', args: { id: 7 }, callId: 'c2' }, () => 'updated');
      const asked = await s.guard({ tool: 'refund', args: { amount: 50 }, callId: 'c3' });
      if (asked.verdict !== 'approval-required') throw new Error('expected approval-required');
      const statement = signApproval({ signer: k.approver, role: 'manager', intent: asked.intentDigest, policy: { digest: policy.digest as never, rule: 'refund.manager' }, now: T0 });
      await s.submitApproval({ requestId: asked.pending.id, statement: statement.envelope as never });
      await s.execute({ tool: 'refund', args: { amount: 50 }, callId: 'c3' }, () => 'refunded');
      await s.end();
      const report = await verifyLedger(options.stores.ledger, trustRoot);
      expect(report.failure).toBeUndefined();
      expect(report.valid).toBe(true);
      const types = (await entries(options.stores.ledger)).map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(['action-denied', 'approval-recorded', 'effect-executed', 'token-issued', 'session-ended']));
    });
  });

  describe('policy input', () => {
    it('exposes shadow-workflow history (repeated denials, alternate tools) to policy', async () => {
      const policy = policyDouble((input) => (toolOf(input) === 'email.send' ? deny : allow));
      const firewall = await createFirewall(firewallOptions({ policy }));
      const s = await firewall.openSession(session);
      await s.guard({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' });
      await s.guard({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c2' });
      const context = policy.inputs[1]!.context as { history: { signals: { repeatedDenials: number } } };
      expect(context.history.signals.repeatedDenials).toBe(1);
    });
  });

  describe('reconciliation and rollback', () => {
    it('holds an escrowed budget until the observer reconciles the effect', async () => {
      let status: 'drift' | 'reconciled' = 'drift';
      const firewall = await createFirewall(
        firewallOptions({
          policy: policyDouble(() => allow),
          budgets: [{ id: 'refunds', scope: 'principal', tools: ['refund'], measure: { argument: 'amount' }, limit: 100, windowMs: 1000, escrow: true }],
          reconcilers: { refund: { observe: () => ({ status }) } },
        }),
      );
      const s = await firewall.openSession(session);
      expect((await s.execute({ tool: 'refund', args: { amount: 60 }, callId: 'c1' }, () => 'ok')).status).toBe('executed');
      // Drifted: the 60 stays in escrow, so 60 more does not fit.
      expect((await s.guard({ tool: 'refund', args: { amount: 60 }, callId: 'c2' })).verdict).toBe('block');
      status = 'reconciled';
      expect((await s.execute({ tool: 'refund', args: { amount: 40 }, callId: 'c3' }, () => 'ok')).status).toBe('executed');
    });

    it('reports drift from the observer and keeps the effect open', async () => {
      const firewall = await createFirewall(
        firewallOptions({
          policy: policyDouble(() => allow),
          reconcilers: { 'email.send': { observe: () => ({ status: 'drift', expected: 'sent', observed: 'bounced' }) } },
        }),
      );
      const s = await firewall.openSession(session);
      const result = await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' }, () => 'sent');
      expect(result.status === 'executed' && result.reconciliation?.status).toBe('drift');
    });

    it('rolls back by token id and reports residue; unknown tokens are refused', async () => {
      const options = firewallOptions({
        policy: policyDouble(() => allow),
        reconcilers: { 'email.send': { compensate: () => ({ status: 'partial', residue: ['the recipient already read the email'] }) } },
      });
      const firewall = await createFirewall(options);
      const s = await firewall.openSession(session);
      const result = await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c1' }, () => 'sent');
      const tokenId = result.guard.verdict === 'execute' ? result.guard.tokenId! : '';
      const report = await firewall.rollback(tokenId);
      expect(report).toEqual({ tokenId, status: 'partial', residue: ['the recipient already read the email'] });
      await expect(firewall.rollback('nope')).rejects.toMatchObject({ code: 'ERR_FIREWALL_TOKEN_UNKNOWN' });
      await firewall.close();
      expect((await entries(options.stores.ledger)).map((e) => e.type)).toContain('effect-rolled-back');
    });
  });

  describe('sessions', () => {
    it('writes a final signed checkpoint on end and refuses calls afterwards', async () => {
      const options = firewallOptions({ policy: policyDouble(() => allow) });
      const firewall = await createFirewall(options);
      const s = await firewall.openSession(session);
      const summary = await s.end();
      expect(summary.checkpointSize).toBe((await options.stores.ledger.head()).size);
      expect((await options.stores.ledger.latestCheckpoint())?.root).toBe(summary.root);
      expect(await s.end()).toEqual(summary);
      await expect(s.guard({ tool: 'search', args: {}, callId: 'c' })).rejects.toMatchObject({ code: 'ERR_FIREWALL_SESSION_ENDED' });
    });

    it('returns the same session for the same session id', async () => {
      const firewall = await createFirewall(firewallOptions({ policy: policyDouble(() => allow) }));
      const a = await firewall.openSession({ ...session, sessionId: 's1' });
      expect(await firewall.openSession({ ...session, sessionId: 's1' })).toBe(a);
    });
  });

  describe('malformed input', () => {
    it.each([
      [undefined],
      [null],
      [{}],
      [{ policy: {} }],
      [{ policy: { evaluate: () => null } }],
    ])('createFirewall refuses %j with ERR_INVALID_ARGUMENT', async (options) => {
      await expect(createFirewall(options as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    });

    it('createFirewall refuses a bad WRIT_MODE', async () => {
      await expect(createFirewall(firewallOptions({ policy: policyDouble(() => allow), env: { WRIT_MODE: 'loud' } }))).rejects.toMatchObject({
        code: 'ERR_FIREWALL_MODE_INVALID',
      });
    });

    it.each([
      [null],
      [{ principal: { id: 'a' } }],
      [{ principal: { id: '' }, agent: { id: 'b' } }],
      [{ principal: { id: 'a', roles: 'admin' }, agent: { id: 'b' } }],
      [{ principal: { id: 'a' }, agent: { id: 'b' }, environment: { x: Number.NaN } }],
    ])('openSession refuses %j', async (options) => {
      const firewall = await createFirewall(firewallOptions({ policy: policyDouble(() => allow) }));
      await expect(firewall.openSession(options as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    });

    it.each([
      [null],
      [{ tool: 'x', args: {}, callId: '' }],
      [{ tool: '', args: {}, callId: 'c' }],
      [{ tool: 'x', args: [], callId: 'c' }],
      [{ tool: 'x', args: { n: Number.POSITIVE_INFINITY }, callId: 'c' }],
      [{ tool: 'x', args: { big: 'x'.repeat(2_000_000) }, callId: 'c' }],
      [{ tool: 'x', args: {}, callId: 'c\n' }],
      [{ tool: 'x', args: {}, callId: 'c', approvals: 'yes' }],
    ])('guard refuses %j without a raw TypeError', async (call) => {
      const firewall = await createFirewall(firewallOptions({ policy: policyDouble(() => allow) }));
      const s = await firewall.openSession(session);
      await expect(s.guard(call as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(s.execute(call as never, () => 1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    });

    it('treats a __proto__ argument as data', async () => {
      const policy = policyDouble(() => allow);
      const firewall = await createFirewall(firewallOptions({ policy }));
      const s = await firewall.openSession(session);
      const args = JSON.parse('{"__proto__": {"admin": true}, "to": "a@b.example"}') as Record<string, unknown>;
      const result = await s.execute({ tool: 'email.send', args, callId: 'c1' }, (a) => Object.keys(a));
      expect(result.status === 'executed' && result.result).toContain('__proto__');
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });

    it('refuses malformed approvals, rollbacks and tool functions', async () => {
      const firewall = await createFirewall(firewallOptions({ policy: policyDouble(() => allow) }));
      const s = await firewall.openSession(session);
      await expect(firewall.submitApproval(null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(firewall.submitApproval({ requestId: 'x', statement: {} })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(firewall.submitApproval({ requestId: `sha256:${'0'.repeat(64)}`, statement: {} })).rejects.toMatchObject({
        code: 'ERR_FIREWALL_APPROVAL_NOT_FOUND',
      });
      await expect(firewall.rollback(42 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(s.execute({ tool: 'search', args: {}, callId: 'c' }, 'run' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
      await expect(s.addUserTurn(7 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    });
  });
});

export type { LedgerStore };
