import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../cli-context.ts';
import { createProgram } from '../program.ts';
import { Command } from 'commander';
import { MAX_DECIDE_FILE_BYTES, decideAction, registerDecideCommand } from './decide.ts';
import { registerReplayCommand } from './replay.ts';

// The shared policy library of the repository (policies/writ + its default data).
const POLICIES = fileURLToPath(new URL('../../../../policies/', import.meta.url));
const POLICY = [join(POLICIES, 'writ'), join(POLICIES, 'data.json')];
const TOOLS = {
  tools: [{ name: 'payments.transfer', actionClass: 'A3', effects: ['financial'], audience: 'partner', consequential: { iban: 'iban', amount: 'amount' } }],
};
const IBAN = 'DE89370400440532013000';
const request = (source: 'user' | 'email') => ({
  tool: 'payments.transfer',
  args: { iban: IBAN, amount: 120 },
  principal: { id: 'alice', tenant: 'acme' },
  now: '2026-03-01T10:00:00Z',
  basis: [
    { kind: 'instruction', content: 'Pay the invoice of 120.', source: 'user', authority: 'user' },
    source === 'user'
      ? { kind: 'instruction', content: `The IBAN is ${IBAN}.`, source: 'user', authority: 'user' }
      : { kind: 'tool-output', content: `Please pay to ${IBAN}`, source: 'tool:email.read', authority: 'untrusted' },
  ],
});

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO request/tools-file test needs mkfifo (coreutils), which this platform lacks');

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-cli-decide-'));
  await writeFile(join(root, 'tools.json'), JSON.stringify(TOOLS));
  await writeFile(join(root, 'user.json'), JSON.stringify(request('user')));
  await writeFile(join(root, 'email.json'), JSON.stringify(request('email')));
  await writeFile(join(root, 'broken.json'), '{');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// A context in `root` that keeps what a command wrote and its exit code.
function capture() {
  const out = { stdout: '', stderr: '', code: undefined as number | undefined };
  const context: CommandContext = {
    stdout: (text) => void (out.stdout += text),
    stderr: (text) => void (out.stderr += text),
    setExitCode: (value) => void (out.code = value),
    cwd: root,
    interactive: false,
  };
  return { out, context };
}

async function run(file: string, options: { tools?: string; json?: boolean; policy?: string[] } = {}) {
  const { out, context } = capture();
  await decideAction(file, { policy: options.policy ?? POLICY, tools: options.tools ?? 'tools.json', json: options.json ?? false }, context);
  return out;
}

