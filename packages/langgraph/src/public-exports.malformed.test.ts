// Every runtime export of @writ/langgraph answers garbage — as first argument, as options, and as
// each option field of a valid call over a real firewall session — with a value or a
// WritError: never a raw error, a hang or a polluted Object.prototype. The coverage guard
// fails when an export is neither swept nor allowlisted with a reason.
import { describe, expect, it } from 'vitest';
import { openTestSession, sweepExports, sweepInstance } from '@writ/test-suites/sweep-harness';
import * as adapter from './index.ts';

// The sweep harness (garbage, probe, sweep, the coverage guard) is shared: test/src/sweep-harness.ts.

/** Exports not swept generically, and why. */
const allowlist: Record<string, string> = {};

describe('@writ/langgraph exports answer garbage with a value or a WritError', () => {
  it('sweeps every export; every export is swept or allowlisted', async () => {
    const session = await openTestSession();
    const tool = { name: 'search', description: 'd', schema: {}, invoke: () => Promise.resolve('ok'), lc_namespace: [] };
    const { failures, unswept } = await sweepExports(adapter, {
      allowlist,
      valid: {
        writMiddleware: () => [{ session, onEvent: () => undefined, history: 'client' }],
        writTool: () => [tool, { session, onEvent: () => undefined, history: 'client' }],
        captureFor: () => [session, { history: 'client' }],
        MessageCapture: () => [session, { history: 'client' }],
      },
    });
    expect(failures).toEqual([]);
    expect(unswept).toEqual([]);
  }, 300_000);

  it('sweeps the hooks of writMiddleware and the methods of MessageCapture', async () => {
    const failures = [
      ...(await sweepInstance('writMiddleware()', async () => adapter.writMiddleware({ session: await openTestSession() }) as object)),
      ...(await sweepInstance('captureFor()', async () => adapter.captureFor(await openTestSession()))),
    ];
    expect(failures).toEqual([]);
  }, 300_000);
});
