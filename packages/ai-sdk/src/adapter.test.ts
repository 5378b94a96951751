import { describe, expect, it } from 'vitest';
import { WritError } from '@writ/core';
import type { FirewallSession } from '@writ/core';
import { captureBasis, writToolApproval, writTools } from './index.ts';

/** A session that records what the adapter asks of it. */
function recordingSession(guard?: () => Promise<never>) {
  const calls: string[] = [];
  const ref = { id: 'x', digest: `sha256:${'0'.repeat(64)}` as const };
  const session = {
    id: 's',
    addSystemPrompt: (text: string) => (calls.push(`system:${text}`), Promise.resolve(ref)),
    addUserTurn: (text: string) => (calls.push(`user:${text}`), Promise.resolve(ref)),
    addToolOutput: (input: { tool: string; callId: string }) => (calls.push(`tool:${input.tool}:${input.callId}`), Promise.resolve(ref)),
    guard: guard ?? (() => Promise.reject(new WritError('ERR_STORE_CLOSED', 'closed'))),
    execute: () => Promise.reject(new WritError('ERR_STORE_CLOSED', 'closed')),
  } as unknown as FirewallSession;
  return { session, calls };
}

describe('captureBasis', () => {
  it('records system, user and tool-result messages once each, skipping what it cannot read', async () => {
    const { session, calls } = recordingSession();
    const messages = [
      { role: 'system', content: 'be careful' },
      { role: 'user', content: [{ type: 'text', text: 'hello' }, { type: 'image', image: 'x' }] },
      { role: 'assistant', content: 'ignored' },
      { role: 'tool', content: [{ type: 'tool-result', toolName: 'read', toolCallId: 'c1', output: { type: 'json', value: { a: 1 } } }, { type: 'tool-result', toolName: 'read', toolCallId: 'c2', output: { type: 'execution-denied' } }] },
      null,
      42,
      { role: 'user', content: { __proto__: { polluted: true } } },
    ];
    await captureBasis(session, messages);
    await captureBasis(session, messages);
    expect(calls).toEqual(['system:be careful', 'user:hello', 'tool:read:c1']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts undefined and non-array messages without doing anything', async () => {
    const { session, calls } = recordingSession();
    await captureBasis(session, undefined);
    await captureBasis(session, 'nope' as never);
    expect(calls).toEqual([]);
  });
});

describe('writToolApproval', () => {
  it('fails closed with the error code when the firewall cannot judge the call', async () => {
    const { session } = recordingSession();
    const status = await writToolApproval({ session })({ toolCall: { toolName: 't', toolCallId: 'c', input: {} } });
    expect(status).toEqual({ type: 'denied', reason: 'Writ could not judge this call (ERR_STORE_CLOSED); it was not run.' });
  });

  it('denies a non-Writ error without echoing its message', async () => {
    const { session } = recordingSession(() => Promise.reject(new TypeError('secret detail')));
    const status = await writToolApproval({ session })({ toolCall: { toolName: 't', toolCallId: 'c', input: {} }, runtimeContext: { writ: { approvals: 'bad' } } });
    expect(JSON.stringify(status)).not.toMatch(/secret detail/);
    expect(status).toMatchObject({ type: 'denied' });
  });
});

describe('writTools', () => {
  it('refuses a non-object tool set with a WritError', () => {
    const { session } = recordingSession();
    expect(() => writTools(null as never, { session })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('refuses what is not a session at wiring time (a Firewall handed as the session, say)', () => {
    for (const session of [{}, { guard: () => undefined }, { openSession: () => undefined, close: () => undefined }]) {
      expect(() => writTools({}, { session } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'options.session' } }));
    }
  });

  it('leaves tools without execute unchanged', () => {
    const { session } = recordingSession();
    const clientTool = { description: 'runs in the browser', inputSchema: {} };
    expect(writTools({ clientTool } as never, { session })).toEqual({ clientTool });
  });
});
