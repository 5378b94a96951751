/** Turn a loaded {@link AuthorityConfig} into a running authority: key, trust root, policy, stores. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileApprovalStore, FileLedgerStore, FileNonceStore, WritError, createSigner, createTrustRoot, isWritError, openPolicyInputLog } from '@writ/core';
import type { FirewallPolicy, KeyRole, PolicyInputLog, TrustRoot, TrustRootDocument } from '@writ/core';
import { loadPolicy } from '@writ/policy';
import { DEFAULT_SCHEMA, openPostgresStores } from '@writ/postgres';
import { loadAuthorityKey, loadLedgerKey } from './load-config.ts';
import type { AuthorityConfig } from './load-config.ts';
import type { Logger } from './logger.ts';
import { FilePendingStore, PostgresPendingStore } from './pending-store.ts';
import type { PendingDetailStore } from './pending-store.ts';
import { startAuthority } from './start-authority.ts';
import { createLogger } from './logger.ts';
import { startWitnessing } from './witnessing.ts';
import type { RunningAuthority } from './start-authority.ts';

async function readJsonFile(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    throw new WritError('ERR_INVALID_ARGUMENT', `${what} ${path} cannot be read as JSON`, { details: { parameter: what } });
  }
}

/**
 * Refuse to start with a key the trust root does not give a role it signs with: the authority
 * key signs tokens (`authority`) and receipts (`gateway`), the ledger signer checkpoints
 * (`ledger`). Otherwise every token would be refused at the gateway, or every transcript would
 * fail `writ verify`, long after a clean start.
 * @throws `ERR_INVALID_ARGUMENT` naming `authorityKeyFile` or `ledgerKeyFile`.
 */
function checkSigningRoles(trustRoot: TrustRoot, source: string, keys: readonly { keyId: string; roles: readonly KeyRole[]; parameter: string; hint: string }[]): void {
  const at = new Date();
  for (const key of keys) {
    const problems: string[] = [];
    for (const role of key.roles) {
      try {
        trustRoot.checkKey({ keyId: key.keyId, role, at });
      } catch (error) {
        problems.push(isWritError(error, 'ERR_KEY_ROLE_MISMATCH') ? `lacks the ${role} role` : isWritError(error) ? `${role}: ${error.code}` : `${role}: not usable`);
      }
    }
    if (problems.length > 0) {
      throw new WritError('ERR_INVALID_ARGUMENT', `${key.parameter}: key ${key.keyId} ${[...new Set(problems)].join(', ')} in the trust root ${source}; ${key.hint}`, { details: { parameter: key.parameter } });
    }
  }
}

/** Directory of the built console shipped with @writ/console, when present. */
export function defaultConsoleDir(): string {
  return new URL('../../console/dist/', import.meta.url).pathname;
}

/**
 * Open the policy-input log the config names (`policyInputs`), wrapping `policy` for the firewall.
 * @throws `ERR_INVALID_ARGUMENT` naming `policyInputs` when the file cannot be opened.
 */
async function openInputs(options: { file: string; policy: FirewallPolicy; logger: Logger }): Promise<PolicyInputLog> {
  const { file, logger } = options;
  let log: PolicyInputLog;
  try {
    log = await openPolicyInputLog({ file, policy: options.policy, onSyncError: (error) => logger.error('policy-input log: sync failed', { file, code: (error as { code?: unknown }).code }) });
  } catch (error) {
    const code = isWritError(error) ? error.code : 'ERR_STORE_IO';
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    throw new WritError('ERR_INVALID_ARGUMENT', `policyInputs: cannot open the policy-input log ${file} (${code}${typeof cause === 'string' ? `: ${cause}` : ''})`, { cause: error, details: { parameter: 'policyInputs' } });
  }
  if (log.droppedTailBytes > 0) logger.warn('policy-input log: removed an incomplete last line (a crash during a write)', { file, bytes: log.droppedTailBytes });
  return log;
}

/** Where an authority on PostgreSQL keeps the file copy of its ledger that witnesses are fed from. */
export const MIRROR_DIR = 'ledger-mirror';

/**
 * Open everything the config names and start listening.
 * @throws `ERR_INVALID_ARGUMENT` (files, key), the stores' and the policy loader's codes.
 */
