/**
 * Adversarial review of the C2SP tlog-witness protocol (witness.ts and FileWitnessState; ADR 0033
 * addendum). Three attackers:
 *
 * - A log holding its key — or anyone at all replaying the log's public checkpoints, since
 *   add-checkpoint authenticates nothing but the log's signature. It can sign any checkpoint of
 *   its origin (forks, rollbacks, roots of no tree, any extension lines), put any signature lines
 *   on a note and send any request body, as often and as concurrently as it likes. It holds
 *   neither the witness key nor the witness state. The witness must never cosign two checkpoints
 *   of one log that are not consistent, never store what it did not check, and answer every body
 *   with a status rather than throw.
 * - A witness answering submitCheckpoint with any status and any body at any speed. The log must
 *   not loop, must not read an unbounded answer, and must return a note carrying only its own
 *   lines and valid cosignatures by that witness's key.
 * - A caller passing malformed arguments: every public function refuses with a WritError and a
 *   stable code, never a raw TypeError/RangeError or a hang.
 *
 * Cases marked GAP were accepted (or crashed) before the fix they name; the rest were refused
 * already and stay as regression tests. LIMITATION marks a boundary of what a witness can know,
 * pinned so a change to it is deliberate.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WritError } from '../errors.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import type { Signer } from '../crypto/signer.ts';
import { toBase64 } from '../crypto/encoding.ts';
import { FileWitnessState } from '../stores/file-witness-state.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import { parseCheckpoint } from './checkpoint.ts';
import { cosignerKeyHash, formatCosignerKey, parseCosignerKey, verifyCosignatures } from './cosignature.ts';
import { MerkleTree } from './merkle-tree.ts';
import { emptyRoot, leafHash } from './merkle.ts';
import { sampleKeys, writeSampleTranscript } from './sample-transcript.ts';
import { formatVerifierKey, noteKeyHash, openNote, parseNote, parseVerifierKey, signNote } from './signed-note.ts';
import { verifyTranscript } from './verify-transcript.ts';
import { MemoryWitnessState, assertWitnessRecord, createWitness, formatAddCheckpoint, submitCheckpoint } from './witness.ts';
import type { AddCheckpointResponse, Witness, WitnessState } from './witness.ts';

const ORIGIN = 'writ.test/adversarial';
const logSigner = sampleKeys().ledger;
const logVkey = formatVerifierKey(ORIGIN, logSigner.publicKey);
const NAME = 'witness.example/w1';
const witnessSigner = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(71)));
const witnessVkey = formatCosignerKey(NAME, witnessSigner.publicKey);
const otherSigner = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(72)));
const at = new Date('2026-03-01T00:00:00Z');
const REFUSALS = [400, 403, 404, 409, 422];

function treeOf(leaves: readonly string[]): MerkleTree {
  const tree = new MerkleTree();
  for (const leaf of leaves) tree.push(leafHash(leaf));
  return tree;
}

const honestLeaves = Array.from({ length: 40 }, (_, i) => `honest ${i}`);
const honest = treeOf(honestLeaves);
/** The honest history's first `keep` leaves, then leaves of its own: what the key holder can also sign. */
function forkOf(keep: number, label: string): MerkleTree {
  return treeOf([...honestLeaves.slice(0, keep), ...Array.from({ length: 40 - keep }, (_, i) => `${label} ${i}`)]);
}

/** A checkpoint note of `size` with `root`, signed by the log key (or `signer`). */
function note(size: number, root: Uint8Array, options: { origin?: string; extensions?: readonly string[]; signer?: Signer; name?: string } = {}): string {
  const origin = options.origin ?? ORIGIN;
  const text = `${origin}\n${size}\n${toBase64(root)}\n${(options.extensions ?? []).map((line) => `${line}\n`).join('')}`;
  return signNote({ text, name: options.name ?? origin, signer: options.signer ?? logSigner });
}

/** The signed checkpoint of `tree` at `size`. */
function cp(tree: MerkleTree, size: number): string {
  return note(size, tree.root(size));
}

/** The request a well-behaved log sends for `tree` at `size`, from `oldSize`. */
function request(tree: MerkleTree, oldSize: number, size: number, checkpoint = cp(tree, size)): string {
  return formatAddCheckpoint({ oldSize, proof: oldSize === 0 || oldSize === size ? [] : tree.consistencyProof(oldSize, size), note: checkpoint });
}

function witness(state: WitnessState = new MemoryWitnessState(), logs: readonly string[] = [logVkey]): Witness {
  return createWitness({ name: NAME, signer: witnessSigner, logs, state, now: () => at });
}

async function heldBy(state: WitnessState, origin = ORIGIN): Promise<{ size: number; root: string } | undefined> {
  const latest = await state.latest(origin);
  if (latest === undefined) return undefined;
  const { size, root } = parseCheckpoint(parseNote(latest).text);
  return { size, root: toBase64(root) };
}

/** A witness that already cosigned `tree` at `size`. */
async function holding(tree: MerkleTree, size: number): Promise<{ w: Witness; state: MemoryWitnessState }> {
  const state = new MemoryWitnessState();
  const w = witness(state);
  expect((await w.addCheckpoint(request(tree, 0, size))).status).toBe(200);
  return { w, state };
}

/** A signature line `— name base64(keyHash || bytes)` (by no real key). */
function fakeLine(name: string, keyHash: number, length = 64): string {
  const blob = new Uint8Array(4 + length);
  new DataView(blob.buffer).setUint32(0, keyHash);
  blob.fill(7, 4);
  return `\u2014 ${name} ${toBase64(blob)}\n`;
}

