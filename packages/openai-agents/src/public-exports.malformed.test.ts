// Every runtime export of @writ/openai-agents answers garbage — as first argument, as options, and as
// each option field of a valid call over a real firewall session — with a value or a
// WritError: never a raw error, a hang or a polluted Object.prototype. The coverage guard
// fails when an export is neither swept nor allowlisted with a reason.
import { describe, expect, it } from 'vitest';
import { openTestSession, sweepExports } from '@writ/test-suites/sweep-harness';
import * as adapter from './index.ts';

// The sweep harness (garbage, probe, sweep, the coverage guard) is shared: test/src/sweep-harness.ts.

/** Exports not swept generically, and why. */
const allowlist: Record<string, string> = {};

describe('@writ/openai-agents exports answer garbage with a value or a WritError', () => {
  it('sweeps every export; every export is swept or allowlisted', async () => {
    const session = await openTestSession();
    const state = { getInterruptions: () => [], approve: () => undefined, reject: () => undefined };
    const { failures, unswept } = await sweepExports(adapter, {
      allowlist,
      valid: {
        writTool: () => [{ name: 'search', description: 'd', parameters: undefined, execute: () => 'ok' }, { session }],
        applySignedApprovals: () => [{ state, session, approvals: {} }],
        captureInput: () => [session, 'hello'],
      },
    });
    expect(failures).toEqual([]);
    expect(unswept).toEqual([]);
  }, 300_000);
});
