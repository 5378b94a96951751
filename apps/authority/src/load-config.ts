/**
 * The authority's configuration: a JSON file, then environment variables on top. Paths in
 * the file are relative to the file. Secrets (the authority key) may come from the
 * environment only, so the file can be committed.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { POLICY_INPUTS_FILE, PrivateKey, WritError, fromBase64Url, isWritError, parseCosignerKey, parseKeyFile } from '@writ/core';
import type { FirewallMode } from '@writ/core';
import type { Credential } from './credentials.ts';

/** The parsed configuration (see README "Configuration"). */
export interface AuthorityConfig {
  readonly host: string;
  readonly port: number;
  /** File stores live here (ledger, nonces, approvals) unless `postgres` is set. */
  readonly dataDir: string;
  /** PostgreSQL connection string: use the PostgreSQL stores. */
  readonly postgres: string | undefined;
  /** Base64url 32-byte Ed25519 seed of the authority key, or `undefined` when `authorityKeyFile` is used. */
  readonly authorityKey: string | undefined;
  /** Key file (absolute): `{ keyId, seed }` JSON or a bare seed; read by {@link loadAuthorityKey}. */
  readonly authorityKeyFile: string | undefined;
  /**
   * Key file (absolute) of the ledger's checkpoint signer, a key with the `ledger` role — the
   * `.writ/keys/ledger.key` `writ init` writes; read by {@link loadLedgerKey}. Without it the
   * authority key signs checkpoints and needs the `ledger` role itself.
   */
  readonly ledgerKeyFile?: string;
  readonly trustRoot: string;
  /** Policy locations as `loadPolicy` takes them: absolute paths, and `npm:<name>` packages found from {@link policyCwd}. */
  readonly policy: readonly string[];
  /** Where `npm:` policy packages are looked up (the config file's folder); default the process's. */
  readonly policyCwd?: string;
  readonly tools: string;
  readonly mode: FirewallMode;
  readonly agents: readonly Credential[];
  readonly approvers: readonly Credential[];
  readonly limits: { readonly maxBodyBytes?: number; readonly ratePerMinute?: number; readonly executeTimeoutMs?: number; readonly maxPendingPerAgent?: number; readonly sessionIdleMs?: number; readonly maxDecidedInMemory?: number };
  readonly sidecar: { readonly target: string; readonly tool?: string } | undefined;
  readonly console: boolean;
  /** C2SP tlog-witnesses the ledger's checkpoints are submitted to (with postgres, from a mirror in `<dataDir>/ledger-mirror`). */
  readonly witnesses: readonly { readonly url: string; readonly key: string }[];
  /** How often to submit the latest checkpoint to them (ms, default 60 000). */
  readonly witnessEveryMs: number;
  /**
   * How old a witness's cosignature of an unchanged checkpoint may grow before it is submitted
   * again for a fresh one (ms, default 3 600 000), so `writ verify --witnessed-within` holds for
   * a ledger that stopped growing.
   */
  readonly witnessRefreshMs: number;
  /**
   * The policy-input log `writ replay` and `writ rollback` read (absolute path), or `undefined`
   * when off (the default): it holds every judged call's arguments in clear (ADR 0036).
   * `"policyInputs": true` keeps it in `<dataDir>/policy-inputs.jsonl`, beside a file store's
   * entries; a string names the file.
   */
  readonly policyInputs?: string;
}

function witnessTargets(value: unknown): { url: string; key: string }[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw bad('witnesses', 'must be an array of { url, key }');
  return value.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw bad(`witnesses[${i}]`, 'must be an object { url, key }');
    const record = item as Record<string, unknown>;
    const url = str(record.url, `witnesses[${i}].url`);
    if (!/^https?:\/\/[^\s]+$/u.test(url)) throw bad(`witnesses[${i}].url`, 'must be an http(s) URL (the submission prefix)');
    const key = str(record.key, `witnesses[${i}].key`);
    try {
      parseCosignerKey(key);
    } catch {
      throw bad(`witnesses[${i}].key`, 'must be a witness verifier key (C2SP cosignature/v1, type 0x04)');
    }
    return { url, key };
  });
}

function bad(parameter: string, message: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `${parameter} ${message}`, { details: { parameter } });
}

function str(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw bad(name, 'must be a non-empty string');
  return value;
}

