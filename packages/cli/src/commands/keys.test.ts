import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../cli-context.ts';
import { initAction } from './init.ts';
import { emptyProgram } from '../program.ts';
import { generateKey, listKeys, registerKeysCommand, rotateKeys } from './keys.ts';

const NOW = new Date('2026-11-24T12:00:00Z');

function capture(cwd: string) {
  const out = { stdout: '', stderr: '', code: -1 };
  const context: CommandContext = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), setExitCode: (c) => void (out.code = c), cwd, interactive: false };
  return { out, context };
}

async function project(files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'writ-init-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const { out, context } = capture(dir);
  await initAction({ env: {}, now: NOW }, context);
  return { dir, out };
}

describe('writ keys', () => {
  it('generates, adds a second root key with threshold 2, retires and revokes — each version verified', async () => {
    const { dir } = await project();
    const run = async (fn: (c: CommandContext) => Promise<void>) => {
      const { out, context } = capture(dir);
      await fn(context);
      return out;
    };
    expect((await run((c) => generateKey('root-2', { env: {} }, c))).code).toBe(0);
    expect((await run((c) => generateKey('root-2', { env: {} }, c))).stderr).toContain('--force');
    expect((await run((c) => rotateKeys({ env: {}, now: NOW, add: ['root-2:root:alice'], threshold: '2' }, c))).code).toBe(0);
    const list = JSON.parse((await run((c) => listKeys({ env: {}, json: true }, c))).stdout);
    expect(list).toMatchObject({ version: 2, threshold: 2 });
    const authority = list.keys.find((k: { roles: string[] }) => k.roles.includes('authority')).keyId as string;
    // Version 3 needs two root signatures: one is not enough.
    const one = await run((c) => rotateKeys({ env: {}, now: NOW, retire: [authority], signWith: ['root'] }, c));
    expect(one).toMatchObject({ code: 2, stderr: expect.stringContaining('does not verify') });
    expect((await run((c) => rotateKeys({ env: {}, now: NOW, retire: [authority] }, c))).code).toBe(0);
    const ledger = list.keys.find((k: { roles: string[] }) => k.roles.includes('ledger')).keyId as string;
    expect((await run((c) => rotateKeys({ env: {}, now: NOW, revoke: [ledger] }, c))).stderr).toContain('--since TIME is required');
    expect((await run((c) => rotateKeys({ env: {}, now: NOW, revoke: [ledger], since: '2026-11-20T00:00:00Z' }, c))).code).toBe(0);
    const last = JSON.parse((await run((c) => listKeys({ env: {}, json: true }, c))).stdout);
    expect(last.version).toBe(4);
    expect(last.keys.find((k: { keyId: string }) => k.keyId === ledger)).toMatchObject({ status: 'compromised', since: '2026-11-20T00:00:00.000Z' });
    expect(last.keys.find((k: { keyId: string }) => k.keyId === authority)).toMatchObject({ status: 'retired' });
  });

  it('refuses lock-out: a threshold above the root keys, retiring the last root key', async () => {
    const { dir } = await project();
    const list = capture(dir);
    await listKeys({ env: {}, json: true }, list.context);
    const rootId = JSON.parse(list.out.stdout).keys[0].keyId as string;
    const high = capture(dir);
    await rotateKeys({ env: {}, now: NOW, threshold: '2' }, high.context);
    expect(high.out).toMatchObject({ code: 2, stderr: expect.stringContaining('threshold 2 is above the 1 active root key') });
    const last = capture(dir);
    await rotateKeys({ env: {}, now: NOW, retire: [rootId] }, last.context);
    expect(last.out).toMatchObject({ code: 2, stderr: expect.stringContaining('no active root key') });
  });

  it('reports bad input clearly: no trust root, unknown key, bad --add spec, bad key name', async () => {
    const empty = capture(mkdtempSync(join(tmpdir(), 'writ-keys-')));
    await listKeys({ env: {} }, empty.context);
    expect(empty.out).toMatchObject({ code: 2, stderr: expect.stringContaining('no trust root (run writ init)') });
    const { dir } = await project();
    const unknown = capture(dir);
    await rotateKeys({ env: {}, retire: ['nope'] }, unknown.context);
    expect(unknown.out.stderr).toContain('no key nope');
    const spec = capture(dir);
    await rotateKeys({ env: {}, add: ['root:wizard:me'] }, spec.context);
    expect(spec.out.stderr).toContain('expected NAME:ROLE[+ROLE]:OWNER');
    const name = capture(dir);
    await generateKey('../escape', { env: {} }, name.context);
    expect(name.out).toMatchObject({ code: 2, stderr: expect.stringContaining('use lowercase letters') });
    const tampered = capture(dir);
    writeFileSync(join(dir, '.writ/trust-root/0001.json'), '{"payload":"e30","payloadType":"x","signatures":[]}');
    await listKeys({ env: {} }, tampered.context);
    expect(tampered.out.code).toBe(2);
  });
});

