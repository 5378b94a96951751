import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileLedgerStore, Ledger, PrivateKey, createSigner, formatCosignerKey, formatVerifierKey, parseCheckpoint, parseNote, signCheckpoint } from '@writ/core';
import { sampleKeys, sampleTrustRootDocument, writeSampleTranscript } from '@writ/core/transcript';
import type { CommandContext } from '../cli-context.ts';
import { runCommand } from '../test-support/run-command.ts';
import type { CommandRun } from '../test-support/run-command.ts';
import { verifyAction } from './verify.ts';
import { startWitnessServer, witnessLogKeyAction, witnessServeAction, witnessSubmitAction } from './witness-protocol.ts';
import type { RunningWitness } from './witness-protocol.ts';

const ORIGIN = 'writ.test/sample';
const NAME = 'witness.example/w1';
const witnessKey = PrivateKey.fromSeed(new Uint8Array(32).fill(33));
const witnessVkey = formatCosignerKey(NAME, witnessKey.publicKey);
const logVkey = formatVerifierKey(ORIGIN, sampleKeys().ledger.publicKey);

let root: string;
let dir: string;
let trustFile: string;
let server: RunningWitness;

const run = (action: (context: CommandContext) => Promise<void>): Promise<CommandRun> => runCommand(root, action);