function credentials(value: unknown, name: string): Credential[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw bad(name, 'must be an array of { id, tokenSha256 }');
  return value.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw bad(`${name}[${i}]`, 'must be an object');
    const record = item as Record<string, unknown>;
    const tokenSha256 = str(record.tokenSha256, `${name}[${i}].tokenSha256`);
    if (!/^[0-9a-f]{64}$/i.test(tokenSha256)) throw bad(`${name}[${i}].tokenSha256`, 'must be 64 hex digits (sha256 of the bearer token)');
    const rate = record.ratePerMinute;
    if (rate !== undefined && (typeof rate !== 'number' || !Number.isSafeInteger(rate) || rate < 1)) throw bad(`${name}[${i}].ratePerMinute`, 'must be a positive integer');
    return { id: str(record.id, `${name}[${i}].id`), tokenSha256, ...(rate === undefined ? {} : { ratePerMinute: rate }) };
  });
}

/**
 * Parse a config object (already read) with `env` on top; relative paths resolve against `baseDir`.
 * @throws `ERR_INVALID_ARGUMENT` naming the offending field.
 */
export function parseConfig(options: { readonly config: unknown; readonly env: Readonly<Record<string, string | undefined>>; readonly baseDir: string }): AuthorityConfig {
  const { env, baseDir } = options;
  if (typeof options.config !== 'object' || options.config === null || Array.isArray(options.config)) throw bad('config', 'must be a JSON object');
  const c = options.config as Record<string, unknown>;
  const path = (value: string) => (isAbsolute(value) ? value : resolve(baseDir, value));
  const portText = env.WRIT_AUTHORITY_PORT ?? c.port ?? 8787;
  const port = Number(portText);
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) throw bad('port', 'must be an integer within 0..65535');
  const mode = env.WRIT_MODE ?? c.mode ?? 'enforce';
  if (mode !== 'shadow' && mode !== 'advisory' && mode !== 'enforce') throw bad('mode', 'must be shadow, advisory or enforce');
  const policy = c.policy;
  if (!Array.isArray(policy) || policy.length === 0) throw bad('policy', 'must be a non-empty array of paths');
  const key = env.WRIT_AUTHORITY_KEY ?? (typeof c.authorityKey === 'string' ? c.authorityKey : undefined);
  const keyFile = env.WRIT_AUTHORITY_KEY_FILE ?? (typeof c.authorityKeyFile === 'string' ? c.authorityKeyFile : undefined);
  if (key === undefined && keyFile === undefined) throw bad('authorityKey', 'or authorityKeyFile (or WRIT_AUTHORITY_KEY) is required');
  const sidecar = c.sidecar;
  if (sidecar !== undefined && (typeof sidecar !== 'object' || sidecar === null)) throw bad('sidecar', 'must be an object with a target URL');
  if (c.limits !== undefined && (typeof c.limits !== 'object' || c.limits === null || Array.isArray(c.limits))) throw bad('limits', 'must be an object');
  const limits = (c.limits ?? {}) as Record<string, unknown>;
  for (const name of ['maxBodyBytes', 'ratePerMinute', 'executeTimeoutMs', 'maxPendingPerAgent', 'sessionIdleMs', 'maxDecidedInMemory']) {
    const value = limits[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)) throw bad(`limits.${name}`, 'must be a positive integer');
  }
  const postgres = env.WRIT_POSTGRES_URL ?? (typeof c.postgres === 'string' ? c.postgres : undefined);
  const witnesses = witnessTargets(c.witnesses);
  const witnessEveryMs = c.witnessEveryMs ?? 60_000;
  if (typeof witnessEveryMs !== 'number' || !Number.isSafeInteger(witnessEveryMs) || witnessEveryMs < 1000) throw bad('witnessEveryMs', 'must be an integer of at least 1000 (ms)');
  const policyInputs = c.policyInputs === undefined ? false : c.policyInputs;
  if (typeof policyInputs !== 'boolean' && (typeof policyInputs !== 'string' || policyInputs === '' || policyInputs.includes('\u0000'))) throw bad('policyInputs', 'must be true, false or a file path');
  const witnessRefreshMs = c.witnessRefreshMs ?? 3_600_000;
  if (typeof witnessRefreshMs !== 'number' || !Number.isSafeInteger(witnessRefreshMs) || witnessRefreshMs < 1000) throw bad('witnessRefreshMs', 'must be an integer of at least 1000 (ms)');
  const dataDir = path(env.WRIT_AUTHORITY_DATA_DIR ?? (typeof c.dataDir === 'string' ? c.dataDir : 'writ-data'));
  return {
    host: env.WRIT_AUTHORITY_HOST ?? (typeof c.host === 'string' ? c.host : '127.0.0.1'),
    port,
    dataDir,
    postgres: postgres === '' ? undefined : postgres,
    authorityKey: key,
    authorityKeyFile: keyFile === undefined ? undefined : path(keyFile),
    ...(typeof c.ledgerKeyFile === 'string' ? { ledgerKeyFile: path(c.ledgerKeyFile) } : {}),
    trustRoot: path(str(c.trustRoot, 'trustRoot')),
    // `npm:@writ/policies` is a package, not a path: it stays as it is and is found from baseDir.
    policy: policy.map((p: unknown, i) => {
      const location = str(p, `policy[${i}]`);
      return location.startsWith('npm:') ? location : path(location);
    }),
    policyCwd: baseDir,
    tools: path(str(c.tools, 'tools')),
    mode,
    agents: credentials(c.agents, 'agents'),
    approvers: credentials(c.approvers, 'approvers'),
    limits: limits,
    sidecar: sidecar === undefined ? undefined : { target: new URL(str((sidecar as Record<string, unknown>).target, 'sidecar.target')).toString(), ...(typeof (sidecar as Record<string, unknown>).tool === 'string' ? { tool: (sidecar as { tool: string }).tool } : {}) },
    console: c.console !== false,
    witnesses,
    witnessEveryMs,
    witnessRefreshMs,
    ...(policyInputs === false ? {} : { policyInputs: policyInputs === true ? join(dataDir, POLICY_INPUTS_FILE) : path(policyInputs) }),
  };
}