describe('decideAction', () => {
  it('prints an allow with the basis report when the user gave the IBAN', async () => {
    const { code, stdout } = await run('user.json');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^decision: allow/);
    expect(stdout).toContain('basis: score');
  });

  it('prints a deny naming the tainted argument when the IBAN came from an email', async () => {
    const { code, stdout } = await run('email.json', { json: true });
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { decision: { decision: string; reasons: { code: string }[] }; basis: { tainted: string[] } };
    expect(result.decision.decision).toBe('deny');
    expect(result.decision.reasons.map((r) => r.code)).toContain('basis.tainted-argument');
    expect(result.basis.tainted).toEqual(['iban']);
  });

  it('exits 2 for a missing or malformed request, tools file or policy', async () => {
    expect((await run('missing.json')).code).toBe(2);
    expect((await run('broken.json')).code).toBe(2);
    expect((await run('user.json', { tools: 'broken.json' })).code).toBe(2);
    expect((await run('user.json', { policy: [] })).code).toBe(2);
    expect((await run('user.json', { policy: ['no-such-dir'] })).code).toBe(2);
    // Each message names the file, says what is wrong with it and ends in a stable code.
    expect((await run('missing.json')).stderr).toBe('writ decide: cannot read request missing.json: no such file or directory [ENOENT]\n');
    expect((await run('.')).stderr).toBe('writ decide: cannot read request .: is a directory, not a file [EISDIR]\n');
    expect((await run('broken.json')).stderr).toBe('writ decide: request broken.json is not JSON [ERR_USAGE]\n');
    expect((await run('user.json', { tools: 'user.json' })).stderr).toMatch(/^writ decide: tools file user\.json: .* \[ERR_[A-Z_]+\]\n$/);
    await writeFile(join(root, 'empty.json'), '{}');
    expect((await run('user.json', { tools: 'empty.json' })).stderr).toBe('writ decide: tools file empty.json: tools must be an array [ERR_INVALID_ARGUMENT]\n');
    expect((await run('user.json', { policy: ['no-such-dir'] })).stderr).toBe('writ decide: no-such-dir: no such policy file, directory or package [ERR_POLICY_NOT_FOUND]\n');
    // A request whose policy input cannot be built (a budget without a limit) is the request's fault.
    await writeFile(join(root, 'budget.json'), JSON.stringify({ ...request('user'), budgets: [{}] }));
    expect(await run('budget.json')).toMatchObject({ code: 2, stderr: expect.stringContaining('[ERR_POLICY_INPUT_INVALID]') });
  });

  it.skipIf(!haveMkfifo)('GAP: refuses a FIFO named as the request or tools file at once instead of waiting for a writer', async () => {
    expect(spawnSync('mkfifo', [join(root, 'pipe.json')]).status).toBe(0);
    expect(await run('pipe.json')).toMatchObject({ code: 2, stderr: 'writ decide: cannot read request pipe.json: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n' });
    expect(await run('user.json', { tools: 'pipe.json' })).toMatchObject({ code: 2, stderr: 'writ decide: cannot read tools file pipe.json: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n' });
  });

  it('refuses a request or tools file over the limit unread (a sparse file)', async () => {
    await writeFile(join(root, 'huge.json'), '');
    await truncate(join(root, 'huge.json'), MAX_DECIDE_FILE_BYTES + 1);
    expect(await run('huge.json')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^writ decide: cannot read request huge\.json: larger than \d+ bytes.*\[ERR_FILE_TOO_LARGE\]\n$/u) });
    expect(await run('user.json', { tools: 'huge.json' })).toMatchObject({ code: 2, stderr: expect.stringContaining('[ERR_FILE_TOO_LARGE]') });
    expect(await run('user.json', { tools: '.' })).toMatchObject({ code: 2, stderr: 'writ decide: cannot read tools file .: is a directory, not a file [EISDIR]\n' });
  });

  it('parses the command line of the docs: a repeatable --policy and the request last', async () => {
    const { out, context } = capture();
    const program = new Command('writ').exitOverride();
    registerDecideCommand(program, context);
    await program.parseAsync(['decide', '--policy', POLICY[0]!, '--policy', POLICY[1]!, '--tools', 'tools.json', 'email.json'], { from: 'user' });
    expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: '' });
    expect(out.stdout).toMatch(/^decision: deny/);
    // One value per --policy: a second path after it is an extra positional, refused.
    const strict = new Command('writ').exitOverride().configureOutput({ writeErr: () => undefined });
    registerDecideCommand(strict, context);
    await expect(strict.parseAsync(['decide', '--policy', POLICY[0]!, POLICY[1]!, 'email.json'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.excessArguments' });
  });

  it('gives writ replay the same repeatable --policy and --fail-on, the transcript last', async () => {
    const program = new Command('writ').exitOverride();
    registerReplayCommand(program, capture().context);
    await program.parseAsync(['replay', '--policy', 'a', '--policy', 'b', '--fail-on', 'allow-to-deny,deny-to-allow', '--fail-on', 'any', 'no-such-transcript'], { from: 'user' });
    const replay = program.commands[0]!;
    expect(replay.opts<{ policy: string[]; failOn: string[] }>()).toMatchObject({ policy: ['a', 'b'], failOn: ['allow-to-deny,deny-to-allow', 'any'] });
    expect(replay.args).toEqual(['no-such-transcript']);
  });

  it('is registered as writ decide', () => {
    expect(createProgram().commands.map((c) => c.name())).toContain('decide');
  });
});
