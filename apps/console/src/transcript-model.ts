/** Transcript lines grouped for people: sessions, and per tool call its chain decision → token → outcome → reconciliation. */

/** A body field as display text ('' unless a string or number). */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

/** One parsed entry. */
export interface Entry {
  readonly seq: number;
  readonly type: string;
  readonly time: string;
  readonly body: Record<string, unknown>;
}

/** One tool call's chain. */
export interface CallChain {
  readonly sessionId: string;
  readonly callId: string;
  readonly tool: string;
  readonly steps: Entry[];
}

const CHAIN_TYPES = new Set(['decision-made', 'token-issued', 'action-denied', 'approval-recorded', 'approval-rejected', 'effect-executed', 'effect-reconciled', 'effect-rolled-back']);

/** Parse lines; an unparsable line becomes an `unreadable` entry at its position. */
export function parseEntries(lines: readonly string[], from = 0): Entry[] {
  return lines.map((line, i) => {
    try {
      const value = JSON.parse(line) as { seq?: number; type?: string; time?: string; body?: Record<string, unknown> };
      return { seq: value.seq ?? from + i, type: value.type ?? 'unknown', time: value.time ?? '', body: value.body ?? {} };
    } catch {
      return { seq: from + i, type: 'unreadable', time: '', body: {} };
    }
  });
}

/** Calls in first-seen order, each with its entries in ledger order. */
export function callChains(entries: readonly Entry[]): CallChain[] {
  const chains = new Map<string, CallChain>();
  // Approval entries name the intent, not the call: they join the call whose decision judged that intent.
  const callOfIntent = new Map<string, string>();
  for (const entry of entries) {
    if (entry.type === 'decision-made') callOfIntent.set(`${text(entry.body.sessionId)} ${text(entry.body.intentDigest)}`, text(entry.body.callId));
  }
  for (const entry of entries) {
    if (!CHAIN_TYPES.has(entry.type)) continue;
    const sessionId = text(entry.body.sessionId);
    const callId = text(entry.body.callId) || (callOfIntent.get(`${sessionId} ${text(entry.body.intentDigest)}`) ?? '');
    const key = `${sessionId} ${callId}`;
    let chain = chains.get(key);
    if (chain === undefined) {
      chain = { sessionId, callId, tool: text(entry.body.tool), steps: [] };
      chains.set(key, chain);
    }
    chain.steps.push(entry);
  }
  return [...chains.values()];
}

/** A shadow/advisory decision that enforce would have stopped. */
export interface WouldHave {
  readonly kind: 'block' | 'approval';
  readonly tool: string;
  readonly agent: string;
  readonly reasons: readonly string[];
}

/** What enforce would have blocked or sent to approval, from decision entries of shadow/advisory runs. */
export function wouldHave(entries: readonly Entry[]): WouldHave[] {
  const agents = new Map<string, string>();
  const out: WouldHave[] = [];
  for (const entry of entries) {
    if (entry.type === 'session-started') {
      const agent = entry.body.agent as { id?: string } | undefined;
      agents.set(text(entry.body.sessionId), agent?.id ?? '?');
    }
    if (entry.type !== 'decision-made' || entry.body.mode === 'enforce' || entry.body.verdict !== 'execute') continue;
    const decision = text(entry.body.decision);
    if (decision !== 'deny' && decision !== 'require-approval') continue;
    const reasons = (entry.body.reasons as { code: string }[] | undefined)?.map((r) => r.code) ?? [];
    out.push({ kind: decision === 'deny' ? 'block' : 'approval', tool: text(entry.body.tool), agent: agents.get(text(entry.body.sessionId)) ?? '?', reasons: reasons.length === 0 ? ['(no reason)'] : reasons });
  }
  return out;
}

/** Counts by key, largest first. */
export function countBy(items: readonly WouldHave[], key: (item: WouldHave) => readonly string[]): { label: string; block: number; approval: number }[] {
  const counts = new Map<string, { label: string; block: number; approval: number }>();
  for (const item of items) {
    for (const label of key(item)) {
      const row = counts.get(label) ?? { label, block: 0, approval: 0 };
      row[item.kind] += 1;
      counts.set(label, row);
    }
  }
  return [...counts.values()].sort((a, b) => b.block + b.approval - (a.block + a.approval));
}
