/**
 * Adversarial review of anchors and witness cosignatures (ADR 0033). The attacker controls the
 * machine that wrote the transcript: it holds the ledger key, so it can write any entries and
 * sign any checkpoint of the log (cut short, rewritten, forked, with any `writ-time` and
 * extension lines), and it can put any signature lines on any note it hands over. It does not
 * hold a witness's key. The auditor holds anchors (signed checkpoints obtained elsewhere) and
 * a witness policy (keys and quorum).
 *
 * Each case is something the verifier (or the cosignature functions) must refuse. Cases marked
 * GAP were accepted before the fix they name; the rest were refused already and stay as
 * regression tests. One case is marked LIMITATION: a documented boundary (ADR 0033), pinned so
 * a change to it is deliberate.
 */
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import type { Signer } from '../crypto/signer.ts';
import { toBase64 } from '../crypto/encoding.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import type { EntryDraft } from '../stores/types.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import { parseCheckpoint, signCheckpoint } from './checkpoint.ts';
import { cosignCheckpoint, cosignerKeyHash, formatCosignerKey, parseCosignerKey, verifyCosignatures } from './cosignature.ts';
import type { CosignerKey } from './cosignature.ts';
import { Ledger } from './ledger.ts';
import { sampleKeys, writeSampleTranscript } from './sample-transcript.ts';
import { parseNote } from './signed-note.ts';
import { verifyTranscript } from './verify-transcript.ts';
import type { TranscriptReport, VerifyTranscriptOptions } from './verify-transcript.ts';

const ORIGIN = 'writ.test/sample';
const ledgerKey = sampleKeys().ledger;

interface Transcript {
  readonly trustRoot: TrustRoot;
  readonly lines: string[];
  /** Checkpoint notes by size, in size order. */
  readonly notes: Map<number, string>;
}

async function read(store: MemoryLedgerStore): Promise<{ lines: string[]; notes: Map<number, string> }> {
  const lines: string[] = [];
  for await (const entry of store.read()) lines.push(entry.line);
  const notes = new Map<number, string>();
  for await (const checkpoint of store.checkpoints()) notes.set(checkpoint.size, checkpoint.note);
  return { lines, notes };
}

async function transcript(options: { calls: number; origin?: string; sessionId?: string } = { calls: 6 }): Promise<Transcript> {
  const store = new MemoryLedgerStore();
  const { trustRoot } = await writeSampleTranscript({
    store,
    calls: options.calls,
    policy: { everyEntries: 4 },
    ...(options.origin !== undefined && { origin: options.origin }),
    ...(options.sessionId !== undefined && { sessionId: options.sessionId }),
  });
  return { trustRoot, ...(await read(store)) };
}

/**
 * What the writer can produce with the ledger key: the first `keep` entries of `t` (byte for
 * byte: same drafts, same chain), then `extra` notes of its own, checkpointed every 4 entries
 * and at the end.
 */
async function fork(t: Transcript, keep: number, extra: number, label = 'forked'): Promise<{ lines: string[]; notes: Map<number, string> }> {
  const store = new MemoryLedgerStore();
  const drafts = t.lines.slice(0, keep).map((line) => {
    const { type, time, body } = JSON.parse(line) as EntryDraft;
    return { type, time, body };
  });
  const last = drafts.at(-1)!.time;
  const ledger = await Ledger.open({ store, origin: ORIGIN, signer: ledgerKey, policy: { everyEntries: 4 }, now: () => new Date(Date.parse(last) + 60_000) });
  for (const draft of drafts) await ledger.append([draft]);
  for (let i = 0; i < extra; i++) {
    await ledger.append([{ type: 'note', time: new Date(Date.parse(last) + 1000 * (i + 1)).toISOString(), body: { text: `${label} ${i}` } }]);
  }
  await ledger.checkpoint();
  const out = await read(store);
  await ledger.close();
  return out;
}

function verify(t: Transcript, parts: { lines: string[]; notes: Map<number, string> | string[] }, extra: Partial<VerifyTranscriptOptions> = {}): Promise<TranscriptReport> {
  const notes = Array.isArray(parts.notes) ? parts.notes : [...parts.notes.values()];
  return verifyTranscript({ entries: parts.lines, checkpoints: notes, trustRoot: t.trustRoot, ...extra });
}

