/**
 * Start the authority: a firewall over the given stores, the HTTP app on a port, and a
 * shutdown that drains requests, flushes the firewall (no acknowledged entry is lost) and
 * closes the stores.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createFirewall, parseToolRegistry } from '@writ/core';
import type { ApprovalStore, FirewallMode, FirewallPolicy, LedgerStore, NonceStore, Signer, TrustRoot } from '@writ/core';
import { ReleaseIndex } from './authority-state.ts';
import type { AuthorityState } from './authority-state.ts';
import { createApp } from './create-app.ts';
import { CredentialTable, assertDistinctTokens } from './credentials.ts';
import type { Credential } from './credentials.ts';
import { createLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import { MemoryPendingStore } from './pending-store.ts';
import { MAX_DECIDED_IN_MEMORY, PendingIndex, statusIn } from './pending-index.ts';
import type { PendingDetailStore } from './pending-store.ts';
import { RateLimiter } from './rate-limiter.ts';
import { remoteCompensations } from './rollback-routes.ts';

/** Defaults of the limits. */
export const DEFAULT_LIMITS: {
  readonly maxBodyBytes: number;
  readonly ratePerMinute: number;
  readonly executeTimeoutMs: number;
  readonly maxPendingPerAgent: number;
  /** A session idle this long leaves memory (`sessions.idleMs` of the firewall); the agent opens it again with its id. */
  readonly sessionIdleMs: number;
  /** Decided or expired approval requests whose details stay in memory, the latest; the others are read from the pending store by id. */
  readonly maxDecidedInMemory: number;
} = { maxBodyBytes: 256 * 1024, ratePerMinute: 600, executeTimeoutMs: 30_000, maxPendingPerAgent: 100, sessionIdleMs: 3_600_000, maxDecidedInMemory: MAX_DECIDED_IN_MEMORY };

/** What {@link startAuthority} needs (the config loader builds it from a file and the environment). */
export interface StartAuthorityOptions {
  readonly policy: FirewallPolicy;
  /** The firewall's policy when it is not `policy`: the same one wrapped to log its inputs (`openPolicyInputLog`), so the console's basis reports stay out of the log. */
  readonly firewallPolicy?: FirewallPolicy;
  readonly trustRoot: TrustRoot;
  /** The authority key (also the ledger's checkpoint signer unless `ledger` is given: run one authority per ledger). */
  readonly authority: Signer;
  /** The ledger's checkpoint signer, a key with the `ledger` role; default the authority key. */
  readonly ledger?: Signer;
  readonly stores: { readonly ledger: LedgerStore; readonly nonces: NonceStore; readonly approvals: ApprovalStore };
  /** Where pending-request details live (default: memory; `openAuthority` uses files or PostgreSQL). Closed on shutdown. */
  readonly pendingStore?: PendingDetailStore;
  /** Tool declarations (`{ tools, egressAllowlist }`). */
  readonly tools: { readonly tools: readonly unknown[]; readonly egressAllowlist?: readonly string[] };
  readonly mode?: FirewallMode;
  readonly agents: readonly Credential[];
  readonly approvers: readonly Credential[];
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly limits?: Partial<typeof DEFAULT_LIMITS>;
  /** Reverse-proxy target for the sidecar verifier; absent: no sidecar. */
  readonly sidecar?: { readonly target: string; readonly tool?: string };
  readonly consoleDir?: string;
  readonly clock?: () => Date;
  readonly logger?: Logger;
  /** Environment read by the firewall (`WRIT_MODE`). Default: none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Called last on shutdown (e.g. closes a PostgreSQL pool). */
  readonly onClosed?: () => Promise<void>;
}

/** A running authority. */
export interface RunningAuthority {
  readonly url: string;
  readonly state: AuthorityState;
  /** Drain, flush, close. Idempotent. */
  close(): Promise<void>;
}