describe('writ keys command line', () => {
  // The real commander program (as `writ keys ...` builds it), one per invocation.
  async function cli(dir: string, ...argv: string[]) {
    const { out, context } = capture(dir);
    const program = emptyProgram().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerKeysCommand(program, context);
    await program.parseAsync(['keys', ...argv], { from: 'user' });
    return out;
  }
  const keysOf = async (dir: string) => {
    const { out, context } = capture(dir);
    await listKeys({ env: {}, json: true }, context);
    return JSON.parse(out.stdout) as { version: number; threshold: number; keys: { keyId: string; roles: string[]; status: string; localName: string | null }[] };
  };
  const idOf = (list: Awaited<ReturnType<typeof keysOf>>, name: string) => list.keys.find((k) => k.localName === name)!.keyId;
  /** Key ids that signed trust-root version `version`. */
  const signedBy = (dir: string, version: number) =>
    (JSON.parse(readFileSync(join(dir, '.writ/trust-root', `${String(version).padStart(4, '0')}.json`), 'utf8')) as { signatures: { keyid: string }[] }).signatures.map((s) => s.keyid).sort();
  const versions = (dir: string) => readdirSync(join(dir, '.writ/trust-root')).length;

  /**
   * A project whose authority and ledger key ids do not start with '-' (base64url ids may), so
   * they can be given bare as positional arguments: one starting with '-' would need `--` before it.
   */
  async function plainProject() {
    for (;;) {
      const { dir } = await project();
      const list = await keysOf(dir);
      if (!list.keys.some((k) => k.keyId.startsWith('-') && k.localName !== 'root')) return { dir, list };
    }
  }

  /** A project with a second local root key `root-2` in version 2 (threshold as given). */
  async function twoRoots(threshold: string) {
    const { dir } = await plainProject();
    expect((await cli(dir, 'generate', 'root-2')).code).toBe(0);
    expect((await cli(dir, 'rotate', '--add', 'root-2:root:alice', '--threshold', threshold)).code).toBe(0);
    return { dir, list: await keysOf(dir) };
  }

  it('takes --sign-with before or after the key ids of retire and revoke', async () => {
    // Threshold 1 with two root keys: without --sign-with both would sign, so one signature proves it was used.
    const { dir, list } = await twoRoots('1');
    const root = idOf(list, 'root');
    const [authority, ledger] = [idOf(list, 'authority'), idOf(list, 'ledger')];
    expect(await cli(dir, 'retire', '--sign-with', 'root', authority)).toMatchObject({ code: 0, stderr: '' });
    expect(signedBy(dir, 3)).toEqual([root]);
    expect(await cli(dir, 'retire', ledger, '--sign-with', 'root')).toMatchObject({ code: 0, stderr: '' });
    expect(signedBy(dir, 4)).toEqual([root]);
    const after = await keysOf(dir);
    expect(after.version).toBe(4);
    expect(after.keys.filter((k) => k.status === 'retired').map((k) => k.keyId).sort()).toEqual([authority, ledger].sort());
    // An id after the option is an id, not a second key name; revoke likewise.
    const fresh = await twoRoots('1');
    const ids = [idOf(fresh.list, 'authority'), idOf(fresh.list, 'ledger')];
    expect(await cli(fresh.dir, 'revoke', ids[0]!, '--sign-with', 'root', ids[1]!, '--since', '2026-11-20T00:00:00Z')).toMatchObject({ code: 0, stderr: '' });
    expect(signedBy(fresh.dir, 3)).toEqual([idOf(fresh.list, 'root')]);
    expect((await keysOf(fresh.dir)).keys.filter((k) => k.status === 'compromised').map((k) => k.keyId).sort()).toEqual([...ids].sort());
    // `--` ends the options: the form for a key id that starts with '-'.
    expect(await cli(fresh.dir, 'retire', '--sign-with', 'root', '--', idOf(fresh.list, 'root-2'))).toMatchObject({ code: 0, stderr: '' });
    expect((await keysOf(fresh.dir)).keys.find((k) => k.localName === 'root-2')).toMatchObject({ status: 'retired' });
  });

  it('uses every repeated --sign-with: two root signatures for threshold 2', async () => {
    const { dir, list } = await twoRoots('2');
    const authority = idOf(list, 'authority');
    // One root key is not enough for threshold 2...
    expect(await cli(dir, 'retire', '--sign-with', 'root', authority)).toMatchObject({ code: 2, stderr: expect.stringContaining('does not verify') });
    // ...both are, each with its own flag.
    expect(await cli(dir, 'retire', '--sign-with', 'root', '--sign-with', 'root-2', authority)).toMatchObject({ code: 0, stderr: '' });
    expect(signedBy(dir, 3)).toEqual([idOf(list, 'root'), idOf(list, 'root-2')].sort());
    expect((await keysOf(dir)).keys.find((k) => k.keyId === authority)).toMatchObject({ status: 'retired' });
  });

  it('refuses an unknown --sign-with key name with a usage error (exit 2), in either position', async () => {
    const { dir, list } = await plainProject();
    const ledger = idOf(list, 'ledger');
    for (const argv of [['retire', '--sign-with', 'nope', ledger], ['retire', ledger, '--sign-with', 'nope']]) {
      const out = await cli(dir, ...argv);
      expect(out).toMatchObject({ code: 2, stdout: '' });
      expect(out.stderr).toMatch(/^writ keys retire: key nope: no .*nope\.key and no WRIT_KEY_NOPE/);
    }
    expect(versions(dir)).toBe(1);
    expect((await keysOf(dir)).keys.find((k) => k.keyId === ledger)).toMatchObject({ status: 'active' });
  });

  it('gives rotate repeatable --add, --retire and --sign-with, and refuses a second value without its flag', async () => {
    const { dir } = await project(); // option values may start with '-': no need for plain ids
    expect((await cli(dir, 'generate', 'root-2')).code).toBe(0);
    expect((await cli(dir, 'generate', 'approver')).code).toBe(0);
    expect(await cli(dir, 'rotate', '--add', 'root-2:root:alice', '--add', 'approver:approver:bob', '--threshold', '2', '--sign-with', 'root', '--sign-with', 'root-2')).toMatchObject({ code: 0, stderr: '' });
    const list = await keysOf(dir);
    expect(list).toMatchObject({ version: 2, threshold: 2 });
    expect(list.keys.map((k) => k.localName)).toEqual(expect.arrayContaining(['root-2', 'approver']));
    expect(signedBy(dir, 2)).toEqual([idOf(list, 'root'), idOf(list, 'root-2')].sort());
    const [authority, ledger] = [idOf(list, 'authority'), idOf(list, 'ledger')];
    expect(await cli(dir, 'rotate', '--retire', authority, '--retire', ledger)).toMatchObject({ code: 0, stderr: '' });
    expect((await keysOf(dir)).keys.filter((k) => k.status === 'retired').map((k) => k.keyId).sort()).toEqual([authority, ledger].sort());
    // The old variadic spelling is refused, not half-applied.
    await expect(cli(dir, 'rotate', '--retire', idOf(list, 'approver'), 'extra')).rejects.toMatchObject({ code: 'commander.excessArguments', exitCode: 1 });
    await expect(cli(dir, 'rotate', '--sign-with', 'root', 'root-2')).rejects.toMatchObject({ code: 'commander.excessArguments' });
    expect(versions(dir)).toBe(3);
  });
});
