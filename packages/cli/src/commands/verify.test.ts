import { spawnSync } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedgerStore } from '@writ/core';
import { sampleKeys, sampleTrustRootDocument, writeSampleTranscript } from '@writ/core/transcript';
import type { CommandContext } from '../cli-context.ts';
import { exportAction } from './export.ts';
import { verifyAction } from './verify.ts';

let root: string;
let dir: string;
let trustFile: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-cli-verify-'));
  dir = join(root, 'transcript');
  const store = await FileLedgerStore.open({ dir });
  await writeSampleTranscript({ store, calls: 4, policy: { everyEntries: 5 } });
  await store.close();
  trustFile = join(root, 'trust-root.json');
  await writeFile(trustFile, JSON.stringify(sampleTrustRootDocument(sampleKeys())));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function run(
  action: (context: CommandContext) => Promise<void>,
): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let code: number | undefined;
  await action({
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    setExitCode: (value) => (code = value),
    cwd: root,
    interactive: false,
  });
  return { code, stdout, stderr };
}

async function copyTranscript(name: string): Promise<string> {
  const target = join(root, name);
  await cp(dir, target, { recursive: true });
  return target;
}

describe('writ verify', () => {
  it('exits 0 and summarizes a valid transcript pinned with --trust-root', async () => {
    const result = await run((context) => verifyAction(dir, { trustRoot: trustFile }, context));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^valid: \d+ entries, \d+ checkpoint\(s\)/);
  });

  it('prints the report as JSON with --json', async () => {
    const result = await run((context) =>
      verifyAction(dir, { trustRoot: trustFile, json: true }, context),
    );
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: true,
      origin: 'writ.test/sample',
      trustRoot: { pinned: true, source: trustFile },
    });
    expect(JSON.parse(result.stdout).trustRoot.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('exits 1 naming the first bad entry and the check when an entry was altered', async () => {
    const copy = await copyTranscript('altered');
    const path = join(copy, 'entries.jsonl');
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines[3]).toContain('"callId":"call-');
    lines[3] = lines[3]!.replace('"callId":"call-', '"callId":"kall-');
    await writeFile(path, lines.join('\n'));
    const text = await run((context) => verifyAction(copy, { trustRoot: trustFile }, context));
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('INVALID: entry 4');
    const json = await run((context) =>
      verifyAction(copy, { trustRoot: trustFile, json: true }, context),
    );
    expect(JSON.parse(json.stdout).failure).toMatchObject({ check: 'chain', seq: 4 });
  });

  it('accepts zeros after the last line (a live writer) and exits 1 on data after them', async () => {
    const live = await copyTranscript('live');
    await appendFile(join(live, 'entries.jsonl'), Buffer.alloc(1 << 20));
    expect((await run((context) => verifyAction(live, { trustRoot: trustFile }, context))).code).toBe(0);
    const out = join(root, 'live-bundle.json');
    expect((await run((context) => exportAction(live, { out, trustRoot: trustFile }, context))).code).toBe(0);
    expect((await run((context) => verifyAction(out, { trustRoot: trustFile }, context))).code).toBe(0);
    await appendFile(join(live, 'entries.jsonl'), '{"body":{}}\n');
    const result = await run((context) => verifyAction(live, { trustRoot: trustFile }, context));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('tampering');
    expect((await run((context) => exportAction(live, { out, trustRoot: trustFile }, context))).code).toBe(1);
  });

  it('exits 1 on a torn final line, a deleted checkpoint file content and an unparsable bundle', async () => {
    const torn = await copyTranscript('torn');
    await appendFile(join(torn, 'entries.jsonl'), '{"body":');
    expect(
      (await run((context) => verifyAction(torn, { trustRoot: trustFile, json: true }, context)))
        .code,
    ).toBe(1);
    const broken = await copyTranscript('broken-checkpoint');
    const [first] = await readdir(join(broken, 'checkpoints'));
    await writeFile(join(broken, 'checkpoints', first!), '{');
    const result = await run((context) => verifyAction(broken, { trustRoot: trustFile }, context));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('check checkpoint-format failed');
    await writeFile(join(root, 'junk.json'), 'not json');
    expect(
      (await run((context) => verifyAction('junk.json', { trustRoot: trustFile }, context))).code,
    ).toBe(1);
  });

  it('exits 2 on usage errors: missing path, bad trust root, no trust root, not a transcript', async () => {
    expect((await run((context) => verifyAction('does-not-exist', {}, context))).code).toBe(2);
    await writeFile(join(root, 'bad-trust.json'), '{"type":"nope"}');
    expect(
      (await run((context) => verifyAction(dir, { trustRoot: 'bad-trust.json' }, context))).code,
    ).toBe(2);
    expect(
      (await run((context) => verifyAction(dir, { trustRoot: 'missing.json' }, context))).code,
    ).toBe(2);
    // The message tells a missing file from malformed JSON, and names the files writ writes that are mistaken for one.
    expect(await run((context) => verifyAction(dir, { trustRoot: 'missing.json' }, context))).toMatchObject({ stderr: 'writ verify: --trust-root missing.json: cannot read the trust-root document: no such file or directory [ENOENT]\n' });
    await writeFile(join(root, 'not-json.json'), '{');
    expect(await run((context) => verifyAction(dir, { trustRoot: 'not-json.json' }, context))).toMatchObject({ code: 2, stderr: expect.stringContaining('--trust-root not-json.json: not JSON') });
    await writeFile(join(root, 'envelope.json'), JSON.stringify({ payloadType: 'application/vnd.writ.trust-root+json', payload: '', signatures: [] }));
    expect(await run((context) => verifyAction(dir, { trustRoot: 'envelope.json' }, context))).toMatchObject({ code: 2, stderr: expect.stringContaining('it is a signed trust-root version') });
    await writeFile(join(root, 'root.key'), JSON.stringify({ keyId: 'x', seed: 'y' }));
    expect(await run((context) => verifyAction(dir, { trustRoot: 'root.key' }, context))).toMatchObject({ code: 2, stderr: expect.stringContaining('it is a private key file') });
    const bare = await copyTranscript('bare');
    expect((await run((context) => verifyAction(bare, {}, context))).stderr).toContain(
      'no trust root',
    );
    expect(
      (await run((context) => verifyAction(root, { trustRoot: trustFile }, context))).code,
    ).toBe(2);
  });

  it('warns when it falls back to a trust root found beside the evidence', async () => {
    const copy = await copyTranscript('with-root');
    await writeFile(
      join(copy, 'trust-root.json'),
      JSON.stringify(sampleTrustRootDocument(sampleKeys())),
    );
    const result = await run((context) => verifyAction(copy, {}, context));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: using the trust root found in');
    // With --json too: the warning on stderr, and the report says the trust root was not
    // pinned, so a script cannot mistake "consistent with itself" for "signed by keys I trust".
    const json = await run((context) => verifyAction(copy, { json: true }, context));
    expect(json.code).toBe(0);
    expect(json.stderr).toContain('warning: using the trust root found in');
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: true,
      trustRoot: { pinned: false, source: `${copy}/trust-root.json` },
    });
  });

  it('refuses evidence when the pinned trust root does not hold the signing keys', async () => {
    await writeFile(
      join(root, 'other-trust.json'),
      JSON.stringify(sampleTrustRootDocument(sampleKeys(9))),
    );
    const result = await run((context) =>
      verifyAction(dir, { trustRoot: 'other-trust.json', json: true }, context),
    );
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).failure.check).toBe('checkpoint-signature');
  });

  // GAP: a symbolic link planted as entries.jsonl was followed: the verdict was about another
  // file than the directory holds. Now the transcript cannot be read, and the link is named.
  it('reports INVALID (exit 1) for a transcript whose entries.jsonl is a symbolic link, naming it, rather than verifying the file it links to', async () => {
    const copy = await copyTranscript('linked-entries');
    const elsewhere = join(root, 'linked-entries.jsonl');
    await rename(join(copy, 'entries.jsonl'), elsewhere);
    await symlink(elsewhere, join(copy, 'entries.jsonl'));
    const result = await run((context) => verifyAction(copy, { trustRoot: trustFile }, context));
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/entries\.jsonl is a symbolic link \[ERR_STORE_CORRUPT\]/u);
  });
});