/** Start the authority and listen. @throws the firewall's option errors and a token shared by two principals (`ERR_INVALID_ARGUMENT`...). */
export async function startAuthority(options: StartAuthorityOptions): Promise<RunningAuthority> {
  assertDistinctTokens({ agents: options.agents, approvers: options.approvers });
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger ?? createLogger();
  const audience = 'writ-gateway';
  const registry = parseToolRegistry(options.tools);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const toolNames = options.tools.tools.flatMap((tool) => (typeof tool === 'object' && tool !== null && typeof (tool as { name?: unknown }).name === 'string' ? [(tool as { name: string }).name] : []));
  const firewall = await createFirewall({
    policy: options.firewallPolicy ?? options.policy,
    keys: { authority: options.authority, ...(options.ledger === undefined ? {} : { ledger: options.ledger }) },
    trustRoot: options.trustRoot,
    stores: options.stores,
    tools: registry,
    mode: options.mode ?? 'enforce',
    env: options.env ?? {},
    audience,
    // A token leaves this process over the network: its release is durable before it does.
    durability: { default: 'sync' },
    // Tools run in the agent, so do their compensations: `rollback` asks the agent (rollback-routes.ts).
    // `state` is read only when a rollback runs, after it is built below.
    reconcilers: remoteCompensations({ state: () => state, tools: toolNames, timeoutMs: limits.executeTimeoutMs }),
    // A server cannot wait for agents to end their sessions: idle ones leave memory, here too.
    sessions: { idleMs: limits.sessionIdleMs, onEvicted: (sessionId) => state.sessions.delete(sessionId) },
    clock,
  });
  const pendingStore = options.pendingStore ?? new MemoryPendingStore();
  // The inbox of an earlier run: requests still waiting keep their details across a restart;
  // of the decided ones only the latest are held, the others are read by id when asked for.
  let pending: PendingIndex;
  try {
    pending = await PendingIndex.open({ store: pendingStore, maxDecided: limits.maxDecidedInMemory, now: clock().getTime(), statusOf: statusIn(options.stores.approvals) });
  } catch (error) {
    await firewall.close();
    throw error;
  }
  const state: AuthorityState = {
    firewall,
    policy: options.policy,
    registry,
    trustRoot: options.trustRoot,
    ledger: options.stores.ledger,
    approvals: options.stores.approvals,
    sessions: new Map(),
    pending,
    pendingStore,
    inflight: new Map(),
    rollbacks: new Map(),
    releases: new ReleaseIndex(options.stores.ledger),
    clock,
  };
  // Who owns which session id and which have ended, from the ledger, before the first request:
  // a session of an earlier run is then answered as gone or ended, not as unknown.
  try {
    await state.releases.refresh();
  } catch (error) {
    await firewall.close();
    throw error;
  }
  let ready = false;
  const app = createApp({
    state,
    agents: new CredentialTable(options.agents),
    approvers: new CredentialTable(options.approvers),
    limiter: new RateLimiter(() => clock().getTime()),
    logger,
    limits,
    ...(options.sidecar === undefined ? {} : { sidecar: { target: options.sidecar.target, tool: options.sidecar.tool ?? 'http_request', audience } }),
    ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }),
    ready: () => ready,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: options.host ?? '127.0.0.1', port: options.port ?? 8787 }, () => resolve(started as Server));
    started.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  ready = true;
  logger.info('authority listening', { url, mode: options.mode ?? 'enforce', sidecar: options.sidecar?.target });
  let closing: Promise<void> | undefined;
  return {
    url,
    state,
    close() {
      closing ??= (async () => {
        ready = false;
        // Stop accepting, let in-flight requests finish, then flush what they acknowledged.
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await firewall.close();
        await Promise.all([options.stores.ledger.close(), options.stores.nonces.close(), options.stores.approvals.close(), pendingStore.close()]);
        await options.onClosed?.();
        logger.info('authority stopped', {});
      })();
      return closing;
    },
  };
}
