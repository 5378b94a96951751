import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { PrivateKey, toBase64Url } from '@writ/core';
import type { CommandContext } from '../cli-context.ts';
import { main } from '../main.ts';
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
    // A --since that is given but is no time says so, rather than that it is missing.
    expect(await run((c) => rotateKeys({ env: {}, now: NOW, revoke: [ledger], since: 'garbage' }, c))).toMatchObject({ code: 2, stderr: expect.stringContaining('--since garbage: not a time') });
    expect(await run((c) => rotateKeys({ env: {}, now: NOW, threshold: '1.5' }, c))).toMatchObject({ code: 2, stderr: expect.stringContaining('the threshold must be a whole number') });
    expect((await run((c) => rotateKeys({ env: {}, now: NOW, revoke: [ledger], since: '2026-11-20T00:00:00Z' }, c))).code).toBe(0);
    const last = JSON.parse((await run((c) => listKeys({ env: {}, json: true }, c))).stdout);
    expect(last.version).toBe(4);
    expect(last.keys.find((k: { keyId: string }) => k.keyId === ledger)).toMatchObject({ status: 'compromised', since: '2026-11-20T00:00:00.000Z' });
    expect(last.keys.find((k: { keyId: string }) => k.keyId === authority)).toMatchObject({ status: 'retired' });
  });

  it('never moves a retired or compromised key\'s time later (its signatures in between would become valid again)', async () => {
    const { dir } = await project();
    const run = async (fn: (c: CommandContext) => Promise<void>) => {
      const { out, context } = capture(dir);
      await fn(context);
      return out;
    };
    const list = JSON.parse((await run((c) => listKeys({ env: {}, json: true }, c))).stdout);
    const authority = list.keys.find((k: { roles: string[] }) => k.roles.includes('authority')).keyId as string;
    const ledger = list.keys.find((k: { roles: string[] }) => k.roles.includes('ledger')).keyId as string;
    expect((await run((c) => rotateKeys({ env: {}, now: NOW, retire: [authority] }, c))).code).toBe(0);
    expect((await run((c) => rotateKeys({ env: {}, now: NOW, revoke: [ledger], since: '2026-11-20T00:00:00Z' }, c))).code).toBe(0);
    const versions = () => readdirSync(join(dir, '.writ/trust-root')).sort();
    const before = versions();
    const later = new Date(NOW.getTime() + 86_400_000);
    const refused = [
      { now: later, retire: [authority] }, // retired again, a day later
      { now: later, retire: [ledger] }, // a compromised key retired
      { now: later, revoke: [authority], since: later.toISOString() }, // compromised only after its retirement
      { now: later, revoke: [ledger], since: '2026-11-21T00:00:00Z' }, // a narrower compromise window
    ];
    for (const options of refused) {
      const out = await run((c) => rotateKeys({ env: {}, ...options }, c));
      expect(out, JSON.stringify(options)).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('already') });
    }
    expect(versions()).toEqual(before);
    // Widening is fine: compromised since earlier than it was retired, or than known before.
    expect((await run((c) => rotateKeys({ env: {}, now: later, revoke: [authority], since: '2026-11-01T00:00:00Z' }, c))).code).toBe(0);
    expect((await run((c) => rotateKeys({ env: {}, now: later, revoke: [ledger], since: '2026-11-10T00:00:00Z' }, c))).code).toBe(0);
    const last = JSON.parse((await run((c) => listKeys({ env: {}, json: true }, c))).stdout);
    expect(last.keys.find((k: { keyId: string }) => k.keyId === authority)).toMatchObject({ status: 'compromised', since: '2026-11-01T00:00:00.000Z' });
    expect(last.keys.find((k: { keyId: string }) => k.keyId === ledger)).toMatchObject({ status: 'compromised', since: '2026-11-10T00:00:00.000Z' });
  });

  it('refuses a rotation that changes nothing (exit 2, no new version)', async () => {
    const { dir } = await project();
    const versions = () => readdirSync(join(dir, '.writ/trust-root')).sort();
    const before = versions();
    const pin = readFileSync(join(dir, '.writ/trust-root.json'), 'utf8');
    for (const options of [{}, { threshold: '1' }, { signWith: ['root'] }]) {
      const { out, context } = capture(dir);
      await rotateKeys({ env: {}, now: NOW, ...options }, context);
      expect(out).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('nothing to change') });
    }
    expect(versions()).toEqual(before);
    expect(readFileSync(join(dir, '.writ/trust-root.json'), 'utf8')).toBe(pin);
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
    const other = PrivateKey.generate();
    writeFileSync(join(dir, '.writ/keys/mixed-up.key'), JSON.stringify({ keyId: other.keyId, seed: toBase64Url(PrivateKey.generate().exportSeed()) }));
    const mixed = capture(dir);
    await listKeys({ env: {} }, mixed.context);
    expect(mixed.out).toMatchObject({ code: 2, stderr: expect.stringContaining(`mixed-up.key): key id "${other.keyId}" does not match the seed`) });
    rmSync(join(dir, '.writ/keys/mixed-up.key'));
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
   * A project whose key ids do not start with '-' (base64url ids do, one in 64), so they can be
   * given bare as positional arguments and are never mistaken for the dash-N keys of
   * {@link dashProject}. Ids that start with a single '-' are taken bare (see {@link dashKeys}).
   */
  async function plainProject() {
    for (;;) {
      const { dir } = await project();
      const list = await keysOf(dir);
      // No id of its own starts with '-' at all: the tests below count the ids that do (only
      // their dash-N keys) and give the ledger id bare next to unknown options.
      if (!list.keys.some((k) => k.keyId.startsWith('-'))) return { dir, list };
    }
  }

  /** `count` fixed keys whose ids start with a single '-' (about one id in 64 does): seeds 0, 1, 2, ... as big-endian counters. */
  function dashKeys(count: number): PrivateKey[] {
    const found: PrivateKey[] = [];
    for (let i = 0; found.length < count; i++) {
      if (i > 100_000) throw new Error('no key ids that start with a single -');
      const seed = new Uint8Array(32);
      new DataView(seed.buffer).setUint32(0, i);
      const key = PrivateKey.fromSeed(seed);
      if (/^-[^-]/.test(key.keyId)) found.push(key);
    }
    return found;
  }

  /** A project with two local root keys (threshold 1) and approver keys dash-0.. whose ids start with '-', all in the trust root. */
  async function dashProject(count: number) {
    const { dir } = await twoRoots('1');
    const ids = dashKeys(count).map((key, index) => {
      writeFileSync(join(dir, '.writ/keys', `dash-${index}.key`), `${JSON.stringify({ keyId: key.keyId, seed: toBase64Url(key.exportSeed()) })}\n`, { mode: 0o600 });
      return key.keyId;
    });
    const add = ids.flatMap((_, index) => ['--add', `dash-${index}:approver:owner-${index}`]);
    expect(await cli(dir, 'rotate', ...add)).toMatchObject({ code: 0, stderr: '' });
    const list = await keysOf(dir);
    expect(list.keys.filter((k) => k.keyId.startsWith('-')).map((k) => k.keyId).sort()).toEqual([...ids].sort());
    return { dir, list, ids };
  }

  /** `writ ...` through the real entry point: its exit code and what it wrote. */
  async function writ(...argv: string[]) {
    const out = { code: -1, stdout: '', stderr: '' };
    const spy = (stream: 'stdout' | 'stderr') =>
      vi.spyOn(process[stream], 'write').mockImplementation((text: string | Uint8Array) => {
        out[stream] += String(text);
        return true;
      });
    const spies = [spy('stdout'), spy('stderr')];
    try {
      out.code = await main(argv);
      return out;
    } finally {
      for (const s of spies) s.mockRestore();
    }
  }

  /** A project with a second local root key `root-2` in version 2 (threshold as given). */
  async function twoRoots(threshold: string) {
    const { dir } = await plainProject();
    // Like plainProject's keys, root-2's id must not start with '-'.
    do expect((await cli(dir, 'generate', 'root-2', '--force')).code).toBe(0);
    while (JSON.parse(readFileSync(join(dir, '.writ/keys/root-2.key'), 'utf8')).keyId.startsWith('-'));
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

  it("takes key ids that start with '-' bare: before or after --sign-with, next to other ids, and after --", async () => {
    // Threshold 1 with two root keys: the single signature of each version shows --sign-with was used.
    const { dir, list, ids } = await dashProject(4);
    const [a, b, c, d] = ids as [string, string, string, string];
    const root = idOf(list, 'root');
    const authority = idOf(list, 'authority');
    expect(await cli(dir, 'retire', '--sign-with', 'root', a)).toMatchObject({ code: 0, stderr: '' });
    expect(signedBy(dir, 4)).toEqual([root]);
    expect(await cli(dir, 'retire', b, '--sign-with', 'root', authority)).toMatchObject({ code: 0, stderr: '' });
    expect(signedBy(dir, 5)).toEqual([root]);
    expect(await cli(dir, 'revoke', c, '--sign-with', 'root', '--since', '2026-11-20T00:00:00Z')).toMatchObject({ code: 0, stderr: '' });
    expect(signedBy(dir, 6)).toEqual([root]);
    // `--` still ends the options.
    expect(await cli(dir, 'revoke', '--since', '2026-11-20T00:00:00Z', '--sign-with', 'root', '--', d)).toMatchObject({ code: 0, stderr: '' });
    expect(signedBy(dir, 7)).toEqual([root]);
    const after = await keysOf(dir);
    expect(after.version).toBe(7);
    expect(after.keys.filter((k) => k.status === 'retired').map((k) => k.keyId).sort()).toEqual([a, b, authority].sort());
    expect(after.keys.filter((k) => k.status === 'compromised').map((k) => k.keyId).sort()).toEqual([c, d].sort());
  });

  it('refuses an unknown option as one (exit 2, nothing written), also next to a key id that starts with -', async () => {
    const { dir, ids } = await dashProject(1);
    const id = ids[0]!;
    const ledger = idOf(await keysOf(dir), 'ledger');
    const since = ['--since', '2026-11-20T00:00:00Z'];
    const cases: [string, string[]][] = [
      ['--sign-wth', ['retire', '--sign-wth', 'root', id]],
      ['--sign-wth', ['retire', id, '--sign-wth', 'root']],
      ['--sign-wth', ['revoke', ledger, ...since, '--sign-wth', 'root']],
      ['-x', ['retire', '-x', ledger]],
      ['-x', ['retire', id, '-x']],
      ['-x', ['revoke', id, ...since, '-x', ledger]],
      // Shaped almost like a key id: one character short, or starting with '--'.
      [id.slice(0, -1), ['retire', id.slice(0, -1)]],
      [`-${id}`.slice(0, 22), ['retire', `-${id}`.slice(0, 22)]],
    ];
    for (const [flag, argv] of cases) {
      await expect(cli(dir, ...argv), argv.join(' ')).rejects.toMatchObject({ code: 'commander.unknownOption', message: expect.stringContaining(`unknown option '${flag}'`) });
      const out = await writ('keys', '--dir', join(dir, '.writ'), ...argv);
      expect(out, argv.join(' ')).toMatchObject({ code: 2, stdout: '' });
      expect(out.stderr.split('\n')[0]).toBe(`error: unknown option '${flag}'`);
      if (flag === '--sign-wth') expect(out.stderr).toContain('(Did you mean --sign-with?)');
    }
    expect(versions(dir)).toBe(3);
    expect((await keysOf(dir)).keys.every((k) => k.status === 'active')).toBe(true);
    // The same id without the typo goes through the real entry point.
    expect(await writ('keys', '--dir', join(dir, '.writ'), 'retire', id, '--sign-with', 'root')).toMatchObject({ code: 0, stdout: expect.stringContaining('published trust root version 4'), stderr: '' });
    expect((await keysOf(dir)).keys.find((k) => k.keyId === id)).toMatchObject({ status: 'retired' });
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

  it('says plainly when no signing key is a root key (an approver key, or a WRIT_KEY_ROOT of another project)', async () => {
    const { dir, list } = await plainProject();
    expect((await cli(dir, 'generate', 'approver')).code).toBe(0);
    const out = await cli(dir, 'retire', idOf(list, 'ledger'), '--sign-with', 'approver');
    expect(out).toMatchObject({ code: 2, stdout: '' });
    expect(out.stderr).toMatch(/^writ keys retire: refused: none of the signing keys \(approver \S+\) is a root key of trust root version 1 or of the new one; .* \[ERR_KEY_ROLE_MISMATCH\]\n$/);
    expect(versions(dir)).toBe(1);
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