describe('writ export', () => {
  it('writes a bundle that verifies, and a tampered bundle that does not', async () => {
    const out = join(root, 'bundle.json');
    const exported = await run((context) =>
      exportAction(dir, { out, from: '1', to: '6', trustRoot: trustFile }, context),
    );
    expect(exported).toMatchObject({ code: 0 });
    expect(
      (await run((context) => verifyAction(out, { trustRoot: trustFile }, context))).code,
    ).toBe(0);
    const bundle = JSON.parse(await readFile(out, 'utf8'));
    expect(bundle.entries[2]).toContain('"callId":"call-');
    bundle.entries[2] = bundle.entries[2].replace('"callId":"call-', '"callId":"kall-');
    await writeFile(join(root, 'tampered.json'), JSON.stringify(bundle));
    const result = await run((context) =>
      verifyAction('tampered.json', { trustRoot: trustFile, json: true }, context),
    );
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).failure).toMatchObject({ check: 'inclusion-proof', seq: 3 });
  });

  it('exits 2 on bad arguments', async () => {
    expect(
      (await run((context) => exportAction(dir, { trustRoot: trustFile }, context))).code,
    ).toBe(2);
    expect(
      (
        await run((context) =>
          exportAction(dir, { out: 'x.json', from: '-1', trustRoot: trustFile }, context),
        )
      ).code,
    ).toBe(2);
    expect(
      (
        await run((context) =>
          exportAction(dir, { out: 'x.json', from: '5', to: '2', trustRoot: trustFile }, context),
        )
      ).code,
    ).toBe(2);
    expect(
      (
        await run((context) =>
          exportAction(dir, { out: 'x.json', to: '99999', trustRoot: trustFile }, context),
        )
      ).code,
    ).toBe(2);
    expect(
      (await run((context) => exportAction(root, { out: 'x.json', trustRoot: trustFile }, context)))
        .code,
    ).toBe(2);
    const bare = await copyTranscript('bare-export');
    expect((await run((context) => exportAction(bare, { out: 'x.json' }, context))).code).toBe(2);
    // An --out that cannot be written is the invocation's fault (exit 2), said plainly with the system's code.
    expect(await run((context) => exportAction(dir, { out: root, trustRoot: trustFile }, context))).toMatchObject({
      code: 2,
      stderr: `writ export: --out ${root}: cannot write the bundle: is a directory, not a file [EISDIR]\n`,
    });
    expect(await run((context) => exportAction(dir, { out: join(root, 'no-such-dir', 'x.json'), trustRoot: trustFile }, context))).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('cannot write the bundle: no such file or directory [ENOENT]'),
    });
  });

  it('exits 1 when the transcript cannot back the bundle: no checkpoint, entries past the latest one, a corrupt store', async () => {
    const unsigned = await copyTranscript('export-no-checkpoint');
    await rm(join(unsigned, 'checkpoints'), { recursive: true });
    const none = await run((context) => exportAction(unsigned, { out: 'x.json', trustRoot: trustFile }, context));
    expect(none).toMatchObject({ code: 1, stderr: expect.stringContaining('no checkpoint') });
    // The latest checkpoint signs 0..12; entries 13..16 exist but are not signed.
    const tail = await copyTranscript('export-unsigned-tail');
    await rm(join(tail, 'checkpoints', '0000000000000017.json'));
    const past = await run((context) => exportAction(tail, { out: 'x.json', to: '16', trustRoot: trustFile }, context));
    expect(past).toMatchObject({ code: 1, stderr: expect.stringContaining('not signed yet: the latest checkpoint signs entries 0..12') });
    const after = await run((context) => exportAction(tail, { out: 'x.json', from: '14', trustRoot: trustFile }, context));
    expect(after).toMatchObject({ code: 1, stderr: expect.stringContaining('entries from 14 on are not signed yet') });
    expect((await run((context) => exportAction(tail, { out: 'x.json', from: '2', to: '13', trustRoot: trustFile }, context))).code).toBe(0);
    // Still usage errors: the range itself is wrong, whatever the checkpoints.
    expect(await run((context) => exportAction(unsigned, { out: 'x.json', from: '5', to: '2', trustRoot: trustFile }, context))).toMatchObject({ code: 2, stderr: expect.stringContaining('--to 2 must be above --from 5') });
    expect(await run((context) => exportAction(unsigned, { out: 'x.json', to: '18', trustRoot: trustFile }, context))).toMatchObject({ code: 2, stderr: expect.stringContaining('past the end: the transcript has 17 entries') });
    expect(await run((context) => exportAction(unsigned, { out: 'x.json', from: 'x', trustRoot: trustFile }, context))).toMatchObject({ code: 2 });
    const corrupt = await copyTranscript('export-corrupt');
    const entries = join(corrupt, 'entries.jsonl');
    await writeFile(entries, (await readFile(entries, 'utf8')).replace('"callId":"call-', '"callId":"kall-'));
    expect((await run((context) => exportAction(corrupt, { out: 'x.json', trustRoot: trustFile }, context))).code).toBe(1);
  });
});

