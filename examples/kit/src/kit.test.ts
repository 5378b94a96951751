import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKit } from './kit.ts';
import { modeFromArgs } from './narrate.ts';

const tools = {
  tools: [
    { name: 'refund.issue', actionClass: 'A4', effects: ['financial'], audience: 'customer', consequential: { order: 'identifier', amount: 'amount' } },
  ],
};

describe('createKit', () => {
  it('asks for approval, accepts a trusted approver, refuses a forger, and verifies the file transcript', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'writ-kit-')), 'transcript');
    const kit = await createKit({ tools, dir });
    const session = await kit.firewall.openSession({ principal: { id: 'alice', roles: ['support'], tenant: 'acme' }, agent: { id: 'bot' } });
    await session.addUserTurn('Please refund order 7731, 40 EUR');
    const call = { tool: 'refund.issue', args: { order: '7731', amount: 40 }, callId: 'c1' };
    const asked = await session.guard(call);
    if (asked.verdict !== 'approval-required') throw new Error(`expected approval-required, got ${asked.verdict}`);
    expect((await session.submitApproval({ requestId: asked.pending.id, statement: kit.forge(asked.pending) })).status).toBe('refused');
    expect((await session.submitApproval({ requestId: asked.pending.id, statement: kit.approve(asked.pending) })).status).toBe('approved');
    const run = await session.execute(call, () => ({ refunded: 40 }));
    expect(run.status).toBe('executed');
    await session.end();
    const report = await kit.finish();
    expect(report.valid).toBe(true);
  });
});

describe('modeFromArgs', () => {
  it('reads --mode, defaults to enforce, and turns a bad value into a usage error, not a throw', () => {
    const exit = (message: string): never => {
      throw new Error(`exit: ${message}`);
    };
    expect(modeFromArgs([], exit)).toBe('enforce');
    expect(modeFromArgs(['--mode', 'shadow'], exit)).toBe('shadow');
    expect(() => modeFromArgs(['--mode', 'bogus'], exit)).toThrow('exit: --mode must be shadow, advisory or enforce (got "bogus")');
    expect(() => modeFromArgs(['--mode'], exit)).toThrow('(got nothing)');
  });
});
