import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileApprovalStore, FileLedgerStore, FileNonceStore, PrivateKey, createFirewall, createSigner, createTrustRoot, openTranscriptDirectory, parseToolRegistry, toBase64Url, verifyTranscript } from '@writ/core';
import { sharedPolicies } from '@writ/example-kit';
import type { TrustRootDocument } from '@writ/core';
import type { CommandContext } from '../cli-context.ts';
import { POLICY_INPUTS_FILE, recordPolicyInputs } from '../lib/policy-input-log.ts';
import { TOOLS } from '../test-support/record-transcript.ts';
import { rollbackAction } from './rollback.ts';

const NOW = new Date('2026-11-24T12:00:00Z');

/** A real enforce run that refunds order 4417 (60 EUR), with the key as a seed for the CLI. */
async function refundRun() {
  const dir = join(mkdtempSync(join(tmpdir(), 'writ-rollback-')), 't');
  const key = PrivateKey.generate();
  const signer = createSigner(key);
  const trustRoot = createTrustRoot({
    type: 'writ.trust-root/v1', version: 1, issuedAt: '2026-01-01T00:00:00Z', threshold: 1,
    keys: [{ keyId: key.keyId, publicKey: toBase64Url(key.publicKey), roles: ['root', 'authority', 'gateway', 'ledger'], owner: 'test', validFrom: '2026-01-01T00:00:00Z', status: 'active' }],
  });
  const stores = { ledger: await FileLedgerStore.open({ dir }), nonces: await FileNonceStore.open({ dir: join(dir, 'nonces') }), approvals: await FileApprovalStore.open({ dir: join(dir, 'approvals') }) };
  const policy = recordPolicyInputs(await sharedPolicies(), { file: join(dir, POLICY_INPUTS_FILE) });
  const firewall = await createFirewall({ policy, keys: { authority: signer }, trustRoot, stores, tools: parseToolRegistry(TOOLS), mode: 'enforce', env: {}, clock: () => NOW });
  const session = await firewall.openSession({ principal: { id: 'dana', roles: ['support'], tenant: 'acme' }, agent: { id: 'bot' } });
  await session.addUserTurn('Order 4417 arrived broken: refund 60 EUR.');
  const call = { tool: 'refund_issue', args: { order: '4417', amount: 60 }, callId: 'c1' };
  const run = await session.execute(call, () => ({ refunded: 60 }));
  if (run.status !== 'executed') throw new Error(`expected executed, got ${run.status}`);
  await session.end();
  await firewall.close();
  await Promise.all([stores.ledger.close(), stores.nonces.close(), stores.approvals.close()]);
  // What writ verify reads beside the entries (the demo kit writes it too).
  writeFileSync(join(dir, 'trust-root.json'), JSON.stringify(trustRoot.toJSON()));
  const tokenLine = readFileSync(join(dir, 'entries.jsonl'), 'utf8').split('\n').find((l) => l.includes('"token-issued"'))!;
  const tokenId = (JSON.parse(tokenLine) as { body: { tokenId: string } }).body.tokenId;
  const registry = join(dir, '..', 'reconcilers.mjs');
  writeFileSync(registry, "export const reconcilers = { refund_issue: { compensate: (ctx) => ({ status: ctx.args.amount === 60 ? 'partial' : 'compensated', residue: [`refund of order ${ctx.args.order} reversed; the customer saw the refund email`] }) } };\n");
  return { dir, tokenId, registry, trustRoot, key, env: { WRIT_KEY_LEDGER: toBase64Url(key.exportSeed()) } };
}

async function rollback(tokenId: string, options: Parameters<typeof rollbackAction>[1]) {
  const out = { stdout: '', stderr: '', code: -1 };
  const context: CommandContext = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), setExitCode: (c) => void (out.code = c), cwd: process.cwd(), interactive: false };
  await rollbackAction(tokenId, { now: () => NOW, ...options }, context);
  return out;
}

