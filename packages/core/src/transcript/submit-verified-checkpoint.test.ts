/**
 * Which checkpoint `submitTranscriptDirectory` hands to a witness. The notes in `witnessed/`
 * (and `checkpoints/`) are evidence anyone with write access to the directory can damage or
 * plant; a well-formed note of a larger size that no ledger key of the trust root signed must
 * not be the one submitted — the witness refuses it, and the transcript stops being witnessed.
 *
 * Cases marked GAP were submitted before the fix (the largest *parseable* note was chosen);
 * the rest stay as regression tests.
 */
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { FileLedgerStore } from '../stores/file-ledger-store.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import { formatCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint.ts';
import { parseNote, formatVerifierKey, signNote } from './signed-note.ts';
import { sampleKeys, sampleTrustRootDocument, writeSampleTranscript } from './sample-transcript.ts';
import { openTranscriptDirectory, submitTranscriptDirectory } from './transcript-directory.ts';
import { verifyTranscript } from './verify-transcript.ts';
import { MemoryWitnessState, createWitness } from './witness.ts';

const ORIGIN = 'writ.test/sample';
const keys = sampleKeys();
const ledgerKey = formatVerifierKey(ORIGIN, keys.ledger.publicKey);
const witnessSigner = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(61)));
const foreign = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(62)));

let root: string;
let base: string;
let latest: { size: number; note: string };
let entries: number;
let trustRoot: TrustRoot;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-submit-verified-'));
  base = join(root, 'base');
  const store = await FileLedgerStore.open({ dir: base });
  ({ trustRoot, entries } = await writeSampleTranscript({ store, keys, calls: 3, policy: { everyEntries: 4 } }));
  const checkpoints = [];
  for await (const checkpoint of store.checkpoints()) checkpoints.push(checkpoint);
  await store.close();
  // The last checkpoint removed: entries after the latest one left (a live transcript's
  // unsigned tail), so a forged note can claim a size the entries reach.
  const last = checkpoints.at(-1)!;
  await rm(join(base, 'checkpoints', `${String(last.size).padStart(16, '0')}.json`));
  const previous = checkpoints.filter((checkpoint) => checkpoint.size < last.size).at(-1)!;
  latest = { size: previous.size, note: previous.note };
  expect(entries).toBeGreaterThan(latest.size);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function copyOfBase(): Promise<string> {
  const path = join(root, `t-${counter++}`);
  await cp(base, path, { recursive: true });
  return path;
}

/** An in-process C2SP witness for the sample log (fresh state: it holds nothing yet). */
function inProcessWitness(): { fetch: typeof fetch; vkey: string } {
  const witness = createWitness({ name: 'w.example/submit', signer: witnessSigner, logs: [ledgerKey], state: new MemoryWitnessState(), now: () => new Date('2026-03-01T00:00:00Z') });
  const fetch = (async (_url: string, init: { body: string }) => {
    const answer = await witness.addCheckpoint(init.body);
    return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.contentType } });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, vkey: witness.vkey };
}

const randomRoot = (seed: number): Uint8Array => new Uint8Array(32).fill(seed % 256);
const time = '2030-01-01T00:00:00Z';

/**
 * Damaged or forged checkpoint notes of `size` that are well-formed enough to parse (except
 * `garbage`), each with the code the verifier refuses it with and the underlying cause.
 */
