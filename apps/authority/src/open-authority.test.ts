import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PrivateKey, createTrustRoot, toBase64Url } from '@writ/core';
import type { KeyRole } from '@writ/core';
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

describe('openAuthority: signing roles', () => {
  /** A config directory shaped like a writ init project: root, authority (+gateway) and ledger keys. */
  function initProject(roles: { authority: KeyRole[]; ledger: KeyRole[] }, ledgerKeyFile?: string) {
    const root = PrivateKey.generate();
    const authority = PrivateKey.generate();
    const ledger = PrivateKey.generate();
    const dir = authorityConfigDir(authority, 'authority.key');
    const entry = (key: PrivateKey, keyRoles: KeyRole[]) => ({ keyId: key.keyId, publicKey: toBase64Url(key.publicKey), roles: keyRoles, owner: 'project', validFrom: '2026-01-01T00:00:00Z', status: 'active' as const });
    const trustRoot = createTrustRoot({ type: 'writ.trust-root/v1', version: 1, issuedAt: '2026-01-01T00:00:00Z', threshold: 1, keys: [entry(root, ['root']), entry(authority, roles.authority), entry(ledger, roles.ledger)] });
    writeFileSync(join(dir, 'trust-root.json'), JSON.stringify(trustRoot.toJSON()));
    for (const [name, key] of [['authority.key', authority], ['ledger.key', ledger]] as const) writeFileSync(join(dir, name), JSON.stringify({ keyId: key.keyId, seed: toBase64Url(key.exportSeed()) }));
    const config = join(dir, 'writ-authority.json');
    writeFileSync(config, JSON.stringify({ ...(JSON.parse(readFileSync(config, 'utf8')) as object), ...(ledgerKeyFile === undefined ? {} : { ledgerKeyFile }) }));
    return { dir, authority, ledger };
  }

  it('refuses an authority key without the ledger role when no ledgerKeyFile is given, pointing at it', async () => {
    const { dir, authority } = initProject({ authority: ['authority', 'gateway'], ledger: ['ledger'] });
    const error = await openError(dir);
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'authorityKeyFile' } });
    expect(error.message).toContain(`authorityKeyFile: key ${authority.keyId} lacks the ledger role in the trust root ${join(dir, 'trust-root.json')}`);
    expect(error.message).toContain('"ledgerKeyFile": ".writ/keys/ledger.key"');
  });

  it('signs checkpoints with ledgerKeyFile, the ledger key writ init writes', async () => {
    const { dir, authority } = initProject({ authority: ['authority', 'gateway'], ledger: ['ledger'] }, 'ledger.key');
    await expectOpensAs(dir, authority);
  });

  it('refuses keys that lack the role they sign with: an authority key without authority, a ledger key without ledger', async () => {
    const noAuthority = initProject({ authority: ['gateway'], ledger: ['ledger'] }, 'ledger.key');
    expect(await openError(noAuthority.dir)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining(`key ${noAuthority.authority.keyId} lacks the authority role`), details: { parameter: 'authorityKeyFile' } });
    const noLedger = initProject({ authority: ['authority', 'gateway'], ledger: ['approver'] }, 'ledger.key');
    expect(await openError(noLedger.dir)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining(`ledgerKeyFile: key ${noLedger.ledger.keyId} lacks the ledger role`), details: { parameter: 'ledgerKeyFile' } });
    const unreadable = initProject({ authority: ['authority', 'gateway'], ledger: ['ledger'] }, 'nope.key');
    expect(await openError(unreadable.dir)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'ledgerKeyFile' } });
  });
});

describe('openAuthority: policyInputs', () => {
  /** A config dir whose key file is written, with `fields` merged into its writ-authority.json. */
  function configDir(fields: Record<string, unknown>): string {
    const key = PrivateKey.generate();
    const dir = authorityConfigDir(key, 'authority.key');
    writeFileSync(join(dir, 'authority.key'), JSON.stringify({ keyId: key.keyId, seed: toBase64Url(key.exportSeed()) }));
    const config = join(dir, 'writ-authority.json');
    writeFileSync(config, JSON.stringify({ ...(JSON.parse(readFileSync(config, 'utf8')) as object), ...fields }));
    return dir;
  }

  it('is off by default: no log is written', async () => {
    const dir = configDir({});
    await (await open(dir)).close();
    expect(existsSync(join(dir, 'data', 'entries.jsonl'))).toBe(true);
    expect(existsSync(join(dir, 'data', 'policy-inputs.jsonl'))).toBe(false);
  });

  it('true keeps the log owner-only in the data directory, and a crash\'s incomplete last line is removed with a warning', async () => {
    const dir = configDir({ policyInputs: true });
    const file = join(dir, 'data', 'policy-inputs.jsonl');
    mkdirSync(join(dir, 'data'));
    writeFileSync(file, '{"sessionId":"s1","callId":', { mode: 0o644 });
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (msg: string, fields?: Record<string, unknown>) => warnings.push(`${msg} ${JSON.stringify(fields)}`), error: () => undefined };
    await (await openAuthority({ config: await loadConfig({ env: {}, cwd: dir }), env: {}, logger })).close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('');
    expect(warnings).toEqual([`policy-input log: removed an incomplete last line (a crash during a write) ${JSON.stringify({ file, bytes: 27 })}`]);
  });

  it('refuses to start when the log cannot be opened, naming policyInputs, and leaves the data directory unlocked', async () => {
    const dir = configDir({ policyInputs: 'data' });
    const error = await openError(dir);
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'policyInputs' } });
    expect(error.message).toBe(`policyInputs: cannot open the policy-input log ${join(dir, 'data')} (ERR_STORE_IO: EISDIR)`);
    // The stores it opened first were closed again: the next start takes the writer lock.
    writeFileSync(join(dir, 'writ-authority.json'), JSON.stringify({ ...(JSON.parse(readFileSync(join(dir, 'writ-authority.json'), 'utf8')) as object), policyInputs: 'inputs/policy-inputs.jsonl' }));
    await (await open(dir)).close();
    expect(statSync(join(dir, 'inputs', 'policy-inputs.jsonl')).mode & 0o777).toBe(0o600);
  });
});
