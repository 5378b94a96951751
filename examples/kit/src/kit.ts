import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FileApprovalStore,
  FileLedgerStore,
  FileNonceStore,
  MemoryApprovalStore,
  MemoryLedgerStore,
  MemoryNonceStore,
  POLICY_INPUTS_FILE,
  createFirewall,
  parseEntry,
  parseToolRegistry,
  recordPolicyInputs,
  signApproval,
  verifyTranscript,
} from '@writ/core';
import type { Firewall, FirewallMode, FirewallPolicy, JsonObject, LedgerStore, PendingApproval, Signer, TranscriptReport } from '@writ/core';
import { loadPolicy } from '@writ/policy';
import { APPROVERS, createWorld } from './world.ts';
import type { World } from './world.ts';

/** Options of {@link createKit}. */
export interface KitOptions {
  /** Tool declarations (the registry file format: `{ tools, egressAllowlist }`). */
  readonly tools: { readonly tools: readonly unknown[]; readonly egressAllowlist?: readonly string[] };
  readonly mode?: FirewallMode;
  /** Transcript directory (file stores, wiped first). Default: memory stores. */
  readonly dir?: string;
  /** Frozen clock for tests. */
  readonly clock?: () => Date;
  /** A policy instead of the shared library (tests of the adapter mapping). */
  readonly policy?: FirewallPolicy;
}

/** A firewall with everything an example or adapter test needs around it. */
export interface Kit extends World {
  readonly firewall: Firewall;
  readonly policy: FirewallPolicy;
  readonly ledger: LedgerStore;
  readonly dir: string | undefined;
  /** An approver signs the pending request (the approver's own key; the firewall never signs for them). */
  approve(pending: PendingApproval, role?: string): JsonObject;
  /**
   * Signs the request as its approval rule demands: `threshold` approvers of distinct
   * roles named by the rule, each with their own key. Returns the statements and who signed.
   */
  approveByRule(pending: PendingApproval): { statements: JsonObject[]; approvers: string[] };
  /** The same statement signed by a key that no trust root lists. */
  forge(pending: PendingApproval): JsonObject;
  /** The bodies of the transcript's entries of one `type`, in order (what tests inspect). */
  bodies(type: string): Promise<JsonObject[]>;
  /** Close the firewall and verify the whole transcript offline against the trust root. */
  finish(): Promise<TranscriptReport>;
}

let shared: Promise<FirewallPolicy> | undefined;

/** The shared policy library (@writ/policies), compiled once per process. */
export function sharedPolicies(): Promise<FirewallPolicy> {
  shared ??= (async () => {
    const root = new URL('../../../policies/', import.meta.url).pathname;
    return loadPolicy({ paths: [join(root, 'writ'), join(root, 'data.json')] });
  })();
  return shared;
}

function statementFor(options: { signer: Signer; pending: PendingApproval; role: string; policyDigest: string; now: Date }): JsonObject {
  const { signer, pending, role, policyDigest, now } = options;
  const rule = typeof pending.rule.rule === 'string' ? pending.rule.rule : 'approval';
  return signApproval({ signer, role, intent: pending.intentDigest, policy: { digest: policyDigest as `sha256:${string}`, rule }, now })
    .envelope as unknown as JsonObject;
}

/** Keys, trust root, the shared policies, stores and a firewall — one call. */
export async function createKit(options: KitOptions): Promise<Kit> {
  const world = createWorld();
  const policy = options.policy ?? (await sharedPolicies());
  const clock = options.clock ?? (() => new Date());
  const dir = options.dir;
  let stores;
  if (dir === undefined) {
    stores = { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() };
  } else {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    // The trust root travels with the transcript so `writ verify DIR` can be run by hand
    // (it warns that it is unpinned unless --trust-root names the one you trust).
    await writeFile(join(dir, 'trust-root.json'), `${JSON.stringify(world.trustRoot.toJSON(), null, 2)}\n`);
    stores = {
      ledger: await FileLedgerStore.open({ dir }),
      nonces: await FileNonceStore.open({ dir: join(dir, 'nonces') }),
      approvals: await FileApprovalStore.open({ dir: join(dir, 'approvals') }),
    };
  }
  const firewall = await createFirewall({
    // With a transcript directory, every policy input is logged beside it so that
    // `writ replay DIR --policy NEW` can judge the run again (docs/decisions/0012).
    policy: dir === undefined ? policy : recordPolicyInputs(policy, { file: join(dir, POLICY_INPUTS_FILE) }),
    keys: { authority: world.authority },
    trustRoot: world.trustRoot,
    stores,
    tools: parseToolRegistry(options.tools),
    mode: options.mode ?? 'enforce',
    env: {},
    clock,
  });
  return {
    ...world,
    firewall,
    policy,
    ledger: stores.ledger,
    dir,
    approve: (pending, role = 'manager') =>
      statementFor({ signer: world.approvers.get(role)!, pending, role, policyDigest: policy.digest, now: clock() }),
    approveByRule(pending) {
      const roles = Array.isArray(pending.rule.roles) ? pending.rule.roles.filter((role): role is string => typeof role === 'string') : ['manager'];
      const threshold = typeof pending.rule.threshold === 'number' ? pending.rule.threshold : 1;
      const chosen = roles.filter((role) => world.approvers.has(role)).slice(0, threshold);
      return {
        statements: chosen.map((role) => statementFor({ signer: world.approvers.get(role)!, pending, role, policyDigest: policy.digest, now: clock() })),
        approvers: chosen.map((role) => APPROVERS.find((a) => a.role === role)!.owner),
      };
    },
    forge: (pending) => statementFor({ signer: world.outsider, pending, role: 'manager', policyDigest: policy.digest, now: clock() }),
    async bodies(type) {
      const out: JsonObject[] = [];
      for await (const stored of stores.ledger.read()) {
        const entry = parseEntry(stored.line);
        if (entry.type === type) out.push(entry.body);
      }
      return out;
    },
    async finish() {
      await firewall.close();
      const lines: string[] = [];
      for await (const stored of stores.ledger.read()) lines.push(stored.line);
      const checkpoints: string[] = [];
      for await (const checkpoint of stores.ledger.checkpoints()) checkpoints.push(checkpoint.note);
      await Promise.all([stores.ledger.close(), stores.nonces.close(), stores.approvals.close()]);
      return verifyTranscript({ entries: lines, checkpoints, trustRoot: world.trustRoot });
    },
  };
}
