/**
 * Runs the attack/benign scenarios through a real firewall (the shared Rego policies,
 * memory stores, real keys) in enforce and shadow mode and returns one row per run.
 *
 * Enforce: every attack is blocked or sent to approval, every twin runs; for the
 * post-execution modes (§5.7, §5.8, §22.9) the attack runs but is not accepted as done.
 * Shadow: everything runs, and the transcript says what enforce would have done.
 *
 * Run alone: `node --conditions=@writ/source test/scenarios/run-scenarios.ts`.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  MemoryApprovalStore,
  MemoryLedgerStore,
  MemoryNonceStore,
  PrivateKey,
  createFirewall,
  createSigner,
  createTrustRoot,
  parseEntry,
  parseToolRegistry,
  signApproval,
  toBase64Url,
  verifyTranscript,
} from '@writ/core';
import type { FirewallMode, FirewallPolicy, FirewallSession, GuardResult, KeyRole, Signer, ToolRegistry } from '@writ/core';
import { loadPolicy } from '@writ/policy';
import type { Expectation, Scenario } from './scenario.ts';
import { SCENARIOS } from './scenarios.ts';

/** One run of one scenario. */
export interface ScenarioRow {
  readonly ref: string;
  readonly variant: 'attack' | 'benign';
  readonly mode: FirewallMode;
  readonly expected: string;
  readonly got: string;
  /** What the transcript recorded for the call (shadow: what enforce would have done). */
  readonly transcript: string;
  /** Reason codes of the recorded decision (or the reconciliation / rollback status). */
  readonly reasons: string;
  /** The run's transcript verified offline (`verifyTranscript`). */
  readonly verified: boolean;
  readonly ok: boolean;
}

const T0 = new Date('2026-03-02T09:00:00.000Z');
const APPROVERS = [
  { owner: 'maria', role: 'manager' },
  { owner: 'sam', role: 'security-officer' },
  { owner: 'fiona', role: 'finance-manager' },
] as const;

/** Keys and the trust root every run uses. */
function world(): { authority: Signer; approvers: Map<string, Signer>; trustRoot: ReturnType<typeof createTrustRoot> } {
  const authority = createSigner(PrivateKey.generate());
  const approvers = new Map(APPROVERS.map((a) => [a.role, createSigner(PrivateKey.generate())] as const));
  const entry = (signer: Signer, owner: string, roles: KeyRole[], approvalRoles?: string[]) => ({
    keyId: signer.keyId,
    publicKey: toBase64Url(signer.publicKey),
    roles,
    owner,
    validFrom: '2026-01-01T00:00:00Z',
    status: 'active' as const,
    ...(approvalRoles === undefined ? {} : { approvalRoles }),
  });
  const trustRoot = createTrustRoot({
    type: 'writ.trust-root/v1',
    version: 1,
    issuedAt: '2026-01-01T00:00:00Z',
    threshold: 1,
    keys: [
      entry(createSigner(PrivateKey.generate()), 'root', ['root']),
      entry(authority, 'firewall', ['authority', 'gateway', 'ledger']),
      ...APPROVERS.map((a) => entry(approvers.get(a.role)!, a.owner, ['approver'], [a.role])),
    ],
  });
  return { authority, approvers, trustRoot };
}

/** Load the shared policy library and the scenario tools once. */
export async function loadSuite(): Promise<{ policy: FirewallPolicy; registry: ToolRegistry }> {
  const root = new URL('../../policies/', import.meta.url);
  const policy = await loadPolicy({ paths: [new URL('writ', root).pathname, new URL('data.json', root).pathname] });
  const registry = parseToolRegistry(JSON.parse(readFileSync(new URL('./tools.json', import.meta.url), 'utf8')));
  return { policy, registry };
}