/** `checkpoint` with `lines` appended to its signature block. */
function withLines(checkpoint: string, ...lines: string[]): string {
  return `${checkpoint}${lines.join('')}`;
}

function fetchFrom(w: Witness, log?: string[]): typeof fetch {
  return (async (_url: string, init: { body: string }) => {
    log?.push(init.body);
    const answer = await w.addCheckpoint(init.body);
    return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.contentType } });
  }) as unknown as typeof fetch;
}

describe('a log cannot get two inconsistent views of itself cosigned', () => {
  it('a fork at the size the witness holds is 409 with that size, and the state is unchanged', async () => {
    const { w, state } = await holding(honest, 8);
    const fork = forkOf(5, 'fork');
    expect(await w.addCheckpoint(formatAddCheckpoint({ oldSize: 8, proof: [], note: cp(fork, 8) }))).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: '8\n' });
    expect(await heldBy(state)).toEqual({ size: 8, root: toBase64(honest.root(8)) });
  });

  // GAP (conformance): equal sizes with another root were answered 422 when a proof line came
  // along; the spec's answer to the same size with another root is 409, whatever else is sent.
  it('the same size with another root is 409 even with proof lines', async () => {
    const { w } = await holding(honest, 8);
    const fork = forkOf(5, 'fork');
    const withProof = formatAddCheckpoint({ oldSize: 8, proof: [fork.root(4)], note: cp(fork, 8) });
    expect(await w.addCheckpoint(withProof)).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: '8\n' });
    // The held checkpoint again with a proof line: not a fork, but no equal-size proof has lines.
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 8, proof: [honest.root(4)], note: cp(honest, 8) }))).status).toBe(422);
  });

  it('a fork that extends its own earlier history carries a proof that fails against the held root (422)', async () => {
    for (const keep of [0, 1, 4, 7]) {
      const { w, state } = await holding(honest, 8);
      const fork = forkOf(keep, `fork-${keep}`);
      for (const size of [9, 12, 16, 33]) {
        expect((await w.addCheckpoint(request(fork, 8, size))).status, `keep ${keep} size ${size}`).toBe(422);
        // The honest proof with the fork's checkpoint, and the fork's proof with the honest one.
        expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 8, proof: honest.consistencyProof(8, size), note: cp(fork, size) }))).status).toBe(422);
      }
      expect(await heldBy(state)).toEqual({ size: 8, root: toBase64(honest.root(8)) });
    }
  });

  it('a fork that shares the held prefix is consistent and cosigned; the honest successor after it is not', async () => {
    const { w } = await holding(honest, 8);
    const fork = forkOf(10, 'late');
    expect((await w.addCheckpoint(request(fork, 8, 12))).status).toBe(200);
    expect((await w.addCheckpoint(request(honest, 12, 16))).status).toBe(422);
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 12, proof: [], note: cp(honest, 12) }))).status).toBe(409);
  });

  it('rollback: a smaller checkpoint is 400 from the held size and 409 from its own', async () => {
    const { w, state } = await holding(honest, 12);
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 12, proof: [], note: cp(honest, 8) }))).status).toBe(400);
    expect(await w.addCheckpoint(request(honest, 4, 8))).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: '12\n' });
    expect(await w.addCheckpoint(request(honest, 0, 8))).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: '12\n' });
    expect((await heldBy(state))!.size).toBe(12);
  });

  // GAP: from size 0 every checkpoint of size 0 was cosigned, whatever its root — the equal-size
  // root check was skipped for 0 — so two size-0 checkpoints with different roots were both
  // cosigned, the second replacing the first.
  it('two checkpoints of size 0 with different roots: the second is 409', async () => {
    const state = new MemoryWitnessState();
    const w = witness(state);
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: note(0, emptyRoot()) }))).status).toBe(200);
    expect(await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: note(0, honest.root(3)) }))).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: '0\n' });
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: note(0, emptyRoot()) }))).status).toBe(200);
    expect(await heldBy(state)).toEqual({ size: 0, root: toBase64(emptyRoot()) });
    // From a held size 0 any tree extends it (the empty tree is everyone's prefix), with an empty proof only.
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [honest.root(1)], note: cp(honest, 4) }))).status).toBe(422);
    expect((await w.addCheckpoint(request(honest, 0, 4))).status).toBe(200);
  });

  it('old size equal to the size: the held checkpoint again is cosigned again (idempotent), with no proof lines', async () => {
    const { w, state } = await holding(honest, 8);
    const again = await w.addCheckpoint(request(honest, 8, 8));
    expect(again.status).toBe(200);
    expect(await heldBy(state)).toEqual({ size: 8, root: toBase64(honest.root(8)) });
  });

  it('a proof of another pair of sizes does not verify for the checkpoint sent (422), for every pair up to 16', async () => {
    for (let a = 1; a <= 12; a++) {
      const { w, state } = await holding(honest, a);
      for (let b = a + 1; b <= 16; b++) {
        const proof = honest.consistencyProof(a, b);
        for (let c = a + 1; c <= 16; c++) {
          if (c === b) continue;
          const answer = await w.addCheckpoint(formatAddCheckpoint({ oldSize: a, proof, note: cp(honest, c) }));
          expect(answer.status, `held ${a}, proof to ${b}, checkpoint ${c}`).toBe(422);
        }
      }
      expect((await heldBy(state))!.size).toBe(a);
    }
  });

  // LIMITATION: an RFC 6962 consistency proof fixes the sizes only through its shape, and some
  // pairs share a shape: the proof from 4 to 8 is [MTH(D[4:8])], which also verifies from 4 to 5
  // when the "size 5" root is the size-8 root (the lone proof hash read as leaf 4's hash). The log
  // must sign a root that no tree of 5 real entries has (that would take a hash preimage), so
  // whoever checks entries against it (verifyTranscript) refuses it; a witness sees no entries.
  it('LIMITATION: a log signing the root of 8 as a size-5 checkpoint gets it cosigned with the 4→8 proof', async () => {
    const { w } = await holding(honest, 4);
    const lie = formatAddCheckpoint({ oldSize: 4, proof: honest.consistencyProof(4, 8), note: note(5, honest.root(8)) });
    expect((await w.addCheckpoint(lie)).status).toBe(200);
  });

  it('sizes near 2^53: cosigned when consistent, 422 quickly for 63 junk proof lines, 400 beyond safe integers', async () => {
    const top = Number.MAX_SAFE_INTEGER;
    const state = new MemoryWitnessState();
    const w = witness(state);
    const junk = Array.from({ length: 63 }, (_, i) => leafHash(`junk ${i}`));
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: note(top - 2, honest.root(3)) }))).status).toBe(200);
    const started = Date.now();
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: top - 2, proof: junk, note: note(top, honest.root(5)) }))).status).toBe(422);
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: top - 2, proof: junk.slice(0, 1), note: note(top, honest.root(5)) }))).status).toBe(422);
    expect(Date.now() - started).toBeLessThan(2_000);
    // 63 proof lines is the spec's bound (parsed, then the proof fails above); 64 is malformed.
    expect(await w.addCheckpoint(`old ${top - 2}\n${[...junk, junk[0]!].map((hash) => `${toBase64(hash)}\n`).join('')}\n${note(top, honest.root(5))}`)).toMatchObject({ status: 400, body: 'malformed request: more than 63 proof lines\n' });
    expect((await heldBy(state))!.size).toBe(top - 2);
    // 2^53 is not a safe integer: as old size or as checkpoint size the request is malformed.
    expect((await w.addCheckpoint(`old 9007199254740992\n\n${note(top, honest.root(5))}`)).status).toBe(400);
    expect((await w.addCheckpoint(`old ${top - 2}\n\n${signNote({ text: `${ORIGIN}\n9007199254740992\n${toBase64(honest.root(5))}\n`, name: ORIGIN, signer: logSigner })}`)).status).toBe(400);
    expect((await w.addCheckpoint(`old 99999999999999999\n\n${note(top, honest.root(5))}`)).status).toBe(400);
    // A fresh witness: held size 1, the proof to 2^53 - 1 of 63 junk lines.
    const small = await holding(honest, 1);
    expect((await small.w.addCheckpoint(formatAddCheckpoint({ oldSize: 1, proof: junk, note: note(top, honest.root(5)) }))).status).toBe(422);
  });

  // LIMITATION: a witness vouches for the tree (origin, size, root). The same tree with other
  // extension lines (another writ-time) is the same tree: it is cosigned — but not recorded: a
  // repeat of the held tree leaves the state as it is (no write for anyone who resends it).
  it('LIMITATION: the held tree with other extension lines is cosigned (the witness checks trees, not extensions); the record stays the first', async () => {
    const { w, state } = await holding(honest, 8);
    const before = await state.latest(ORIGIN);
    const other = note(8, honest.root(8), { extensions: ['writ-time 2020-01-01T00:00:00.000Z', 'vendor/ext anything'] });
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 8, proof: [], note: other }))).status).toBe(200);
    expect(await state.latest(ORIGIN)).toBe(before);
  });

  it('property: whatever forks, sizes and old sizes a log sends, the answer is the spec\'s and every two cosigned checkpoints are consistent', async () => {
    const trees = [honest, forkOf(0, 'a'), forkOf(5, 'b'), forkOf(8, 'c'), forkOf(8, 'd')];
    let cosigned = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ tree: fc.integer({ min: 0, max: trees.length - 1 }), size: fc.integer({ min: 0, max: 24 }), old: fc.oneof(fc.constant<'held'>('held'), fc.integer({ min: 0, max: 24 })) }), { minLength: 1, maxLength: 16 }),
        async (steps) => {
          const state = new MemoryWitnessState();
          const w = witness(state);
          let held: { tree: MerkleTree; size: number } | undefined;
          for (const step of steps) {
            const tree = trees[step.tree]!;
            const heldSize = held?.size ?? 0;
            const old = step.old === 'held' ? heldSize : step.old;
            const proof = old === 0 || old >= step.size ? [] : tree.consistencyProof(old, step.size);
            const answer = await w.addCheckpoint(formatAddCheckpoint({ oldSize: old, proof, note: cp(tree, step.size) }));
            // What the spec says the answer is, from the witness's record.
            const consistent = held === undefined || (step.size >= held.size && toBase64(tree.root(held.size)) === toBase64(held.tree.root(held.size)));
            const expected = old > step.size ? 400 : old !== heldSize ? 409 : old === step.size ? (consistent ? 200 : 409) : old === 0 || consistent ? 200 : 422;
            expect(answer.status).toBe(expected);
            if (answer.status === 200) {
              cosigned++;
              // Never a rollback and never a fork of what was cosigned before.
              expect(consistent).toBe(true);
              held = { tree, size: step.size };
            } else {
              refused++;
            }
            expect(await heldBy(state)).toEqual(held && { size: held.size, root: toBase64(held.tree.root(held.size)) });
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(cosigned).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });
});

