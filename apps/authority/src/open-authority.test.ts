import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrivateKey, toBase64Url } from '@writ/core';
import { loadAuthorityKey, loadConfig } from './load-config.ts';
import { openAuthority } from './open-authority.ts';
import { authorityConfigDir } from './test-harness.ts';

/** Load the config in `dir` and open the authority, as `main.ts` does (no environment). */
async function open(dir: string) {
  return openAuthority({ config: await loadConfig({ env: {}, cwd: dir }), env: {} });
}

/** The error opening the authority in `dir` throws. */
async function openError(dir: string): Promise<{ code?: unknown; message?: unknown; details?: { parameter?: unknown } }> {
  try {
    const running = await open(dir);
    await running.close();
  } catch (error) {
    return error as { code?: unknown; message?: unknown; details?: { parameter?: unknown } };
  }
  throw new Error('the authority opened');
}

/** The config in `dir` names `key`, and the authority opens with it and serves. */
async function expectOpensAs(dir: string, key: PrivateKey): Promise<void> {
  expect((await loadAuthorityKey(await loadConfig({ env: {}, cwd: dir }))).keyId).toBe(key.keyId);
  const running = await open(dir);
  try {
    expect(await (await fetch(`${running.url}/v1/trust-root`)).json()).toMatchObject({ version: 1 });
  } finally {
    await running.close();
  }
}

describe('openAuthority: authorityKeyFile', () => {
  it('reads the key file writ init and writ keys generate write, JSON { keyId, seed }', async () => {
    const key = PrivateKey.generate();
    const dir = authorityConfigDir(key, 'authority.key');
    writeFileSync(join(dir, 'authority.key'), `${JSON.stringify({ keyId: key.keyId, seed: toBase64Url(key.exportSeed()) })}\n`, { mode: 0o600 });
    await expectOpensAs(dir, key);
  });

  it('still reads a file holding a bare base64url seed', async () => {
    const key = PrivateKey.generate();
    const dir = authorityConfigDir(key, 'authority.seed');
    writeFileSync(join(dir, 'authority.seed'), `${toBase64Url(key.exportSeed())}\n`);
    await expectOpensAs(dir, key);
  });

  it('refuses a key file whose keyId is not its seed\'s', async () => {
    const key = PrivateKey.generate();
    const other = PrivateKey.generate();
    const dir = authorityConfigDir(key, 'authority.key');
    writeFileSync(join(dir, 'authority.key'), `${JSON.stringify({ keyId: other.keyId, seed: toBase64Url(key.exportSeed()) })}\n`);
    expect(await openError(dir)).toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: `authorityKeyFile ${join(dir, 'authority.key')}: key id "${other.keyId}" does not match the seed (whose key id is ${key.keyId})`,
      details: { parameter: 'authorityKeyFile' },
    });
  });

  it('refuses a key file that cannot be read, naming it', async () => {
    const dir = authorityConfigDir(PrivateKey.generate(), 'nope.key');
    expect(await openError(dir)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: `authorityKeyFile ${join(dir, 'nope.key')} cannot be read`, details: { parameter: 'authorityKeyFile' } });
  });

  it('refuses a file that is neither a key file nor a seed, and a key file without a 32-byte seed', async () => {
    const key = PrivateKey.generate();
    const dir = authorityConfigDir(key, 'authority.key');
    const file = join(dir, 'authority.key');
    writeFileSync(file, '{ "keyId": ');
    expect(await openError(dir)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: `authorityKeyFile ${file}: not a key file (JSON { keyId, seed })`, details: { parameter: 'authorityKeyFile' } });
    writeFileSync(file, JSON.stringify({ keyId: key.keyId, seed: toBase64Url(new Uint8Array(16)) }));
    expect(await openError(dir)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: `authorityKeyFile ${file}: not a 32-byte base64url seed (key file)`, details: { parameter: 'authorityKeyFile' } });
    writeFileSync(file, 'not a seed!');
    expect(await openError(dir)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'authorityKeyFile' } });
    writeFileSync(file, '');
    expect(await openError(dir)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'authorityKeyFile' } });
  });

  it('keeps authorityKey (and WRIT_AUTHORITY_KEY) a bare seed, refusing one that is not 32 bytes as authorityKey', async () => {
    const dir = authorityConfigDir(PrivateKey.generate(), 'unused.key');
    const config = await loadConfig({ env: { WRIT_AUTHORITY_KEY: 'AAAA' }, cwd: dir });
    await expect(openAuthority({ config, env: {} })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: 'authorityKey must be a base64url Ed25519 seed', details: { parameter: 'authorityKey' } });
  });
});
