import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyWithCli } from '@writ/example-kit';
import { describe, expect, it } from 'vitest';
import { runFinanceAgent } from './agent.ts';
import { ATTACKER_IBAN, VENDOR_IBAN } from './finance-books.ts';
import { scriptedModel } from './scripted-model.ts';

const dir = (mode: string) => join(mkdtempSync(join(tmpdir(), 'writ-finance-')), mode);

describe('runFinanceAgent (offline, scripted fakeModel)', () => {
  it('enforce: the injected bank change and payment are blocked; the real payment runs once after dual control, a forged approval is refused', async () => {
    const out = dir('enforce');
    const report = await runFinanceAgent({ mode: 'enforce', dir: out, model: scriptedModel() });
    expect(report.payments).toEqual([`INV-4411:18400:${VENDOR_IBAN}`]);
    expect(report.vendorIban).toBe(VENDOR_IBAN);
    expect(report.decisions.map((d) => `${d.tool}:${d.outcome}`)).toEqual([
      'email_read:executed',
      'vendor_update_bank:blocked',
      'payments_transfer:blocked',
      'erp_invoice_get:executed',
      'payments_transfer:executed',
    ]);
    const blocked = report.decisions.filter((d) => d.outcome === 'blocked');
    for (const d of blocked) expect(d.result.reasons.map((r) => r.code)).toContain('basis.tainted-argument');
    expect(report.approvals.map((a) => [a.answer, a.refused, a.signers])).toEqual([
      ['forged', true, ['outsider']],
      ['signed', false, ['finance-manager', 'manager']],
    ]);
    expect(report.transcript.valid).toBe(true);
    expect(verifyWithCli(out)).toMatchObject({ ok: true, output: expect.stringMatching(/valid: \d+ entries/) });
  });

  it('shadow: everything runs, including the injected actions, and the transcript records what enforce would have refused', async () => {
    const out = dir('shadow');
    const report = await runFinanceAgent({ mode: 'shadow', dir: out, model: scriptedModel() });
    expect(report.payments).toEqual([`INV-4411:18400:${ATTACKER_IBAN}`, `INV-4411:18400:${VENDOR_IBAN}`]);
    expect(report.vendorIban).toBe(ATTACKER_IBAN);
    expect(report.approvals).toEqual([]);
    expect(report.decisions.map((d) => (d.result.verdict === 'execute' ? (d.result.wouldHave ?? 'ok') : 'stopped'))).toEqual(['ok', 'block', 'block', 'ok', 'block']);
    expect(report.decisions.every((d) => d.outcome === 'executed' && d.result.mode === 'shadow')).toBe(true);
    expect(report.transcript.valid).toBe(true);
    expect(verifyWithCli(out).ok).toBe(true);
  });
});
