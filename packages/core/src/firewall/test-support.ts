/**
 * Shared set-up for firewall tests: keys, a trust root, memory stores, a registry and a
 * policy double whose decision a test chooses per tool (the Rego path is covered by the
 * cross-package scenario suite in test/scenarios).
 */
import { createSigner } from '../crypto/signer.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { MemoryApprovalStore } from '../stores/memory-approval-store.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts';
import type { LedgerStore } from '../stores/types.ts';
import { parseEntry } from '../transcript/entry.ts';
import { verifyTranscript } from '../transcript/verify-transcript.ts';
import type { TranscriptReport } from '../transcript/verify-transcript.ts';
import type { LedgerEntry } from '../transcript/entry.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import type { KeyRole, TrustRoot } from '../trust/trust-root.ts';
import type { Signer } from '../crypto/signer.ts';
import { toBase64Url } from '../crypto/encoding.ts';
import type { CreateFirewallOptions, FirewallPolicy } from './firewall-options.ts';

export const T0 = new Date('2026-03-01T10:00:00.000Z');

/** A clock a test moves by hand. */
export function frozenClock(start = T0): { now: () => Date; advance: (ms: number) => void } {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

export const TOOLS = [
  { name: 'search', actionClass: 'A0', effects: ['read'], audience: 'self', trust: 'untrusted' },
  { name: 'email.send', actionClass: 'A3', effects: ['customer-visible'], audience: 'customer', consequential: { to: 'email' } },
  { name: 'crm.update', actionClass: 'A2', effects: ['internal-write'], audience: 'internal' },
  { name: 'refund', actionClass: 'A4', effects: ['financial'], audience: 'customer', consequential: { amount: 'amount' } },
] as const;

/** A policy double: `decide(input)` returns the decision document. */
export function policyDouble(decide: (input: Record<string, unknown>) => unknown): FirewallPolicy & { inputs: Record<string, unknown>[] } {
  const inputs: Record<string, unknown>[] = [];
  return {
    digest: `sha256:${'ab'.repeat(32)}`,
    inputs,
    evaluate(input: unknown) {
      inputs.push(input as Record<string, unknown>);
      return Promise.resolve().then(() => decide(input as Record<string, unknown>));
    },
  };
}

/** Tool name of a `writ.input/v1` document. */
export function toolOf(input: Record<string, unknown>): string {
  return String((input.action as Record<string, unknown>).tool);
}

export const allow = { decision: 'allow', reasons: [] };
export const deny = { decision: 'deny', reasons: [{ code: 'test.denied', text: 'tests deny this' }] };

export function keys() {
  const authorityKey = PrivateKey.generate();
  const approverKey = PrivateKey.generate();
  const rootKey = PrivateKey.generate();
  const authority = createSigner(authorityKey);
  const approver = createSigner(approverKey);
  const root = createSigner(rootKey);
  return { authority, approver, root };
}

/** Options for a firewall over memory stores. */
export function firewallOptions(over: Partial<CreateFirewallOptions> & { policy: FirewallPolicy }): CreateFirewallOptions & {
  stores: { ledger: LedgerStore; nonces: MemoryNonceStore; approvals: MemoryApprovalStore };
} {
  const k = keys();
  const trustRoot = trustRootFor(k);
  return {
    keys: { authority: k.authority },
    trustRoot,
    stores: { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() },
    tools: { tools: [...TOOLS] },
    clock: frozenClock().now,
    env: {},
    ...over,
  } as never;
}

export function trustRootFor(k: ReturnType<typeof keys>): TrustRoot {
  const entry = (signer: Signer, roles: KeyRole[], extra: Record<string, unknown> = {}) => ({
    keyId: signer.keyId,
    publicKey: toBase64Url(signer.publicKey),
    roles,
    owner: roles[0]!,
    validFrom: '2026-01-01T00:00:00Z',
    status: 'active' as const,
    ...extra,
  });
  return createTrustRoot({
    type: 'writ.trust-root/v1',
    version: 1,
    issuedAt: '2026-01-01T00:00:00Z',
    threshold: 1,
    keys: [
      entry(k.root, ['root']),
      entry(k.authority, ['authority', 'ledger', 'gateway']),
      entry(k.approver, ['approver'], { approvalRoles: ['manager'] }),
    ],
  });
}

/** Every entry of a ledger, parsed. */
export async function entries(ledger: LedgerStore): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for await (const stored of ledger.read()) out.push(parseEntry(stored.line));
  return out;
}

/** A ledger's entry lines and checkpoint notes, as a verifier reads them. */
export async function ledgerEvidence(ledger: LedgerStore): Promise<{ lines: string[]; notes: string[] }> {
  const lines: string[] = [];
  for await (const stored of ledger.read()) lines.push(stored.line);
  const notes: string[] = [];
  for await (const checkpoint of ledger.checkpoints()) notes.push(checkpoint.note);
  return { lines, notes };
}

/** `verifyTranscript` of a ledger against `trustRoot`. */
export async function verifyLedger(ledger: LedgerStore, trustRoot: TrustRoot): Promise<TranscriptReport> {
  const { lines, notes } = await ledgerEvidence(ledger);
  return verifyTranscript({ entries: lines, checkpoints: notes, trustRoot });
}