const latest = (notes: Map<number, string>): [number, string] => [...notes].at(-1)!;
const below = (notes: Map<number, string>, size: number): string[] => [...notes].filter(([n]) => n <= size).map(([, note]) => note);

const w1 = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(101)));
const w2 = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(102)));
const w3 = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(103)));
const W1 = 'witness.example/w1';
const W2 = 'witness.example/w2';
const W3 = 'witness.example/w3';
const keys = [formatCosignerKey(W1, w1.publicKey), formatCosignerKey(W2, w2.publicKey), formatCosignerKey(W3, w3.publicKey)];
const at = new Date('2026-01-01T02:00:00Z');

/** The cosignature lines `cosignCheckpoint` appended to `note`. */
function cosignatureLines(cosigned: string, note: string): string {
  return cosigned.slice(note.length);
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code ?? `raw ${(error as Error).name}`;
  }
  return undefined;
}

describe('anchors: a truncated, rewritten or forked transcript does not extend what the auditor holds', () => {
  it('a fork sharing a prefix, re-checkpointed with the ledger key, verifies alone and fails at the anchored size', async () => {
    const t = await transcript();
    const [size, anchor] = latest(t.notes);
    const forked = await fork(t, size - 3, 8);
    expect(forked.lines.slice(0, size - 3)).toEqual(t.lines.slice(0, size - 3));
    expect(forked.lines.length).toBeGreaterThan(size);
    expect((await verify(t, forked)).valid).toBe(true);
    const report = await verify(t, forked, { anchors: [anchor] });
    expect(report.failure).toMatchObject({ check: 'checkpoint-anchor', code: 'ERR_TRANSCRIPT_ANCHOR', checkpointSize: size, seq: size - 1 });
  });

  it('a fork that branches before the anchor and stops short of it fails too', async () => {
    const t = await transcript();
    const [size, anchor] = latest(t.notes);
    const forked = await fork(t, 5, 2);
    expect(forked.lines.length).toBeLessThan(size);
    expect((await verify(t, forked)).valid).toBe(true);
    expect((await verify(t, forked, { anchors: [anchor] })).failure).toMatchObject({ check: 'checkpoint-anchor', code: 'ERR_TRANSCRIPT_ANCHOR' });
  });

  it('allowUnsignedTail does not excuse a transcript cut below an anchor, with or without its checkpoints', async () => {
    const t = await transcript();
    const [size, anchor] = latest(t.notes);
    const lines = t.lines.slice(0, size - 2);
    for (const notes of [below(t.notes, size - 2), []]) {
      expect((await verify(t, { lines, notes }, { allowUnsignedTail: true })).valid).toBe(true);
      const report = await verify(t, { lines, notes }, { allowUnsignedTail: true, anchors: [anchor] });
      expect(report.failure).toMatchObject({ check: 'checkpoint-anchor', checkpointSize: size });
    }
  });

  it('an anchor that is not signed by a ledger key of the trust root is refused (a witness key, the writer signing another name)', async () => {
    const t = await transcript();
    const [size, anchor] = latest(t.notes);
    const body = parseNote(anchor).text;
    const byWitness = signCheckpoint({ ...parseCheckpoint(body), time: parseCheckpoint(body).time!, origin: ORIGIN, signer: w1 });
    expect((await verify(t, t, { anchors: [byWitness] })).failure).toMatchObject({ check: 'checkpoint-anchor', code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE' });
    // A note whose only signature line names something other than the origin has no known signer.
    const renamed = anchor.replace(`\u2014 ${ORIGIN} `, '\u2014 writ.test/elsewhere ');
    expect((await verify(t, t, { anchors: [renamed] })).failure).toMatchObject({ check: 'checkpoint-anchor', checkpointSize: size });
  });

  it('an anchor of another log (same ledger key) is refused, with or without a pinned origin', async () => {
    const t = await transcript();
    const other = await transcript({ calls: 6, origin: 'writ.test/other' });
    const foreign = latest(other.notes)[1];
    for (const extra of [{}, { origin: ORIGIN }]) {
      const report = await verify(t, t, { ...extra, anchors: [foreign] });
      expect(report.failure).toMatchObject({ check: 'checkpoint-anchor', code: 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT' });
    }
    // The transcript's own notes under the other log's name: the pinned origin refuses them.
    expect((await verify(other, other, { origin: ORIGIN })).failure?.check).toBe('checkpoint-consistency');
  });

  it('an anchor at the right size and root but signed before the entries it covers is refused', async () => {
    const t = await transcript();
    const [size, anchor] = latest(t.notes);
    const { root } = parseCheckpoint(parseNote(anchor).text);
    const early = signCheckpoint({ origin: ORIGIN, size, root, time: '2025-12-31T00:00:00Z', signer: ledgerKey });
    const report = await verify(t, t, { anchors: [early] });
    expect(report.failure).toMatchObject({ check: 'checkpoint-anchor', message: 'anchored checkpoint signed before the entries it covers' });
  });
});

describe('witnesses: cosignatures cannot be moved to a tree the witnesses did not see', () => {
  it('real cosignatures transplanted onto a fork checkpointed at the witnessed size are refused', async () => {
    const t = await transcript();
    const [size, note] = latest(t.notes);
    const cosigned = cosignCheckpoint({ note: cosignCheckpoint({ note, name: W1, signer: w1, time: at }), name: W2, signer: w2, time: at });
    const lines = cosignatureLines(cosigned, note);
    const forked = await fork(t, size - 3, 3);
    const [forkSize, forkNote] = latest(forked.notes);
    expect(forkSize).toBe(size);
    const notes = [...below(forked.notes, size - 1), `${forkNote}${lines}`];
    const report = await verify(t, { lines: forked.lines, notes }, { witnesses: { keys, quorum: 2 } });
    expect(report.failure).toMatchObject({ check: 'checkpoint-witness', code: 'ERR_TRANSCRIPT_WITNESS', cause: 'ERR_NOTE_UNVERIFIED', checkpointSize: size });
  });

  it('the same tree re-signed with another writ-time (extension lines are signed) does not carry the old cosignature', async () => {
    const t = await transcript();
    const [size, note] = latest(t.notes);
    const cosigned = cosignCheckpoint({ note, name: W1, signer: w1, time: at });
    const { root } = parseCheckpoint(parseNote(note).text);
    const resigned = signCheckpoint({ origin: ORIGIN, size, root, time: '2026-01-01T03:00:00Z', signer: ledgerKey });
    expect(parseNote(resigned).text).not.toBe(parseNote(note).text);
    const notes = [...below(t.notes, size - 1), `${resigned}${cosignatureLines(cosigned, note)}`];
    const report = await verify(t, { lines: t.lines, notes }, { witnesses: { keys, quorum: 1 } });
    expect(report.failure).toMatchObject({ check: 'checkpoint-witness', cause: 'ERR_NOTE_UNVERIFIED' });
  });

  it('cosignatures of another log\'s checkpoint of the same size are refused', async () => {
    const t = await transcript();
    const other = await transcript({ calls: 6, origin: 'writ.test/other' });
    const [size, otherNote] = latest(other.notes);
    const [ownSize, note] = latest(t.notes);
    expect(ownSize).toBe(size);
    const lines = cosignatureLines(cosignCheckpoint({ note: otherNote, name: W1, signer: w1, time: at }), otherNote);
    const notes = [...below(t.notes, size - 1), `${note}${lines}`];
    expect((await verify(t, { lines: t.lines, notes }, { witnesses: { keys, quorum: 1 } })).failure).toMatchObject({ check: 'checkpoint-witness', cause: 'ERR_NOTE_UNVERIFIED' });
    // Handed over as an anchor instead, the other log's cosigned note is not this log's.
    const cosignedOther = cosignCheckpoint({ note: otherNote, name: W1, signer: w1, time: at });
    expect((await verify(t, t, { anchors: [cosignedOther], witnesses: { keys, quorum: 1 } })).failure?.check).toBe('checkpoint-anchor');
  });

  it('cosignatures on an older checkpoint do not witness the latest, wherever they are', async () => {
    const t = await transcript();
    const [first, firstNote] = [...t.notes][0]!;
    const old = cosignCheckpoint({ note: cosignCheckpoint({ note: firstNote, name: W1, signer: w1, time: at }), name: W2, signer: w2, time: at });
    const notes = [old, ...[...t.notes].filter(([n]) => n !== first).map(([, n]) => n)];
    for (const extra of [{ anchors: [old] }, {}]) {
      const report = await verify(t, { lines: t.lines, notes }, { ...extra, witnesses: { keys, quorum: 1 } });
      expect(report.failure).toMatchObject({ check: 'checkpoint-witness', message: 'latest checkpoint has 0 of the 1 witness cosignatures required' });
    }
  });

  it('LIMITATION: cut back to an older checkpoint that a quorum cosigned then, the transcript verifies with witnesses alone; the old cosignature time is reported, and a freshness bound (since) or the later cosigned note held as an anchor refuses it', async () => {
    const t = await transcript();
    const sizes = [...t.notes.keys()];
    const kept = sizes.at(-2)!;
    const then = cosignCheckpoint({ note: t.notes.get(kept)!, name: W1, signer: w1, time: at });
    const later = cosignCheckpoint({ note: latest(t.notes)[1], name: W1, signer: w1, time: new Date(at.getTime() + 3_600_000) });
    const notes = [...below(t.notes, kept - 1), then];
    const short = { lines: t.lines.slice(0, kept), notes };
    const alone = await verify(t, short, { witnesses: { keys, quorum: 1 } });
    expect(alone).toMatchObject({ valid: true, witnessed: { size: kept, cosigners: [{ name: W1, time: at.toISOString() }] } });
    const anchored = await verify(t, short, { anchors: [later], witnesses: { keys, quorum: 1 } });
    expect(anchored.failure).toMatchObject({ check: 'checkpoint-anchor', message: 'the transcript ends before an anchored checkpoint (entries removed)' });
    // The witness cosigned the later checkpoint since, and will not cosign the older one again:
    // a bound after `then` leaves the cut-back transcript without a fresh cosignature.
    const bounded = await verify(t, short, { witnesses: { keys, quorum: 1, since: new Date(at.getTime() + 1000).toISOString() } });
    expect(bounded.failure).toMatchObject({ check: 'checkpoint-witness', code: 'ERR_TRANSCRIPT_WITNESS', checkpointSize: kept });
  });
});

describe('witnesses: the quorum counts distinct witnesses, not lines or names', () => {
  it('one witness cosigning many times, on one note and on every note of the size, counts once', async () => {
    const t = await transcript();
    const [size, note] = latest(t.notes);
    let cosigned = note;
    for (let i = 0; i < 5; i++) cosigned = cosignCheckpoint({ note: cosigned, name: W1, signer: w1, time: new Date(at.getTime() + i * 1000) });
    const resigned = signCheckpoint({ ...parseCheckpoint(parseNote(note).text), time: '2026-01-01T03:00:00Z', origin: ORIGIN, signer: ledgerKey });
    const second = cosignCheckpoint({ note: resigned, name: W1, signer: w1, time: at });
    const notes = [...below(t.notes, size - 1), cosigned, second];
    const report = await verify(t, { lines: t.lines, notes }, { anchors: [cosigned, second], witnesses: { keys, quorum: 2 } });
    expect(report.failure).toMatchObject({ check: 'checkpoint-witness', message: 'latest checkpoint has 1 of the 2 witness cosignatures required' });
    const one = await verify(t, { lines: t.lines, notes }, { anchors: [cosigned], witnesses: { keys, quorum: 1 } });
    expect(one.witnessed?.cosigners).toEqual([{ name: W1, time: new Date(at.getTime() + 4000).toISOString() }]);
  });

  // GAP: accepted before — quorum 2 met by one real cosignature and its relabelled copy; assertCosignerKeys now refuses one key under two names.
  it('GAP: one key listed under two names is refused — the message does not commit to the name, so one cosignature relabelled would count twice', async () => {
    const t = await transcript();
    const [, note] = latest(t.notes);
    const alias = 'witness.example/w1-alias';
    const cosigned = cosignCheckpoint({ note, name: W1, signer: w1, time: at });
    // The writer relabels the line: same timestamp and signature, the alias's name and key ID.
    const blob = Buffer.from(cosignatureLines(cosigned, note).trim().split(' ')[2]!, 'base64');
    blob.writeUInt32BE(cosignerKeyHash(alias, w1.publicKey), 0);
    const relabelled = `${cosigned}\u2014 ${alias} ${blob.toString('base64')}\n`;
    // The relabelled line verifies as the alias's cosignature: nothing in it says which name signed.
    expect(verifyCosignatures(relabelled, [parseCosignerKey(formatCosignerKey(alias, w1.publicKey))])).toHaveLength(1);
    const policy = { keys: [keys[0]!, formatCosignerKey(alias, w1.publicKey)], quorum: 2 };
    await expect(verify(t, t, { anchors: [relabelled], witnesses: policy })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'options.witnesses.keys' } });
    expect(code(() => verifyCosignatures(relabelled, policy.keys.map((k) => parseCosignerKey(k))))).toBe('ERR_INVALID_ARGUMENT');
  });

  // GAP: accepted before — both keys counted; one name twice is refused now.
  it('GAP: one witness name listed with two keys is refused — one party holding both keys would count twice', async () => {
    const t = await transcript();
    const [, note] = latest(t.notes);
    // W1 (old key) and W1 (new key): the same witness, cosigning once with each.
    const both = cosignCheckpoint({ note: cosignCheckpoint({ note, name: W1, signer: w1, time: at }), name: W1, signer: w2, time: at });
    const policy = { keys: [keys[0]!, formatCosignerKey(W1, w2.publicKey)], quorum: 2 };
    await expect(verify(t, t, { anchors: [both], witnesses: policy })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'options.witnesses.keys' } });
  });

  // GAP: accepted before — the rewritten transcript verified with the writer's self-cosignature; checkWitnesses now refuses trust-root keys.
  it('GAP: a witness key that is a key of the trust root (the writer\'s ledger key) is refused — the writer would cosign its own rewrite', async () => {
    const t = await transcript();
    const rewritten = await transcript({ calls: 6, sessionId: 'session-rewritten' });
    const [, note] = latest(rewritten.notes);
    const self = 'writ.test/self-witness';
    const selfCosigned = cosignCheckpoint({ note, name: self, signer: ledgerKey, time: at });
    const notes = [...below(rewritten.notes, latest(rewritten.notes)[0] - 1), selfCosigned];
    const policy = { keys: [keys[0]!, formatCosignerKey(self, ledgerKey.publicKey)], quorum: 1 };
    await expect(verify(t, { lines: rewritten.lines, notes }, { witnesses: policy })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'options.witnesses.keys[1]' } });
  });

  it('a witness named like the log origin counts once; the log\'s own signature line is not a cosignature', async () => {
    const t = await transcript();
    const [size, note] = latest(t.notes);
    const named = formatCosignerKey(ORIGIN, w3.publicKey);
    // The ledger's line (name = origin) alone is not a cosignature by the origin-named witness.
    const none = await verify(t, t, { witnesses: { keys: [named] } });
    expect(none.failure).toMatchObject({ check: 'checkpoint-witness', message: 'latest checkpoint has 0 of the 1 witness cosignatures required' });
    const cosigned = cosignCheckpoint({ note, name: ORIGIN, signer: w3, time: at });
    const notes = [...below(t.notes, size - 1), cosigned];
    // The checkpoint still verifies (the witness line is not the ledger's) and counts once.
    const report = await verify(t, { lines: t.lines, notes }, { witnesses: { keys: [keys[0]!, named], quorum: 1 } });
    expect(report).toMatchObject({ valid: true, checkpoints: t.notes.size, witnessed: { size, cosigners: [{ name: ORIGIN }] } });
    const two = await verify(t, { lines: t.lines, notes }, { witnesses: { keys: [keys[0]!, named], quorum: 2 } });
    expect(two.failure?.message).toBe('latest checkpoint has 1 of the 2 witness cosignatures required');
  });

  it('lines under a listed name with another key ID, or a listed key ID under another name, are ignored (signed-note rule)', async () => {
    const t = await transcript();
    const [size, note] = latest(t.notes);
    const real = cosignatureLines(cosignCheckpoint({ note, name: W1, signer: w1, time: at }), note).trim().split(' ')[2]!;
    const otherId = Buffer.from(real, 'base64');
    otherId.writeUInt32BE((otherId.readUInt32BE(0) + 1) >>> 0, 0);
    const notes = [...below(t.notes, size - 1), `${note}\u2014 ${W1} ${otherId.toString('base64')}\n\u2014 ${W2} ${real}\n`];
    const report = await verify(t, { lines: t.lines, notes }, { witnesses: { keys, quorum: 1 } });
    expect(report.failure?.message).toBe('latest checkpoint has 0 of the 1 witness cosignatures required');
  });
});

