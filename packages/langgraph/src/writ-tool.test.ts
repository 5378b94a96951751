import type { FirewallSession } from '@writ/core';
import { describe, expect, it } from 'vitest';
import { writTool } from './writ-tool.ts';

describe('writTool', () => {
  it('refuses something that is not a tool, naming the parameter', () => {
    const session = { guard: () => undefined, execute: () => undefined } as unknown as FirewallSession;
    for (const bad of [null, undefined, 42, 'tool', {}, { name: 'x' }, { invoke: () => 1 }, JSON.parse('{"__proto__":{"invoke":1}}')]) {
      expect(() => writTool(bad as never, { session })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'inner' } }));
    }
  });

  it('refuses options without a firewall session', () => {
    const tool = { name: 't', invoke: () => 1 } as never;
    for (const options of [undefined, null, {}, { session: {} }, { session: { guard: 1, execute: 1 } }, { session: { guard: () => 1, execute: () => 1 }, onEvent: 'x' }]) {
      expect(() => writTool(tool, options as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  it('refuses a history that is not client or application, naming the parameter', () => {
    const tool = { name: 't', invoke: () => 1 } as never;
    for (const history of ['trusted', 'Application', 0, null, {}]) {
      const session = { guard: () => undefined, execute: () => undefined } as unknown as FirewallSession;
      expect(() => writTool(tool, { session, history } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'options.history' } }));
    }
  });
});
