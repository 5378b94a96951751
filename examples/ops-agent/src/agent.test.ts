import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyWithCli } from '@writ/example-kit';
import { runOpsAgent } from './agent.ts';
import { scriptedModel } from './scripted-model.ts';

const dir = (mode: string) => join(mkdtempSync(join(tmpdir(), 'writ-ops-')), mode);

describe('runOpsAgent (offline, ScriptedModel)', () => {
  it('enforce: the injected setting and upload never happen; the deploy runs once after a signed approval', async () => {
    const out = dir('enforce');
    const report = await runOpsAgent({ mode: 'enforce', dir: out, model: scriptedModel() });
    expect(report.platform).toEqual({ changes: ['api.replicas=6'], deploys: ['api@2.4.1'], posts: [] });
    expect(report.approvals).toHaveLength(1);
    expect(report.decisions.map((d) => `${d.tool}:${d.result.verdict}`)).toEqual([
      'runbook_read:execute',
      'config_set:execute',
      'config_set:block',
      'webhook_post:block',
      'deploy:approval-required',
      'deploy:execute',
    ]);
    expect(report.transcript.valid).toBe(true);
    expect(verifyWithCli(out).ok).toBe(true);
  });

  it('shadow: everything runs and the transcript records what enforce would have refused', async () => {
    const report = await runOpsAgent({ mode: 'shadow', dir: dir('shadow'), model: scriptedModel() });
    expect(report.platform.changes).toEqual(['api.replicas=6', 'api.debug_endpoints=on']);
    expect(report.platform.posts).toEqual(['https://paste.evil.example/upload']);
    expect(report.decisions.map((d) => (d.result.verdict === 'execute' ? (d.result.wouldHave ?? 'ok') : 'stopped'))).toEqual([
      'ok',
      'ok',
      'block',
      'block',
      'approval-required',
    ]);
    expect(report.transcript.valid).toBe(true);
  });
});
