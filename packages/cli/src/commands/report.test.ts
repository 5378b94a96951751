import { appendFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../lib/report-html.ts';
import { transcriptMetrics } from '../lib/transcript-metrics.ts';
import { recordTranscript } from '../test-support/record-transcript.ts';
import { reportAction } from './report.ts';
import type { ReportCommandOptions } from './report.ts';

async function report(targets: string[], options: ReportCommandOptions = {}) {
  const out = { stdout: '', stderr: '', code: -1 };
  await reportAction(targets, options, { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), setExitCode: (c) => void (out.code = c), cwd: process.cwd(), interactive: false });
  return out;
}

let shadow = '';
let enforce = '';
beforeAll(async () => {
  shadow = await recordTranscript('shadow');
  enforce = await recordTranscript('enforce');
}, 60_000);

describe('reportAction', () => {
  it('computes the §27 metrics of a real shadow transcript', async () => {
    const out = await report([shadow], { json: true });
    expect(out.code).toBe(0);
    const m = JSON.parse(out.stdout);
    expect(m).toMatchObject({ transcripts: 1, sessions: 1, decisions: 6, consequential: 5 });
    // Shadow executes everything; the two injected calls and the large refund are what enforce would stop.
    expect(m.verdicts).toEqual({ execute: 6, approvalRequired: 0, block: 0 });
    expect(m.shadow).toEqual({ decisions: 6, wouldHaveBlocked: 2, wouldHaveAskedApproval: 1 });
    expect(m.basis.failed).toBe(2);
    expect(m.basis.findings['basis.insufficient']).toBe(2);
    expect(m.coverage).toMatchObject({ effects: 5, withToken: 5, withReceipt: 5, tokenRate: 1, receiptRate: 1 });
    expect(m.releaseLatencyMs.count).toBe(5);
  });

  it('shows enforce blocks and approvals, and adds transcripts together', async () => {
    const one = JSON.parse((await report([enforce], { json: true })).stdout);
    expect(one.verdicts.block).toBe(2);
    expect(one.denials).toBe(2);
    expect(one.approvals).toBe(1);
    expect(one.shadow.decisions).toBe(0);
    expect(one.coverage.withToken).toBe(one.coverage.effects);
    const both = JSON.parse((await report([shadow, enforce], { json: true })).stdout);
    expect(both.decisions).toBe(one.decisions + 6);
    expect(both.transcripts).toBe(2);
  });

  it('prints a terminal summary and writes one self-contained HTML file with SVG charts', async () => {
    const html = join(mkdtempSync(join(tmpdir(), 'writ-report-')), 'report.html');
    const out = await report([shadow, enforce], { html, now: new Date('2026-11-24T12:00:00Z') });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/shadow would-have\s+blocked 2/);
    expect(out.stdout).toMatch(/token coverage\s+100\.0%/);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).toContain('generated 2026-11-24T12:00:00.000Z');
    expect(page).not.toMatch(/<script|<link|src="http|href="http/);
    expect(page).toContain('reconciliation success <b>n/a</b>');
  });

  it('refuses bad input with a clear message and exit 2', async () => {
    expect(await report([])).toMatchObject({ code: 2, stderr: expect.stringContaining('at least one transcript') });
    expect(await report(['/nonexistent/t'])).toMatchObject({ code: 2, stderr: expect.stringContaining('no such file or directory') });
    expect(await report([tmpdir()])).toMatchObject({ code: 2, stderr: expect.stringContaining('not a transcript directory') });
    const odd = mkdtempSync(join(tmpdir(), 'writ-report-odd-'));
    mkdirSync(join(odd, 'entries.jsonl'));
    expect(await report([odd])).toMatchObject({ code: 2, stderr: `writ report: ${odd}: cannot read entries.jsonl: is a directory, not a file [EISDIR]\n` });
    expect(await report([shadow], { html: '/nonexistent-dir/r.html' })).toMatchObject({ code: 2, stderr: 'writ report: --html /nonexistent-dir/r.html: cannot write the file: no such file or directory [ENOENT]\n' });
    expect(await report([shadow], { html: tmpdir() })).toMatchObject({ code: 2, stderr: `writ report: --html ${tmpdir()}: cannot write the file: is a directory, not a file [EISDIR]\n` });
    const broken = await recordTranscript('shadow');
    appendFileSync(join(broken, 'entries.jsonl'), '{"truncated\n');
    expect(await report([broken])).toMatchObject({ code: 2, stderr: expect.stringContaining('is not JSON') });
  });
});