export async function openAuthority(options: { readonly config: AuthorityConfig; readonly logger?: Logger; readonly env?: Readonly<Record<string, string | undefined>> }): Promise<RunningAuthority> {
  const { config } = options;
  const authority = createSigner(await loadAuthorityKey(config));
  const ledgerKey = await loadLedgerKey(config);
  const ledger = ledgerKey === undefined ? undefined : createSigner(ledgerKey);
  const trustRoot = createTrustRoot((await readJsonFile(config.trustRoot, 'trustRoot')) as TrustRootDocument);
  const keyParameter = config.authorityKey === undefined ? 'authorityKeyFile' : 'authorityKey';
  checkSigningRoles(trustRoot, config.trustRoot, [
    ledger === undefined
      ? { keyId: authority.keyId, roles: ['authority', 'gateway', 'ledger'], parameter: keyParameter, hint: 'it signs tokens, receipts and, without ledgerKeyFile, the ledger\'s checkpoints (a writ init project: "ledgerKeyFile": ".writ/keys/ledger.key")' }
      : { keyId: authority.keyId, roles: ['authority', 'gateway'], parameter: keyParameter, hint: 'it signs tokens and receipts' },
    ...(ledger === undefined ? [] : [{ keyId: ledger.keyId, roles: ['ledger'] as KeyRole[], parameter: 'ledgerKeyFile', hint: 'it signs the ledger\'s checkpoints' }]),
  ]);
  const policy = await loadPolicy({ paths: [...config.policy], ...(config.policyCwd === undefined ? {} : { cwd: config.policyCwd }) });
  const tools = (await readJsonFile(config.tools, 'tools')) as { tools: unknown[] };
  let stores;
  let pendingStore: PendingDetailStore;
  let onClosed: (() => Promise<void>) | undefined;
  if (config.postgres !== undefined) {
    const pg = await openPostgresStores({ connectionString: config.postgres });
    stores = { ledger: pg.ledger, nonces: pg.nonces, approvals: pg.approvals };
    pendingStore = await PostgresPendingStore.open({ pool: pg.pool, schema: DEFAULT_SCHEMA });
    onClosed = () => pg.close();
  } else {
    stores = {
      ledger: await FileLedgerStore.open({ dir: config.dataDir }),
      nonces: await FileNonceStore.open({ dir: join(config.dataDir, 'nonces') }),
      approvals: await FileApprovalStore.open({ dir: join(config.dataDir, 'approvals') }),
    };
    pendingStore = await FilePendingStore.open({ dir: join(config.dataDir, 'pending') });
  }
  // The firewall's evaluations are logged (ADR 0036); the console's basis reports, which
  // evaluate `policy` for display only, are not. Opened once the stores are (a file store holds
  // the directory's writer lock), since opening repairs a crash's incomplete last line.
  let inputs: PolicyInputLog | undefined;
  try {
    inputs = config.policyInputs === undefined ? undefined : await openInputs({ file: config.policyInputs, policy, logger: options.logger ?? createLogger() });
  } catch (error) {
    await Promise.all([stores.ledger.close(), stores.nonces.close(), stores.approvals.close(), pendingStore.close()]);
    await onClosed?.();
    throw error;
  }
  // The log is synced and closed after the firewall flushed its last decision.
  const closeStores = onClosed;
  const log = inputs;
  if (log !== undefined) onClosed = async () => void (await Promise.all([log.close(), closeStores?.()]));
  const running = await startAuthority({
    policy,
    ...(log === undefined ? {} : { firewallPolicy: log.policy }),
    trustRoot,
    authority,
    ...(ledger === undefined ? {} : { ledger }),
    stores,
    pendingStore,
    tools,
    mode: config.mode,
    agents: config.agents,
    approvers: config.approvers,
    host: config.host,
    port: config.port,
    limits: config.limits,
    ...(config.sidecar === undefined ? {} : { sidecar: config.sidecar }),
    ...(config.console ? { consoleDir: defaultConsoleDir() } : {}),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(onClosed === undefined ? {} : { onClosed }),
  });
  if (config.witnesses.length === 0) return running;
  // Witnesses read a transcript directory: the file store's own, or, with PostgreSQL, a mirror
  // of the database's ledger kept in <dataDir>/ledger-mirror (ADR 0034).
  let mirror: FileLedgerStore | undefined;
  try {
    mirror = config.postgres === undefined ? undefined : await FileLedgerStore.open({ dir: join(config.dataDir, MIRROR_DIR) });
  } catch (error) {
    await running.close();
    throw error;
  }
  const witnessing = startWitnessing({
    dir: mirror === undefined ? config.dataDir : join(config.dataDir, MIRROR_DIR),
    store: mirror ?? stores.ledger,
    ...(mirror !== undefined && { mirrorOf: stores.ledger }),
    witnesses: config.witnesses,
    trustRoot,
    everyMs: config.witnessEveryMs,
    refreshMs: config.witnessRefreshMs,
    logger: options.logger ?? createLogger(),
  });
  return {
    url: running.url,
    state: running.state,
    // Stop submitting before the stores close under it.
    async close() {
      await witnessing.stop();
      await mirror?.close();
      await running.close();
    },
  };
}
