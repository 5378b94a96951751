/**
 * The HTML report of `writ report`: one self-contained file (inline CSS and SVG charts,
 * no scripts, no external assets) showing the §27 metrics.
 */
import type { TranscriptMetrics } from './transcript-metrics.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color: string;
}

/** A horizontal bar chart as inline SVG. */
export function barChart(bars: readonly Bar[], options: { readonly title: string; readonly width?: number }): string {
  const width = options.width ?? 560;
  const row = 28;
  const labelWidth = 210;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = Math.max(1, bars.length) * row + 8;
  const rows = bars.map((bar, i) => {
    const y = i * row + 4;
    const w = Math.round(((width - labelWidth - 60) * bar.value) / max);
    return `<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${escapeHtml(bar.label)}</text><rect x="${labelWidth}" y="${y + 4}" width="${Math.max(w, bar.value > 0 ? 2 : 0)}" height="${row - 10}" rx="3" fill="${bar.color}"/><text x="${labelWidth + w + 6}" y="${y + 17}">${bar.value}</text>`;
  });
  const empty = bars.length === 0 ? `<text x="8" y="20">none</text>` : '';
  return `<svg role="img" aria-label="${escapeHtml(options.title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-size="13" font-family="system-ui, sans-serif" fill="#1f2933">${rows.join('')}${empty}</svg>`;
}

/** A coverage gauge: a track and a filled share, with the percentage. */
export function gauge(label: string, share: number | null, detail: string): string {
  const width = 260;
  if (share === null) {
    return `<div class="gauge"><div class="gauge-label">${escapeHtml(label)} <b>n/a</b></div><svg viewBox="0 0 ${width} 14" width="${width}" height="14" role="img" aria-label="${escapeHtml(label)} not measured"><rect width="${width}" height="14" rx="7" fill="#e2e8f0"/></svg><div class="muted">${escapeHtml(detail)}</div></div>`;
  }
  const fill = Math.round(width * Math.min(1, Math.max(0, share)));
  const color = share >= 0.99 ? '#2f855a' : share >= 0.9 ? '#b7791f' : '#c53030';
  return `<div class="gauge"><div class="gauge-label">${escapeHtml(label)} <b>${pct(share)}</b></div><svg viewBox="0 0 ${width} 14" width="${width}" height="14" role="img" aria-label="${escapeHtml(label)} ${pct(share)}"><rect width="${width}" height="14" rx="7" fill="#e2e8f0"/><rect width="${fill}" height="14" rx="7" fill="${color}"/></svg><div class="muted">${escapeHtml(detail)}</div></div>`;
}

const card = (label: string, value: string, note = '') => `<div class="card"><div class="value">${escapeHtml(value)}</div><div class="label">${escapeHtml(label)}</div>${note ? `<div class="muted">${escapeHtml(note)}</div>` : ''}</div>`;

const CSS = `body{font-family:system-ui,sans-serif;margin:32px;color:#1f2933;background:#f7fafc}h1{margin:0 0 4px}h2{margin:28px 0 10px;font-size:18px}
.muted{color:#627d98;font-size:12px}.cards{display:flex;flex-wrap:wrap;gap:12px}.card{background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:12px 16px;min-width:150px}
.card .value{font-size:26px;font-weight:600}.card .label{font-size:13px}.panel{background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:16px;margin-bottom:12px}
.gauges{display:flex;flex-wrap:wrap;gap:24px}.gauge-label{font-size:13px;margin-bottom:4px}table{border-collapse:collapse;font-size:13px}td,th{padding:4px 12px;border-bottom:1px solid #e2e8f0;text-align:left}th{background:#f0f4f8}`;

