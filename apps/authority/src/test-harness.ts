/** Test set-up shared by the authority's HTTP and browser tests: a world, the shared policies, memory or file stores, a started authority. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileApprovalStore, FileLedgerStore, FileNonceStore, MemoryApprovalStore, MemoryLedgerStore, MemoryNonceStore, PrivateKey, createSigner, createTrustRoot, openPolicyInputLog, signApproval, toBase64Url } from '@writ/core';
import type { FirewallMode, JsonObject, Signer } from '@writ/core';
import { APPROVERS, sharedPolicies } from '@writ/example-kit';
import type { World } from '@writ/example-kit';
import { hashToken } from './credentials.ts';
import { FilePendingStore } from './pending-store.ts';
import type { RunningAuthority, StartAuthorityOptions } from './start-authority.ts';
import { startAuthority } from './start-authority.ts';

/**
 * True when tests that need PostgreSQL (127.0.0.1:5432) are to be skipped: nothing listens
 * there and `WRIT_REQUIRE_POSTGRES=1` (set by `.ci/run`) does not turn that into a failure.
 * Logs why, naming `what` is skipped. Never a silent pass.
 */
export async function skipWithoutPostgres(what: string): Promise<boolean> {
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 5432 });
    socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
  const skip = !reachable && process.env.WRIT_REQUIRE_POSTGRES !== '1';
  if (skip) console.warn(`${what} skipped: nothing listens on 127.0.0.1:5432 (WRIT_REQUIRE_POSTGRES=1 makes this a failure)`);
  return skip;
}

/** Bearer tokens of the test principals. */
export const AGENT_TOKEN = 'agent-token-support-0001';
export const OTHER_AGENT_TOKEN = 'agent-token-other-00002';
export const APPROVER_TOKEN = 'approver-token-maria-0001';

/** The support desk's tools plus the sidecar's `http_request`. */
export const TOOLS = {
  tools: [
    { name: 'tickets_read', actionClass: 'A0', effects: ['read'], audience: 'self', trust: 'untrusted' },
    { name: 'orders_lookup', actionClass: 'A0', effects: ['read'], audience: 'self', trust: 'verified' },
    { name: 'refund_issue', actionClass: 'A3', effects: ['financial'], audience: 'customer', consequential: { order: 'identifier', amount: 'amount' } },
    { name: 'refund_large', actionClass: 'A4', effects: ['financial'], audience: 'customer', consequential: { order: 'identifier', amount: 'amount' }, sensitive: ['note'] },
    { name: 'email_send', actionClass: 'A3', effects: ['customer-visible'], audience: 'customer', consequential: { to: 'email' } },
    { name: 'http_request', actionClass: 'A2', effects: ['ephemeral-write'], audience: 'internal', egress: ['127.0.0.1'] },
  ],
};

/** The kit's world, with the approvers' and the outsider's seeds (a browser signs with them). */
export interface SeededWorld extends World {
  /** Base64url seeds by approver role, plus `outsider`. */
  readonly seeds: ReadonlyMap<string, string>;
}

/** Like the kit's `createWorld`, keeping the seeds so a browser can sign as an approver. */
export function createSeededWorld(): SeededWorld {
  const seeds = new Map<string, string>();
  const signer = (name: string): Signer => {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    seeds.set(name, toBase64Url(seed));
    return createSigner(PrivateKey.fromSeed(seed));
  };
  const authority = signer('authority');
  const approvers = new Map(APPROVERS.map((a) => [a.role, signer(a.role)] as const));
  const entry = (options: { signer: Signer; owner: string; roles: ('root' | 'authority' | 'gateway' | 'ledger' | 'approver')[]; approvalRoles?: string[] }) => ({
    keyId: options.signer.keyId,
    publicKey: toBase64Url(options.signer.publicKey),
    roles: options.roles,
    owner: options.owner,
    validFrom: '2026-01-01T00:00:00Z',
    status: 'active' as const,
    ...(options.approvalRoles === undefined ? {} : { approvalRoles: options.approvalRoles }),
  });
  const trustRoot = createTrustRoot({
    type: 'writ.trust-root/v1',
    version: 1,
    issuedAt: '2026-01-01T00:00:00Z',
    threshold: 1,
    keys: [
      entry({ signer: signer('root'), owner: 'root', roles: ['root'] }),
      entry({ signer: authority, owner: 'writ authority', roles: ['authority', 'gateway', 'ledger'] }),
      ...APPROVERS.map((a) => entry({ signer: approvers.get(a.role)!, owner: a.owner, roles: ['approver'], approvalRoles: [a.role] })),
    ],
  });
  return { authority, approvers, outsider: signer('outsider'), trustRoot, seeds };
}