/** A JSON value as text (strings as they are). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

function verdictOf(status: string): string {
  return status === 'executed' ? 'allowed' : status === 'blocked' ? 'blocked' : 'approval';
}

function meets(expected: Expectation, got: string, mode: FirewallMode): boolean {
  if (expected === 'flagged' || expected === 'complete') return got === expected;
  if (mode === 'shadow') return got === 'allowed';
  return expected === 'allowed' ? got === 'allowed' : got === 'blocked' || got === 'approval';
}

async function approve(options: { session: FirewallSession; guard: GuardResult; roles: readonly string[]; policyDigest: string; signers: Map<string, Signer>; now: Date }): Promise<void> {
  const { session, guard, roles, policyDigest, signers, now } = options;
  if (guard.verdict !== 'approval-required') return;
  for (const role of roles) {
    const statement = signApproval({
      signer: signers.get(role)!,
      role,
      intent: guard.intentDigest,
      policy: { digest: policyDigest as `sha256:${string}`, rule: text(guard.pending.rule.rule) },
      now,
    });
    await session.submitApproval({ requestId: guard.pending.id, statement: statement.envelope as never });
  }
}

/** Run one scenario in one mode. */
export async function runScenario(options: { scenario: Scenario; mode: FirewallMode; policy: FirewallPolicy; registry: ToolRegistry }): Promise<ScenarioRow> {
  const { scenario: s, mode, policy, registry } = options;
  const { authority, approvers, trustRoot } = world();
  let now = T0.getTime();
  const ledger = new MemoryLedgerStore();
  const reconciler = { ...(s.observe ? { observe: () => s.observe! } : {}), ...(s.compensate ? { compensate: () => s.compensate! } : {}) };
  const firewall = await createFirewall({
    policy,
    keys: { authority },
    trustRoot,
    stores: { ledger, nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() },
    tools: registry,
    mode,
    env: {},
    clock: () => new Date(now),
    reconcilers: s.observe || s.compensate ? { [s.call.tool]: reconciler } : {},
  });
  const session = await firewall.openSession({ principal: s.principal ?? { id: 'alice', roles: ['support'], tenant: 'acme' }, agent: { id: 'support-bot', framework: 'scenarios' } });
  await session.addSystemPrompt('You are the support and operations agent of Acme.');
  let n = 0;
  for (const step of s.basis) {
    if ('user' in step) await session.addUserTurn(step.user);
    else if ('toolOutput' in step) await session.addToolOutput({ tool: step.toolOutput.tool, callId: `out-${n++}`, output: step.toolOutput.output });
    else await session.addBasis(step.item);
  }
  for (const [index, prior] of (s.before ?? []).entries()) await session.execute({ ...prior, callId: `before-${index}` }, () => 'done');

  const call = { ...s.call, callId: 'call' };
  if (s.reuseApproval) {
    // A manager approves one call; the approval is then presented for this call.
    const approvedCall = { tool: s.call.tool, args: s.reuseApproval.approvedArgs, callId: 'approved' };
    const asked = await session.guard(approvedCall);
    if (asked.verdict === 'approval-required') {
      const statement = signApproval({
        signer: approvers.get('manager')!,
        role: 'manager',
        intent: asked.intentDigest,
        policy: { digest: policy.digest as `sha256:${string}`, rule: text(asked.pending.rule.rule) },
        now: new Date(now),
      });
      await session.submitApproval({ requestId: asked.pending.id, statement: statement.envelope as never });
      now += s.reuseApproval.ageMs ?? 0;
      const sameCall = JSON.stringify(s.reuseApproval.approvedArgs) === JSON.stringify(s.call.args);
      if (sameCall) call.callId = 'approved';
      else {
        const mine = await session.guard(call);
        if (mine.verdict === 'approval-required') await session.submitApproval({ requestId: mine.pending.id, statement: statement.envelope as never });
      }
    }
  }
  if (s.approvals) {
    const guard = await session.guard(call);
    await approve({ session, guard, roles: s.approvals, policyDigest: policy.digest, signers: approvers, now: new Date(now) });
  }
  const result = await session.execute(call, () => ({ ok: true }));
  let got = verdictOf(result.status);
  if (result.status === 'executed' && s.observe) got = result.reconciliation?.status === 'reconciled' ? 'complete' : 'flagged';
  if (result.status === 'executed' && s.compensate && result.guard.tokenId !== undefined) {
    const report = await firewall.rollback(result.guard.tokenId);
    got = report.status === 'compensated' && report.residue.length === 0 ? 'complete' : 'flagged';
  }
  await session.end();
  await firewall.close();

  // The transcript of every run must verify offline (signatures, chain, checkpoints, linkage).
  const lines: string[] = [];
  for await (const stored of ledger.read()) lines.push(stored.line);
  const notes: string[] = [];
  for await (const checkpoint of ledger.checkpoints()) notes.push(checkpoint.note);
  const verified = await verifyTranscript({ entries: lines, checkpoints: notes, trustRoot });

  // What the transcript says about the final call.
  let transcript = '-';
  let reasons = '';
  for await (const stored of ledger.read()) {
    const entry = parseEntry(stored.line);
    if (entry.type === 'decision-made' && entry.body.callId === call.callId) {
      const would = entry.body.wouldHave;
      transcript = typeof would === 'string' ? `would ${would === 'block' ? 'block' : 'need approval'}` : text(entry.body.verdict);
      const codes = Array.isArray(entry.body.reasons) ? entry.body.reasons.map((r) => String((r as { code?: unknown }).code)) : [];
      reasons = [...new Set(codes)].slice(0, 3).join(',');
    }
    if ((entry.type === 'effect-reconciled' || entry.type === 'effect-rolled-back') && (s.observe || s.compensate)) transcript = `${entry.type}: ${text(entry.body.status)}`;
  }
  // Shadow mode never asks for approval: a twin that is allowed only with approvals runs
  // unapproved and the transcript says enforce would have asked for them.
  const approvedTwin = s.approvals !== undefined || s.reuseApproval !== undefined;
  let expected: string = s.expect;
  if (mode === 'shadow' && s.expect === 'blocked-or-approval') expected = 'allowed, recorded as would-refuse';
  if (mode === 'shadow' && s.expect === 'allowed' && approvedTwin) expected = 'allowed, recorded as would-need-approval';
  let ok = meets(s.expect, got, mode) && verified.valid;
  if (mode === 'shadow' && s.expect === 'blocked-or-approval') ok &&= transcript.startsWith('would');
  if (mode === 'shadow' && s.expect === 'allowed') ok &&= approvedTwin ? transcript === 'would need approval' : !transcript.startsWith('would');
  return { ref: s.ref, variant: s.variant, mode, expected, got, transcript, reasons, verified: verified.valid, ok };
}

/** Run every scenario in enforce and shadow mode. */
export async function runAll(): Promise<ScenarioRow[]> {
  const { policy, registry } = await loadSuite();
  const rows: ScenarioRow[] = [];
  for (const mode of ['enforce', 'shadow'] as const) {
    for (const scenario of SCENARIOS) rows.push(await runScenario({ scenario, mode, policy, registry }));
  }
  return rows;
}

/** The table as text. */
export function formatTable(rows: readonly ScenarioRow[]): string {
  const header = ['scenario', 'variant', 'mode', 'expected', 'got', 'transcript', 'reasons', 'verified', ''];
  const lines = rows.map((r) => [r.ref, r.variant, r.mode, r.expected, r.got, r.transcript, r.reasons, r.verified ? 'yes' : 'NO', r.ok ? 'ok' : 'MISMATCH']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runAll();
  process.stdout.write(`${formatTable(rows)}\n`);
  const bad = rows.filter((r) => !r.ok).length;
  process.stdout.write(`\n${rows.length - bad}/${rows.length} runs as expected\n`);
  process.exitCode = bad === 0 ? 0 : 1;
}