/**
 * Read and parse the config file `file` (default `WRIT_AUTHORITY_CONFIG`, else `writ-authority.json` in `cwd`).
 * @throws `ERR_INVALID_ARGUMENT` (unreadable, not JSON, or a bad field).
 */
export async function loadConfig(options: { readonly file?: string; readonly env: Readonly<Record<string, string | undefined>>; readonly cwd: string }): Promise<AuthorityConfig> {
  const file = resolve(options.cwd, options.file ?? options.env.WRIT_AUTHORITY_CONFIG ?? join(options.cwd, 'writ-authority.json'));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw bad('config', `file ${file} cannot be read`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw bad('config', `file ${file} is not JSON`);
  }
  return parseConfig({ config, env: options.env, baseDir: dirname(file) });
}

function seedKey(text: string): PrivateKey {
  return PrivateKey.fromSeed(fromBase64Url(text, 'seed'));
}

/**
 * The key in the text of `authorityKeyFile`: the key file `writ init` and `writ keys generate`
 * write, JSON `{ keyId, seed }` (read by @writ/core's `parseKeyFile`, as the CLI reads it; a
 * `keyId` that is not the seed's is refused: the file was edited or mixed up), or a bare
 * base64url seed.
 * @param file how to name the file in errors.
 * @param parameter the config field errors name.
 * @throws `ERR_INVALID_ARGUMENT` (parameter `authorityKeyFile`, or `parameter`).
 */
export function authorityKeyFromFileText(text: string, file: string, parameter = 'authorityKeyFile'): PrivateKey {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) {
    try {
      return seedKey(trimmed);
    } catch {
      throw bad(parameter, `${file}: not a base64url 32-byte Ed25519 seed nor a key file (JSON { keyId, seed })`);
    }
  }
  try {
    return parseKeyFile(trimmed, file);
  } catch (error) {
    if (isWritError(error, 'ERR_INVALID_ARGUMENT')) throw bad(parameter, error.message);
    throw error;
  }
}

/**
 * The ledger key `ledgerKeyFile` names (same formats as `authorityKeyFile`), or undefined.
 * @throws `ERR_INVALID_ARGUMENT` naming `ledgerKeyFile`.
 */
export async function loadLedgerKey(config: Pick<AuthorityConfig, 'ledgerKeyFile'>): Promise<PrivateKey | undefined> {
  const file = config.ledgerKeyFile;
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw bad('ledgerKeyFile', `${file} cannot be read`);
  }
  return authorityKeyFromFileText(text, file, 'ledgerKeyFile');
}

/**
 * The authority key the config names: `authorityKey` (or `WRIT_AUTHORITY_KEY`), a base64url
 * 32-byte Ed25519 seed; else the file `authorityKeyFile` (or `WRIT_AUTHORITY_KEY_FILE`), read by
 * {@link authorityKeyFromFileText}.
 * @throws `ERR_INVALID_ARGUMENT` naming `authorityKey` or `authorityKeyFile` (bad seed, unreadable
 *   file, bad format, key id not the seed's).
 */
export async function loadAuthorityKey(config: Pick<AuthorityConfig, 'authorityKey' | 'authorityKeyFile'>): Promise<PrivateKey> {
  if (config.authorityKey !== undefined) {
    try {
      return seedKey(config.authorityKey);
    } catch {
      throw new WritError('ERR_INVALID_ARGUMENT', 'authorityKey must be a base64url Ed25519 seed', { details: { parameter: 'authorityKey' } });
    }
  }
  const file = config.authorityKeyFile;
  if (file === undefined) throw bad('authorityKey', 'or authorityKeyFile (or WRIT_AUTHORITY_KEY) is required');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw bad('authorityKeyFile', `${file} cannot be read`);
  }
  return authorityKeyFromFileText(text, file);
}