describe('the witness cosigns and stores the checkpoint it checked, nothing else', () => {
  // GAP: the record was the submitted note as sent plus the cosignature, so signature lines the
  // witness never checked — sent by anyone replaying the log's public checkpoint — were stored
  // as the anchor the witness keeps. A line under another witness's name with a bad signature made
  // every later verification with that witness's key fail (an auditor using the record as an anchor),
  // 99 such lines made the record 100 times larger, a forged line under the witness's own name made
  // it throw (500 over HTTP), and 100 lines or a note near the size limit threw on cosigning.
  // Now the witness cosigns the checkpoint text with the log signatures it verified, as the
  // reference witness signs only the text.
  it('unknown signature lines are ignored and not stored: the record stays an anchor that verifies with any witness policy', async () => {
    const store = new MemoryLedgerStore();
    const { trustRoot } = await writeSampleTranscript({ store, calls: 5, policy: { everyEntries: 4 }, origin: ORIGIN });
    const lines: string[] = [];
    for await (const entry of store.read()) lines.push(entry.line);
    const latest = (await store.latestCheckpoint())!;
    const other = formatCosignerKey('witness.example/w2', otherSigner.publicKey);
    const poisoned = withLines(latest.note, fakeLine('witness.example/w2', cosignerKeyHash('witness.example/w2', otherSigner.publicKey), 72), fakeLine('someone.else', 1));
    const state = new MemoryWitnessState();
    const answer = await witness(state).addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: poisoned }));
    expect(answer.status).toBe(200);
    const record = (await state.latest(ORIGIN))!;
    expect(record).toBe(`${latest.note}${answer.body}`);
    const report = await verifyTranscript({ entries: lines, checkpoints: [latest.note], trustRoot, anchors: [record], witnesses: { keys: [witnessVkey, other], quorum: 1 } });
    expect(report).toMatchObject({ valid: true, witnessed: { size: latest.size } });
  });

  it('a forged line under the witness\'s own name and key ID, 99 unknown lines, or a note near the size limit: cosigned, and the record is the checked note', async () => {
    const checkpoint = cp(honest, 8);
    const own = fakeLine(NAME, cosignerKeyHash(NAME, witnessSigner.publicKey), 72);
    const many = Array.from({ length: 99 }, (_, i) => fakeLine(`unknown.example/${i}`, i));
    // A line that takes the note to just under parseNote's 1,000,000 characters.
    const filler = fakeLine('b', 1, 740_000);
    const long = fakeLine('b'.repeat(999_991 - checkpoint.length - filler.length), 1, 740_000);
    expect(checkpoint.length + long.length).toBe(999_990);
    for (const sent of [withLines(checkpoint, own), withLines(checkpoint, ...many), withLines(checkpoint, long)]) {
      const state = new MemoryWitnessState();
      const answer = await witness(state).addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: sent }));
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(/^\u2014 witness\.example\/w1 \S+\n$/u);
      expect(await state.latest(ORIGIN)).toBe(`${checkpoint}${answer.body}`);
      expect(verifyCosignatures(`${checkpoint}${answer.body}`, [parseCosignerKey(witnessVkey)])).toHaveLength(1);
    }
  });

  it('the cosignature is over exactly the text the log signed (the answer verifies on the log\'s own note)', async () => {
    const sent = withLines(note(8, honest.root(8), { extensions: ['vendor/ext \u00e9t\u00e9 \u2014 ok'] }), fakeLine('x', 2));
    const answer = await witness().addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: sent }));
    expect(answer.status).toBe(200);
    const logOnly = note(8, honest.root(8), { extensions: ['vendor/ext \u00e9t\u00e9 \u2014 ok'] });
    expect(verifyCosignatures(`${logOnly}${answer.body}`, [parseCosignerKey(witnessVkey)])).toHaveLength(1);
    expect(openNote(`${logOnly}${answer.body}`, [parseVerifierKey(logVkey)]).verified).toHaveLength(1);
  });

  it('a bad signature by a trusted key next to a good one is 403 (as note.Open refuses it)', async () => {
    const checkpoint = cp(honest, 8);
    const bad = fakeLine(ORIGIN, noteKeyHash(ORIGIN, logSigner.publicKey));
    expect((await witness().addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: withLines(checkpoint, bad) }))).status).toBe(403);
  });

  it('a signature by another log of the same origin, or by a trusted log of another origin, is not the log\'s (403)', async () => {
    const otherOrigin = 'writ.test/other';
    const w = witness(new MemoryWitnessState(), [logVkey, formatVerifierKey(otherOrigin, otherSigner.publicKey)]);
    // Same origin, another key: unknown to the witness.
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: note(8, honest.root(8), { signer: otherSigner }) }))).status).toBe(403);
    // ORIGIN's checkpoint signed by the other log's key under its own name.
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: note(8, honest.root(8), { signer: otherSigner, name: otherOrigin }) }))).status).toBe(403);
    // The other origin's checkpoint signed by ORIGIN's key under ORIGIN's name.
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: note(8, honest.root(8), { origin: otherOrigin, name: ORIGIN }) }))).status).toBe(403);
  });

  it('a note whose text is not what was signed, or not one checkpoint, is refused', async () => {
    const w = witness();
    const checkpoint = cp(honest, 8);
    const { text } = parseNote(checkpoint);
    const signature = checkpoint.slice(text.length + 1);
    const cases = [
      // A second signature block: the text would swallow the first one.
      `${checkpoint}\n${fakeLine('x', 1)}`,
      // CRLF line ends.
      checkpoint.replaceAll('\n', '\r\n'),
      // A blank line before the checkpoint (the request's separator doubled).
      `\n${checkpoint}`,
      // No signature block.
      text,
      // Text with an extension line after the signature line.
      `${text}\n${signature}vendor/ext x\n`,
    ];
    for (const sent of cases) {
      const answer = await w.addCheckpoint(`old 0\n\n${sent}`);
      expect(answer.status, JSON.stringify(sent.slice(0, 60))).toBe(400);
    }
    // Extra text after the note's last newline.
    expect((await w.addCheckpoint(`old 0\n\n${checkpoint}trailing`)).status).toBe(400);
  });

  it('origins with odd characters: no key can carry "+" or a space; a lone surrogate, U+FFFD or another normal form is another log', async () => {
    const w = witness();
    for (const origin of [`${ORIGIN}+x`, `${ORIGIN} x`, `${ORIGIN}\u00a0`]) {
      const text = `${origin}\n8\n${toBase64(honest.root(8))}\n`;
      const sent = `${text}\n${fakeLine('x', 1)}`;
      expect((await w.addCheckpoint(`old 0\n\n${sent}`)).status, origin).toBe(404);
    }
    // Two origins whose UTF-8 bytes are the same (a lone surrogate encodes as U+FFFD), and the
    // decomposed form of a composed one: each is its own origin, found only by its exact string.
    const composed = 'writ.test/\u00e9';
    const replaced = 'writ.test/\ufffd';
    const w2 = witness(new MemoryWitnessState(), [formatVerifierKey(composed, logSigner.publicKey), formatVerifierKey(replaced, otherSigner.publicKey)]);
    const lone = note(8, honest.root(8), { origin: 'writ.test/\ud800', name: replaced, signer: otherSigner });
    expect((await w2.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: lone }))).status).toBe(404);
    const decomposed = note(8, honest.root(8), { origin: 'writ.test/e\u0301', name: composed });
    expect((await w2.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: decomposed }))).status).toBe(404);
    expect((await w2.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: note(8, honest.root(8), { origin: composed }) }))).status).toBe(200);
  });

  it('logs named like Object properties are logs like any other, each with its own record', async () => {
    const state = new MemoryWitnessState();
    const w = witness(state, ['__proto__', 'constructor', ORIGIN].map((origin) => formatVerifierKey(origin, logSigner.publicKey)));
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: note(4, honest.root(4), { origin: '__proto__' }) }))).status).toBe(200);
    expect(await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: note(4, honest.root(4), { origin: 'constructor' }) }))).toMatchObject({ status: 200 });
    expect(await heldBy(state, '__proto__')).toEqual({ size: 4, root: toBase64(honest.root(4)) });
    expect(await heldBy(state, ORIGIN)).toBeUndefined();
  });
});