describe('rollbackAction', () => {
  it('runs the compensation with the logged arguments, records it in a transcript that still verifies, and reports residue', async () => {
    const run = await refundRun();
    const out = await rollback(run.tokenId, { transcript: run.dir, registry: run.registry, env: run.env, json: true });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(1); // partial: residue remains
    expect(JSON.parse(out.stdout)).toMatchObject({ tool: 'refund_issue', status: 'partial', residue: ['refund of order 4417 reversed; the customer saw the refund email'] });
    const directory = await openTranscriptDirectory(run.dir);
    const report = await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot: run.trustRoot });
    expect(report.valid).toBe(true);
    expect(readFileSync(join(run.dir, 'entries.jsonl'), 'utf8')).toContain('"effect-rolled-back"');
    const again = await rollback(run.tokenId, { transcript: run.dir, registry: run.registry, env: run.env });
    expect(again).toMatchObject({ code: 2, stderr: expect.stringContaining('already rolled back') });
  });

  it('refuses bad input: unknown token, missing transcript, bad registry, missing key', async () => {
    const run = await refundRun();
    expect(await rollback('nope', { transcript: run.dir, registry: run.registry, env: run.env })).toMatchObject({ code: 2, stderr: expect.stringContaining('no successful effect-executed') });
    expect(await rollback(run.tokenId, { transcript: '/nonexistent', registry: run.registry, env: run.env })).toMatchObject({ code: 2, stderr: expect.stringContaining('not a transcript directory') });
    expect(await rollback(run.tokenId, { transcript: run.dir, registry: '/nonexistent.mjs', env: run.env })).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot import the module (no such file) [ERR_USAGE]') });
    // The reason a module does not load is the user's to fix: say it (a SyntaxError from Node, an Error from vitest's loader).
    const broken = join(run.dir, '..', 'broken.mjs');
    writeFileSync(broken, 'export const reconcilers = {\n');
    expect(await rollback(run.tokenId, { transcript: run.dir, registry: broken, env: run.env })).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot import the module \((SyntaxError|Error): .+\) \[ERR_USAGE\]\n$/) });
    const throwing = join(run.dir, '..', 'throwing.mjs');
    writeFileSync(throwing, "throw new Error('payments client needs PAYMENTS_URL');\n");
    expect(await rollback(run.tokenId, { transcript: run.dir, registry: throwing, env: run.env })).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot import the module (Error: payments client needs PAYMENTS_URL)') });
    expect(await rollback(run.tokenId, { transcript: run.dir, registry: run.registry, env: {}, keysDir: '/nonexistent' })).toMatchObject({ code: 2, stderr: expect.stringContaining('WRIT_KEY_LEDGER') });
  });

  /** Every file of the transcript directory with its bytes. */
  function snapshot(dir: string): Record<string, string> {
    const files: Record<string, string> = {};
    for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      const path = join(dir, name);
      if (!existsSync(path) || !name.includes('.')) continue;
      files[name] = readFileSync(path, 'base64');
    }
    return files;
  }

  async function stillVerifies(dir: string, trustRoot: ReturnType<typeof createTrustRoot>) {
    const directory = await openTranscriptDirectory(dir);
    return (await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot })).valid;
  }

  it('refuses a ledger key the transcript trust root does not accept, before compensating or writing anything', async () => {
    const run = await refundRun();
    const compensated = join(run.dir, '..', 'compensated');
    writeFileSync(run.registry, `import { writeFileSync } from 'node:fs';\nexport const reconcilers = { refund_issue: { compensate: () => { writeFileSync(${JSON.stringify(compensated)}, 'ran'); return { status: 'compensated' }; } } };\n`);
    const before = snapshot(run.dir);
    const stranger = PrivateKey.generate();
    const document = run.trustRoot.toJSON();
    const entry = document.keys[0]!;
    const second = PrivateKey.generate();
    const secondEntry = { keyId: second.keyId, publicKey: toBase64Url(second.publicKey), owner: 'test', validFrom: '2026-01-01T00:00:00Z' };
    const rootFile = (keys: TrustRootDocument['keys'], name: string) => {
      const file = join(run.dir, '..', `${name}.json`);
      writeFileSync(file, JSON.stringify({ ...document, keys }));
      return file;
    };
    const cases = [
      // A key that is not listed at all, from the directory's trust-root.json.
      { env: { WRIT_KEY_LEDGER: toBase64Url(stranger.exportSeed()) }, expected: `ledger key ${stranger.keyId} (--key ledger) is not in the trust root ${join(run.dir, 'trust-root.json')} (version 1)` },
      // Listed, but not as a ledger key (a pinned --trust-root).
      { env: { WRIT_KEY_LEDGER: toBase64Url(second.exportSeed()) }, trustRoot: rootFile([entry, { ...secondEntry, roles: ['authority'], status: 'active' }], 'no-ledger-role'), expected: `ledger key ${second.keyId} (--key ledger) does not hold the ledger role` },
      // Retired before the signing time.
      { env: { WRIT_KEY_LEDGER: toBase64Url(second.exportSeed()) }, trustRoot: rootFile([entry, { ...secondEntry, roles: ['ledger'], status: 'retired', since: '2026-06-01T00:00:00Z' }], 'retired'), expected: 'was retired at 2026-06-01T00:00:00Z' },
      // Compromised since before the signing time.
      { env: { WRIT_KEY_LEDGER: toBase64Url(second.exportSeed()) }, trustRoot: rootFile([entry, { ...secondEntry, roles: ['ledger'], status: 'compromised', since: '2026-06-01T00:00:00Z' }], 'compromised'), expected: 'is marked compromised since 2026-06-01T00:00:00Z' },
    ];
    for (const { env, trustRoot, expected } of cases) {
      const out = await rollback(run.tokenId, { transcript: run.dir, registry: run.registry, env, ...(trustRoot === undefined ? {} : { trustRoot }) });
      expect(out).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining(expected) });
      expect(out.stderr).toContain('Nothing was run or written');
      expect(snapshot(run.dir)).toEqual(before);
      expect(existsSync(compensated)).toBe(false);
      expect(await stillVerifies(run.dir, run.trustRoot)).toBe(true);
    }
    // No trust root to check against: refused too.
    const bare = await refundRun();
    rmSync(join(bare.dir, 'trust-root.json'));
    const bareBefore = snapshot(bare.dir);
    expect(await rollback(bare.tokenId, { transcript: bare.dir, registry: bare.registry, env: bare.env })).toMatchObject({ code: 2, stderr: expect.stringContaining('no trust root to check the ledger key against') });
    expect(snapshot(bare.dir)).toEqual(bareBefore);
    // The right key, from the directory or a pinned --trust-root, still works.
    expect(await rollback(run.tokenId, { transcript: run.dir, registry: run.registry, env: run.env })).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(compensated)).toBe(true);
    expect(await stillVerifies(run.dir, run.trustRoot)).toBe(true);
    const pinnedFile = join(bare.dir, '..', 'pinned.json');
    writeFileSync(pinnedFile, JSON.stringify(bare.trustRoot.toJSON()));
    expect(await rollback(bare.tokenId, { transcript: bare.dir, registry: bare.registry, env: bare.env, trustRoot: pinnedFile })).toMatchObject({ code: 1, stderr: '' });
    expect(await stillVerifies(bare.dir, bare.trustRoot)).toBe(true);
  });

  it('checks the key at the time the checkpoint will carry: never before the entries it signs, even with a clock behind', async () => {
    const run = await refundRun();
    // Entries at 12:00 and no checkpoint yet; this process's clock says 11:00.
    rmSync(join(run.dir, 'checkpoints'), { recursive: true });
    const ledgerKey = PrivateKey.generate();
    const env = { WRIT_KEY_LEDGER: toBase64Url(ledgerKey.exportSeed()) };
    const document = run.trustRoot.toJSON();
    const retiredAt = (since: string) => {
      const file = join(run.dir, '..', `retired-${since.slice(11, 13)}.json`);
      const entry = { keyId: ledgerKey.keyId, publicKey: toBase64Url(ledgerKey.publicKey), roles: ['ledger' as const], owner: 'test', validFrom: '2026-01-01T00:00:00Z', status: 'retired' as const, since };
      writeFileSync(file, JSON.stringify({ ...document, keys: [...document.keys, entry] }));
      return file;
    };
    const before = snapshot(run.dir);
    const early = await rollback(run.tokenId, { transcript: run.dir, registry: run.registry, env, trustRoot: retiredAt('2026-11-24T11:30:00Z'), now: () => new Date('2026-11-24T11:00:00Z') });
    expect(early).toMatchObject({ code: 2, stderr: expect.stringContaining('was retired at 2026-11-24T11:30:00Z') });
    expect(snapshot(run.dir)).toEqual(before);
    const late = retiredAt('2026-11-24T12:30:00Z');
    expect(await rollback(run.tokenId, { transcript: run.dir, registry: run.registry, env, trustRoot: late, now: () => new Date('2026-11-24T11:00:00Z') })).toMatchObject({ code: 1, stderr: '' });
    expect(await stillVerifies(run.dir, createTrustRoot(JSON.parse(readFileSync(late, 'utf8')) as TrustRootDocument))).toBe(true);
  });
});

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO writ rollback tests need mkfifo (coreutils), which this platform lacks');