describe('transcriptMetrics', () => {
  it('survives hostile bodies (__proto__ tool names and reason codes) without touching prototypes', async () => {
    const line = JSON.stringify({ type: 'decision-made', time: 'x', body: { tool: '__proto__', decision: 'deny', verdict: 'block', mode: 'enforce', actionClass: 'A3', reasons: [{ code: '__proto__' }], basis: { sufficient: false, findings: ['__proto__'] } } });
    const m = await transcriptMetrics([{ name: 't', lines: [line, '{"type":"effect-rolled-back","body":{"status":"partial","residue":["email sent"]}}'] }]);
    expect(m.byTool['__proto__']).toEqual({ decisions: 1, blocked: 1, approval: 0 });
    expect(m.reasons['__proto__']).toBe(1);
    expect(m.rollbacks).toEqual({ total: 1, compensated: 0, residue: 1 });
    expect(({} as Record<string, unknown>).decisions).toBeUndefined();
    await expect(transcriptMetrics([{ name: 't', lines: ['42'] }])).rejects.toThrow(/not a transcript entry/);
  });
});

describe('transcriptMetrics release latency', () => {
  it('measures decision → token, but not a release after an approval (its gap is the approvers’ time)', async () => {
    const entry = (type: string, time: string, body: Record<string, unknown>) => JSON.stringify({ type, time, body });
    const lines = [
      entry('decision-made', '2026-03-01T10:00:00.000Z', { sessionId: 's', callId: 'c1', decisionId: 'd1', tool: 't', decision: 'allow', verdict: 'execute', mode: 'enforce', actionClass: 'A3' }),
      entry('token-issued', '2026-03-01T10:00:00.004Z', { sessionId: 's', callId: 'c1', decisionId: 'd1', tokenId: 'k1' }),
      entry('decision-made', '2026-03-01T10:00:01.000Z', { sessionId: 's', callId: 'c2', decisionId: 'd2', tool: 't', decision: 'require-approval', verdict: 'approval-required', mode: 'enforce', actionClass: 'A3' }),
      entry('token-issued', '2026-03-01T10:30:01.000Z', { sessionId: 's', callId: 'c2', decisionId: 'd2', tokenId: 'k2', recheck: { decision: 'require-approval', verdict: 'execute' } }),
    ];
    const m = await transcriptMetrics([{ name: 't', lines }]);
    expect(m.releaseLatencyMs).toEqual({ count: 1, p50: 4, p95: 4, max: 4 });
    expect(m.decisions).toBe(2);
  });
});

describe('escapeHtml', () => {
  it('escapes markup in tool names and paths', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  });
});

describe('transcriptMetrics unfinished releases', () => {
  it('counts releases found without an outcome, their resolutions, and those still open; the terminal and HTML forms say so', async () => {
    const entry = (type: string, body: Record<string, unknown>) => JSON.stringify({ type, time: '2026-03-01T10:00:00.000Z', body });
    const lines = ['k1', 'k2', 'k3'].map((tokenId) => entry('release-unfinished', { tokenId, callId: tokenId, tool: 'refund', releasedSeq: 0, status: 'repair-required' }));
    // k2's resolution carries an approver's signed statement (its shape is what counts here; writ verify checks it).
    const statement = { payloadType: 'application/vnd.writ.resolution+json', payload: 'e30', signatures: [{ keyid: 'k', sig: 'AA' }] };
    lines.push(entry('release-resolved', { tokenId: 'k1', outcome: 'executed', by: 'ops' }), entry('release-resolved', { tokenId: 'k2', outcome: 'not-executed', by: 'approver:k as ops', statement }));
    const m = await transcriptMetrics([{ name: 't', lines }]);
    expect(m.unfinished).toEqual({ flagged: 3, executed: 1, notExecuted: 1, open: 1, signed: 1, unsigned: 1 });
    expect((await transcriptMetrics([{ name: 't', lines: [] }])).unfinished).toEqual({ flagged: 0, executed: 0, notExecuted: 0, open: 0, signed: 0, unsigned: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'writ-report-unfinished-'));
    appendFileSync(join(dir, 'entries.jsonl'), `${lines.join('\n')}\n`);
    const html = join(dir, 'report.html');
    const out = await report([dir], { html, now: new Date('2026-11-24T12:00:00Z') });
    expect(out.stdout).toMatch(/unfinished releases\s+3 found without an outcome · resolved executed 1 · not executed 1 · open 1 · resolutions signed by an approver 1 · unsigned 1/);
    expect(readFileSync(html, 'utf8')).toContain('<strong>1 still open</strong>');
    expect(readFileSync(html, 'utf8')).toContain("Resolutions signed by an approver: 1; unsigned (the writer's own statement): 1.");
    expect((await report([shadow])).stdout).toMatch(/unfinished releases\s+none/);
  });
});
