/** Test set-up shared by the authority's HTTP and browser tests: a world, the shared policies, memory or file stores, a started authority. */
import { join } from 'node:path';
import { FileApprovalStore, FileLedgerStore, FileNonceStore, MemoryApprovalStore, MemoryLedgerStore, MemoryNonceStore, signApproval } from '@writ/core';
import type { FirewallMode, JsonObject, Signer } from '@writ/core';
import { createWorld, sharedPolicies } from '@writ/example-kit';
import type { World } from '@writ/example-kit';
import { hashToken } from './credentials.ts';
import type { RunningAuthority, StartAuthorityOptions } from './start-authority.ts';
import { startAuthority } from './start-authority.ts';

/** Bearer tokens of the test principals. */
export const AGENT_TOKEN = 'agent-token-support-0001';
export const OTHER_AGENT_TOKEN = 'agent-token-other-00002';
export const APPROVER_TOKEN = 'approver-token-maria-0001';

/** The support desk's tools plus the sidecar's `http_request`. */
export const TOOLS = {
  tools: [
    { name: 'tickets_read', actionClass: 'A0', effects: ['read'], audience: 'self', trust: 'untrusted' },
    { name: 'refund_issue', actionClass: 'A3', effects: ['financial'], audience: 'customer', consequential: { order: 'identifier', amount: 'amount' } },
    { name: 'refund_large', actionClass: 'A4', effects: ['financial'], audience: 'customer', consequential: { order: 'identifier', amount: 'amount' }, sensitive: ['note'] },
    { name: 'email_send', actionClass: 'A3', effects: ['customer-visible'], audience: 'customer', consequential: { to: 'email' } },
    { name: 'http_request', actionClass: 'A2', effects: ['ephemeral-write'], audience: 'internal', egress: ['127.0.0.1'] },
  ],
};

/** A started authority with its world. */
export interface Harness {
  readonly world: World;
  readonly authority: RunningAuthority;
  readonly logs: string[];
  /** `fetch` against the authority with a bearer token and a JSON body. */
  call(options: { method?: string; path: string; token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; json: Record<string, unknown> }>;
  /** An approval statement for `pending` signed by `signer` as `role`. */
  sign(options: { signer: Signer; role: string; intentDigest: string; rule: string }): JsonObject;
}

/** Start an authority on a free loopback port. `dir` selects file stores. */
export async function startHarness(options: { dir?: string; mode?: FirewallMode; sidecarTarget?: string; consoleDir?: string; limits?: StartAuthorityOptions['limits'] } = {}): Promise<Harness> {
  const world = createWorld();
  const policy = await sharedPolicies();
  const stores =
    options.dir === undefined
      ? { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() }
      : {
          ledger: await FileLedgerStore.open({ dir: options.dir }),
          nonces: await FileNonceStore.open({ dir: join(options.dir, 'nonces') }),
          approvals: await FileApprovalStore.open({ dir: join(options.dir, 'approvals') }),
        };
  const logs: string[] = [];
  const authority = await startAuthority({
    policy,
    trustRoot: world.trustRoot,
    authority: world.authority,
    stores,
    tools: TOOLS,
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
