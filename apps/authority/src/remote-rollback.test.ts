import { afterEach, describe, expect, it } from 'vitest';
import { createRemoteFirewall, verifyTranscript } from '@writ/core';
import type { EffectContext, FirewallSession } from '@writ/core';
import { AGENT_TOKEN, APPROVER_TOKEN, OTHER_AGENT_TOKEN, startHarness } from './test-harness.ts';
import type { Harness } from './test-harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.authority.close();
  harness = undefined;
});

async function session(h: Harness, reconcilers = {}): Promise<{ firewall: ReturnType<typeof createRemoteFirewall>; session: FirewallSession }> {
  const firewall = createRemoteFirewall({ url: h.authority.url, token: AGENT_TOKEN, timeoutMs: 10_000, reconcilers });
  const opened = await firewall.openSession({ principal: { id: 'user:dana', roles: ['support'], tenant: 'acme' }, agent: { id: 'support-agent', framework: 'test' } });
  await opened.addSystemPrompt('You are the support agent of Acme.');
  await opened.addUserTurn('Order 4417 arrived broken, please refund 60 EUR and email me at dana@example.com.');
  return { firewall, session: opened };
}

describe('rollback through the remote firewall', () => {
  it('runs the compensation in the agent with the recorded effect; the authority records it; twice is refused; others cannot', async () => {
    const h = (harness = await startHarness());
    const compensated: EffectContext[] = [];
    const { firewall, session: s } = await session(h, {
      refund_issue: {
        compensate: (context: EffectContext) => {
          compensated.push(context);
          return { status: 'compensated', residue: ['the customer saw the refund notice'] };
        },
      },
    });
    const done = await s.execute({ tool: 'refund_issue', args: { order: '4417', amount: 60 }, callId: 'r1' }, (args) => ({ refundId: `rf-${typeof args.order === 'string' ? args.order : '?'}` }));
    expect(done.status).toBe('executed');
    const tokenId = done.status === 'executed' ? done.receipt.tokenId : undefined;
    expect(typeof tokenId).toBe('string');

    // Another agent cannot roll back this agent's effect, and an unknown token is unknown.
    const other = createRemoteFirewall({ url: h.authority.url, token: OTHER_AGENT_TOKEN, timeoutMs: 10_000 });
    await expect(other.rollback(tokenId!)).rejects.toMatchObject({ code: 'ERR_FIREWALL_TOKEN_UNKNOWN' });
    await expect(firewall.rollback('tok_does_not_exist')).rejects.toMatchObject({ code: 'ERR_FIREWALL_TOKEN_UNKNOWN' });
    expect(compensated).toEqual([]);

    const report = await firewall.rollback(tokenId!);
    expect(report).toMatchObject({ tokenId, status: 'compensated', residue: ['the customer saw the refund notice'] });
    expect(compensated).toHaveLength(1);
    expect(compensated[0]).toMatchObject({ tokenId, callId: 'r1', tool: 'refund_issue', args: { order: '4417', amount: 60 }, result: { refundId: 'rf-4417' } });

    // Rolled back once: a second rollback reports failure without running the compensation.
    expect(await firewall.rollback(tokenId!)).toMatchObject({ status: 'failed' });
    expect(compensated).toHaveLength(1);

    // A finish without a running rollback is refused.
    const stray = await h.call({ path: `/v1/agent/rollbacks/${tokenId!}/finish`, token: AGENT_TOKEN, body: { status: 'compensated' } });
    expect(stray.status).toBe(404);

    await s.end();
    const transcript = await h.call({ method: 'GET', path: '/v1/transcript', token: APPROVER_TOKEN });
    const lines = transcript.json.entries as string[];
    const rolled = lines.filter((line) => line.includes('"type":"effect-rolled-back"'));
    expect(rolled).toHaveLength(1);
    expect(rolled[0]).toContain('the customer saw the refund notice');
    expect((await verifyTranscript({ entries: lines, checkpoints: transcript.json.checkpoints as string[], trustRoot: h.world.trustRoot })).valid).toBe(true);
  });

  it('a tool without a compensation in the agent is not compensable; a throwing one is partial; a bad report is refused', async () => {
    const h = (harness = await startHarness());
    const refund = async (reconcilers: Record<string, unknown>) => {
      const { firewall, session: s } = await session(h, reconcilers);
      const done = await s.execute({ tool: 'refund_issue', args: { order: '4417', amount: 60 }, callId: 'r1' }, () => ({ ok: true }));
      expect(done.status).toBe('executed');
      return { firewall, token: done.status === 'executed' ? done.receipt.tokenId! : '' };
    };
    const plain = await refund({});
    expect(await plain.firewall.rollback(plain.token)).toMatchObject({ status: 'not-compensable' });
    const throwing = await refund({ refund_issue: { compensate: () => { throw new Error('payment provider refused the reversal'); } } });
    const partial = await throwing.firewall.rollback(throwing.token);
    expect(partial.status).toBe('partial');
    expect(partial.residue.join(' ')).toContain('payment provider refused the reversal');

    // Malformed reports: the route checks status and residue.
    const { token } = await refund({});
    const started = await h.call({ path: `/v1/agent/rollbacks/${token}/start`, token: AGENT_TOKEN, body: {} });
    expect(started.json).toMatchObject({ phase: 'run', effect: { tool: 'refund_issue', callId: 'r1', args: { order: '4417', amount: 60 }, result: { ok: true } } });
    expect((await h.call({ path: `/v1/agent/rollbacks/${token}/finish`, token: AGENT_TOKEN, body: { status: 'undone' } })).status).toBe(400);
    expect((await h.call({ path: `/v1/agent/rollbacks/${token}/finish`, token: AGENT_TOKEN, body: { status: 'partial', residue: [1] } })).status).toBe(400);
    expect((await h.call({ path: `/v1/agent/rollbacks/${token}/finish`, token: OTHER_AGENT_TOKEN, body: { status: 'compensated' } })).status).toBe(404);
    expect((await h.call({ path: `/v1/agent/rollbacks/${token}/start`, token: AGENT_TOKEN, body: {} })).status).toBe(409);
    const finished = await h.call({ path: `/v1/agent/rollbacks/${token}/finish`, token: AGENT_TOKEN, body: { status: 'partial', residue: ['one line item remains'] } });
    expect(finished.json.report).toMatchObject({ status: 'partial', residue: ['one line item remains'] });
    expect((await h.call({ path: '/v1/agent/rollbacks/bad%20id/start', token: AGENT_TOKEN, body: {} })).status).toBe(400);
  });
});
