/**
 * A checkpoint `submitTranscriptDirectory` may hand to a witness must be signed by a ledger key
 * of the trust root — and that is not enough. A note the ledger key signed can still be a fork
 * (a root the entries do not have), sit over entries rewritten after it was signed, be another
 * log's, or be dated before a smaller checkpoint. The verifier fails every such directory; a
 * witness that has not seen the log yet cosigns whatever it is sent first. Each is refused with
 * the verifier's code (`ERR_TRANSCRIPT_ROOT_MISMATCH`, `ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT`),
 * naming the notes — never passed over in favour of an older checkpoint, since it is evidence
 * that the ledger key signed two histories, which someone must look at — and nothing is sent.
 *
 * Cases marked GAP were sent to the witness (and cosigned by a fresh one) before the fix.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { FileLedgerStore } from '../stores/file-ledger-store.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import { parseCheckpoint, signCheckpoint } from './checkpoint.ts';
import { MerkleTree } from './merkle-tree.ts';
import { leafHash } from './merkle.ts';
import { formatVerifierKey, parseNote } from './signed-note.ts';
import { sampleKeys, writeSampleTranscript } from './sample-transcript.ts';
import { openTranscriptDirectory, submitTranscriptDirectory } from './transcript-directory.ts';
import { verifyTranscript } from './verify-transcript.ts';
import { MemoryWitnessState, createWitness } from './witness.ts';

const ORIGIN = 'writ.test/sample';
const keys = sampleKeys();
const witnessSigner = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(71)));

let root: string;
let base: string;
let latest: { size: number; note: string; time: string };
let entries: number;
let lines: Buffer[];
let trustRoot: TrustRoot;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-submit-fork-'));
  base = join(root, 'base');
  const store = await FileLedgerStore.open({ dir: base });
  ({ trustRoot, entries } = await writeSampleTranscript({ store, keys, calls: 5, policy: { everyEntries: 4 } }));
  const checkpoints = [];
  for await (const checkpoint of store.checkpoints()) checkpoints.push(checkpoint);
  await store.close();
  // The last two checkpoints removed: an unsigned tail of several entries, so a note can claim
  // sizes the entries reach.
  const kept = checkpoints.at(-3)!;
  for (const checkpoint of checkpoints.filter((each) => each.size > kept.size)) await rm(join(base, 'checkpoints', `${String(checkpoint.size).padStart(16, '0')}.json`));
  latest = { size: kept.size, note: kept.note, time: parseCheckpoint(parseNote(kept.note).text).time! };
  const text = await readFile(join(base, 'entries.jsonl'));
  lines = [];
  for (let start = 0, end = text.indexOf(10); end !== -1; start = end + 1, end = text.indexOf(10, start)) lines.push(text.subarray(start, end));
  expect(lines).toHaveLength(entries);
  expect(entries).toBeGreaterThan(latest.size + 1);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function copyOfBase(): Promise<string> {
  const path = join(root, `t-${counter++}`);
  await cp(base, path, { recursive: true });
  return path;
}

/** A fresh in-process witness of the sample log, counting what reaches it. */
function countingWitness(): { fetch: typeof fetch; vkey: string; calls: () => number } {
  const witness = createWitness({ name: 'w.example/fork', signer: witnessSigner, logs: [formatVerifierKey(ORIGIN, keys.ledger.publicKey)], state: new MemoryWitnessState(), now: () => new Date('2026-03-01T00:00:00Z') });
  let calls = 0;
  const fetch = (async (_url: string, init: { body: string }) => {
    calls += 1;
    const answer = await witness.addCheckpoint(init.body);
    return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.contentType } });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, vkey: witness.vkey, calls: () => calls };
}

// The real root of the first `size` entries (the test's own tree: what the ledger would sign).
function realRoot(size: number): Uint8Array {
  const tree = new MerkleTree();
  for (const line of lines.slice(0, size)) tree.push(leafHash(line));
  return tree.root();
}

const laterTime = '2030-01-01T00:00:00Z';

async function plant(dir: string, note: string, size: number): Promise<string> {
  await mkdir(join(dir, 'witnessed'), { recursive: true });
  const path = join(dir, 'witnessed', `${String(size).padStart(16, '0')}.note`);
  await writeFile(path, note);
  return path;
}

async function refusal(dir: string, witness: ReturnType<typeof countingWitness>): Promise<unknown> {
  return submitTranscriptDirectory(dir, { url: 'http://w.test', witness: witness.vkey, fetch: witness.fetch, trustRoot, save: true }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
}

async function verifierFailure(dir: string): Promise<unknown> {
  const directory = await openTranscriptDirectory(dir);
  return (await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot, allowUnsignedTail: true })).failure;
}

