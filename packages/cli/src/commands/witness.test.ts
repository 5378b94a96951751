import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedgerStore, Ledger } from '@writ/core';
import { sampleKeys, sampleTrustRootDocument, writeSampleTranscript } from '@writ/core/transcript';
import type { CommandContext } from '../cli-context.ts';
import { runCommand } from '../test-support/run-command.ts';
import type { CommandRun } from '../test-support/run-command.ts';
import { exportAction } from './export.ts';
import { verifyAction } from './verify.ts';
import { registerWitnessCommand, witnessCosignAction, witnessVkeyAction } from './witness.ts';

let root: string;
let dir: string;
let trustFile: string;
const NAME = 'witness.example/w1';
const frozen = (): Date => new Date('2026-06-01T00:00:00Z');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-cli-witness-'));
  dir = join(root, 'transcript');
  const store = await FileLedgerStore.open({ dir });
  await writeSampleTranscript({ store, calls: 5, policy: { everyEntries: 4 } });
  await store.close();
  trustFile = join(root, 'trust-root.json');
  await writeFile(trustFile, JSON.stringify(sampleTrustRootDocument(sampleKeys())));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (action: (context: CommandContext) => Promise<void>): Promise<CommandRun> => runCommand(root, action);

async function copy(name: string): Promise<string> {
  const target = join(root, name);
  await cp(dir, target, { recursive: true });
  return target;
}

// Keep the first `size` entries and the checkpoints they cover: what a writer with the ledger
// key can leave behind, and what verifies on its own.
async function cutTo(target: string, size: number): Promise<void> {
  const path = join(target, 'entries.jsonl');
  const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line.length > 0 && !line.startsWith('\u0000'));
  await writeFile(path, `${lines.slice(0, size).join('\n')}\n`);
  for (const file of await readdir(join(target, 'checkpoints'))) {
    if (Number(file.slice(0, 16)) > size) await rm(join(target, 'checkpoints', file));
  }
}

const keysDir = (): string => join(root, 'keys-home');
const cosign = (target: string, extra: Record<string, unknown> = {}): Promise<CommandRun> =>
  run((context) => witnessCosignAction(target, { name: NAME, state: 'witness-state.json', trustRoot: trustFile, keysDir: keysDir(), env: {}, now: frozen, ...extra }, context));

