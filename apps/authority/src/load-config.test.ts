import { describe, expect, it } from 'vitest';
import { formatCosignerKey } from '@writ/core';
import { parseConfig } from './load-config.ts';

const base = { trustRoot: 'tr.json', tools: 'tools.json', policy: ['p'], authorityKey: 'AAAA' };
const parse = (config: unknown, env: Record<string, string> = {}) => parseConfig({ config, env, baseDir: '/etc/writ' });
const parameterOf = (config: unknown, env: Record<string, string> = {}): string => {
  try {
    parse(config, env);
  } catch (error) {
    return String((error as { details?: { parameter?: string } }).details?.parameter);
  }
  return 'accepted';
};

describe('parseConfig', () => {
  it('resolves paths against the config file and applies defaults', () => {
    const config = parse(base);
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8787, mode: 'enforce', trustRoot: '/etc/writ/tr.json', policy: ['/etc/writ/p'], dataDir: '/etc/writ/writ-data', postgres: undefined, console: true });
    // A package location is not a path: it stays as loadPolicy takes it, looked up from the config's folder.
    expect(parseConfig({ config: { ...base, policy: ['npm:@writ/policies', 'policy'] }, env: {}, baseDir: '/etc/writ' })).toMatchObject({ policy: ['npm:@writ/policies', '/etc/writ/policy'], policyCwd: '/etc/writ' });
  });

  it('lets the environment override the file, and takes the key from it', () => {
    const config = parse({ ...base, authorityKey: undefined, port: 1 }, { WRIT_AUTHORITY_PORT: '9000', WRIT_AUTHORITY_KEY: 'seed', WRIT_MODE: 'shadow', WRIT_POSTGRES_URL: 'postgres://x/y', WRIT_AUTHORITY_HOST: '0.0.0.0' });
    expect(config).toMatchObject({ port: 9000, authorityKey: 'seed', mode: 'shadow', postgres: 'postgres://x/y', host: '0.0.0.0' });
  });

  it('names the offending field of a bad config', () => {
    expect(parameterOf(null)).toBe('config');
    expect(parameterOf([])).toBe('config');
    expect(parameterOf({ ...base, port: 70000 })).toBe('port');
    expect(parameterOf({ ...base, port: 'x' })).toBe('port');
    expect(parameterOf({ ...base, mode: 'loud' })).toBe('mode');
    expect(parameterOf({ ...base, policy: [] })).toBe('policy');
    expect(parameterOf({ ...base, policy: [3] })).toBe('policy[0]');
    expect(parameterOf({ ...base, authorityKey: undefined })).toBe('authorityKey');
    expect(parameterOf({ ...base, trustRoot: '' })).toBe('trustRoot');
    expect(parameterOf({ ...base, agents: {} })).toBe('agents');
    expect(parameterOf({ ...base, agents: [{ id: 'a', tokenSha256: 'plain-token' }] })).toBe('agents[0].tokenSha256');
    expect(parameterOf({ ...base, approvers: [{ id: 'a', tokenSha256: 'a'.repeat(64), ratePerMinute: 0 }] })).toBe('approvers[0].ratePerMinute');
    expect(parameterOf({ ...base, limits: { maxBodyBytes: -1 } })).toBe('limits.maxBodyBytes');
    expect(parameterOf({ ...base, sidecar: 'http://x' })).toBe('sidecar');
    expect(parameterOf({ ...base, __proto__: { trustRoot: 'x' } })).toBe('accepted');
  });
});

