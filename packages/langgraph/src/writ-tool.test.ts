import type { FirewallSession } from '@writ/core';
import { describe, expect, it } from 'vitest';
import { writTool } from './writ-tool.ts';

describe('writTool', () => {
  it('refuses something that is not a tool, naming the parameter', () => {
    const session = {} as FirewallSession;
    for (const bad of [null, undefined, 42, 'tool', {}, { name: 'x' }, { invoke: () => 1 }, JSON.parse('{"__proto__":{"invoke":1}}')]) {
      expect(() => writTool(bad as never, { session })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'inner' } }));
    }
  });
});
