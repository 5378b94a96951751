import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { POLICY_INPUTS_FILE, readPolicyInputs, recordPolicyInputs } from '../lib/policy-input-log.ts';
import { classifyChange } from '../lib/replay-transcript.ts';
import { editedData, recordTranscript, sharedPolicyPaths } from '../test-support/record-transcript.ts';
import { groupChanges, replayAction } from './replay.ts';
import type { ReplayCommandOptions } from './replay.ts';

function capture() {
  const out = { stdout: '', stderr: '', code: -1 };
  return {
    out,
    context: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), setExitCode: (c: number) => void (out.code = c), cwd: process.cwd(), interactive: false },
  };
}

async function replay(dir: string, options: Partial<ReplayCommandOptions> = {}) {
  const { out, context } = capture();
  const { rego, data } = sharedPolicyPaths();
  await replayAction(dir, { policy: [rego, data], ...options }, context);
  return out;
}

let shadow = '';
let enforce = '';
beforeAll(async () => {
  shadow = await recordTranscript('shadow');
  enforce = await recordTranscript('enforce');
}, 60_000);

describe('replayAction', () => {
  it('reproduces every decision of a shadow and an enforce transcript under the recorded policy', async () => {
    for (const dir of [shadow, enforce]) {
      const out = await replay(dir, { json: true });
      expect(out.code).toBe(0);
      const report = JSON.parse(out.stdout);
      expect(report.total).toBeGreaterThanOrEqual(6);
      expect(report.drift).toBe(0);
      expect(report.counts.same).toBe(report.total);
      expect(report.decisions.every((d: { samePolicy: boolean }) => d.samePolicy)).toBe(true);
    }
  });

  it('reports drift when a recorded decision is not what the policy gives its input (exit 1)', async () => {
    const dir = await recordTranscript('shadow');
    const file = join(dir, 'entries.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    const index = lines.findIndex((l) => l.includes('"decision-made"') && l.includes('"call-2"'));
    lines[index] = lines[index]!.replace('"decision":"allow-with-constraints"', '"decision":"deny"');
    writeFileSync(file, lines.join('\n'));
    const out = await replay(dir);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('1 DRIFT');
    expect(out.stdout).toMatch(/deny → allow[\s\S]*refund_issue/);
  });

  it('is a what-if under a changed policy: groups new approvals by tool and reason, and gates with --fail-on', async () => {
    const data = editedData((d) => {
      d.writ_config.approval.classes.A3 = 'manager-approval';
    });
    const { rego } = sharedPolicyPaths();
    const text = await replay(shadow, { policy: [rego, data] });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('what-if:');
    expect(text.stdout).toMatch(/allow → approval \(new approvals\)\s+2/);
    expect(text.stdout).toMatch(/refund_issue\s+×1\s+approval\.class/);
    const gated = await replay(shadow, { policy: [rego, data], failOn: ['allow-to-approval'], json: true });
    expect(gated.code).toBe(1);
    const report = JSON.parse(gated.stdout);
    expect(report.failedOn).toEqual(['allow-to-approval']);
    expect(report.groups[0]).toMatchObject({ change: 'allow-to-approval', count: 1, reasons: 'approval.class' });
    const quiet = await replay(shadow, { policy: [rego, data], failOn: ['allow-to-deny'] });
    expect(quiet.code).toBe(0);
  });

  it('fails (exit 1) when a decision has no logged input', async () => {
    const dir = await recordTranscript('enforce');
    const file = join(dir, POLICY_INPUTS_FILE);
    writeFileSync(file, readFileSync(file, 'utf8').split('\n').slice(1).join('\n'));
    const out = await replay(dir);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('no logged input');
    expect(out.stderr).toContain('1 decision(s) could not be replayed');
  });

  it('refuses bad input with a clear message and exit 2', async () => {
    expect(await replay('/nonexistent/transcript')).toMatchObject({ code: 2, stderr: expect.stringContaining('no such file or directory') });
    expect(await replay(sharedPolicyPaths().rego)).toMatchObject({ code: 2, stderr: expect.stringContaining('not a transcript directory') });
    expect(await replay(shadow, { failOn: ['sideways'] })).toMatchObject({ code: 2, stderr: expect.stringContaining('--fail-on sideways') });
    expect(await replay(shadow, { inputs: '/nonexistent.jsonl' })).toMatchObject({ code: 2, stderr: expect.stringContaining('no policy-input log') });
    expect(await replay(shadow, { inputs: shadow })).toMatchObject({ code: 2, stderr: `writ replay: ${shadow}: cannot read the policy-input log: is a directory, not a file [EISDIR]\n` });
    expect(await replay(shadow, { policy: ['/nonexistent-policy'] })).toMatchObject({ code: 2 });
    const broken = await recordTranscript('shadow');
    appendFileSync(join(broken, 'entries.jsonl'), 'not json\n');
    expect(await replay(broken)).toMatchObject({ code: 2, stderr: expect.stringContaining('not JSON (is this a transcript?)') });
    const badLog = await recordTranscript('shadow');
    appendFileSync(join(badLog, POLICY_INPUTS_FILE), '{"__proto__":{"sessionId":"x"},"input":{}}\n');
    expect(await replay(badLog)).toMatchObject({ code: 2, stderr: expect.stringContaining('not a policy-input record') });
  });
});

describe('classifyChange', () => {
  it('maps decision families to change kinds', () => {
    const c = (a: string, b: string, same = false) => classifyChange({ decision: a, id: 'x' }, { decision: b, id: same ? 'x' : 'y' });
    expect(c('allow', 'deny')).toBe('allow-to-deny');
    expect(c('allow-with-constraints', 'require-approval')).toBe('allow-to-approval');
    expect(c('deny', 'allow')).toBe('deny-to-allow');
    expect(c('require-approval', 'deny')).toBe('approval-to-deny');
    expect(c('allow', 'allow-with-constraints')).toBe('detail-changed');
    expect(c('deny', 'deny', true)).toBe('same');
  });
});

describe('groupChanges', () => {
  it('groups by change, tool and reasons, most consequential first, with at most three examples', () => {
    const d = (seq: number, change: 'allow-to-deny' | 'deny-to-allow' | 'same', tool: string) => ({
      seq, sessionId: 's', callId: `c${seq}`, tool, mode: 'shadow', samePolicy: false, change,
      recorded: { decision: 'deny', reasons: ['old.reason'], id: 'a', verdict: 'execute' },
      replayed: { decision: 'deny', reasons: ['new.reason'], id: 'b' },
    });
    const groups = groupChanges([d(1, 'deny-to-allow', 't'), ...[2, 3, 4, 5].map((n) => d(n, 'allow-to-deny', 't')), d(6, 'same', 't')]);
    expect(groups.map((g) => [g.change, g.count, g.reasons])).toEqual([['allow-to-deny', 4, 'new.reason'], ['deny-to-allow', 1, 'old.reason']]);
    expect(groups[0]!.examples).toHaveLength(3);
  });
});

describe('recordPolicyInputs', () => {
  it('is @writ/core\'s (the format and its writers live there; the CLI re-exports them)', async () => {
    const core = await import('@writ/core');
    const cli = await import('../index.ts');
    expect(cli.recordPolicyInputs).toBe(core.recordPolicyInputs);
    expect(cli.POLICY_INPUTS_FILE).toBe(core.POLICY_INPUTS_FILE);
  });

  it('logs each input with its key and keeps the digest; readPolicyInputs queues them by decision', async () => {
    const file = join(shadow, 'extra-inputs.jsonl');
    const policy = recordPolicyInputs({ digest: 'sha256:abc', evaluate: () => Promise.resolve({}) }, { file });
    expect(policy.digest).toBe('sha256:abc');
    await policy.evaluate({ context: { session: 's1', callId: 'c1' }, action: { intent: 'sha256:i' } });
    await policy.evaluate('ignored: not an input');
    const queues = await readPolicyInputs(file);
    expect([...queues.values()].flat()).toEqual([{ sessionId: 's1', callId: 'c1', intentDigest: 'sha256:i', policyDigest: 'sha256:abc', input: { context: { session: 's1', callId: 'c1' }, action: { intent: 'sha256:i' } } }]);
  });
});

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO writ replay tests need mkfifo (coreutils), which this platform lacks');

describe('replayAction reads the transcript and the policy-input log without trusting what they are', () => {
  const fifoAt = (path: string): void => {
    rmSync(path, { force: true });
    expect(spawnSync('mkfifo', [path]).status).toBe(0);
  };

  it.skipIf(!haveMkfifo)('refuses a FIFO as entries.jsonl at once (exit 2, ERR_NOT_REGULAR_FILE)', { timeout: 5_000 }, async () => {
    const dir = await recordTranscript('shadow');
    fifoAt(join(dir, 'entries.jsonl'));
    const out = await replay(dir);
    expect(out).toMatchObject({ code: 2, stdout: '', stderr: `writ replay: ${dir}: cannot read entries.jsonl: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n` });
  });

  it.skipIf(!haveMkfifo)('refuses a FIFO as the kept policy-input log and as --inputs FILE at once (exit 2, ERR_NOT_REGULAR_FILE)', { timeout: 5_000 }, async () => {
    const dir = await recordTranscript('shadow');
    const kept = join(dir, POLICY_INPUTS_FILE);
    const named = join(dir, 'named-inputs.jsonl');
    fifoAt(named);
    expect(await replay(dir, { inputs: named })).toMatchObject({ code: 2, stdout: '', stderr: `writ replay: ${named}: cannot read the policy-input log: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n` });
    fifoAt(kept);
    expect(await replay(dir)).toMatchObject({ code: 2, stdout: '', stderr: `writ replay: ${kept}: cannot read the policy-input log: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n` });
  });

  it('refuses a directory as the policy-input log (exit 2, EISDIR) and a link kept in the transcript, but follows a link the user names', async () => {
    const dir = await recordTranscript('shadow');
    const kept = join(dir, POLICY_INPUTS_FILE);
    const moved = join(dir, 'moved-inputs.jsonl');
    renameSync(kept, moved);
    symlinkSync(moved, kept);
    expect(await replay(dir)).toMatchObject({ code: 2, stderr: `writ replay: ${kept}: cannot read the policy-input log: not a regular file (a symbolic link) [ERR_NOT_REGULAR_FILE]\n` });
    expect(await replay(dir, { inputs: kept })).toMatchObject({ code: 0, stderr: '' });
    rmSync(kept);
    mkdirSync(kept);
    expect(await replay(dir)).toMatchObject({ code: 2, stderr: `writ replay: ${kept}: cannot read the policy-input log: is a directory, not a file [EISDIR]\n` });
  });

  it('streams a policy-input log of more than 2 GiB (a file system\'s zeros after its lines) instead of reading it whole', { timeout: 60_000 }, async () => {
    // GAP: the log was read whole with readFile, which refuses a file over 2 GiB
    // (ERR_FS_FILE_TOO_LARGE) and held every smaller one in memory as one string.
    const dir = await recordTranscript('shadow');
    const kept = join(dir, POLICY_INPUTS_FILE);
    truncateSync(kept, 2 ** 31 + 1);
    const out = await replay(dir, { json: true });
    expect([out.code, out.stderr]).toEqual([0, '']);
    expect(JSON.parse(out.stdout)).toMatchObject({ drift: 0, counts: { 'no-input': 0 } });
  });
});