describe('concurrent requests and crashes', () => {
  it('many concurrent requests from the held size (forks and the honest log): exactly one is cosigned, the rest told the new size', async () => {
    const { w, state } = await holding(honest, 8);
    const sent = [request(honest, 8, 12), request(forkOf(9, 'x'), 8, 12), request(forkOf(10, 'y'), 8, 16), request(honest, 8, 9), request(forkOf(8, 'z'), 8, 20)];
    const answers = await Promise.all([...sent, ...sent].map((body) => w.addCheckpoint(body)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    const { size } = (await heldBy(state))!;
    for (const answer of answers.filter((a) => a.status !== 200)) expect(answer).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: `${size}\n` });
  });

  it('two witness processes over one state (slow reads): compare-and-set lets one fork through, the other is 409', async () => {
    const inner = new MemoryWitnessState();
    await witness(inner).addCheckpoint(request(honest, 0, 8));
    const slow: WitnessState = {
      async latest(origin) {
        const value = await inner.latest(origin);
        await sleep(20);
        return value;
      },
      replace: (origin, expected, next) => inner.replace(origin, expected, next),
    };
    const [a, b] = [witness(slow), witness(slow)];
    const answers = await Promise.all([a.addCheckpoint(request(forkOf(8, 'one'), 8, 12)), b.addCheckpoint(request(forkOf(8, 'two'), 8, 12))]);
    expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
    expect(answers.find((x) => x.status === 409)!.body).toBe('12\n');
  });

  it('a crash before the state is written: no cosignature leaves, the state is unchanged, the next request is answered', async () => {
    const inner = new MemoryWitnessState();
    await witness(inner).addCheckpoint(request(honest, 0, 8));
    let fail = true;
    const flaky: WitnessState = {
      latest: (origin) => inner.latest(origin),
      replace: (origin, expected, next) => (fail ? Promise.reject(new WritError('ERR_STORE_IO', 'disk gone')) : inner.replace(origin, expected, next)),
    };
    const w = witness(flaky);
    await expect(w.addCheckpoint(request(honest, 8, 12))).rejects.toMatchObject({ code: 'ERR_STORE_IO' });
    expect((await heldBy(inner))!.size).toBe(8);
    fail = false;
    expect((await w.addCheckpoint(request(honest, 8, 12))).status).toBe(200);
  });

  it('a crash after the state is written, before the answer: the log\'s retry learns its own size from the 409 and gets the cosignature', async () => {
    const inner = new MemoryWitnessState();
    await witness(inner).addCheckpoint(request(honest, 0, 8));
    const crashing: WitnessState = {
      latest: (origin) => inner.latest(origin),
      replace: async (origin, expected, next) => {
        await inner.replace(origin, expected, next);
        throw new Error('process killed');
      },
    };
    await expect(witness(crashing).addCheckpoint(request(honest, 8, 12))).rejects.toThrow('process killed');
    // Restarted over the same state; the log still believes the witness holds 8.
    const bodies: string[] = [];
    const result = await submitCheckpoint({ url: 'http://w.test', witness: witnessVkey, note: cp(honest, 12), proof: (old) => honest.consistencyProof(old, 12), oldSize: 8, fetch: fetchFrom(witness(inner), bodies) });
    expect(result.oldSize).toBe(12);
    expect(bodies.map((b) => b.split('\n', 1)[0])).toEqual(['old 8', 'old 12']);
  });

  // GAP: FileWitnessState.close released the lock at once, while a replace was still writing.
  // Another process could open the state in between, read the old record and cosign a fork from
  // it while this one answered 200 for its own write.
  it('FileWitnessState.close waits for a replace in flight before releasing the lock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'writ-witness-adv-close-'));
    try {
      const path = join(dir, 'state.json');
      const state = await FileWitnessState.open(path);
      const checkpoint = `${cp(honest, 8)}`;
      const pending = state.replace(ORIGIN, undefined, checkpoint);
      let settled = false;
      void pending.then(
        () => (settled = true),
        () => (settled = true),
      );
      await new Promise((resolve) => setImmediate(resolve));
      await state.close();
      expect(settled).toBe(true);
      const again = await FileWitnessState.open(path);
      expect(await again.latest(ORIGIN)).toBe((await pending) ? checkpoint : undefined);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('malformed arguments are refused with stable codes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'writ-witness-adv-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('addCheckpoint answers every body with a refusal status and never throws (random text, mutations of a valid request)', async () => {
    const valid = request(honest, 0, 8);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), async (body) => {
        const answer: AddCheckpointResponse = await witness().addCheckpoint(body);
        expect(REFUSALS).toContain(answer.status);
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 3 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), async (position, cut, insert) => {
        const mutated = `${valid.slice(0, position)}${insert}${valid.slice(position + cut)}`;
        const answer = await witness().addCheckpoint(mutated);
        expect([200, ...REFUSALS]).toContain(answer.status);
        // Cosigned only if it still is the log's checkpoint of size 8 from size 0.
        if (answer.status === 200) expect(parseCheckpoint(openNote(mutated.slice(mutated.indexOf('\n\n') + 2), [parseVerifierKey(logVkey)]).text).size).toBe(8);
      }),
      { numRuns: 300 },
    );
  });

  // GAP: a log key object with a public key of the wrong length, or a key hash that is not its
  // name's and key's, was taken — every request then failed as 403 (the key could never verify),
  // a misconfiguration that looked like a forged log. A sparse list's holes were skipped.
  it('createWitness refuses log keys that are not note verifier keys, and sparse lists', () => {
    const key = parseVerifierKey(logVkey);
    const bad: unknown[] = [
      [{ ...key, publicKey: new Uint8Array(5) }],
      [{ ...key, keyHash: (key.keyHash + 1) >>> 0 }],
      [{ ...key, name: 'a b' }],
      [{ ...key, name: '' }],
      [, logVkey],
      new Array(2),
      [null],
      'not a list',
    ];
    for (const logs of bad) {
      expect(() => createWitness({ name: NAME, signer: witnessSigner, logs: logs as never, state: new MemoryWitnessState() }), String(logs)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }) as Error);
    }
    expect(() => createWitness({ name: NAME, signer: witnessSigner, logs: [key], state: new MemoryWitnessState() })).not.toThrow();
    for (const options of [undefined, null, 5, [], { name: NAME, signer: witnessSigner, logs: [logVkey], state: null }, { name: NAME, signer: { publicKey: new Uint8Array(3), sign: () => new Uint8Array(64) }, logs: [logVkey], state: new MemoryWitnessState() }]) {
      expect(() => createWitness(options as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }) as Error);
    }
  });

  // GAP: every() skips holes, so a sparse proof passed as valid and its holes vanished from the body.
  it('formatAddCheckpoint refuses sparse proofs and other malformed options', () => {
    const hash = honest.root(1);
    const cases: unknown[] = [undefined, null, 'x', [], { oldSize: 1, proof: [hash, , hash], note: 'x' }, { oldSize: 1, proof: new Array(3), note: 'x' }, { oldSize: 1.5, proof: [], note: 'x' }, { oldSize: 2 ** 53, proof: [], note: 'x' }, { oldSize: 0, proof: 'abc', note: 'x' }, { oldSize: 0, proof: [], note: 5 }, { oldSize: 0, proof: Array.from({ length: 64 }, () => hash), note: 'x' }];
    for (const options of cases) expect(() => formatAddCheckpoint(options as never), JSON.stringify(options)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }) as Error);
  });

  it('assertWitnessRecord and MemoryWitnessState refuse what is not a checkpoint of the origin', async () => {
    const checkpoint = cp(honest, 4);
    for (const [origin, next] of [[5, checkpoint], [ORIGIN, 5], [ORIGIN, 'x'], ['other', checkpoint], [ORIGIN, parseNote(checkpoint).text], [ORIGIN, 'x'.repeat(2_000_000)]] as const) {
      expect(() => assertWitnessRecord(origin, next)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }) as Error);
      await expect(new MemoryWitnessState().replace(origin as never, undefined, next as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
    await expect(new MemoryWitnessState().latest(5 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  // GAP: the state file was read with a plain readFile, so a FIFO at its path blocked opening
  // forever — holding the lock, so no other witness run could start either. A directory there
  // is not a state document either (it was ERR_STORE_IO).
  it('FileWitnessState.open refuses a FIFO or a directory at the state path instead of hanging', async () => {
    const folder = join(dir, 'folder.json');
    await mkdir(folder);
    await expect(FileWitnessState.open(folder)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    const fifo = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    const outcome = await Promise.race([FileWitnessState.open(fifo).then(
      async (state) => {
        await state.close();
        return 'opened';
      },
      (error: unknown) => error,
    ), sleep(3_000).then(() => 'hang')]);
    if (outcome === 'hang') {
      // Unblock the reader so the worker can exit.
      await (await open(fifo, 'w')).close();
    }
    expect(outcome).toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    // The lock was released.
    await rm(fifo);
    await (await FileWitnessState.open(fifo)).close();
  });

  it('FileWitnessState refuses a record of another origin and writes nothing', async () => {
    const state = await FileWitnessState.open(join(dir, 'plain.json'));
    await expect(state.replace(ORIGIN, undefined, note(4, honest.root(4), { origin: 'writ.test/other' }))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(readFile(join(dir, 'plain.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    await state.close();
  });

  // GAP: a proof function answering something other than an array threw a raw TypeError (spread
  // of a non-iterable); a timeout of 2^31 ms or more fired at once (Node clamps it to 1 ms) or threw
  // a RangeError, both reported as ERR_WITNESS_UNREACHABLE; a URL fetch cannot use (credentials,
  // unparsable) was reported as unreachable; a witness key object without a name or key ID failed
  // only after the request was sent; a malformed witness key string was ERR_NOTE_MALFORMED.
  it('submitCheckpoint refuses malformed options with ERR_INVALID_ARGUMENT before anything is sent', async () => {
    let sent = 0;
    const good = { url: 'http://w.test', witness: witnessVkey, note: cp(honest, 8), proof: () => honest.consistencyProof(4, 8), oldSize: 4, fetch: (() => (sent++, Promise.reject(new Error('sent')))) as never };
    const key = parseCosignerKey(witnessVkey);
    const changes: Record<string, unknown>[] = [
      { proof: () => 5 },
      { proof: () => null },
      { proof: async () => Promise.resolve('abc') },
      { proof: () => [new Uint8Array(3)] },
      { timeoutMs: 2 ** 31 },
      { timeoutMs: Number.MAX_SAFE_INTEGER },
      { timeoutMs: 1.5 },
      { url: 'http://user:pass@w.test' },
      { url: 'http://[' },
      { url: 'http://w.test/?x=1' },
      { url: 'http://w.test/#frag' },
      { url: 'file:///etc/passwd' },
      { witness: { publicKey: key.publicKey } },
      { witness: { ...key, keyHash: 0 } },
      { witness: 'junk' },
      { witness: formatVerifierKey(NAME, witnessSigner.publicKey) },
      { oldSize: 9 },
      { oldSize: -1 },
      { fetch: 5 },
    ];
    for (const change of changes) {
      await expect(submitCheckpoint({ ...good, ...change }), JSON.stringify(change)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
    await expect(submitCheckpoint(null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(sent).toBe(0);
    // The note is checked as a checkpoint note, with the codes of the parsers.
    await expect(submitCheckpoint({ ...good, note: 'not a note' })).rejects.toMatchObject({ code: 'ERR_NOTE_MALFORMED' });
    await expect(submitCheckpoint({ ...good, note: signNote({ text: 'not\na checkpoint\n', name: ORIGIN, signer: logSigner }) })).rejects.toMatchObject({ code: 'ERR_CHECKPOINT_MALFORMED' });
    expect(sent).toBe(0);
  });
});

describe('a malicious witness answering submitCheckpoint', () => {
  const checkpoint = cp(honest, 12);
  const proof = (old: number): Uint8Array[] => honest.consistencyProof(old, 12);
  const key = parseCosignerKey(witnessVkey);

  /** A fetch answering each request in turn with `answers` (the last one repeated); counts requests. */
  function scripted(...answers: (() => Response)[]): { fetch: typeof fetch; calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      fetch: ((_url: string, init: { body: string }) => {
        calls.push(init.body);
        return Promise.resolve(answers[Math.min(calls.length, answers.length) - 1]!());
      }) as never,
    };
  }

  it('409 after 409 with ever other sizes: two requests, then ERR_WITNESS_REFUSED — never a loop', async () => {
    let n = 0;
    const { fetch, calls } = scripted(() => new Response(`${++n}\n`, { status: 409 }));
    await expect(submitCheckpoint({ url: 'http://w.test', witness: witnessVkey, note: checkpoint, proof, fetch })).rejects.toMatchObject({ code: 'ERR_WITNESS_REFUSED', details: { status: 409 } });
    expect(calls).toHaveLength(2);
  });

  it('a 409 that is not a size, names a size above the checkpoint or the size just sent is not retried', async () => {
    for (const body of ['13\n', '9007199254740993\n', '-1\n', '01\n', '1e1\n', ' 5\n', '5', '5\n6\n', '0\n', '\u0665\n']) {
      const { fetch, calls } = scripted(() => new Response(body, { status: 409 }));
      await expect(submitCheckpoint({ url: 'http://w.test', witness: witnessVkey, note: checkpoint, proof, fetch }), JSON.stringify(body)).rejects.toMatchObject({ code: 'ERR_WITNESS_REFUSED' });
      expect(calls, JSON.stringify(body)).toHaveLength(1);
    }
  });

  it('the proof function is only asked for sizes strictly between 0 and the checkpoint size', async () => {
    const asked: number[] = [];
    for (const body of ['0\n', '12\n', '7\n', '13\n']) {
      const { fetch } = scripted(() => new Response(body, { status: 409 }));
      await submitCheckpoint({ url: 'http://w.test', witness: witnessVkey, note: checkpoint, proof: (old) => (asked.push(old), proof(old)), oldSize: 3, fetch }).catch(() => undefined);
    }
    expect(asked).toEqual([3, 3, 3, 7, 3]);
  });

  // GAP: the answer was read whole with response.text(), so a witness streaming an endless 200
  // (or 409) body filled the log's memory until the timeout; a custom fetch that ignores the
  // signal kept it reading forever. Now at most 64 KiB are read, within the timeout.
  it('an endless answer is cut at 64 KiB (ERR_WITNESS_REFUSED), a stalled one at the timeout (ERR_WITNESS_UNREACHABLE)', async () => {
    let pulled = 0;
    const endless = (): Response =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled += 65_536;
            if (pulled > 64 * 2 ** 20) controller.close();
            else controller.enqueue(new Uint8Array(65_536).fill(0x41));
          },
        }),
        { status: 200 },
      );
    await expect(submitCheckpoint({ url: 'http://w.test', witness: witnessVkey, note: checkpoint, proof, fetch: scripted(endless).fetch })).rejects.toMatchObject({ code: 'ERR_WITNESS_REFUSED' });
    expect(pulled).toBeLessThan(2 ** 20);
    const stalled = (): Response => new Response(new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => undefined) }), { status: 200 });
    const started = Date.now();
    const outcome = await Promise.race([
      submitCheckpoint({ url: 'http://w.test', witness: witnessVkey, note: checkpoint, proof, fetch: scripted(stalled).fetch, timeoutMs: 200 }).catch((error: unknown) => error),
      sleep(5_000).then(() => 'hang'),
    ]);
    expect(outcome).toMatchObject({ code: 'ERR_WITNESS_UNREACHABLE' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  // GAP: every answer line beginning with the witness's name was kept, whatever its key ID. A
  // witness named like the log's origin (or any name an auditor knows) could add a line under the
  // log key's hash with a bad signature: submitCheckpoint returned it, and the stored anchor then
  // failed every verification with the log key. Now only lines by the witness's name and key ID
  // are kept (each must verify), once each.
  it('only cosignatures by the witness key are kept, once each; the returned note verifies with the log key', async () => {
    const store = new MemoryLedgerStore();
    const { trustRoot } = await writeSampleTranscript({ store, calls: 5, policy: { everyEntries: 4 }, origin: ORIGIN });
    const entries: string[] = [];
    for await (const entry of store.read()) entries.push(entry.line);
    const latest = (await store.latestCheckpoint())!;
    // The witness's name is the log's origin.
    const twin = createWitness({ name: ORIGIN, signer: witnessSigner, logs: [logVkey], state: new MemoryWitnessState(), now: () => at });
    const good = (await twin.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: latest.note }))).body;
    const injected = [good, good, fakeLine(ORIGIN, noteKeyHash(ORIGIN, logSigner.publicKey)), fakeLine(ORIGIN, 12345, 72), `${good.slice(0, -1)}\r\n`, fakeLine('witness.example/w2', 1, 72), '\u2014 ' + ORIGIN + ' !!!\n'].join('');
    const { fetch } = scripted(() => new Response(injected, { status: 200 }));
    const result = await submitCheckpoint({ url: 'http://w.test', witness: twin.vkey, note: latest.note, proof: () => [], fetch });
    expect(result.note).toBe(`${latest.note}${good}`);
    expect(openNote(result.note, [parseVerifierKey(logVkey)]).verified).toHaveLength(1);
    const report = await verifyTranscript({ entries, checkpoints: [latest.note], trustRoot, anchors: [result.note], witnesses: { keys: [twin.vkey] } });
    expect(report).toMatchObject({ valid: true, anchors: 1 });
  });

  it('a forged line by its key, a cosignature of another checkpoint, or none at all is refused', async () => {
    const w = witness();
    const cosignedOther = (await w.addCheckpoint(request(honest, 0, 9))).body;
    const good = (await w.addCheckpoint(request(honest, 9, 12))).body;
    const forged = fakeLine(NAME, key.keyHash, 72);
    for (const [body, code] of [[`${good}${forged}`, 'ERR_NOTE_UNVERIFIED'], [cosignedOther, 'ERR_NOTE_UNVERIFIED'], ['', 'ERR_NOTE_UNVERIFIED'], [fakeLine(NAME, key.keyHash, 10), 'ERR_NOTE_MALFORMED']] as const) {
      const { fetch } = scripted(() => new Response(body, { status: 200 }));
      await expect(submitCheckpoint({ url: 'http://w.test', witness: key, note: checkpoint, proof, oldSize: 9, fetch }), JSON.stringify(body)).rejects.toMatchObject({ code });
    }
  });

  it('any other status is ERR_WITNESS_REFUSED with it; a network failure is ERR_WITNESS_UNREACHABLE', async () => {
    for (const status of [201, 204, 301, 400, 403, 404, 413, 422, 500, 503]) {
      const { fetch } = scripted(() => new Response(status === 204 ? null : 'no\n', { status }));
      await expect(submitCheckpoint({ url: 'http://w.test', witness: witnessVkey, note: checkpoint, proof, fetch })).rejects.toMatchObject({ code: 'ERR_WITNESS_REFUSED', details: { status } });
    }
    const broken = (() => Promise.resolve({ status: 200 })) as never;
    await expect(submitCheckpoint({ url: 'http://w.test', witness: witnessVkey, note: checkpoint, proof, fetch: broken })).rejects.toMatchObject({ code: 'ERR_WITNESS_UNREACHABLE' });
  });
});
