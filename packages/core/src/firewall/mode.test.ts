import { describe, expect, it } from 'vitest';
import { isWritError } from '../errors.ts';
import { parseModeConfig, parseModeEnv, resolveMode } from './mode.ts';

describe('resolveMode', () => {
  it('defaults to enforce when nothing is configured', () => {
    expect(resolveMode({ config: {}, env: {} }, { tool: 't', actionClass: 'A3' })).toBe('enforce');
  });

  it('lets a tool override beat a class override and a class override beat the global mode', () => {
    const config = parseModeConfig({ default: 'shadow', classes: { A5: 'enforce' }, tools: { mail: 'advisory' } });
    const table = { config, env: {} };
    expect(resolveMode(table, { tool: 'x', actionClass: 'A2' })).toBe('shadow');
    expect(resolveMode(table, { tool: 'x', actionClass: 'A5' })).toBe('enforce');
    expect(resolveMode(table, { tool: 'mail', actionClass: 'A5' })).toBe('advisory');
  });

  it('lets WRIT_MODE override configuration at the same level without a code change', () => {
    const table = { config: parseModeConfig('enforce'), env: parseModeEnv('shadow,class:A5=enforce,tool:mail=advisory') };
    expect(resolveMode(table, { tool: 'x', actionClass: 'A3' })).toBe('shadow');
    expect(resolveMode(table, { tool: 'x', actionClass: 'A5' })).toBe('enforce');
    expect(resolveMode(table, { tool: 'mail', actionClass: 'A0' })).toBe('advisory');
  });

  it('keeps a tool pinned in configuration when the environment sets only the global mode', () => {
    const table = { config: parseModeConfig({ tools: { pay: 'enforce' } }), env: parseModeEnv('shadow') };
    expect(resolveMode(table, { tool: 'pay', actionClass: 'A5' })).toBe('enforce');
  });

  it('ignores inherited keys such as __proto__ and constructor', () => {
    const table = { config: parseModeConfig({ default: 'shadow' }), env: {} };
    expect(resolveMode(table, { tool: 'constructor', actionClass: 'A1' })).toBe('shadow');
    expect(resolveMode(table, { tool: '__proto__', actionClass: 'A1' })).toBe('shadow');
  });
});

describe('parseModeEnv', () => {
  it('treats undefined and blank as no override', () => {
    expect(parseModeEnv(undefined)).toEqual({});
    expect(parseModeEnv('  ')).toEqual({});
  });

  it.each(['audit', 'tool:=shadow', 'class:A9=shadow', 'x=shadow', 'tool:a=loud', 'x'.repeat(20_000)])(
    'refuses %s with ERR_FIREWALL_MODE_INVALID',
    (value) => {
      expect(() => parseModeEnv(value)).toThrow(expect.objectContaining({ code: 'ERR_FIREWALL_MODE_INVALID' }));
    },
  );
});

describe('parseModeConfig', () => {
  it.each([
    [42, 'ERR_INVALID_ARGUMENT'],
    ['loud', 'ERR_FIREWALL_MODE_INVALID'],
    [{ default: 1 }, 'ERR_FIREWALL_MODE_INVALID'],
    [{ tools: [] }, 'ERR_INVALID_ARGUMENT'],
    [{ tools: { a: 'x' } }, 'ERR_FIREWALL_MODE_INVALID'],
    [{ classes: { A7: 'shadow' } }, 'ERR_INVALID_ARGUMENT'],
    [null, 'ERR_INVALID_ARGUMENT'],
  ])('refuses %j', (value, code) => {
    let error: unknown;
    try {
      parseModeConfig(value);
    } catch (caught) {
      error = caught;
    }
    expect(isWritError(error)).toBe(true);
    expect((error as { code: string }).code).toBe(code);
  });

  it('does not let a __proto__ key pollute the tool table', () => {
    const config = parseModeConfig(JSON.parse('{"tools":{"__proto__":"shadow"}}'));
    expect(resolveMode({ config, env: {} }, { tool: 'other', actionClass: 'A2' })).toBe('enforce');
    expect(resolveMode({ config, env: {} }, { tool: '__proto__', actionClass: 'A2' })).toBe('shadow');
  });
});