const damages = {
  // Another key under the log's name: no ledger key of the trust root signed it.
  'foreign key': { code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE', cause: 'ERR_NOTE_UNVERIFIED', make: (size: number) => signCheckpoint({ origin: ORIGIN, size, root: randomRoot(size), time, signer: foreign }) },
  // A key of the trust root without the ledger role.
  'authority key': { code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE', cause: 'ERR_NOTE_UNVERIFIED', make: (size: number) => signCheckpoint({ origin: ORIGIN, size, root: randomRoot(size), time, signer: keys.authority }) },
  // The ledger's own signature, one byte of it flipped.
  'flipped signature': {
    code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE',
    cause: 'ERR_NOTE_UNVERIFIED',
    make: (size: number) => {
      const note = signCheckpoint({ origin: ORIGIN, size, root: randomRoot(size), time, signer: keys.ledger });
      const at = note.length - 6;
      return `${note.slice(0, at)}${note[at] === 'A' ? 'B' : 'A'}${note.slice(at + 1)}`;
    },
  },
  // The latest real checkpoint's signature over a body claiming a larger size.
  'resized body': {
    code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE',
    cause: 'ERR_NOTE_UNVERIFIED',
    make: (size: number) => {
      const { text } = parseNote(latest.note);
      const body = parseCheckpoint(text);
      return latest.note.replace(text, formatCheckpoint({ ...body, size, time: body.time! }));
    },
  },
  // Signed by the ledger key, but dated before the key's validFrom (2020-01-01).
  'before key validity': { code: 'ERR_TRANSCRIPT_CHECKPOINT_KEY', cause: 'ERR_KEY_NOT_VALID_AT', make: (size: number) => signCheckpoint({ origin: ORIGIN, size, root: randomRoot(size), time: '2019-06-01T00:00:00Z', signer: keys.ledger }) },
  // Signed by the ledger key, without the writ-time line a Writ checkpoint carries.
  'no signing time': { code: 'ERR_CHECKPOINT_MALFORMED', cause: undefined, make: (size: number) => signNote({ text: `${ORIGIN}\n${size}\n${Buffer.from(randomRoot(size)).toString('base64')}\n`, name: ORIGIN, signer: keys.ledger }) },
  // Not a note at all.
  garbage: { code: 'ERR_CHECKPOINT_MALFORMED', cause: 'ERR_NOTE_MALFORMED', make: () => 'not a checkpoint note\n' },
} as const;
type Damage = keyof typeof damages;

async function plant(dir: string, damage: Damage, size: number): Promise<string> {
  const folder = join(dir, 'witnessed');
  await mkdir(folder, { recursive: true });
  const path = join(folder, `${String(size).padStart(16, '0')}.note`);
  await writeFile(path, damages[damage].make(size));
  return path;
}

describe('submitTranscriptDirectory chooses the latest checkpoint that verifies against the trust root', () => {
  // Within the entries: a size the transcript reaches (the witness refused the forged note);
  // beyond them: a size it does not (ERR_TRANSCRIPT_CHECKPOINT_BEYOND_END, nothing submitted).
  const cases = (Object.keys(damages) as Damage[]).flatMap((damage) => [
    { damage, where: 'within the entries', size: () => entries },
    { damage, where: 'beyond the entries', size: () => entries + 100 },
  ]);
  it.each(cases)('skips a larger $damage note in witnessed/ ($where) and reports it', async ({ damage, size: sizeOf }) => {
    // GAP: the largest parseable note was chosen whatever signed it, and never verified: a forged
    // note the entries reach was submitted and refused by the witness (ERR_WITNESS_REFUSED), one
    // beyond them refused the submission (ERR_TRANSCRIPT_CHECKPOINT_BEYOND_END) — every round,
    // and the real latest checkpoint was never cosigned again.
    const size = sizeOf();
    const dir = await copyOfBase();
    const path = await plant(dir, damage, size);
    const { fetch, vkey } = inProcessWitness();
    const result = await submitTranscriptDirectory(dir, { url: 'http://w.test', witness: vkey, fetch, trustRoot, save: true });
    expect(result.size).toBe(latest.size);
    const { code, cause } = damages[damage];
    expect(result.skipped).toEqual([{ path, code, check: expect.any(String), ...(damage !== 'garbage' && { size }), ...(cause !== undefined && { cause }) }]);
    // What was kept is the real checkpoint, cosigned.
    expect(result.saved).toBe(join(dir, 'witnessed', `${String(latest.size).padStart(16, '0')}.note`));
  });

  it('skips damaged notes of any larger size, in witnessed/ or checkpoints/, and a witness cosigns the real latest (property)', async () => {
    const dir = await copyOfBase();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(damages) as Damage[])),
        // Sizes the entries reach, and sizes beyond them.
        fc.oneof(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 3, max: 1_000_000 })),
        fc.boolean(),
        async (damage, extra, inCheckpoints) => {
          const size = Math.min(latest.size + extra, extra <= 2 ? entries : Number.MAX_SAFE_INTEGER);
          let path: string;
          if (inCheckpoints) {
            path = join(dir, 'checkpoints', `${String(size).padStart(16, '0')}.json`);
            await writeFile(path, JSON.stringify({ size, note: damages[damage].make(size) }));
          } else {
            path = await plant(dir, damage, size);
          }
          try {
            const { fetch, vkey } = inProcessWitness();
            const result = await submitTranscriptDirectory(dir, { url: 'http://w.test', witness: vkey, fetch, trustRoot });
            expect(result.size).toBe(latest.size);
            expect(result.note.startsWith(parseNote(latest.note).text)).toBe(true);
            expect(result.skipped.map((each) => [each.path, each.code])).toEqual([[path, damages[damage].code]]);
          } finally {
            await rm(path);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('reports only what it passed over: a damaged note smaller than the one submitted is the verifier\'s finding', async () => {
    const dir = await copyOfBase();
    await plant(dir, 'foreign key', 1);
    const { fetch, vkey } = inProcessWitness();
    const result = await submitTranscriptDirectory(dir, { url: 'http://w.test', witness: vkey, fetch, trustRoot });
    expect([result.size, result.skipped]).toEqual([latest.size, []]);
  });

  it('skips several damaged notes, largest first, down to a verified one in checkpoints/', async () => {
    const dir = await copyOfBase();
    const planted = [await plant(dir, 'foreign key', latest.size + 3), await plant(dir, 'flipped signature', latest.size + 2), await plant(dir, 'garbage', latest.size + 1)];
    const { fetch, vkey } = inProcessWitness();
    const result = await submitTranscriptDirectory(dir, { url: 'http://w.test', witness: vkey, fetch, trustRoot });
    expect(result.size).toBe(latest.size);
    // Unreadable notes first (their size is unknown), then by size, largest first.
    expect(result.skipped.map((each) => each.path)).toEqual([planted[2], planted[0], planted[1]]);
  });

  it('refuses, with ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE and what it skipped, when no checkpoint verifies', async () => {
    const dir = await copyOfBase();
    const other = createTrustRoot(sampleTrustRootDocument(sampleKeys(9)));
    const { fetch, vkey } = inProcessWitness();
    const error = await submitTranscriptDirectory(dir, { url: 'http://w.test', witness: vkey, fetch, trustRoot: other }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE', details: { skipped: expect.any(Array) } });
    const checkpoints = await readdir(join(dir, 'checkpoints'));
    expect((error as { details: { skipped: unknown[] } }).details.skipped).toHaveLength(checkpoints.length);
  });

  it('uses the directory\'s trust-root.json without options.trustRoot, and refuses when there is neither', async () => {
    const dir = await copyOfBase();
    await plant(dir, 'foreign key', latest.size + 5);
    const { fetch, vkey } = inProcessWitness();
    // No trust root at all: no silent unverified choice.
    await expect(submitTranscriptDirectory(dir, { url: 'http://w.test', witness: vkey, fetch })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'options.trustRoot' } });
    await writeFile(join(dir, 'trust-root.json'), JSON.stringify(trustRoot.toJSON()));
    const result = await submitTranscriptDirectory(dir, { url: 'http://w.test', witness: vkey, fetch });
    expect([result.size, result.skipped.map((each) => each.code)]).toEqual([latest.size, ['ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE']]);
    // A pinned trust root wins over the directory's.
    const other = createTrustRoot(sampleTrustRootDocument(sampleKeys(9)));
    await expect(submitTranscriptDirectory(dir, { url: 'http://w.test', witness: vkey, fetch, trustRoot: other })).rejects.toMatchObject({ code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE' });
  });

  it('refuses a trust root that is not one (options.trustRoot, or the directory\'s document)', async () => {
    const dir = await copyOfBase();
    const { fetch, vkey } = inProcessWitness();
    await expect(submitTranscriptDirectory(dir, { url: 'http://w.test', witness: vkey, fetch, trustRoot: {} as TrustRoot })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'options.trustRoot' } });
    await writeFile(join(dir, 'trust-root.json'), JSON.stringify({ type: 'writ.trust-root/v1' }));
    await expect(submitTranscriptDirectory(dir, { url: 'http://w.test', witness: vkey, fetch })).rejects.toMatchObject({ code: 'ERR_TRUST_ROOT_INVALID' });
  });

  it('leaves the directory verifying with the witness once the real latest is cosigned', async () => {
    const dir = await copyOfBase();
    await plant(dir, 'foreign key', latest.size + 7);
    const { fetch, vkey } = inProcessWitness();
    await submitTranscriptDirectory(dir, { url: 'http://w.test', witness: vkey, fetch, trustRoot, save: true });
    // The planted note is still evidence the verifier reads (and fails on): submit only chose around it.
    const directory = await openTranscriptDirectory(dir);
    const report = await verifyTranscript({ entries: directory.entries, checkpoints: directory.checkpoints, trustRoot, witnesses: { keys: [vkey] }, allowUnsignedTail: true });
    expect(report.failure).toMatchObject({ code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE', checkpointSize: latest.size + 7 });
    await rm(join(dir, 'witnessed', `${String(latest.size + 7).padStart(16, '0')}.note`));
    const clean = await openTranscriptDirectory(dir);
    expect(await verifyTranscript({ entries: clean.entries, checkpoints: clean.checkpoints, trustRoot, witnesses: { keys: [vkey] }, allowUnsignedTail: true })).toMatchObject({ valid: true, witnessed: { size: latest.size } });
  });
});