describe('bin/writ.js', () => {
  const bin = fileURLToPath(new URL('../../bin/writ.js', import.meta.url));
  it('runs from the workspace without a build and returns the documented exit codes', () => {
    const ok = spawnSync(process.execPath, [bin, 'verify', dir, '--trust-root', trustFile], {
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('valid:');
    const usage = spawnSync(process.execPath, [bin, 'verify', '--no-such-flag'], {
      encoding: 'utf8',
    });
    expect(usage.status).toBe(2);
  });

  // The machines this project runs on keep an end-of-life Node 20 as /usr/bin/node.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
    return /^v(1\d|2[01])\./u.test(version);
  });
  if (oldNode === undefined) console.warn('SKIPPED: no Node.js older than 22 at /usr/bin/node or /usr/local/bin/node to check the version guard with');
  it.skipIf(oldNode === undefined)('refuses an older Node with a plain message and exit 2, not a stack trace', () => {
    const result = spawnSync(oldNode!, [bin, 'verify', dir], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^writ: needs Node\.js >= 22\.12; this is v\d+/u);
    expect(result.stderr).not.toContain('    at ');
  });
});

describe('describeReport and unfinished releases', () => {
  const base = { valid: true, entries: 12, checkpoints: 1, signedSize: 12, origin: 'writ/ledger', root: `sha256:${'a'.repeat(64)}`, anchors: 0 } as const;

  it('names the releases a restart left without an outcome that nobody resolved, and says nothing when there were none', async () => {
    const { describeReport } = await import('./verify.ts');
    expect(describeReport(base)).not.toMatch(/outcome/u);
    expect(describeReport({ ...base, unfinished: { flagged: 2, resolved: 2, open: 0, openTokens: [] } })).toMatch(/, 2 release\(s\) left without an outcome by a restart, all resolved$/u);
    const open = describeReport({ ...base, unfinished: { flagged: 3, resolved: 1, open: 2, openTokens: ['tok_a', 'tok_b'] } });
    expect(open).toMatch(/^valid: 12 entries/u);
    expect(open).toMatch(/\nnote: 2 release\(s\) left without an outcome by a restart are not resolved .*\(tok_a, tok_b\); resolve them/u);
    expect(describeReport({ ...base, unfinished: { flagged: 150, resolved: 0, open: 150, openTokens: ['tok_a'] } })).toMatch(/\(tok_a, …\)/u);
  });
});