describe('submitTranscriptDirectory refuses checkpoints a ledger key signed that disagree', () => {
  it('refuses a ledger-signed fork the entries reach (another root): ERR_TRANSCRIPT_ROOT_MISMATCH, nothing sent', async () => {
    // GAP: the fork verified on its own (the ledger key's signature) and was the largest: sent,
    // and a fresh witness cosigned it — the witness's word on a history the entries do not have.
    const dir = await copyOfBase();
    const path = await plant(dir, signCheckpoint({ origin: ORIGIN, size: entries, root: new Uint8Array(32).fill(7), time: laterTime, signer: keys.ledger }), entries);
    const witness = countingWitness();
    expect(await refusal(dir, witness)).toMatchObject({ code: 'ERR_TRANSCRIPT_ROOT_MISMATCH', details: { check: 'checkpoint-root', size: entries, paths: [path], skipped: [] } });
    expect(witness.calls()).toBe(0);
    expect(await verifierFailure(dir)).toMatchObject({ code: 'ERR_TRANSCRIPT_ROOT_MISMATCH', checkpointSize: entries });
  });

  it('refuses entries rewritten under a signed checkpoint: the first checkpoint whose root they miss', async () => {
    // GAP: only the chosen note's signature was checked, never its root: the rewritten entries
    // were proven to the witness against a checkpoint they do not match (a fresh witness cosigned).
    const dir = await copyOfBase();
    const rewritten = lines.map((line, i) => (i === 1 ? Buffer.from(line.toString().replace('"seq":1', '"seq":1 ')) : line));
    await writeFile(join(dir, 'entries.jsonl'), Buffer.concat(rewritten.flatMap((line) => [line, Buffer.from('\n')])));
    const witness = countingWitness();
    const error = await refusal(dir, witness);
    expect(error).toMatchObject({ code: 'ERR_TRANSCRIPT_ROOT_MISMATCH', details: { check: 'checkpoint-root' } });
    // Every checkpoint covers entry 1 (the first is of size 4): the first one met is named.
    expect((error as { details: { size: number; paths: string[] } }).details).toMatchObject({ size: 4, paths: [join(dir, 'checkpoints', '0000000000000004.json')] });
    expect(witness.calls()).toBe(0);
  });

  it('refuses two ledger-signed checkpoints of one size with different roots: ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT', async () => {
    // GAP: the note read first of that size (checkpoints/) was sent, the other left for the verifier.
    const dir = await copyOfBase();
    const path = await plant(dir, signCheckpoint({ origin: ORIGIN, size: latest.size, root: new Uint8Array(32).fill(9), time: latest.time, signer: keys.ledger }), latest.size);
    const witness = countingWitness();
    const error = await refusal(dir, witness);
    expect(error).toMatchObject({ code: 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT', details: { check: 'checkpoint-consistency', size: latest.size } });
    expect((error as { details: { paths: string[] } }).details.paths).toEqual([join(dir, 'checkpoints', `${String(latest.size).padStart(16, '0')}.json`), path]);
    expect(witness.calls()).toBe(0);
    expect(await verifierFailure(dir)).toMatchObject({ code: 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT' });
  });

  it.each([
    { where: 'larger than the latest', size: () => latest.size + 1 },
    { where: 'smaller than the latest', size: () => 1 },
  ])('refuses a checkpoint of another log the ledger key signed ($where)', async ({ size: sizeOf }) => {
    // GAP: a larger one was sent (refused by the witness as an unknown log, every round); a
    // smaller one was never looked at.
    const size = sizeOf();
    const dir = await copyOfBase();
    const path = await plant(dir, signCheckpoint({ origin: 'writ.test/another', size, root: realRoot(size), time: laterTime, signer: keys.ledger }), size);
    const witness = countingWitness();
    expect(await refusal(dir, witness)).toMatchObject({ code: 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT', details: { check: 'checkpoint-consistency', size, paths: [path] } });
    expect(witness.calls()).toBe(0);
    expect(await verifierFailure(dir)).toMatchObject({ code: 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT', checkpointSize: size });
  });

  it('refuses a larger checkpoint dated before a smaller one (a backdated signature)', async () => {
    // GAP: its root matched and its signature verified: sent.
    const dir = await copyOfBase();
    await plant(dir, signCheckpoint({ origin: ORIGIN, size: entries, root: realRoot(entries), time: '2021-01-01T00:00:00Z', signer: keys.ledger }), entries);
    const witness = countingWitness();
    expect(await refusal(dir, witness)).toMatchObject({ code: 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT', details: { size: entries } });
    expect(witness.calls()).toBe(0);
  });

  it('still submits a larger ledger-signed checkpoint that agrees with the entries and the others', async () => {
    const dir = await copyOfBase();
    await plant(dir, signCheckpoint({ origin: ORIGIN, size: entries, root: realRoot(entries), time: laterTime, signer: keys.ledger }), entries);
    const witness = countingWitness();
    const result = await submitTranscriptDirectory(dir, { url: 'http://w.test', witness: witness.vkey, fetch: witness.fetch, trustRoot });
    expect([result.size, result.skipped]).toEqual([entries, []]);
    expect(await verifierFailure(dir)).toBeUndefined();
  });

  it('refuses any ledger-signed note whose root is not the entries\', at any size they reach, and sends nothing (property)', async () => {
    // GAP: each was sent whenever it was the largest note (and cosigned by a fresh witness).
    const dir = await copyOfBase();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: entries }), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (size, bytes) => {
        fc.pre(Buffer.compare(Buffer.from(bytes), Buffer.from(realRoot(size))) !== 0);
        const path = await plant(dir, signCheckpoint({ origin: ORIGIN, size, root: bytes, time: laterTime, signer: keys.ledger }), size);
        try {
          const witness = countingWitness();
          const error = (await refusal(dir, witness)) as { code?: string } | undefined;
          // At a size a real checkpoint has: two roots for one size; elsewhere: not the entries' root.
          expect(['ERR_TRANSCRIPT_ROOT_MISMATCH', 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT']).toContain(error?.code);
          expect(witness.calls()).toBe(0);
          expect(await verifierFailure(dir)).toMatchObject({ code: error!.code });
        } finally {
          await rm(path);
        }
      }),
      { numRuns: 25 },
    );
  });
});