/** A started authority with its world. */
export interface Harness {
  readonly world: SeededWorld;
  readonly authority: RunningAuthority;
  readonly logs: string[];
  /** `fetch` against the authority with a bearer token and a JSON body. */
  call(options: { method?: string; path: string; token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; json: Record<string, unknown> }>;
  /** An approval statement for `pending` signed by `signer` as `role`. */
  sign(options: { signer: Signer; role: string; intentDigest: string; rule: string }): JsonObject;
}

/**
 * Start an authority on a free loopback port. `dir` selects file stores; `policyInputs` names a
 * policy-input log the firewall's evaluations are appended to, as `"policyInputs"` in a config does.
 */
export async function startHarness(options: { stores?: StartAuthorityOptions['stores']; pendingStore?: StartAuthorityOptions['pendingStore']; dir?: string; world?: SeededWorld; mode?: FirewallMode; sidecarTarget?: string; consoleDir?: string; limits?: StartAuthorityOptions['limits']; tools?: StartAuthorityOptions['tools']; policyInputs?: string; clock?: () => Date } = {}): Promise<Harness> {
  const world = options.world ?? createSeededWorld();
  const policy = await sharedPolicies();
  const stores =
    options.stores ??
    (options.dir === undefined
      ? { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() }
      : {
          ledger: await FileLedgerStore.open({ dir: options.dir }),
          nonces: await FileNonceStore.open({ dir: join(options.dir, 'nonces') }),
          approvals: await FileApprovalStore.open({ dir: join(options.dir, 'approvals') }),
        });
  const logs: string[] = [];
  const inputs = options.policyInputs === undefined ? undefined : await openPolicyInputLog({ file: options.policyInputs, policy });
  const authority = await startAuthority({
    policy,
    ...(inputs === undefined ? {} : { firewallPolicy: inputs.policy, onClosed: () => inputs.close() }),
    trustRoot: world.trustRoot,
    authority: world.authority,
    stores,
    ...(options.pendingStore !== undefined ? { pendingStore: options.pendingStore } : options.dir !== undefined ? { pendingStore: await FilePendingStore.open({ dir: join(options.dir, 'pending') }) } : {}),
    tools: options.tools ?? TOOLS,
    mode: options.mode ?? 'enforce',
    agents: [
      { id: 'support-agent', tokenSha256: hashToken(AGENT_TOKEN) },
      { id: 'other-agent', tokenSha256: hashToken(OTHER_AGENT_TOKEN), ratePerMinute: 5 },
    ],
    approvers: [{ id: 'maria', tokenSha256: hashToken(APPROVER_TOKEN) }],
    port: 0,
    logger: { info: (msg, fields) => logs.push(JSON.stringify({ msg, ...fields })), warn: (msg) => logs.push(msg), error: (msg, fields) => logs.push(JSON.stringify({ msg, ...fields })) },
    ...(options.sidecarTarget === undefined ? {} : { sidecar: { target: options.sidecarTarget } }),
    ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return {
    world,
    authority,
    logs,
    async call({ method = 'POST', path, token, body, headers = {} }) {
      const response = await fetch(`${authority.url}${path}`, {
        method,
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = { text };
      }
      return { status: response.status, json };
    },
    sign: ({ signer, role, intentDigest, rule }) =>
      signApproval({ signer, role, intent: intentDigest as `sha256:${string}`, policy: { digest: policy.digest as `sha256:${string}`, rule }, now: new Date() }).envelope as unknown as JsonObject,
  };
}

/**
 * A config directory for `openAuthority` / `writ serve`: a trust root that lists `key` as root,
 * authority, gateway and ledger, one A0 tool, the shared policies, file stores under `data/`,
 * no console, and `authorityKeyFile: keyFile`.
 */
export function authorityConfigDir(key: PrivateKey, keyFile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'writ-authority-config-'));
  const trustRoot = createTrustRoot({
    type: 'writ.trust-root/v1',
    version: 1,
    issuedAt: '2026-01-01T00:00:00Z',
    threshold: 1,
    keys: [{ keyId: key.keyId, publicKey: toBase64Url(key.publicKey), roles: ['root', 'authority', 'gateway', 'ledger'], owner: 'authority', validFrom: '2026-01-01T00:00:00Z', status: 'active' }],
  });
  const policies = new URL('../../../policies/', import.meta.url).pathname;
  writeFileSync(join(dir, 'trust-root.json'), JSON.stringify(trustRoot.toJSON()));
  writeFileSync(join(dir, 'tools.json'), JSON.stringify({ tools: [{ name: 'tickets_read', actionClass: 'A0', effects: ['read'], audience: 'self' }] }));
  writeFileSync(join(dir, 'writ-authority.json'), JSON.stringify({ port: 0, trustRoot: 'trust-root.json', tools: 'tools.json', policy: [join(policies, 'writ'), join(policies, 'data.json')], dataDir: 'data', console: false, authorityKeyFile: keyFile }));
  return dir;
}
