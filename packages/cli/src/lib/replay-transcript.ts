/**
 * Replay: re-evaluate every `decision-made` of a transcript from its logged policy input.
 * Decisions recorded under the same policy digest as the one loaded must come out identical
 * (same checked decision document id); any difference is drift. Under another policy the
 * comparison is a what-if: which decisions would change, and how.
 */
import { parseDecision } from '@writ/core';
import type { FirewallPolicy } from '@writ/core';
import { UsageError } from '../cli-context.ts';
import { decisionKey } from './policy-input-log.ts';
import type { PolicyInputRecord } from './policy-input-log.ts';

/** How a replayed decision compares with the recorded one. */
export type ChangeKind =
  | 'same'
  | 'allow-to-deny'
  | 'allow-to-approval'
  | 'deny-to-allow'
  | 'deny-to-approval'
  | 'approval-to-allow'
  | 'approval-to-deny'
  | 'detail-changed'
  | 'no-input'
  | 'policy-error';

/** Every change kind, in report order (the most consequential first). */
export const CHANGE_KINDS: readonly ChangeKind[] = [
  'allow-to-deny',
  'allow-to-approval',
  'deny-to-allow',
  'deny-to-approval',
  'approval-to-allow',
  'approval-to-deny',
  'detail-changed',
  'policy-error',
  'no-input',
  'same',
];

/** One decision, recorded and replayed. */
export interface ReplayedDecision {
  readonly seq: number;
  readonly sessionId: string;
  readonly callId: string;
  readonly tool: string;
  readonly mode: string;
  /** True when the loaded policy is the one the decision was recorded under. */
  readonly samePolicy: boolean;
  readonly recorded: { readonly decision: string; readonly reasons: readonly string[]; readonly id: string; readonly verdict: string };
  readonly replayed?: { readonly decision: string; readonly reasons: readonly string[]; readonly id: string };
  readonly change: ChangeKind;
}

/** What {@link replayDecisions} returns. */
export interface ReplayResult {
  readonly policyDigest: string;
  readonly decisions: readonly ReplayedDecision[];
  /** Same-policy decisions that did not reproduce exactly. */
  readonly drift: number;
  readonly counts: Readonly<Record<ChangeKind, number>>;
}

type Family = 'allow' | 'deny' | 'approval';
const family = (decision: string): Family => (decision === 'deny' ? 'deny' : decision === 'require-approval' ? 'approval' : 'allow');

/** Classify a recorded → replayed decision change. */
export function classifyChange(recorded: { decision: string; id: string }, replayed: { decision: string; id: string }): ChangeKind {
  const from = family(recorded.decision);
  const to = family(replayed.decision);
  if (from === to) return recorded.id === replayed.id ? 'same' : 'detail-changed';
  return `${from}-to-${to}` as ChangeKind;
}

interface DecisionBody {
  sessionId: string;
  callId: string;
  tool: string;
  intentDigest: string;
  policyDigest: string;
  policyDecisionId: string;
  decision: string;
  verdict: string;
  mode: string;
  reasons: { code: string }[];
}

function decisionBody(entry: unknown, line: number): { seq: number; body: DecisionBody } | undefined {
  if (typeof entry !== 'object' || entry === null) throw new UsageError(`entry ${line}: not a transcript entry`);
  const { type, body, seq } = entry as { type?: unknown; body?: unknown; seq?: unknown };
  if (type !== 'decision-made') return undefined;
  const b = body as Partial<DecisionBody> | null;
  const fields = ['sessionId', 'callId', 'tool', 'intentDigest', 'policyDigest', 'policyDecisionId', 'decision', 'verdict', 'mode'] as const;
  if (typeof b !== 'object' || b === null || fields.some((field) => typeof b[field] !== 'string') || !Array.isArray(b.reasons) || typeof seq !== 'number') {
    throw new UsageError(`entry ${line}: malformed decision-made entry`);
  }
  return { seq, body: b as DecisionBody };
}

/** A `decision-made` entry of a transcript: its `seq` and body. */
export interface RecordedDecision {
  readonly seq: number;
  readonly body: DecisionBody;
}

/**
 * The decision an entry line records, if it is a `decision-made` entry (`line`: its number, from
 * 1, for messages). For a reader that streams the entries.
 * @throws `UsageError` when the line is not JSON or not a well-formed entry.
 */
export function decisionOf(text: string, line: number): RecordedDecision | undefined {
  if (text.trim() === '') return undefined;
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    throw new UsageError(`entry ${line}: not JSON (is this a transcript?)`);
  }
  return decisionBody(entry, line);
}

/**
 * Parse the `decision-made` entries of transcript lines.
 * @throws `UsageError` naming the first line that is not JSON or not a well-formed decision.
 */
export function decisionsOf(lines: readonly string[]): RecordedDecision[] {
  const out: RecordedDecision[] = [];
  lines.forEach((text, index) => {
    const decision = decisionOf(text, index + 1);
    if (decision !== undefined) out.push(decision);
  });
  return out;
}

/** Options of {@link replayDecisions}. */
export interface ReplayOptions {
  /** The transcript's entry lines — or, from a reader that streamed them, {@link decisions}. */
  readonly lines?: readonly string[];
  /** The decisions of the transcript, in order ({@link decisionOf} of each line); instead of `lines`. */
  readonly decisions?: readonly RecordedDecision[];
  readonly inputs: ReadonlyMap<string, readonly PolicyInputRecord[]>;
  readonly policy: FirewallPolicy;
  readonly onProgress?: (done: number, total: number) => void;
}

async function evaluate(policy: FirewallPolicy, input: unknown): Promise<{ decision: string; reasons: string[]; id: string }> {
  const parsed = parseDecision(policy.evaluateSync !== undefined ? policy.evaluateSync(input) : await policy.evaluate(input));
  return { decision: parsed.decision, reasons: parsed.reasons.map((r) => r.code), id: parsed.id };
}

/**
 * Re-evaluate every decision of a transcript.
 * @throws `UsageError` for a malformed transcript.
 */
export async function replayDecisions(options: ReplayOptions): Promise<ReplayResult> {
  const { policy } = options;
  const decisions = options.decisions ?? decisionsOf(options.lines ?? []);
  const used = new Map<string, number>();
  const results: ReplayedDecision[] = [];
  for (const { seq, body } of decisions) {
    const key = decisionKey(body);
    const index = used.get(key) ?? 0;
    used.set(key, index + 1);
    const record = options.inputs.get(key)?.[index];
    const base = {
      seq,
      sessionId: body.sessionId,
      callId: body.callId,
      tool: body.tool,
      mode: body.mode,
      samePolicy: body.policyDigest === policy.digest,
      recorded: { decision: body.decision, reasons: body.reasons.map((r) => String(r.code)), id: body.policyDecisionId, verdict: body.verdict },
    };
    if (record === undefined) {
      results.push({ ...base, change: 'no-input' });
    } else {
      try {
        const replayed = await evaluate(policy, record.input);
        results.push({ ...base, replayed, change: classifyChange(base.recorded, replayed) });
      } catch {
        results.push({ ...base, change: 'policy-error' });
      }
    }
    options.onProgress?.(results.length, decisions.length);
  }
  const counts = Object.fromEntries(CHANGE_KINDS.map((kind) => [kind, 0])) as Record<ChangeKind, number>;
  for (const result of results) counts[result.change] += 1;
  const drift = results.filter((r) => r.samePolicy && r.change !== 'same').length;
  return { policyDigest: policy.digest, decisions: results, drift, counts };
}