describe('cosignature lines: spec bounds (c2sp.org/tlog-cosignature)', () => {
  const seed = new Uint8Array(32).fill(101);
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed)]);
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  // A cosignature with any u64 timestamp, made here with node:crypto (cosignCheckpoint takes a Date).
  const line = (note: string, timestamp: bigint, name = W1): string => {
    const body = parseNote(note).text;
    const blob = Buffer.alloc(76);
    blob.writeUInt32BE(cosignerKeyHash(name, w1.publicKey), 0);
    blob.writeBigUInt64BE(timestamp, 4);
    nodeSign(null, Buffer.from(`cosignature/v1\ntime ${timestamp.toString()}\n${body}`), privateKey).copy(blob, 12);
    return `\u2014 ${name} ${blob.toString('base64')}\n`;
  };

  it('accepts timestamps 0 and 2^63 - 1; refuses 2^63 and 2^64 - 1 even when validly signed', async () => {
    const t = await transcript();
    const [, note] = latest(t.notes);
    const key = [parseCosignerKey(keys[0]!)];
    expect(verifyCosignatures(`${note}${line(note, 0n)}`, key)).toEqual([{ key: key[0], timestamp: 0 }]);
    expect(verifyCosignatures(`${note}${line(note, (1n << 63n) - 1n)}`, key)).toHaveLength(1);
    for (const timestamp of [1n << 63n, (1n << 64n) - 1n]) {
      expect(code(() => verifyCosignatures(`${note}${line(note, timestamp)}`, key))).toBe('ERR_NOTE_MALFORMED');
    }
  });

  it('refuses a listed witness\'s line of the wrong length (no 76-byte key ID, timestamp and signature)', async () => {
    const t = await transcript();
    const [, note] = latest(t.notes);
    const blob = Buffer.from(line(note, 5n).trim().split(' ')[2]!, 'base64');
    for (const bad of [blob.subarray(0, 12), blob.subarray(0, 68), Buffer.concat([blob, Buffer.alloc(1)]), Buffer.concat([blob.subarray(0, 4), blob.subarray(12)])]) {
      expect(code(() => verifyCosignatures(`${note}\u2014 ${W1} ${bad.toString('base64')}\n`, [parseCosignerKey(keys[0]!)]))).toBe('ERR_NOTE_MALFORMED');
    }
  });
});

