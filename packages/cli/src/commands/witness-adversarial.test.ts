/**
 * Adversarial review of `writ witness cosign` (ADR 0033). The attacker wrote the transcript and
 * holds the ledger key: it hands the witness any directory it likes — entries, checkpoint notes
 * with any signature lines, several forks, any log origin — as often and as concurrently as the
 * witness runs. It does not hold the witness key, the pinned trust root or the state file. The
 * witness must never cosign a view of a log that does not extend the last one it cosigned for
 * that log, never lose what it cosigned for another log, and write nothing but its state and
 * `--out`.
 *
 * Cases marked GAP were accepted before the fix they name; the rest were refused already and
 * stay as regression tests.
 */
import { cp, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedgerStore, FileWitnessState, Ledger, PrivateKey, cosignCheckpoint, exportBundle, formatCosignerKey, parseCheckpoint, parseCosignerKey, parseNote, toBase64Url } from '@writ/core';
import { sampleKeys, sampleTrustRootDocument, writeSampleTranscript } from '@writ/core/transcript';
import type { CommandContext } from '../cli-context.ts';
import { runCommand } from '../test-support/run-command.ts';
import type { CommandRun } from '../test-support/run-command.ts';
import { verifyAction } from './verify.ts';
import { witnessCosignAction, witnessVkeyAction } from './witness.ts';

let root: string;
let trustFile: string;
let vkey: string;
const NAME = 'witness.example/w1';
const frozen = (): Date => new Date('2026-06-01T00:00:00Z');

/** A transcript directory of `origin` (5 calls, a checkpoint every 4 entries and at the end). */
async function transcriptDir(name: string, origin = 'writ.test/sample'): Promise<string> {
  const dir = join(root, name);
  const store = await FileLedgerStore.open({ dir });
  await writeSampleTranscript({ store, calls: 5, policy: { everyEntries: 4 }, origin });
  await store.close();
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-cli-witness-adv-'));
  trustFile = join(root, 'trust-root.json');
  await writeFile(trustFile, JSON.stringify(sampleTrustRootDocument(sampleKeys())));
  await transcriptDir('base');
  const generated = await run((context) => witnessVkeyAction({ name: NAME, keysDir: join(root, 'keys-home'), env: {}, generate: true }, context));
  vkey = generated.stdout.trim();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (action: (context: CommandContext) => Promise<void>): Promise<CommandRun> => runCommand(root, action);

const cosign = (target: string, state: string, extra: Record<string, unknown> = {}): Promise<CommandRun> =>
  run((context) => witnessCosignAction(target, { name: NAME, state, trustRoot: trustFile, keysDir: join(root, 'keys-home'), env: {}, now: frozen, json: true, ...extra }, context));

let copies = 0;
async function copy(from = 'base'): Promise<string> {
  const target = join(root, `copy-${copies++}`);
  await cp(join(root, from), target, { recursive: true });
  return target;
}

async function checkpointSizes(dir: string): Promise<number[]> {
  return (await readdir(join(dir, 'checkpoints'))).map((file) => Number(file.slice(0, 16))).sort((a, b) => a - b);
}

/** Remove the checkpoints above `size`; with `entries`, keep only the first `size` entries too. */
async function dropAbove(dir: string, size: number, entries: boolean): Promise<void> {
  if (entries) {
    const path = join(dir, 'entries.jsonl');
    const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line.length > 0 && !line.startsWith('\u0000'));
    await writeFile(path, `${lines.slice(0, size).join('\n')}\n`);
  }
  for (const file of await readdir(join(dir, 'checkpoints'))) {
    if (Number(file.slice(0, 16)) > size) await rm(join(dir, 'checkpoints', file));
  }
}

/** What the writer can do with the ledger key: append its own entries and checkpoint them. */
async function append(dir: string, texts: readonly string[], origin = 'writ.test/sample'): Promise<void> {
  const store = await FileLedgerStore.open({ dir });
  const ledger = await Ledger.open({ store, origin, signer: sampleKeys().ledger, now: () => new Date('2026-01-01T01:00:00Z') });
  for (const text of texts) await ledger.append([{ type: 'note', time: '2026-01-01T01:00:00.000Z', body: { text } }]);
  await ledger.close();
}

async function stateOf(name: string): Promise<Record<string, number>> {
  const state = JSON.parse(await readFile(join(root, name), 'utf8')) as { logs: Record<string, string> };
  return Object.fromEntries(Object.entries(state.logs).map(([origin, note]) => [origin, parseCheckpoint(parseNote(note).text).size]));
}