describe('parseConfig: limits', () => {
  it('takes every limit as a positive integer, maxDecidedInMemory too', () => {
    const limits = { maxBodyBytes: 1024, ratePerMinute: 10, executeTimeoutMs: 1000, maxPendingPerAgent: 5, sessionIdleMs: 60_000, maxDecidedInMemory: 50 };
    expect(parse({ ...base, limits }).limits).toEqual(limits);
    expect(parse(base).limits).toEqual({});
  });

  it('refuses anything else with ERR_INVALID_ARGUMENT naming the limit', () => {
    for (const name of ['maxBodyBytes', 'ratePerMinute', 'executeTimeoutMs', 'maxPendingPerAgent', 'sessionIdleMs', 'maxDecidedInMemory']) {
      for (const value of [0, -1, 1.5, '10', null, Number.MAX_SAFE_INTEGER + 1, Number.NaN, {}]) {
        expect(() => parse({ ...base, limits: { [name]: value } }), `${name}: ${JSON.stringify(value)}`).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: `limits.${name}` } }));
      }
    }
    expect(parameterOf({ ...base, limits: [] })).toBe('limits');
    expect(parameterOf({ ...base, limits: 5 })).toBe('limits');
  });
});

describe('parseConfig: witnesses', () => {
  const key = formatCosignerKey('witness.example/w1', new Uint8Array(32).fill(7));
  it('takes { url, key } entries and an interval (default 60 s)', () => {
    expect(parse({ ...base, witnesses: [{ url: 'https://w.example/tlog', key }] })).toMatchObject({ witnesses: [{ url: 'https://w.example/tlog', key }], witnessEveryMs: 60_000 });
    expect(parse(base)).toMatchObject({ witnesses: [], witnessEveryMs: 60_000, witnessRefreshMs: 3_600_000 });
    expect(parse({ ...base, witnesses: [{ url: 'http://127.0.0.1:7380', key }], witnessEveryMs: 5000 }).witnessEveryMs).toBe(5000);
  });

  it('names the offending field', () => {
    expect(parameterOf({ ...base, witnesses: 'x' })).toBe('witnesses');
    expect(parameterOf({ ...base, witnesses: [null] })).toBe('witnesses[0]');
    expect(parameterOf({ ...base, witnesses: [{ url: 'ftp://x', key }] })).toBe('witnesses[0].url');
    expect(parameterOf({ ...base, witnesses: [{ url: 'https://w.example', key: 'junk' }] })).toBe('witnesses[0].key');
    // With postgres, witnesses are fed from a file mirror of the ledger (ADR 0034).
    expect(parse({ ...base, witnesses: [{ url: 'https://w.example', key }], postgres: 'postgres://x/y' })).toMatchObject({ postgres: 'postgres://x/y', witnesses: [{ url: 'https://w.example', key }] });
    expect(parameterOf({ ...base, witnessEveryMs: 10 })).toBe('witnessEveryMs');
    expect(parameterOf({ ...base, witnessRefreshMs: 999 })).toBe('witnessRefreshMs');
    expect(parameterOf({ ...base, witnessRefreshMs: '1h' })).toBe('witnessRefreshMs');
  });
});

describe('parseConfig: policyInputs', () => {
  it('is off by default; true keeps the log in the data directory; a string names the file (relative to the config)', () => {
    expect(parse(base).policyInputs).toBeUndefined();
    expect(parse({ ...base, policyInputs: false }).policyInputs).toBeUndefined();
    expect(parse({ ...base, policyInputs: true }).policyInputs).toBe('/etc/writ/writ-data/policy-inputs.jsonl');
    // Follows the data directory wherever the environment moves it, PostgreSQL deployments too.
    expect(parse({ ...base, policyInputs: true, postgres: 'postgres://x/y' }, { WRIT_AUTHORITY_DATA_DIR: '/var/lib/writ' }).policyInputs).toBe('/var/lib/writ/policy-inputs.jsonl');
    expect(parse({ ...base, policyInputs: 'audit/inputs.jsonl' }).policyInputs).toBe('/etc/writ/audit/inputs.jsonl');
    expect(parse({ ...base, policyInputs: '/secure/inputs.jsonl' }).policyInputs).toBe('/secure/inputs.jsonl');
  });

  it('refuses anything else with ERR_INVALID_ARGUMENT naming policyInputs', () => {
    for (const value of ['', 1, 'yes\u0000', {}, [], null]) {
      expect(() => parse({ ...base, policyInputs: value }), JSON.stringify(value)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'policyInputs' } }));
    }
  });
});
