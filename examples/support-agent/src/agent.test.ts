import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyWithCli } from '@writ/example-kit';
import { runSupportAgent } from './agent.ts';
import { scriptedModel } from './scripted-model.ts';

const dir = (mode: string) => join(mkdtempSync(join(tmpdir(), 'writ-support-')), mode);

describe('runSupportAgent (offline, scripted MockLanguageModelV4)', () => {
  it('enforce: the injected refund and email never happen, the large refund runs once after a signed approval', async () => {
    const out = dir('enforce');
    const report = await runSupportAgent({ mode: 'enforce', dir: out, model: scriptedModel() });
    expect(report.desk.refunds).toEqual(['4417:60', '5120:750']);
    expect(report.desk.emails).toEqual(['dana@example.com']);
    expect(report.approvals).toHaveLength(1);
    const verdicts = report.decisions.map((d) => `${d.tool}:${d.result.verdict}`);
    expect(verdicts).toEqual([
      'tickets_read:execute',
      'refund_issue:execute',
      'refund_issue:block',
      'email_send:block',
      'refund_large:approval-required',
      'refund_large:execute',
      'email_send:execute',
    ]);
    expect(report.transcript.valid).toBe(true);
    expect(verifyWithCli(out)).toMatchObject({ ok: true, output: expect.stringMatching(/valid: \d+ entries/) });
  });

  it('shadow: everything runs and the transcript records what enforce would have refused', async () => {
    const report = await runSupportAgent({ mode: 'shadow', dir: dir('shadow'), model: scriptedModel() });
    expect(report.desk.refunds).toEqual(['4417:60', '9090:480', '5120:750']);
    expect(report.desk.emails).toEqual(['refunds@claims-desk.example', 'dana@example.com']);
    expect(report.decisions.map((d) => d.result.verdict === 'execute' ? d.result.wouldHave ?? 'ok' : 'stopped')).toEqual([
      'ok',
      'ok',
      'block',
      'block',
      'approval-required',
      'ok',
    ]);
    expect(report.transcript.valid).toBe(true);
  });
});
