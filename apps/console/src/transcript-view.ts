/** Transcript explorer: verified in this page with @writ/core's verifier; the failing entry is highlighted. */
import { createTrustRoot, fromBase64Any, verifyTranscript } from '@writ/core';
import type { TranscriptReport, TrustRootDocument } from '@writ/core';
import { api } from './api.ts';
import type { Credentials } from './api.ts';
import { h, mount } from './dom.ts';
import { callChains, parseEntries, text } from './transcript-model.ts';
import type { Entry } from './transcript-model.ts';

/** The transcript as the authority serves it. */
export interface TranscriptPayload {
  readonly from: number;
  readonly entries: string[];
  readonly checkpoints: string[];
  readonly trustRoot: TrustRootDocument;
}

/** The approver's reason inside a signed rejection envelope, if it has one. */
function signedReason(statement: unknown): string | undefined {
  try {
    const payload = (statement as { payload?: unknown }).payload;
    if (typeof payload !== 'string') return undefined;
    const json = JSON.parse(new TextDecoder().decode(fromBase64Any(payload, 'payload'))) as { reason?: unknown };
    return typeof json.reason === 'string' ? json.reason.slice(0, 120) : undefined;
  } catch {
    return undefined;
  }
}

function stepLabel(entry: Entry): string {
  switch (entry.type) {
    case 'decision-made':
      return `decision: ${text(entry.body.decision)} → ${text(entry.body.verdict)}`;
    case 'token-issued':
      return 'token issued';
    case 'action-denied':
      return 'denied';
    case 'approval-recorded':
      return 'approval';
    case 'approval-rejected': {
      // The signed statement is verified with the rest of the transcript; its reason is the approver's.
      const reason = signedReason(entry.body.statement);
      return reason === undefined ? 'rejected (signed)' : `rejected (signed): ${reason}`;
    }
    case 'effect-executed':
      return `outcome: ${text(entry.body.status)}`;
    case 'effect-reconciled':
      return `reconciled: ${text(entry.body.status)}`;
    default:
      return entry.type;
  }
}

/** Render the explorer into `root`; resolves with the verification report. */
export async function renderTranscript(options: { root: HTMLElement; credentials: Credentials }): Promise<TranscriptReport> {
  const { root, credentials } = options;
  const { json } = await api<TranscriptPayload>({ path: '/v1/transcript', credentials });
  const entries = parseEntries(json.entries, json.from);
  let report: TranscriptReport;
  try {
    report = await verifyTranscript({ entries: json.entries, checkpoints: json.checkpoints, trustRoot: createTrustRoot(json.trustRoot) });
  } catch (error) {
    report = { valid: false, entries: entries.length, failure: { check: 'format', code: 'ERR_TRANSCRIPT_MALFORMED', message: error instanceof Error ? error.message : String(error) } } as unknown as TranscriptReport;
  }
  const failedSeq = report.valid ? undefined : report.failure?.seq;
  // A broken hash chain at entry n means entry n-1 no longer hashes to what n recorded: either may be the altered one.
  const suspectSeq = failedSeq !== undefined && report.failure?.check === 'chain' && failedSeq > 0 ? failedSeq - 1 : undefined;
  const marked = (seq: number) => seq === failedSeq || seq === suspectSeq;
  const status = report.valid
    ? h('div', { class: 'verify ok', id: 'verify-status' }, `✓ Verified in your browser: ${entries.length} entries, ${json.checkpoints.length} signed checkpoint(s)`)
    : h('div', { class: 'verify bad', id: 'verify-status' }, `✗ Verification failed${failedSeq === undefined ? '' : ` at entry ${failedSeq}${suspectSeq === undefined ? '' : ` (entry ${suspectSeq} or ${failedSeq} was altered)`}`}: ${report.failure?.message ?? ''} [${report.failure?.code ?? ''}]`);
  const chains = callChains(entries);
  const chainTable = h(
    'table',
    {},
    h('tr', {}, h('th', {}, 'session'), h('th', {}, 'call'), h('th', {}, 'tool'), h('th', {}, 'decision → token → outcome → reconciliation')),
    ...chains.map((chain) => h('tr', { class: chain.steps.some((s) => marked(s.seq)) ? 'failed' : '' }, h('td', { class: 'digest' }, chain.sessionId.slice(0, 12)), h('td', {}, chain.callId), h('td', {}, chain.tool), h('td', {}, h('div', { class: 'chain' }, ...chain.steps.map((s) => h('span', { class: `step${marked(s.seq) ? ' failed' : ''}`, title: `entry ${s.seq}` }, stepLabel(s))))))),
  );
  const entryTable = h('table', { id: 'entries' }, h('tr', {}, h('th', {}, '#'), h('th', {}, 'type'), h('th', {}, 'time'), h('th', {}, 'session / call')), ...entries.map((e) => h('tr', { class: marked(e.seq) ? 'failed' : '', 'data-seq': String(e.seq) }, h('td', {}, e.seq), h('td', {}, e.type), h('td', {}, e.time), h('td', { class: 'digest' }, `${text(e.body.sessionId).slice(0, 12)} ${text(e.body.callId)}`))));
  mount(root, h('h2', {}, 'Transcript explorer'), status, h('h3', {}, 'Tool calls'), chainTable, h('h3', {}, 'Entries'), entryTable);
  return report;
}