describe('malformed input to the new public functions: WritError, never a raw TypeError or RangeError', () => {
  const note = (): string => signCheckpoint({ origin: ORIGIN, size: 1, root: new Uint8Array(32), time: '2026-01-01T00:00:00Z', signer: ledgerKey });
  const parsed = (): CosignerKey => parseCosignerKey(keys[0]!);

  // GAP: a sparse list escaped as a raw TypeError; inconsistent key objects were used as given.
  it('GAP: verifyCosignatures refuses sparse key lists and key objects that are not parsed witness keys', () => {
    const cosigned = cosignCheckpoint({ note: note(), name: W1, signer: w1, time: at });
    const sparse = [, parsed()] as unknown as CosignerKey[];
    const bad: unknown[] = [
      sparse,
      [{ ...parsed(), publicKey: new Uint8Array(5) }],
      [{ ...parsed(), keyHash: parsed().keyHash ^ 1 }],
      [{ ...parsed(), name: 'has space' }],
      [{ ...parsed(), keyHash: 2 ** 40 }],
    ];
    for (const list of bad) expect(code(() => verifyCosignatures(cosigned, list as CosignerKey[]))).toBe('ERR_INVALID_ARGUMENT');
  });

  // GAP: sparse lists became report failures or were accepted; a null quorum meant "all".
  it('GAP: verifyTranscript refuses sparse anchors, sparse witness keys, inconsistent key objects and a null quorum as ERR_INVALID_ARGUMENT', async () => {
    const t = await transcript({ calls: 1 });
    const base = { entries: t.lines, checkpoints: [...t.notes.values()], trustRoot: t.trustRoot };
    const sparseAnchors = [, latest(t.notes)[1]] as unknown as string[];
    const sparseKeys = [, keys[0]] as unknown as string[];
    const bad: Partial<VerifyTranscriptOptions>[] = [
      { anchors: sparseAnchors },
      { witnesses: { keys: sparseKeys, quorum: 1 } },
      { witnesses: { keys: [{ ...parsed(), keyHash: parsed().keyHash ^ 1 }] } },
      { witnesses: { keys: [{ ...parsed(), publicKey: new Uint8Array(33) }] } },
      { witnesses: { keys: [{ ...parsed(), name: '' }] } },
      { witnesses: { keys, quorum: null as never } },
    ];
    for (const extra of bad) {
      await expect(verifyTranscript({ ...base, ...extra }), JSON.stringify(extra)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
  });

  // GAP: an over-long name raised ERR_INVALID_ARGUMENT (from cosignerKeyHash); control characters were accepted.
  it('GAP: parseCosignerKey reports an over-long or control-character name as ERR_NOTE_MALFORMED, as documented', () => {
    const b64 = toBase64(Uint8Array.of(4, ...w1.publicKey));
    for (const name of ['n'.repeat(1500), 'bell\u0007name', 'nel\u0085name']) {
      expect(code(() => parseCosignerKey(`${name}+00000000+${b64}`)), name.slice(0, 8)).toBe('ERR_NOTE_MALFORMED');
    }
  });

  // GAP: a 65-byte signature escaped as a raw RangeError; a 101st line produced a note nothing parses.
  it('GAP: cosignCheckpoint refuses a signer returning a signature that is not 64 bytes, a control character in the name, and a note the result would not parse as', () => {
    for (const signature of [new Uint8Array(65), new Uint8Array(10), 'sig', undefined]) {
      const signer = { ...w1, publicKey: w1.publicKey, sign: () => signature } as unknown as Signer;
      expect(code(() => cosignCheckpoint({ note: note(), name: W1, signer, time: at }))).toBe('ERR_INVALID_ARGUMENT');
    }
    expect(code(() => cosignCheckpoint({ note: note(), name: 'w\u0007', signer: w1, time: at }))).toBe('ERR_INVALID_ARGUMENT');
    let full = note();
    while (parseNote(full).signatures.length < 100) full = cosignCheckpoint({ note: full, name: W2, signer: w2, time: at });
    expect(code(() => cosignCheckpoint({ note: full, name: W1, signer: w1, time: at }))).toBe('ERR_NOTE_MALFORMED');
  });

  it('property: arbitrary witness keys, notes and key lists raise WritError or return', () => {
    const good = cosignCheckpoint({ note: note(), name: W1, signer: w1, time: at });
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 0, max: good.length }), fc.string({ maxLength: 20 }), (vkey, cut, insert) => {
        for (const fn of [
          () => parseCosignerKey(vkey),
          () => parseCosignerKey(`${vkey}+${keys[0]!}`),
          () => verifyCosignatures(`${good.slice(0, cut)}${insert}${good.slice(cut)}`, [parsed()]),
          () => verifyCosignatures(good, [{ name: vkey, keyHash: cut, publicKey: w1.publicKey }]),
        ]) {
          const result = code(fn);
          expect(result === undefined || !result.startsWith('raw ')).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('property: verifyTranscript returns a report (never throws) for mutated anchors and cosigned notes', async () => {
    const t = await transcript({ calls: 2 });
    const [, last] = latest(t.notes);
    const cosigned = cosignCheckpoint({ note: last, name: W1, signer: w1, time: at });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: cosigned.length }), fc.string({ maxLength: 8 }), fc.boolean(), async (cut, insert, asAnchor) => {
        const mutated = `${cosigned.slice(0, cut)}${insert}${cosigned.slice(cut)}`;
        const notes = asAnchor ? [...t.notes.values()] : [...below(t.notes, latest(t.notes)[0] - 1), mutated];
        const report = await verify(t, { lines: t.lines, notes }, { ...(asAnchor && { anchors: [mutated] }), witnesses: { keys: [keys[0]!] } });
        expect(typeof report.valid).toBe('boolean');
      }),
      { numRuns: 150 },
    );
  });
});
