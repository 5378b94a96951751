/**
 * Adversarial review of witness freshness: `witnesses.since` (verifyTranscript), the merge of
 * saveWitnessedCheckpoint (one, newest, cosignature per witness) and the authority's
 * re-submission of unchanged checkpoints. Attackers: whoever can write a line into a kept
 * `witnessed/<size>.note` (a shared audit directory, a copied bundle) without any witness key,
 * and a log that cuts its transcript back and asks for fresh cosignatures of the older checkpoint.
 * A valid fresh cosignature must never be dropped silently for a line that does not verify, and a
 * cut-back transcript must not pass a freshness bound.
 *
 * Cases marked GAP were accepted before the fix they name; the rest were refused already and
 * stay as regression tests. LIMITATION marks what freshness cannot show.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../crypto/encoding.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { FileLedgerStore } from '../stores/file-ledger-store.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import { cosignCheckpoint, cosignerKeyHash, formatCosignerKey } from './cosignature.ts';
import { sampleKeys, writeSampleTranscript } from './sample-transcript.ts';
import { formatVerifierKey } from './signed-note.ts';
import { openTranscriptDirectory, saveWitnessedCheckpoint, submitTranscriptDirectory } from './transcript-directory.ts';
import { verifyTranscript } from './verify-transcript.ts';
import { MemoryWitnessState, createWitness } from './witness.ts';

const W1 = 'w.example/1';
const W2 = 'w.example/2';
const w1 = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(91)));
const w2 = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(92)));
const keys = [formatCosignerKey(W1, w1.publicKey), formatCosignerKey(W2, w2.publicKey)];
const at = new Date('2026-02-01T00:00:00Z');
const hoursLater = (hours: number): Date => new Date(at.getTime() + hours * 3_600_000);

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'writ-witness-freshness-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function sample(calls = 3): Promise<{ path: string; trustRoot: TrustRoot; note: string }> {
  const path = join(dir, `t-${counter++}`);
  const store = await FileLedgerStore.open({ dir: path });
  const { trustRoot } = await writeSampleTranscript({ store, calls, policy: { everyEntries: 4 } });
  const note = (await store.latestCheckpoint())!.note;
  await store.close();
  return { path, trustRoot, note };
}

async function verifyDir(path: string, trustRoot: TrustRoot, witnesses: { keys: string[]; quorum?: number; since?: string }): ReturnType<typeof verifyTranscript> {
  const directory = await openTranscriptDirectory(path);
  return verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot, witnesses });
}

// A cosignature line with `name`'s key ID for `publicKey`, a timestamp and 64 bytes that sign nothing.
function forgedLine(name: string, publicKey: Uint8Array, seconds: bigint): string {
  const blob = new Uint8Array(76).fill(7);
  const view = new DataView(blob.buffer);
  view.setUint32(0, cosignerKeyHash(name, publicKey));
  view.setBigUint64(4, seconds);
  return `\u2014 ${name} ${toBase64(blob)}\n`;
}

describe('saveWitnessedCheckpoint against forged lines', () => {
  it('refuses, with the witness key, to drop a valid cosignature for a newer line that does not verify', async () => {
    // GAP: the merge kept a witness's newest line by its timestamp alone, so one forged line with
    // a far-future timestamp in a kept note made every later save drop that witness's valid,
    // fresh cosignature — silently, `writ witness submit --save` and the authority's refresh
    // reporting success — and the note could never pass a freshness bound again. Given the
    // witness key (submitTranscriptDirectory always passes it), the kept note's lines by that
    // witness are verified first: one that does not verify fails the save loudly.
    const { path, trustRoot, note } = await sample();
    const saved = await saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: W1, signer: w1, time: at }));
    for (const seconds of [BigInt(hoursLater(1000).getTime() / 1000), (1n << 64n) - 1n]) {
      await writeFile(saved, `${note}${forgedLine(W1, w1.publicKey, seconds)}`);
      const poisoned = await readFile(saved, 'utf8');
      const fresh = cosignCheckpoint({ note, name: W1, signer: w1, time: hoursLater(2) });
      await expect(saveWitnessedCheckpoint(path, fresh, { witness: keys[0]! })).rejects.toMatchObject({ code: 'ERR_NOTE_UNVERIFIED', details: { keyName: W1 } });
      expect(await readFile(saved, 'utf8')).toBe(poisoned);
      // Without a key nothing is verified (as documented): the forged line stays newest, and the
      // verifier fails the note loudly rather than counting or ignoring it.
      await saveWitnessedCheckpoint(path, fresh);
      expect(await readFile(saved, 'utf8')).toBe(poisoned);
      const report = await verifyDir(path, trustRoot, { keys: [keys[0]!] });
      expect(report.failure).toMatchObject({ check: 'checkpoint-witness', code: 'ERR_TRANSCRIPT_WITNESS', message: 'witness cosignature is invalid' });
    }
    // Another witness's forged line does not stop this one's save.
    await writeFile(saved, `${note}${forgedLine(W2, w2.publicKey, 1n << 40n)}`);
    await expect(saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: W1, signer: w1, time: at }), { witness: keys[0]! })).resolves.toBe(saved);
  });

  it('fails submitTranscriptDirectory --save loudly on a poisoned kept note', async () => {
    // GAP (as above, through the path the CLI and the authority use).
    const { path, trustRoot, note } = await sample();
    const ledgerKey = formatVerifierKey('writ.test/sample', sampleKeys().ledger.publicKey);
    const witness = createWitness({ name: W1, signer: w1, logs: [ledgerKey], state: new MemoryWitnessState(), now: () => hoursLater(3) });
    const fetch = (async (_url: string, init: { body: string }) => {
      const answer = await witness.addCheckpoint(init.body);
      return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.contentType } });
    }) as unknown as typeof globalThis.fetch;
    const saved = await saveWitnessedCheckpoint(path, `${note}${forgedLine(W1, w1.publicKey, 1n << 40n)}`);
    await expect(submitTranscriptDirectory(path, { url: 'http://w.test', witness: witness.vkey, fetch, trustRoot, save: true })).rejects.toMatchObject({ code: 'ERR_NOTE_UNVERIFIED' });
    expect(await readFile(saved, 'utf8')).toBe(`${note}${forgedLine(W1, w1.publicKey, 1n << 40n)}`);
  });

  it('keeps a relabelled line apart: it neither counts for the witness it names nor displaces its real line', async () => {
    const { path, trustRoot, note } = await sample();
    // W1's valid cosignature with W2's name: the key ID still says W1.
    const line = cosignCheckpoint({ note, name: W1, signer: w1, time: hoursLater(5) }).slice(note.length);
    const relabelled = `${note}${line.replace(`\u2014 ${W1} `, `\u2014 ${W2} `)}`;
    const saved = await saveWitnessedCheckpoint(path, relabelled);
    const two = await verifyDir(path, trustRoot, { keys });
    expect(two.failure).toMatchObject({ code: 'ERR_TRANSCRIPT_WITNESS', message: 'latest checkpoint has 0 of the 2 witness cosignatures required' });
    await saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: W2, signer: w2, time: at }), { witness: keys[1]! });
    await saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: W1, signer: w1, time: at }), { witness: keys[0]! });
    expect((await readFile(saved, 'utf8')).split('\n').filter((each) => each.startsWith('\u2014 '))).toHaveLength(4);
    expect(await verifyDir(path, trustRoot, { keys, since: at.toISOString() })).toMatchObject({ valid: true, witnessed: { cosigners: [{ name: W2, time: at.toISOString() }, { name: W1, time: at.toISOString() }] } });
  });
});

describe('freshness of a cut-back transcript', () => {
  it('a witness that saw the newer checkpoint refuses to refresh the older one, so no fresh cosignature exists for it', async () => {
    const { path, trustRoot } = await sample(6);
    const ledgerKey = formatVerifierKey('writ.test/sample', sampleKeys().ledger.publicKey);
    let now = at;
    const witness = createWitness({ name: W1, signer: w1, logs: [ledgerKey], state: new MemoryWitnessState(), now: () => now });
    const fetch = (async (_url: string, init: { body: string }) => {
      const answer = await witness.addCheckpoint(init.body);
      return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.contentType } });
    }) as unknown as typeof globalThis.fetch;
    // The older checkpoint is cosigned at `at`, then the latest an hour later.
    const store = await FileLedgerStore.open({ dir: path, readOnly: true });
    const checkpoints = [];
    for await (const checkpoint of store.checkpoints()) checkpoints.push(checkpoint);
    await store.close();
    const older = checkpoints.at(-2)!;
    const cut = join(dir, `cut-${counter++}`);
    const cutStore = await FileLedgerStore.open({ dir: cut });
    const lines = (await readFile(join(path, 'entries.jsonl'), 'utf8')).split('\n').slice(0, older.size);
    await cutStore.appendStored(lines);
    for (const checkpoint of checkpoints.filter((each) => each.size <= older.size)) await cutStore.putCheckpoint(checkpoint);
    await cutStore.close();
    await submitTranscriptDirectory(cut, { url: 'http://w.test', witness: witness.vkey, fetch, trustRoot, save: true });
    now = hoursLater(1);
    await submitTranscriptDirectory(path, { url: 'http://w.test', witness: witness.vkey, fetch, trustRoot, save: true });
    // The log cuts back and asks again a day later (the authority's refresh would): refused.
    now = hoursLater(24);
    await expect(submitTranscriptDirectory(cut, { url: 'http://w.test', witness: witness.vkey, fetch, trustRoot, save: true })).rejects.toMatchObject({ code: 'ERR_WITNESS_REFUSED', details: { status: 409 } });
    const since = hoursLater(12).toISOString();
    expect((await verifyDir(cut, trustRoot, { keys: [witness.vkey], since })).failure).toMatchObject({ code: 'ERR_TRANSCRIPT_WITNESS' });
    expect(await verifyDir(cut, trustRoot, { keys: [witness.vkey] })).toMatchObject({ valid: true });
    // The whole transcript, refreshed at the same hour, passes the bound.
    await submitTranscriptDirectory(path, { url: 'http://w.test', witness: witness.vkey, fetch, trustRoot, save: true });
    expect(await verifyDir(path, trustRoot, { keys: [witness.vkey], since })).toMatchObject({ valid: true });
    // LIMITATION: a witness that never saw the newer checkpoint (added after the cut) cosigns the
    // older one as fresh; freshness proves what the witnesses saw, so choose and keep them before
    // the history they are meant to protect.
  });

  it('counts a cosignature made in the bound\'s own second and not one a millisecond-precise bound excludes', async () => {
    const { path, trustRoot, note } = await sample();
    await saveWitnessedCheckpoint(path, cosignCheckpoint({ note, name: W1, signer: w1, time: at }));
    expect(await verifyDir(path, trustRoot, { keys: [keys[0]!], since: at.toISOString() })).toMatchObject({ valid: true });
    expect((await verifyDir(path, trustRoot, { keys: [keys[0]!], since: new Date(at.getTime() + 1).toISOString() })).failure).toMatchObject({ code: 'ERR_TRANSCRIPT_WITNESS' });
    await expect(verifyDir(path, trustRoot, { keys: [keys[0]!], since: '+275760-09-13T00:00:00.001Z' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
