/**
 * The metrics of a Writ transcript (seed 003 §27), computed from its entries alone:
 * volume, outcomes, basis failures by finding, taint, token and receipt coverage,
 * reconciliation, shadow would-have-blocked, approvals, rollbacks and the latency the
 * firewall adds between a decision and its release.
 */
import { UsageError } from '../cli-context.ts';

/** Metrics of one or more transcripts. */
export interface TranscriptMetrics {
  readonly transcripts: number;
  readonly entries: number;
  readonly sessions: number;
  /** Judged calls (decision-made), and those of class A2 and above. */
  readonly decisions: number;
  readonly consequential: number;
  /** What the policy said. */
  readonly outcomes: { released: number; constrained: number; approval: number; blocked: number };
  /** What the firewall did (after the mode). */
  readonly verdicts: { execute: number; approvalRequired: number; block: number };
  readonly byMode: Record<string, number>;
  /** Decisions in shadow or advisory mode that enforce would have blocked or sent to approval. */
  readonly shadow: { decisions: number; wouldHaveBlocked: number; wouldHaveAskedApproval: number };
  /** Consequential decisions whose basis was insufficient, and the findings behind them. */
  readonly basis: { failed: number; rate: number; stoppedByBasis: number; findings: Record<string, number> };
  readonly taint: { decisions: number; arguments: number; detectedEffects: number };
  /** Effects of consequential calls: with a token, with a receipt. */
  readonly coverage: { effects: number; withToken: number; withReceipt: number; tokenRate: number; receiptRate: number; failed: number };
  readonly reconciliation: { total: number; reconciled: number; rate: number; byStatus: Record<string, number> };
  readonly approvals: number;
  readonly denials: number;
  readonly rollbacks: { total: number; compensated: number; residue: number };
  /**
   * Releases the firewall found on open without an outcome (`release-unfinished`), how many of
   * them were resolved (`release-resolved`: found executed / not executed), and how many are
   * still open (flagged, not resolved). Resolutions are also counted by who stands behind them:
   * `signed` carry an approver's signed resolution (`statement`, checked by `writ verify`),
   * `unsigned` are the writer's own statement (the in-process API's `{ outcome, by }`).
   */
  readonly unfinished: { flagged: number; executed: number; notExecuted: number; open: number; signed: number; unsigned: number };
  /** Milliseconds from `decision-made` to `token-issued` (the release path the firewall adds; releases after an approval are not counted). */
  readonly releaseLatencyMs: { count: number; p50: number | null; p95: number | null; max: number | null };
  readonly reasons: Record<string, number>;
  readonly byTool: Record<string, { decisions: number; blocked: number; approval: number }>;
}

const CONSEQUENTIAL = new Set(['A2', 'A3', 'A4', 'A5']);
const rate = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
const bump = (record: Record<string, number>, key: string, by = 1) => {
  record[key] = (record[key] ?? 0) + by;
};

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

type Body = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Compute the metrics of transcripts given as their entry lines — an array, or streamed (an
 * async iterable: `writ report` reads each file line by line, never whole).
 * @throws `UsageError` naming the transcript and line that is not a JSON entry.
 */