/** Render the report page. `sources` name the transcripts; `generated` is shown as given. */
export function renderReportHtml(metrics: TranscriptMetrics, options: { readonly sources: readonly string[]; readonly generated: string }): string {
  const m = metrics;
  const outcomes = barChart(
    [
      { label: 'released', value: m.outcomes.released, color: '#2f855a' },
      { label: 'released with constraints', value: m.outcomes.constrained, color: '#38a169' },
      { label: 'routed to approval', value: m.outcomes.approval, color: '#b7791f' },
      { label: 'blocked', value: m.outcomes.blocked, color: '#c53030' },
    ],
    { title: 'policy outcomes' },
  );
  const findings = barChart(
    Object.entries(m.basis.findings).sort((a, b) => b[1] - a[1]).map(([label, value]) => ({ label, value, color: '#6b46c1' })),
    { title: 'basis failures by finding' },
  );
  const tools = Object.entries(m.byTool).sort((a, b) => b[1].decisions - a[1].decisions);
  const latency = m.releaseLatencyMs;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Writ report</title><meta name="viewport" content="width=device-width,initial-scale=1"><style>${CSS}</style></head>
<body>
<h1>Writ action firewall report</h1>
<div class="muted">${m.transcripts} transcript(s): ${escapeHtml(options.sources.join(', '))} · ${m.entries} entries · ${m.sessions} session(s) · generated ${escapeHtml(options.generated)}</div>
<h2>Protected actions</h2>
<div class="cards">${card('judged calls', String(m.decisions), `${m.consequential} consequential (A2–A5)`)}${card('stopped because the basis failed', String(m.basis.stoppedByBasis), 'blocked or sent to approval (or would have been)')}${card('shadow would-have-blocked', String(m.shadow.wouldHaveBlocked), `${m.shadow.wouldHaveAskedApproval} would have asked approval, of ${m.shadow.decisions} shadow/advisory`)}${card('taint detections', String(m.taint.arguments), `in ${m.taint.decisions} decision(s)`)}${card('approvals recorded', String(m.approvals), 'human review burden')}</div>
<h2>Outcomes</h2><div class="panel">${outcomes}<div class="muted">What the policy said. Enforced verdicts: ${m.verdicts.execute} executed, ${m.verdicts.approvalRequired} held for approval, ${m.verdicts.block} blocked.</div></div>
<h2>Basis failures by finding</h2><div class="panel">${findings}<div class="muted">Basis failure rate ${pct(m.basis.rate)} (${m.basis.failed} of ${m.consequential} consequential decisions).</div></div>
<h2>Coverage</h2><div class="panel gauges">${gauge('token coverage', m.coverage.effects === 0 ? null : m.coverage.tokenRate, `${m.coverage.withToken} of ${m.coverage.effects} consequential effects released by a token`)}${gauge('receipt coverage', m.coverage.effects === 0 ? null : m.coverage.receiptRate, `${m.coverage.withReceipt} of ${m.coverage.effects} with a signed receipt`)}${gauge('reconciliation success', m.reconciliation.total === 0 ? null : m.reconciliation.rate, m.reconciliation.total === 0 ? 'no reconciliations recorded' : `${m.reconciliation.reconciled} of ${m.reconciliation.total} reconciled`)}</div>
<h2>Latency overhead</h2><div class="panel">Decision → release (token issued): p50 ${latency.p50 ?? '—'} ms · p95 ${latency.p95 ?? '—'} ms · max ${latency.max ?? '—'} ms over ${latency.count} release(s). <div class="muted">Measured from entry times in the transcript (millisecond resolution).</div></div>
<h2>By tool</h2><div class="panel"><table><tr><th>tool</th><th>decisions</th><th>blocked (or would be)</th><th>approval (or would be)</th></tr>${tools.map(([tool, t]) => `<tr><td>${escapeHtml(tool)}</td><td>${t.decisions}</td><td>${t.blocked}</td><td>${t.approval}</td></tr>`).join('')}</table></div>
<h2>Rollbacks</h2><div class="panel">${m.rollbacks.total} compensation(s), ${m.rollbacks.compensated} compensated, ${m.rollbacks.residue} residue item(s).</div>
<h2>Unfinished releases</h2><div class="panel">${m.unfinished.flagged === 0 ? 'No release was found without an outcome.' : `${m.unfinished.flagged} release(s) found without an outcome after a restart: ${m.unfinished.executed} resolved as executed, ${m.unfinished.notExecuted} as not executed, <strong>${m.unfinished.open} still open</strong>. Resolutions signed by an approver: ${m.unfinished.signed}; unsigned (the writer's own statement): ${m.unfinished.unsigned}.`}</div>
</body></html>
`;
}