describe('rollbackAction reads the transcript without trusting what its files are', () => {
  // The latest checkpoint file of a run, where rollback reads the origin and signing time.
  const latestCheckpoint = (dir: string) => join(dir, 'checkpoints', readdirSync(join(dir, 'checkpoints')).filter((name) => name.endsWith('.json')).sort().at(-1)!);

  it.skipIf(!haveMkfifo)('refuses a FIFO as entries.jsonl at once (exit 2, ERR_NOT_REGULAR_FILE) instead of waiting for a writer', { timeout: 5_000 }, async () => {
    // GAP: entries.jsonl was read with readFile: a FIFO there blocked writ rollback forever.
    const run = await refundRun();
    rmSync(join(run.dir, 'entries.jsonl'));
    expect(spawnSync('mkfifo', [join(run.dir, 'entries.jsonl')]).status).toBe(0);
    const out = await rollback(run.tokenId, { transcript: run.dir, registry: run.registry, env: run.env });
    expect(out).toMatchObject({ code: 2, stdout: '', stderr: `writ rollback: ${run.dir}: cannot read entries.jsonl: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n` });
  });

  it.skipIf(!haveMkfifo)('refuses a FIFO as the latest checkpoint at once, before compensating or writing anything', { timeout: 5_000 }, async () => {
    // GAP: the latest checkpoint was read with readFile: a FIFO there blocked writ rollback forever.
    const run = await refundRun();
    const path = latestCheckpoint(run.dir);
    rmSync(path);
    expect(spawnSync('mkfifo', [path]).status).toBe(0);
    const before = readFileSync(join(run.dir, 'entries.jsonl'));
    const out = await rollback(run.tokenId, { transcript: run.dir, registry: run.registry, env: run.env });
    expect(out).toMatchObject({ code: 2, stdout: '', stderr: `writ rollback: ${path}: cannot read the latest checkpoint: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n` });
    expect(readFileSync(join(run.dir, 'entries.jsonl'))).toEqual(before);
  });

  it.skipIf(!haveMkfifo)('refuses a FIFO as the policy-input log at once, before compensating or writing anything', { timeout: 5_000 }, async () => {
    const run = await refundRun();
    const path = join(run.dir, 'policy-inputs.jsonl');
    rmSync(path);
    expect(spawnSync('mkfifo', [path]).status).toBe(0);
    const before = readFileSync(join(run.dir, 'entries.jsonl'));
    const out = await rollback(run.tokenId, { transcript: run.dir, registry: run.registry, env: run.env });
    expect(out).toMatchObject({ code: 2, stdout: '', stderr: `writ rollback: ${path}: cannot read the policy-input log: not a regular file (a FIFO) [ERR_NOT_REGULAR_FILE]\n` });
    expect(readFileSync(join(run.dir, 'entries.jsonl'))).toEqual(before);
  });

  it('refuses an oversize latest checkpoint unread (exit 2, ERR_FILE_TOO_LARGE)', async () => {
    // GAP: read whole, however large (a sparse file of gigabytes into memory).
    const run = await refundRun();
    const path = latestCheckpoint(run.dir);
    writeFileSync(path, '');
    truncateSync(path, 8 * 2 ** 30);
    const out = await rollback(run.tokenId, { transcript: run.dir, registry: run.registry, env: run.env });
    expect(out).toMatchObject({ code: 2, stderr: `writ rollback: ${path}: cannot read the latest checkpoint: larger than 65536 bytes, more than any checkpoint holds [ERR_FILE_TOO_LARGE]\n` });
  });

  it('finds the effect in a live transcript (a writer\'s zeros after the last line) and names a torn final line', async () => {
    const run = await refundRun();
    appendFileSync(join(run.dir, 'entries.jsonl'), Buffer.alloc(1 << 20));
    const live = await rollback(run.tokenId, { transcript: run.dir, registry: run.registry, env: run.env, json: true });
    expect([live.code, live.stderr]).toEqual([1, '']);
    const torn = await refundRun();
    const lines = readFileSync(join(torn.dir, 'entries.jsonl'), 'utf8').split('\n').length - 1;
    appendFileSync(join(torn.dir, 'entries.jsonl'), '{"type":"effect-');
    const out = await rollback(torn.tokenId, { transcript: torn.dir, registry: torn.registry, env: torn.env });
    expect(out).toMatchObject({ code: 2, stderr: expect.stringMatching(new RegExp(`^writ rollback: .*: entry ${lines + 1}: the final entry is incomplete .*\\[ERR_TRANSCRIPT_MALFORMED\\]\\n$`, 'u')) });
  });
});