export async function transcriptMetrics(transcripts: readonly { readonly name: string; readonly lines: Iterable<string> | AsyncIterable<string> }[]): Promise<TranscriptMetrics> {
  const m = {
    transcripts: transcripts.length, entries: 0, sessions: 0, decisions: 0, consequential: 0,
    outcomes: { released: 0, constrained: 0, approval: 0, blocked: 0 },
    verdicts: { execute: 0, approvalRequired: 0, block: 0 },
    byMode: Object.create(null) as Record<string, number>,
    shadow: { decisions: 0, wouldHaveBlocked: 0, wouldHaveAskedApproval: 0 },
    basis: { failed: 0, rate: 0, stoppedByBasis: 0, findings: Object.create(null) as Record<string, number> },
    taint: { decisions: 0, arguments: 0, detectedEffects: 0 },
    coverage: { effects: 0, withToken: 0, withReceipt: 0, tokenRate: 0, receiptRate: 0, failed: 0 },
    reconciliation: { total: 0, reconciled: 0, rate: 0, byStatus: Object.create(null) as Record<string, number> },
    approvals: 0, denials: 0,
    rollbacks: { total: 0, compensated: 0, residue: 0 },
    unfinished: { flagged: 0, executed: 0, notExecuted: 0, open: 0, signed: 0, unsigned: 0 },
    releaseLatencyMs: { count: 0, p50: null as number | null, p95: null as number | null, max: null as number | null },
    reasons: Object.create(null) as Record<string, number>,
    byTool: Object.create(null) as Record<string, { decisions: number; blocked: number; approval: number }>,
  };
  const latencies: number[] = [];
  for (const { name, lines } of transcripts) {
    const classOf = new Map<string, string>();
    const decidedAt = new Map<string, number>();
    let index = -1;
    for await (const text of lines) {
      index += 1;
      if (text.trim() === '') continue;
      let entry: { type?: unknown; body?: unknown; time?: unknown };
      try {
        entry = JSON.parse(text) as typeof entry;
      } catch {
        throw new UsageError(`${name}: entry ${index + 1} is not JSON (is this a transcript?)`);
      }
      if (typeof entry !== 'object' || entry === null || typeof entry.type !== 'string') throw new UsageError(`${name}: entry ${index + 1} is not a transcript entry`);
      m.entries += 1;
      const body = (typeof entry.body === 'object' && entry.body !== null ? entry.body : {}) as Body;
      const time = Date.parse(str(entry.time));
      const call = `${str(body.sessionId)}\u0000${str(body.callId)}`;
      switch (entry.type) {
        case 'session-started':
          m.sessions += 1;
          break;
        case 'decision-made': {
          m.decisions += 1;
          const actionClass = str(body.actionClass);
          classOf.set(call, actionClass);
          if (!Number.isNaN(time)) decidedAt.set(str(body.decisionId), time);
          const consequential = CONSEQUENTIAL.has(actionClass);
          if (consequential) m.consequential += 1;
          const decision = str(body.decision);
          if (decision === 'allow') m.outcomes.released += 1;
          else if (decision === 'allow-with-constraints') m.outcomes.constrained += 1;
          else if (decision === 'require-approval') m.outcomes.approval += 1;
          else m.outcomes.blocked += 1;
          const verdict = str(body.verdict);
          if (verdict === 'execute') m.verdicts.execute += 1;
          else if (verdict === 'approval-required') m.verdicts.approvalRequired += 1;
          else m.verdicts.block += 1;
          const mode = str(body.mode) || 'unknown';
          bump(m.byMode, mode);
          const enforced = str(body.wouldHave) || verdict;
          if (mode !== 'enforce') {
            m.shadow.decisions += 1;
            if (enforced === 'block') m.shadow.wouldHaveBlocked += 1;
            if (enforced === 'approval-required') m.shadow.wouldHaveAskedApproval += 1;
          }
          const tool = str(body.tool);
          const perTool = (m.byTool[tool] ??= { decisions: 0, blocked: 0, approval: 0 });
          perTool.decisions += 1;
          if (enforced === 'block') perTool.blocked += 1;
          if (enforced === 'approval-required') perTool.approval += 1;
          for (const reason of list(body.reasons)) bump(m.reasons, str((reason as Body | null)?.code) || '(none)');
          const basis = (body.basis ?? {}) as Body;
          const findings = list(basis.findings).map(str);
          if (consequential && basis.sufficient === false) {
            m.basis.failed += 1;
            if (enforced === 'block' || enforced === 'approval-required') m.basis.stoppedByBasis += 1;
            for (const finding of new Set(findings)) bump(m.basis.findings, finding);
          }
          const tainted = findings.filter((f) => f.includes('taint')).length;
          if (tainted > 0) m.taint.decisions += 1;
          m.taint.arguments += tainted;
          m.taint.detectedEffects += list((body.effects as Body | undefined)?.detected).length;
          break;
        }
        case 'token-issued': {
          const decided = decidedAt.get(str(body.decisionId));
          // A release after an approval (it carries the re-check) cites the approval-required
          // decision: its gap is the approvers' time, not the firewall's.
          const afterApproval = typeof body.recheck === 'object' && body.recheck !== null;
          if (decided !== undefined && !afterApproval && !Number.isNaN(time)) latencies.push(time - decided);
          break;
        }
        case 'effect-executed':
          if (!CONSEQUENTIAL.has(classOf.get(call) ?? '')) break;
          m.coverage.effects += 1;
          if (typeof body.tokenId === 'string') m.coverage.withToken += 1;
          if (typeof body.receipt === 'object' && body.receipt !== null) m.coverage.withReceipt += 1;
          if (body.status === 'failed') m.coverage.failed += 1;
          break;
        case 'effect-reconciled':
          m.reconciliation.total += 1;
          if (body.status === 'reconciled') m.reconciliation.reconciled += 1;
          bump(m.reconciliation.byStatus, str(body.status) || 'unknown');
          break;
        case 'approval-recorded':
          m.approvals += 1;
          break;
        case 'action-denied':
          m.denials += 1;
          break;
        case 'effect-rolled-back':
          m.rollbacks.total += 1;
          if (body.status === 'compensated') m.rollbacks.compensated += 1;
          m.rollbacks.residue += list(body.residue).length;
          break;
        case 'release-unfinished':
          m.unfinished.flagged += 1;
          break;
        case 'release-resolved':
          if (body.outcome === 'executed') m.unfinished.executed += 1;
          else if (body.outcome === 'not-executed') m.unfinished.notExecuted += 1;
          // Present, not verified: the report reads without verifying (run writ verify first).
          if (body.statement !== undefined) m.unfinished.signed += 1;
          else m.unfinished.unsigned += 1;
          break;
        default:
          break;
      }
    }
  }
  m.basis.rate = rate(m.basis.failed, m.consequential);
  m.coverage.tokenRate = rate(m.coverage.withToken, m.coverage.effects);
  m.coverage.receiptRate = rate(m.coverage.withReceipt, m.coverage.effects);
  m.reconciliation.rate = rate(m.reconciliation.reconciled, m.reconciliation.total);
  m.unfinished.open = Math.max(0, m.unfinished.flagged - m.unfinished.executed - m.unfinished.notExecuted);
  latencies.sort((a, b) => a - b);
  m.releaseLatencyMs = { count: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1) ?? null };
  return m;
}