describe('writ witness', () => {
  let vkey: string;

  it('vkey --generate creates the witness key once and prints its cosignature/v1 verifier key', async () => {
    const first = await run((context) => witnessVkeyAction({ name: NAME, keysDir: keysDir(), env: {}, generate: true }, context));
    expect(first.code).toBe(0);
    vkey = first.stdout.trim();
    expect(vkey).toMatch(/^witness\.example\/w1\+[0-9a-f]{8}\+B/u);
    const again = await run((context) => witnessVkeyAction({ name: NAME, keysDir: keysDir(), env: {}, generate: true }, context));
    expect(again.stdout.trim()).toBe(vkey);
    const missing = await run((context) => witnessVkeyAction({ name: NAME, keysDir: join(root, 'empty'), env: {} }, context));
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain('no ');
  });

  it('cosigns the latest checkpoint, records it, and the auditor verifies with it as anchor and the witness key', async () => {
    const result = await cosign(dir, { json: true });
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { origin: string; size: number; previousSize: number | null; witness: string; cosigned: string };
    expect(out).toMatchObject({ origin: 'writ.test/sample', previousSize: null, witness: vkey });
    const state = JSON.parse(await readFile(join(root, 'witness-state.json'), 'utf8')) as { type: string; logs: Record<string, string> };
    expect(state).toEqual({ type: 'writ.witness-state/v1', logs: { 'writ.test/sample': out.cosigned } });
    await writeFile(join(root, 'anchor.note'), out.cosigned);
    const audit = await run((context) => verifyAction(dir, { trustRoot: trustFile, anchor: ['anchor.note'], witness: [vkey], json: true }, context));
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ valid: true, anchors: 1, witnessed: { size: out.size, cosigners: [{ name: NAME, time: '2026-06-01T00:00:00.000Z' }] } });
    const text = await run((context) => verifyAction(dir, { trustRoot: trustFile, anchor: ['anchor.note'], witness: [vkey] }, context));
    expect(text.stdout).toContain(`checkpoint ${out.size} cosigned by ${NAME} (2026-06-01T00:00:00.000Z)`);
  });

  it('--witnessed-within / --witnessed-since: a cosignature older than the bound does not count (exit 1), a recent one does', async () => {
    const at = (iso: string) => (): Date => new Date(iso);
    const audit = (extra: Record<string, unknown>) => run((context) => verifyAction(dir, { trustRoot: trustFile, anchor: ['anchor.note'], witness: [vkey], ...extra }, context));
    const fresh = await audit({ witnessedWithin: '1h', now: at('2026-06-01T00:30:00Z') });
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain(`cosigned by ${NAME} (2026-06-01T00:00:00.000Z) (counted from 2026-05-31T23:30:00.000Z)`);
    const stale = await audit({ witnessedWithin: '24h', now: at('2026-06-02T00:00:01Z'), json: true });
    expect(stale.code).toBe(1);
    expect(JSON.parse(stale.stdout)).toMatchObject({
      valid: false,
      failure: { check: 'checkpoint-witness', code: 'ERR_TRANSCRIPT_WITNESS', message: 'latest checkpoint has 0 of the 1 witness cosignatures required since 2026-06-01T00:00:01.000Z (1 older)' },
    });
    expect((await audit({ witnessedSince: '2026-06-01T00:00:00Z' })).code).toBe(0);
    expect((await audit({ witnessedSince: '2026-06-01T00:00:01Z' })).code).toBe(1);
    expect((await audit({ witnessedWithin: '7d', now: at('2026-06-05T00:00:00Z') })).code).toBe(0);
  });

  it('exports a bundle proven against the cosigned checkpoint, which verifies with the witness key', async () => {
    const out = join(root, 'witnessed-bundle.json');
    const exported = await run((context) => exportAction(dir, { out, trustRoot: trustFile, checkpoint: 'anchor.note', from: '2' }, context));
    expect(exported.code).toBe(0);
    const verified = await run((context) => verifyAction(out, { trustRoot: trustFile, witness: [vkey], json: true }, context));
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ valid: true, witnessed: { cosigners: [{ name: NAME }] } });
    // The freshness bound applies to a bundle's checkpoint too.
    expect((await run((context) => verifyAction(out, { trustRoot: trustFile, witness: [vkey], witnessedWithin: '1h', now: () => new Date('2026-06-01T00:59:00Z') }, context))).code).toBe(0);
    const stale = await run((context) => verifyAction(out, { trustRoot: trustFile, witness: [vkey], witnessedWithin: '1h', now: () => new Date('2026-06-01T01:00:01Z') }, context));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('checkpoint has 0 of the 1 witness cosignatures required since 2026-06-01T00:00:01.000Z (1 older)');
    const plain = join(root, 'plain-bundle.json');
    expect((await run((context) => exportAction(dir, { out: plain, trustRoot: trustFile }, context))).code).toBe(0);
    const unwitnessed = await run((context) => verifyAction(plain, { trustRoot: trustFile, witness: [vkey] }, context));
    expect(unwitnessed.code).toBe(1);
    expect(unwitnessed.stderr).toContain('check checkpoint-witness failed');
    expect((await run((context) => verifyAction(out, { trustRoot: trustFile, anchor: ['anchor.note'] }, context))).code).toBe(2);
    expect((await run((context) => exportAction(dir, { out, trustRoot: trustFile, checkpoint: 'missing.note' }, context))).code).toBe(2);
  });

  it('a transcript cut short after the witness saw it: verifies alone, fails the auditor (exit 1), and the witness refuses it', async () => {
    const cut = await copy('cut');
    await cutTo(cut, 13);
    expect((await run((context) => verifyAction(cut, { trustRoot: trustFile }, context))).code).toBe(0);
    const audit = await run((context) => verifyAction(cut, { trustRoot: trustFile, anchor: ['anchor.note'], witness: [vkey] }, context));
    expect(audit.code).toBe(1);
    expect(audit.stderr).toContain('check checkpoint-anchor failed — the transcript ends before an anchored checkpoint');
    const witnessOnly = await run((context) => verifyAction(cut, { trustRoot: trustFile, witness: [vkey] }, context));
    expect(witnessOnly.code).toBe(1);
    expect(witnessOnly.stderr).toContain('check checkpoint-witness failed');
    const before = await readFile(join(root, 'witness-state.json'), 'utf8');
    const refused = await cosign(cut);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not cosigned: the transcript does not extend the checkpoint this witness cosigned');
    expect(await readFile(join(root, 'witness-state.json'), 'utf8')).toBe(before);
    // Nor can it export a bundle against the witnessed checkpoint: its entries are not that history.
    const bundle = join(root, 'cut-bundle.json');
    const exported = await run((context) => exportAction(cut, { out: bundle, trustRoot: trustFile, checkpoint: 'anchor.note' }, context));
    expect(exported.code).toBe(2);
  });

  it('cosigns a transcript that grew, reporting the previous size', async () => {
    const grown = await copy('grown');
    const store = await FileLedgerStore.open({ dir: grown });
    const ledger = await Ledger.open({ store, origin: 'writ.test/sample', signer: sampleKeys().ledger, now: () => new Date('2026-01-01T01:00:00Z') });
    await ledger.append([{ type: 'note', time: '2026-01-01T01:00:00.000Z', body: { text: 'more' } }]);
    await ledger.close();
    const result = await cosign(grown, { json: true });
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { size: number; previousSize: number };
    expect(out.size).toBe(out.previousSize + 1);
  });

  it('refuses a tampered transcript and a trust root that does not hold the ledger key (exit 1, nothing written)', async () => {
    const tampered = await copy('tampered');
    const path = join(tampered, 'entries.jsonl');
    await writeFile(path, (await readFile(path, 'utf8')).replace('"call-1"', '"call-9"'));
    const before = await readFile(join(root, 'witness-state.json'), 'utf8');
    const result = await cosign(tampered, { state: 'fresh-state.json', out: 'never.note' });
    expect(result.code).toBe(1);
    const other = join(root, 'other-trust.json');
    await writeFile(other, JSON.stringify(sampleTrustRootDocument(sampleKeys(2))));
    expect((await cosign(dir, { state: 'fresh-state.json', trustRoot: other })).code).toBe(1);
    expect(await readFile(join(root, 'witness-state.json'), 'utf8')).toBe(before);
    await expect(readFile(join(root, 'fresh-state.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readFile(join(root, 'never.note'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 2 on usage errors', async () => {
    await writeFile(join(root, 'bad-state.json'), '{"type":"something-else"}');
    await writeFile(join(root, 'not-json.json'), '{');
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [dir, { name: 'has space' }, /--name/u],
      [dir, { name: undefined }, /--name/u],
      [dir, { state: undefined }, /--state/u],
      [dir, { trustRoot: undefined }, /--trust-root/u],
      [join(root, 'missing'), {}, /no such directory/u],
      [dir, { state: 'bad-state.json' }, /not a writ\.witness-state\/v1/u],
      [dir, { state: 'not-json.json' }, /not JSON/u],
      [dir, { key: 'absent' }, /key absent/u],
      [dir, { trustRoot: 'missing-trust.json' }, /./u],
    ];
    for (const [target, extra, message] of cases) {
      const result = await cosign(target, extra);
      expect(result.code, JSON.stringify(extra)).toBe(2);
      expect(result.stderr).toMatch(message);
      // One line ending in a stable code, as every writ command's errors.
      expect(result.stderr, JSON.stringify(extra)).toMatch(/^writ witness cosign: [^\n]* \[(ERR_[A-Z_]+|E[A-Z]+)\]\n$/u);
    }
  });

  it('registers vkey, cosign and the protocol commands with their required options', () => {
    const program = registerWitnessCommand(new Command('writ').exitOverride(), { stdout: () => undefined, stderr: () => undefined, setExitCode: () => undefined, cwd: root, interactive: false });
    const witness = program.commands.find((c) => c.name() === 'witness')!;
    expect(witness.commands.map((c) => c.name()).sort()).toEqual(['cosign', 'log-key', 'serve', 'submit', 'vkey']);
    const cosignCommand = witness.commands.find((c) => c.name() === 'cosign')!;
    expect(cosignCommand.options.filter((o) => o.mandatory).map((o) => o.long).sort()).toEqual(['--name', '--state', '--trust-root']);
    const mandatory = (name: string): (string | undefined)[] => witness.commands.find((c) => c.name() === name)!.options.filter((o) => o.mandatory).map((o) => o.long).sort();
    expect(mandatory('serve')).toEqual(['--log', '--name', '--state']);
    expect(mandatory('submit')).toEqual(['--url', '--witness']);
    expect(mandatory('log-key')).toEqual(['--origin', '--trust-root']);
  });
});

describe('writ verify --anchor / --witness usage', () => {
  it('exits 2 for unreadable or malformed anchors, bad witness keys and quorums, and for bundles', async () => {
    await writeFile(join(root, 'junk.note'), 'not a note');
    const good = (await run((context) => witnessVkeyAction({ name: NAME, keysDir: keysDir(), env: {} }, context))).stdout.trim();
    const cases: Record<string, unknown>[] = [
      { anchor: ['no-such.note'] },
      { anchor: ['junk.note'] },
      { witness: ['garbage'] },
      { witness: [good], witnessQuorum: '0' },
      { witness: [good], witnessQuorum: '2' },
      { witness: [good], witnessQuorum: 'one' },
      { witnessQuorum: '1' },
      { witnessedWithin: '1h' },
      { witnessedSince: '2026-01-01T00:00:00Z' },
      { witness: [good], witnessedWithin: '1h', witnessedSince: '2026-01-01T00:00:00Z' },
      { witness: [good], witnessedWithin: '24' },
      { witness: [good], witnessedWithin: 'soon' },
      { witness: [good], witnessedWithin: '-1h' },
      { witness: [good], witnessedWithin: '0s' },
      { witness: [good], witnessedWithin: '1 fortnight' },
      { witness: [good], witnessedWithin: '100000000y' },
      { witness: [good], witnessedSince: 'yesterday' },
      { witness: [good], witnessedSince: '2026-01-01T00:00:00+02:00' },
    ];
    for (const extra of cases) {
      const result = await run((context) => verifyAction(dir, { trustRoot: trustFile, ...extra }, context));
      expect(result.code, JSON.stringify(extra)).toBe(2);
    }
  });
});