async function transcript(name: string, sessionId = 'session-1'): Promise<string> {
  const target = join(root, name);
  const store = await FileLedgerStore.open({ dir: target });
  await writeSampleTranscript({ store, calls: 4, policy: { everyEntries: 4 }, sessionId });
  await store.close();
  return target;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-cli-tlog-witness-'));
  dir = await transcript('transcript');
  trustFile = join(root, 'trust-root.json');
  await writeFile(trustFile, JSON.stringify(sampleTrustRootDocument(sampleKeys())));
  server = await startWitnessServer({ name: NAME, key: witnessKey, logs: [logVkey], statePath: join(root, 'witness', 'state.json'), port: 0 });
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('writ witness serve / submit over HTTP (C2SP tlog-witness)', () => {
  it('submits the latest checkpoint, gets it cosigned, and the auditor verifies against it', async () => {
    expect(server.vkey).toBe(witnessVkey);
    const result = await run((context) => witnessSubmitAction(dir, { trustRoot: trustFile, url: server.url, witness: witnessVkey, out: 'cosigned.note', json: true }, context));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const out = JSON.parse(result.stdout) as { size: number; previousSize: number; cosigned: string };
    expect(out.previousSize).toBe(0);
    expect(await readFile(join(root, 'cosigned.note'), 'utf8')).toBe(out.cosigned);
    const audit = await run((context) => verifyAction(dir, { trustRoot: trustFile, anchor: ['cosigned.note'], witness: [witnessVkey] }, context));
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain(`checkpoint ${out.size} cosigned by ${NAME}`);
  });

  it('--save keeps the cosigned note in the transcript, so writ verify --witness needs no anchor', async () => {
    const copy = join(root, 'saved');
    await cp(dir, copy, { recursive: true });
    const result = await run((context) => witnessSubmitAction(copy, { trustRoot: trustFile, url: server.url, witness: witnessVkey, save: true, json: true }, context));
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { size: number; saved: string };
    expect(out.saved).toBe(join(copy, 'witnessed', `${String(out.size).padStart(16, '0')}.note`));
    const audit = await run((context) => verifyAction(copy, { trustRoot: trustFile, witness: [witnessVkey] }, context));
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain(`checkpoint ${out.size} cosigned by ${NAME}`);
    // Without --json or --out: where it was kept (stderr) and what was cosigned (stdout), no note.
    const text = await run((context) => witnessSubmitAction(copy, { trustRoot: trustFile, url: server.url, witness: witnessVkey, save: true }, context));
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`checkpoint ${out.size} cosigned by the witness (it held ${out.size})\n`);
    expect(text.stderr).toContain(`kept in ${out.saved}`);
  });

  it('a grown transcript is cosigned from the size the witness holds (it learns it from the 409)', async () => {
    const store = await FileLedgerStore.open({ dir });
    const ledger = await Ledger.open({ store, origin: ORIGIN, signer: sampleKeys().ledger, now: () => new Date('2026-01-01T02:00:00Z') });
    await ledger.append([{ type: 'note', time: '2026-01-01T02:00:00.000Z', body: { n: 1 } }]);
    await ledger.close();
    const result = await run((context) => witnessSubmitAction(dir, { trustRoot: trustFile, url: server.url, witness: witnessVkey, json: true }, context));
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { size: number; previousSize: number };
    expect(out.previousSize).toBeGreaterThan(0);
    expect(out.size).toBe(out.previousSize + 1);
  });

  it('a forked history signed with the same ledger key is refused (exit 1), and so is a rewound one', async () => {
    const fork = await transcript('fork', 'session-forked');
    const result = await run((context) => witnessSubmitAction(fork, { trustRoot: trustFile, url: server.url, witness: witnessVkey }, context));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^not cosigned — witness refused the checkpoint \(HTTP (409|422)\)/u);
    const rewound = join(root, 'rewound');
    await cp(join(root, 'transcript'), rewound, { recursive: true });
    const entries = (await readFile(join(rewound, 'entries.jsonl'), 'utf8')).split('\n').filter((l) => l.length > 0 && !l.startsWith('\u0000'));
    await writeFile(join(rewound, 'entries.jsonl'), `${entries.slice(0, 4).join('\n')}\n`);
    for (const file of await readdir(join(rewound, 'checkpoints'))) if (Number(file.slice(0, 16)) > 4) await rm(join(rewound, 'checkpoints', file));
    const back = await run((context) => witnessSubmitAction(rewound, { trustRoot: trustFile, url: server.url, witness: witnessVkey }, context));
    expect(back.code).toBe(1);
    expect(back.stderr).toMatch(/witness refused the checkpoint \(HTTP 409\): the witness holds a checkpoint of size \d+ of this log, which this transcript's latest \(size 4\) does not extend/u);
  });

  it('speaks HTTP as the spec says: 404 elsewhere, 413 for an oversized body, 400 for garbage', async () => {
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/add-checkpoint`)).status).toBe(404);
    expect((await fetch(`${server.url}/add-checkpoint`, { method: 'POST', body: 'x'.repeat((1 << 20) + 1) })).status).toBe(413);
    const garbage = await fetch(`${server.url}/add-checkpoint`, { method: 'POST', body: 'old 0\n\nnot a checkpoint\n' });
    expect(garbage.status).toBe(400);
  });

  it('one witness per state file; serve stops cleanly and releases it', async () => {
    await expect(startWitnessServer({ name: NAME, key: witnessKey, logs: [logVkey], statePath: join(root, 'witness', 'state.json'), port: 0 })).rejects.toMatchObject({ code: 'ERR_STORE_LOCKED' });
    const env = { WRIT_KEY_WITNESS: Buffer.from(witnessKey.exportSeed()).toString('base64url') };
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const running = run((context) => witnessServeAction({ name: NAME, state: 'other-state.json', log: [logVkey], port: '0', env, until }, context));
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop();
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^witness witness\.example\/w1 listening on http:\/\/127\.0\.0\.1:\d+ \(POST \/add-checkpoint\); its verifier key: witness\.example\/w1\+/u);
    // Released: it opens again.
    const again = await startWitnessServer({ name: NAME, key: witnessKey, logs: [logVkey], statePath: join(root, 'other-state.json'), port: 0 });
    await again.close();
  });

  it('exits 2 on usage errors', async () => {
    const serveCases: Record<string, unknown>[] = [{ name: 'a b', state: 's', log: [logVkey] }, { name: NAME, log: [logVkey] }, { name: NAME, state: 's' }, { name: NAME, state: 's', log: ['junk'] }, { name: NAME, state: 's', log: [logVkey], port: '70000', env: { WRIT_KEY_WITNESS: Buffer.from(witnessKey.exportSeed()).toString('base64url') } }, { name: NAME, state: 's', log: [logVkey], env: {} }];
    for (const options of serveCases) expect((await run((context) => witnessServeAction({ ...options, until: Promise.resolve() }, context))).code, JSON.stringify(options)).toBe(2);
    const submitCases: [string, Record<string, unknown>][] = [[dir, { witness: witnessVkey }], [dir, { url: 'ftp://x', witness: witnessVkey }], [dir, { url: server.url }], [dir, { url: server.url, witness: logVkey }], [join(root, 'missing'), { url: server.url, witness: witnessVkey }]];
    for (const [target, options] of submitCases) expect((await run((context) => witnessSubmitAction(target, options, context))).code, JSON.stringify(options)).toBe(2);
    const unreachable = await run((context) => witnessSubmitAction(dir, { trustRoot: trustFile, url: 'http://127.0.0.1:9', witness: witnessVkey }, context));
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('[ERR_WITNESS_UNREACHABLE]');
  });
});

describe('writ witness submit: which checkpoint', () => {
  // A well-formed checkpoint note of `size` signed by a key that is not the log's.
  async function forge(target: string, size: number): Promise<string> {
    const path = join(target, 'witnessed', `${String(size).padStart(16, '0')}.note`);
    await mkdir(join(target, 'witnessed'), { recursive: true });
    const signer = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(44)));
    await writeFile(path, signCheckpoint({ origin: ORIGIN, size, root: new Uint8Array(32).fill(1), time: '2030-01-01T00:00:00Z', signer }));
    return path;
  }

  it('skips a forged larger note in witnessed/, names it, and has the real latest cosigned', async () => {
    // GAP: the forged note was submitted because it parsed; the run failed (beyond the entries,
    // or the witness's refusal) every time, and the transcript was never witnessed again.
    const copy = join(root, 'forged-witnessed');
    await cp(dir, copy, { recursive: true });
    const forged = await forge(copy, 1000);
    const json = await run((context) => witnessSubmitAction(copy, { trustRoot: trustFile, url: server.url, witness: witnessVkey, json: true }, context));
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as { size: number; skipped: unknown[] };
    expect(out.size).toBeLessThan(1000);
    expect(out.skipped).toEqual([{ path: forged, size: 1000, code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE', check: 'checkpoint-signature', cause: 'ERR_NOTE_UNVERIFIED' }]);
    const text = await run((context) => witnessSubmitAction(copy, { trustRoot: trustFile, url: server.url, witness: witnessVkey, out: 'forged.note' }, context));
    expect(text.code).toBe(0);
    expect(text.stderr).toBe(`skipped ${forged} (size 1000): does not verify against the trust root [ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE, ERR_NOTE_UNVERIFIED]\n`);
    expect(text.stdout).toBe(`checkpoint ${out.size} cosigned by the witness (it held ${out.size}) → forged.note\n`);
  });

  it('takes the trust root from the directory without --trust-root, and refuses (exit 2) when there is none', async () => {
    const copy = join(root, 'no-trust-root');
    await cp(dir, copy, { recursive: true });
    await forge(copy, 1001);
    const none = await run((context) => witnessSubmitAction(copy, { url: server.url, witness: witnessVkey }, context));
    expect(none).toMatchObject({ code: 2, stdout: '', stderr: 'writ witness submit: no trust root to check the checkpoints against: pass --trust-root FILE (the log\'s trust-root document) or keep trust-root.json in the transcript directory [ERR_USAGE]\n' });
    await cp(trustFile, join(copy, 'trust-root.json'));
    const kept = await run((context) => witnessSubmitAction(copy, { url: server.url, witness: witnessVkey, json: true }, context));
    expect(kept.code, kept.stderr).toBe(0);
    expect((JSON.parse(kept.stdout) as { skipped: { code: string }[] }).skipped.map((each) => each.code)).toEqual(['ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE']);
    await writeFile(join(copy, 'trust-root.json'), '{"type":"writ.trust-root/v1"}');
    expect(await run((context) => witnessSubmitAction(copy, { url: server.url, witness: witnessVkey }, context))).toMatchObject({ code: 2, stderr: expect.stringContaining('trust-root.json: not a valid trust root; pass --trust-root FILE [ERR_TRUST_ROOT_INVALID]') });
  });

  it('exits 1 and sends nothing when a note the ledger key signed is a fork of the entries, naming it', async () => {
    // GAP: only the chosen note's signature was checked: a ledger-signed fork (here at size 2, a
    // root the entries do not have) was never looked at past its signature, and a larger one was
    // sent and cosigned by a witness that had not seen the log yet.
    const copy = join(root, 'ledger-fork');
    await cp(dir, copy, { recursive: true });
    const names = (await readdir(join(copy, 'checkpoints'))).sort();
    // Dated as the first real checkpoint: no larger tree was signed before it.
    const first = JSON.parse(await readFile(join(copy, 'checkpoints', names[0]!), 'utf8')) as { note: string };
    const time = parseCheckpoint(parseNote(first.note).text).time!;
    const fork = join(copy, 'witnessed', `${String(2).padStart(16, '0')}.note`);
    await mkdir(join(copy, 'witnessed'));
    await writeFile(fork, signCheckpoint({ origin: ORIGIN, size: 2, root: new Uint8Array(32).fill(5), time, signer: sampleKeys().ledger }));
    let sent = 0;
    const counting = ((...args: Parameters<typeof fetch>) => {
      sent += 1;
      return fetch(...args);
    }) as typeof fetch;
    const result = await run((context) => witnessSubmitAction(copy, { trustRoot: trustFile, url: server.url, witness: witnessVkey, fetch: counting }, context));
    expect([result.code, result.stdout, sent]).toEqual([1, '', 0]);
    expect(result.stderr).toBe(`INVALID: a checkpoint of size 2 signed by a ledger key of the trust root does not match the entries (a fork, or entries rewritten under it): nothing was submitted\n  ${fork}\n(writ verify ${copy} reports the same) [ERR_TRANSCRIPT_ROOT_MISMATCH]\n`);
    const audit = await run((context) => verifyAction(copy, { trustRoot: trustFile, json: true }, context));
    expect(audit.code).toBe(1);
    expect(JSON.parse(audit.stdout)).toMatchObject({ valid: false, failure: { code: 'ERR_TRANSCRIPT_ROOT_MISMATCH', checkpointSize: 2 } });
  });

  it('exits 1 naming every note when no checkpoint verifies against the pinned trust root', async () => {
    const other = join(root, 'other-trust-root.json');
    await writeFile(other, JSON.stringify(sampleTrustRootDocument(sampleKeys(9))));
    const result = await run((context) => witnessSubmitAction(dir, { trustRoot: other, url: server.url, witness: witnessVkey }, context));
    expect(result.code).toBe(1);
    const checkpoints = await readdir(join(dir, 'checkpoints'));
    expect(result.stderr.split('\n').filter((line) => line.startsWith('skipped '))).toHaveLength(checkpoints.length);
    expect(result.stderr).toMatch(/INVALID: no checkpoint of the transcript verifies against the trust root \(no ledger key signed one\) \[ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE\]\n$/u);
  });
});

describe('writ witness log-key', () => {
  it('prints the note verifier key of each ledger key under the origin, which serve accepts', async () => {
    const result = await run((context) => witnessLogKeyAction({ trustRoot: trustFile, origin: ORIGIN }, context));
    expect(result).toMatchObject({ code: 0, stdout: `${logVkey}\n` });
    for (const options of [{ origin: ORIGIN }, { trustRoot: trustFile }, { trustRoot: trustFile, origin: 'a b' }, { trustRoot: 'missing.json', origin: ORIGIN }]) {
      expect((await run((context) => witnessLogKeyAction(options, context))).code).toBe(2);
    }
  });
});
