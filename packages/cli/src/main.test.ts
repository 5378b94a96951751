import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { COMMAND_MODULES, main } from './main.ts';
import { createProgram } from './program.ts';

describe('writ startup', () => {
  it('has a lazy loader for exactly the commands of the full program', () => {
    const names = createProgram().commands.map((command) => command.name());
    expect(Object.keys(COMMAND_MODULES).sort()).toEqual([...names].sort());
  });

  it('each loader registers the command it is named after, and only it', async () => {
    for (const [name, load] of Object.entries(COMMAND_MODULES)) {
      const program = new Command('writ');
      (await load())(program);
      expect(program.commands.map((command) => command.name())).toEqual([name]);
    }
  });

  it('exits 2 on an unknown command and 0 on --help', async () => {
    expect(await main(['no-such-command'])).toBe(2);
    expect(await main(['--help'])).toBe(0);
    expect(await main(['verify', '--help'])).toBe(0);
  });

  it('prints its version with --version and -V', async () => {
    const { VERSION } = await import('./program.ts');
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(await main(['--version'])).toBe(0);
    expect(await main(['-V'])).toBe(0);
  });

  it('does not treat inherited object keys as command names', async () => {
    expect(await main(['constructor'])).toBe(2);
    expect(await main(['__proto__'])).toBe(2);
  });
});
