// Every runtime export of @writ/ai-sdk answers garbage — as first argument, as options, and as
// each option field of a valid call over a real firewall session — with a value or a
// WritError: never a raw error, a hang or a polluted Object.prototype. The coverage guard
// fails when an export is neither swept nor allowlisted with a reason.
import { describe, expect, it } from 'vitest';
import { openTestSession, sweep, sweepExports } from '@writ/test-suites/sweep-harness';
import * as adapter from './index.ts';

// The sweep harness (garbage, probe, sweep, the coverage guard) is shared: test/src/sweep-harness.ts.

/** Exports not swept generically, and why. */
const allowlist: Record<string, string> = {
  WritToolRefusedError: 'error class: the adapter\'s own way to refuse, not an input boundary',
};

describe('@writ/ai-sdk exports answer garbage with a value or a WritError', () => {
  it('sweeps every export; every export is swept or allowlisted', async () => {
    const session = await openTestSession();
    const tools = { search: { description: 'd', inputSchema: {}, execute: () => Promise.resolve('ok') } };
    const { failures, unswept } = await sweepExports(adapter, {
      allowlist,
      valid: {
        writToolApproval: () => [{ session, onApprovalRequired: () => undefined, onDecision: () => undefined }],
        writTools: () => [tools, { session }],
        captureBasis: () => [session, [{ role: 'user', content: 'hi' }]],
      },
    });
    expect(failures).toEqual([]);
    expect(unswept).toEqual([]);
  }, 300_000);

  it('sweeps the approval function writToolApproval returns', async () => {
    const approve = adapter.writToolApproval({ session: await openTestSession() });
    expect(await sweep('writToolApproval()', (...args) => approve(...(args as [never])), [{ toolCall: { toolName: 'search', toolCallId: 'c1', input: {} }, messages: [] }])).toEqual([]);
  }, 300_000);
});