describe('writ witness cosign never cosigns a view that does not extend its last one', () => {
  // GAP: cosigned (exit 0) before, recording the smaller checkpoint; the fork after it was then cosigned too.
  it('GAP: a transcript whose later checkpoints were removed (entries kept) is refused — cosigning its smaller checkpoint rolled the witness back, and a fork from there was cosigned next', async () => {
    const state = 'rollback-state.json';
    const full = await copy();
    expect((await cosign(full, state)).code).toBe(0);
    const sizes = await checkpointSizes(full);
    const kept = sizes.at(-3)!;
    const before = await readFile(join(root, state), 'utf8');
    const rolledBack = await copy();
    await dropAbove(rolledBack, kept, false);
    const refused = await cosign(rolledBack, state);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/smaller than the checkpoint this witness cosigned/u);
    expect(await readFile(join(root, state), 'utf8')).toBe(before);
    // The fork that rollback would have let through: the first `kept` entries, then others.
    const forked = await copy();
    await dropAbove(forked, kept, true);
    await append(forked, ['fork 1', 'fork 2', 'fork 3']);
    expect((await cosign(forked, state)).code).toBe(1);
    expect(await readFile(join(root, state), 'utf8')).toBe(before);
  });

  it('re-cosigning the same checkpoint (nothing new) is allowed and keeps the size', async () => {
    const state = 'same-state.json';
    const dir = await copy();
    const first = await cosign(dir, state);
    expect(first.code).toBe(0);
    const again = await cosign(dir, state, { now: () => new Date('2026-06-02T00:00:00Z') });
    expect(again.code).toBe(0);
    const out = JSON.parse(again.stdout) as { size: number; previousSize: number };
    expect(out.size).toBe(out.previousSize);
  });

  // GAP: both runs read one state; in one process they also shared the temporary file, so the state held one fork while the other was printed as cosigned.
  it('GAP: two forks of one log submitted at once — at most one is cosigned (the state is locked across verify and write)', async () => {
    const state = 'race-state.json';
    const base = await copy();
    expect((await cosign(base, state)).code).toBe(0);
    const a = await copy(base.slice(root.length + 1));
    await append(a, ['branch a']);
    const b = await copy(base.slice(root.length + 1));
    await append(b, ['branch b']);
    const results = await Promise.all([cosign(a, state), cosign(b, state)]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    const winner = JSON.parse(results.find((r) => r.code === 0)!.stdout) as { cosigned: string };
    const recorded = JSON.parse(await readFile(join(root, state), 'utf8')) as { logs: Record<string, string> };
    expect(recorded.logs['writ.test/sample']).toBe(winner.cosigned);
    await expect(lstat(join(root, `${state}.lock`))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  // GAP: one run's write dropped (or clobbered) the other's record.
  it('GAP: two logs cosigned at once — neither run overwrites the other\'s record (lost update)', async () => {
    const state = 'two-logs-state.json';
    const x = await transcriptDir('log-x', 'writ.test/x');
    const y = await transcriptDir('log-y', 'writ.test/y');
    const results = await Promise.all([cosign(x, state), cosign(y, state)]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(Object.keys(await stateOf(state)).sort()).toEqual(['writ.test/x', 'writ.test/y']);
  });

  it('a witness serving the same state (FileWitnessState holds its lock) and a cosign run exclude each other; each reads the other\'s records', async () => {
    const state = 'served-state.json';
    const serving = await FileWitnessState.open(join(root, state));
    const dir = await copy();
    const blocked = await cosign(dir, state, { lockWaitMs: 50 });
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/served-state\.json\.lock/u);
    await serving.close();
    const result = await cosign(dir, state);
    expect(result.code).toBe(0);
    const reopened = await FileWitnessState.open(join(root, state));
    expect(await reopened.latest('writ.test/sample')).toBe((JSON.parse(result.stdout) as { cosigned: string }).cosigned);
    await reopened.close();
  });

  it('a stale lock is reported, not broken: nothing is cosigned while it exists', async () => {
    const state = 'locked-state.json';
    await writeFile(join(root, `${state}.lock`), '12345\n');
    const result = await cosign(await copy(), state, { lockWaitMs: 50 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/locked-state\.json\.lock/u);
    await expect(lstat(join(root, state))).rejects.toMatchObject({ code: 'ENOENT' });
    await rm(join(root, `${state}.lock`));
  });
});

describe('writ witness cosign keeps every log\'s record', () => {
  it('cosigning another log leaves the first log\'s record, which still refuses its cut', async () => {
    const state = 'multi-state.json';
    const sample = await copy();
    expect((await cosign(sample, state)).code).toBe(0);
    const other = await transcriptDir('other-log', 'writ.test/other');
    expect((await cosign(other, state)).code).toBe(0);
    const recorded = await stateOf(state);
    expect(Object.keys(recorded).sort()).toEqual(['writ.test/other', 'writ.test/sample']);
    const cut = await copy();
    await dropAbove(cut, (await checkpointSizes(cut)).at(-2)!, true);
    expect((await cosign(cut, state)).code).toBe(1);
  });

  // GAP: logs["constructor"] was Object's constructor, so the run failed with a usage error (exit 2).
  it('GAP: a log named like an Object.prototype member (constructor, __proto__, toString) is witnessed like any other', async () => {
    const state = 'proto-state.json';
    for (const origin of ['constructor', '__proto__', 'toString']) {
      const dir = await transcriptDir(`log-${origin}`, origin);
      const result = await cosign(dir, state);
      expect(result.code, `${origin}: ${result.stderr}`).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ origin, previousSize: null });
      // The record is used: the same log cut short is refused.
      const cut = join(root, `cut-${origin}`);
      await cp(dir, cut, { recursive: true });
      await dropAbove(cut, (await checkpointSizes(cut)).at(-2)!, true);
      expect((await cosign(cut, state)).code, origin).toBe(1);
    }
    expect(Object.keys(await stateOf(state)).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('writ witness cosign reads its state strictly', () => {
  it('a record filed under a log that is not that log\'s checkpoint, or not a note, is a usage error (nothing cosigned)', async () => {
    const other = await transcriptDir('state-other', 'writ.test/other3');
    const otherNote = (JSON.parse(await readFile(join(other, 'checkpoints', (await readdir(join(other, 'checkpoints'))).sort().at(-1)!), 'utf8')) as { note: string }).note;
    for (const record of [otherNote, 'not a note', 7]) {
      const state = 'strict-state.json';
      const text = JSON.stringify({ type: 'writ.witness-state/v1', logs: { 'writ.test/sample': record } });
      await writeFile(join(root, state), text);
      const result = await cosign(await copy(), state);
      expect(result.code, JSON.stringify(record).slice(0, 20)).toBe(2);
      expect(result.stderr).toMatch(/--state/u);
      expect(await readFile(join(root, state), 'utf8')).toBe(text);
    }
  });
});

describe('writ witness cosign on a crafted directory', () => {
  it('refuses a directory whose largest checkpoint is another log\'s, a checkpoint beyond the entries, and a forged note (exit 1, nothing written)', async () => {
    const state = 'crafted-state.json';
    const mixed = await copy();
    const other = await transcriptDir('crafted-other', 'writ.test/other2');
    const big = (await checkpointSizes(other)).at(-1)!;
    const name = `${String(big + 100).padStart(16, '0')}.json`;
    const otherFile = (await readdir(join(other, 'checkpoints'))).sort().at(-1)!;
    await cp(join(other, 'checkpoints', otherFile), join(mixed, 'checkpoints', name));
    const beyond = await copy();
    await dropAbove(beyond, (await checkpointSizes(beyond)).at(-2)!, true);
    const [last] = (await readdir(join(root, 'base', 'checkpoints'))).sort().slice(-1);
    await cp(join(root, 'base', 'checkpoints', last!), join(beyond, 'checkpoints', last!));
    const forged = await copy();
    const forgedFile = join(forged, 'checkpoints', last!);
    const record = JSON.parse(await readFile(forgedFile, 'utf8')) as { note: string };
    record.note = record.note.replace(/\n(\d+)\n/u, (_, n: string) => `\n${Number(n) + 1}\n`);
    await writeFile(forgedFile, JSON.stringify(record));
    for (const dir of [mixed, beyond, forged]) {
      const result = await cosign(dir, state, { out: 'crafted.note' });
      expect(result.code, result.stderr).toBe(1);
    }
    await expect(lstat(join(root, state))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(lstat(join(root, 'crafted.note'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  // GAP: the junk line was passed on and every auditor's verify failed on it (checkpoint-witness).
  it('GAP: signature lines the writer put under the witness\'s name are not passed on — the cosigned note verifies for the auditor', async () => {
    const dir = await copy();
    const [last] = (await readdir(join(dir, 'checkpoints'))).sort().slice(-1);
    const file = join(dir, 'checkpoints', last!);
    const record = JSON.parse(await readFile(file, 'utf8')) as { note: string };
    const junk = Buffer.alloc(76, 7);
    junk.writeUInt32BE(parseCosignerKey(vkey).keyHash, 0);
    record.note = `${record.note}\u2014 ${NAME} ${junk.toString('base64')}\n`;
    await writeFile(file, JSON.stringify(record));
    const result = await cosign(dir, 'junk-state.json');
    expect(result.code).toBe(0);
    const { cosigned } = JSON.parse(result.stdout) as { cosigned: string };
    expect(cosigned).not.toContain(junk.toString('base64'));
    await writeFile(join(root, 'junk.note'), cosigned);
    const audit = await run((context) => verifyAction(join(root, 'base'), { trustRoot: trustFile, anchor: ['junk.note'], witness: [vkey] }, context));
    expect(audit.code, audit.stderr).toBe(0);
  });
});

describe('writ witness cosign writes only its state and --out', () => {
  // GAP: the state was written through the symlink into the victim file (fixed name, opened with 'w').
  it('GAP: a symlink planted at the temporary state path is not written through', async () => {
    const victim = join(root, 'victim.txt');
    await writeFile(victim, 'precious\n');
    const state = 'symlink-state.json';
    await symlink(victim, join(root, `${state}.${process.pid}.tmp`));
    const result = await cosign(await copy(), state);
    expect(result.code).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(Object.keys(await stateOf(state))).toEqual(['writ.test/sample']);
    expect((await lstat(join(root, state))).isFile()).toBe(true);
  });

  it('a symlink at the state path itself is replaced, not written through', async () => {
    const victim = join(root, 'victim2.txt');
    await writeFile(victim, 'precious\n');
    await symlink(victim, join(root, 'link-out.note'));
    const result = await cosign(await copy(), 'link-state.json', { out: 'link-out.note' });
    expect(result.code).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    await expect(readlink(join(root, 'link-out.note'))).rejects.toMatchObject({ code: 'EINVAL' });
  });

  // GAP: the state file was replaced by the cosigned note; the next run refused it as not JSON.
  it('GAP: --out naming the state file is a usage error (it would overwrite the witness\'s memory with a note)', async () => {
    const state = 'out-state.json';
    const dir = await copy();
    expect((await cosign(dir, state)).code).toBe(0);
    const before = await readFile(join(root, state), 'utf8');
    const result = await cosign(dir, state, { out: state });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--out/u);
    expect(await readFile(join(root, state), 'utf8')).toBe(before);
  });

  // GAP: accepted — the writer could then replace what the witness remembers.
  it('GAP: a state file inside the transcript directory is a usage error (the writer controls that directory)', async () => {
    const dir = await copy();
    await mkdir(join(dir, 'sub'), { recursive: true });
    for (const state of [join(dir, 'witness-state.json'), join(dir, 'sub', 'state.json')]) {
      const result = await cosign(dir, state);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--state/u);
      await expect(lstat(state)).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });

  // GAP: cosigned with the ledger key (exit 0).
  it('GAP: a witness key that is a key of the pinned trust root (the ledger key) is a usage error — the log would witness itself', async () => {
    const seed = new Uint8Array(32).fill(11);
    expect(PrivateKey.fromSeed(seed).publicKey).toEqual(sampleKeys().ledger.publicKey);
    const ledgerSeed = toBase64Url(seed);
    const result = await cosign(await copy(), 'self-state.json', { env: { WRIT_KEY_WITNESS: ledgerSeed } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/trust root/u);
    await expect(lstat(join(root, 'self-state.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('writ verify --witness: each witness counts once, and the log is not its own witness', () => {
  it('one key under two names, one name with two keys, a key of the trust root: usage errors for directories', async () => {
    const dir = join(root, 'base');
    const other = formatCosignerKey(NAME, new Uint8Array(32).fill(201));
    // The base64 key may itself hold '+': parse it, do not split the string.
    const alias = formatCosignerKey('witness.example/alias', parseCosignerKey(vkey).publicKey);
    const ledger = formatCosignerKey('writ.test/self', sampleKeys().ledger.publicKey);
    for (const witness of [[vkey, alias], [vkey, other], [ledger]]) {
      const result = await run((context) => verifyAction(dir, { trustRoot: trustFile, witness, witnessQuorum: '1' }, context));
      expect(result.code, result.stderr).toBe(2);
    }
  });

  // GAP: verifyBundle does not see the trust root when it checks the witness policy; a bundle
  // verified with the ledger key listed as a witness took the writer's self-cosignature.
  it('GAP: a key of the trust root listed as a witness is a usage error for bundles too', async () => {
    const store = await FileLedgerStore.open({ dir: join(root, 'base') });
    const bundle = await exportBundle({ store, trustRoot: sampleTrustRootDocument(sampleKeys()) });
    await store.close();
    const self = 'writ.test/self';
    const checkpoint = cosignCheckpoint({ note: bundle.checkpoint, name: self, signer: sampleKeys().ledger, time: frozen() });
    await writeFile(join(root, 'self.bundle.json'), JSON.stringify({ ...bundle, checkpoint }));
    const result = await run((context) => verifyAction('self.bundle.json', { trustRoot: trustFile, witness: [formatCosignerKey(self, sampleKeys().ledger.publicKey)] }, context));
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/trust root/u);
  });
});
