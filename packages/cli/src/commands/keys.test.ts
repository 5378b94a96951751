import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../cli-context.ts';
import { initAction } from './init.ts';
import { generateKey, listKeys, rotateKeys } from './keys.ts';

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
