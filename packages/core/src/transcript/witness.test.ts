import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { toBase64 } from '../crypto/encoding.ts';
import { FileWitnessState } from '../stores/file-witness-state.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import { parseCheckpoint } from './checkpoint.ts';
import { parseCosignerKey, verifyCosignatures } from './cosignature.ts';
import { MerkleTree } from './merkle-tree.ts';
import { leafHash } from './merkle.ts';
import { sampleKeys, writeSampleTranscript } from './sample-transcript.ts';
import { formatVerifierKey, parseNote, signNote } from './signed-note.ts';
import { verifyTranscript } from './verify-transcript.ts';
import { MemoryWitnessState, createWitness, formatAddCheckpoint, submitCheckpoint } from './witness.ts';

const ORIGIN = 'writ.test/sample';
const witnessSigner = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(61)));
const logVkey = formatVerifierKey(ORIGIN, sampleKeys().ledger.publicKey);
const at = new Date('2026-03-01T00:00:00Z');

interface Log {
  readonly lines: string[];
  readonly notes: { size: number; note: string }[];
  readonly tree: MerkleTree;
  readonly trustRoot: Awaited<ReturnType<typeof writeSampleTranscript>>['trustRoot'];
}

async function log(sessionId = 'session-1', calls = 5): Promise<Log> {
  const store = new MemoryLedgerStore();
  const { trustRoot } = await writeSampleTranscript({ store, calls, policy: { everyEntries: 4 }, sessionId });
  const lines: string[] = [];
  const tree = new MerkleTree();
  for await (const entry of store.read()) {
    lines.push(entry.line);
    tree.push(leafHash(entry.line));
  }
  const notes: { size: number; note: string }[] = [];
  for await (const checkpoint of store.checkpoints()) notes.push({ size: checkpoint.size, note: checkpoint.note });
  return { lines, notes, tree, trustRoot };
}

function witness(state = new MemoryWitnessState()) {
  return createWitness({ name: 'witness.example/w1', signer: witnessSigner, logs: [logVkey], state, now: () => at });
}

function body(l: Log, oldSize: number, size: number): string {
  const note = l.notes.find((n) => n.size === size)!.note;
  return formatAddCheckpoint({ oldSize, proof: oldSize === 0 || oldSize === size ? [] : l.tree.consistencyProof(oldSize, size), note });
}

describe('createWitness: add-checkpoint', () => {
  let l: Log;
  beforeAll(async () => {
    l = await log();
  });

  it('cosigns a first checkpoint from size 0, then each consistent successor; the answer is a cosignature line by its key', async () => {
    const w = witness();
    const [a, b, c] = l.notes.map((n) => n.size) as [number, number, number];
    const first = await w.addCheckpoint(body(l, 0, a));
    expect(first.status).toBe(200);
    expect(first.body).toMatch(/^\u2014 witness\.example\/w1 \S+\n$/u);
    const note = l.notes[0]!.note;
    expect(verifyCosignatures(`${note}${first.body}`, [parseCosignerKey(w.vkey)])).toEqual([{ key: parseCosignerKey(w.vkey), timestamp: at.getTime() / 1000 }]);
    expect((await w.addCheckpoint(body(l, a, c))).status).toBe(200);
    // Resubmitting what it holds is answered (same root, empty proof).
    expect((await w.addCheckpoint(body(l, c, c))).status).toBe(200);
    expect(b).toBeGreaterThan(a);
  });

  it('answers a repeat of the held tree with a fresh cosignature without writing its state', async () => {
    const memory = new MemoryWitnessState();
    let writes = 0;
    const counting = { latest: (origin: string) => memory.latest(origin), replace: (origin: string, expected: string | undefined, next: string) => (writes++, memory.replace(origin, expected, next)) };
    const w = witness(counting as never);
    const [a] = l.notes.map((n) => n.size) as [number];
    expect((await w.addCheckpoint(body(l, 0, a))).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await w.addCheckpoint(body(l, a, a))).status).toBe(200);
    expect(writes).toBe(1);
  });

  it('409 with its size when the old size is not what it holds (text/x.tlog.size), so a log can learn it', async () => {
    const w = witness();
    const [a, b] = l.notes.map((n) => n.size) as [number, number];
    await w.addCheckpoint(body(l, 0, a));
    const stale = await w.addCheckpoint(body(l, 0, b));
    expect(stale).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: `${a}\n` });
  });

  it('never rolls back: a smaller checkpoint after a larger one is refused (old size above its size, or 409)', async () => {
    const w = witness();
    const [a, b] = l.notes.map((n) => n.size) as [number, number];
    await w.addCheckpoint(body(l, 0, a));
    await w.addCheckpoint(body(l, a, b));
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: b, proof: [], note: l.notes[0]!.note }))).status).toBe(400);
    expect((await w.addCheckpoint(body(l, a, a))).status).toBe(409);
  });

  it('refuses a fork: another history signed with the same ledger key (422 for its proof, 409 at the same size)', async () => {
    const fork = await log('session-forked');
    const w = witness();
    const [a, b] = l.notes.map((n) => n.size) as [number, number];
    await w.addCheckpoint(body(l, 0, a));
    // The fork's own proof from a to b is against its own root at a, not the one the witness holds.
    expect((await w.addCheckpoint(body(fork, a, b))).status).toBe(422);
    // A proof from the honest tree does not fit the fork's root at b either.
    const mixed = formatAddCheckpoint({ oldSize: a, proof: l.tree.consistencyProof(a, b), note: fork.notes.find((n) => n.size === b)!.note });
    expect((await w.addCheckpoint(mixed)).status).toBe(422);
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: a, proof: [], note: fork.notes.find((n) => n.size === a)!.note }))).status).toBe(409);
  });

  it('404 for an unknown origin, 403 without a valid signature by the log key', async () => {
    const w = witness();
    const other = await (async () => {
      const store = new MemoryLedgerStore();
      await writeSampleTranscript({ store, calls: 1, origin: 'writ.test/other' });
      return (await store.latestCheckpoint())!.note;
    })();
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: other }))).status).toBe(404);
    const text = parseNote(l.notes[0]!.note).text;
    const impostor = signNote({ text, name: ORIGIN, signer: createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(9))) });
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: impostor }))).status).toBe(403);
    const tampered = l.notes[0]!.note.replace(/\n(\d+)\n/u, (_, n: string) => `\n${Number(n) + 1}\n`);
    expect((await w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: tampered }))).status).toBe(403);
  });

  it('400 for malformed requests; 422 for a proof from size 0 or a wrong proof', async () => {
    const w = witness();
    const note = l.notes[0]!.note;
    const hash = toBase64(new Uint8Array(32));
    const bad = [
      undefined,
      42,
      '',
      'old 0',
      `old -1\n\n${note}`,
      `old 01\n\n${note}`,
      `old 0\n${note}`,
      `old 0\nnot base64!\n\n${note}`,
      `old 0\n${toBase64(new Uint8Array(31))}\n\n${note}`,
      `old 0\n${hash.replace('=', '')}\n\n${note}`,
      `old 0\n${`${hash}\n`.repeat(64)}\n${note}`,
      `old 0\n\nnot a checkpoint\n`,
      `old 0\n\n${'x'.repeat(1 << 20)}`,
    ];
    for (const request of bad) expect((await w.addCheckpoint(request)).status, String(request).slice(0, 40)).toBe(400);
    expect((await w.addCheckpoint(`old 0\n${hash}\n\n${note}`)).status).toBe(422);
    const [a, b] = l.notes.map((n) => n.size) as [number, number];
    await w.addCheckpoint(body(l, 0, a));
    const wrong = formatAddCheckpoint({ oldSize: a, proof: l.tree.consistencyProof(a, b).reverse(), note: l.notes[1]!.note });
    expect((await w.addCheckpoint(wrong)).status).toBe(422);
  });

  it('two concurrent requests from the same size: one is cosigned, the other told the new size (the spec rollback race)', async () => {
    const w = witness();
    const [a, b, c] = l.notes.map((n) => n.size) as [number, number, number];
    await w.addCheckpoint(body(l, 0, a));
    const [toB, toC] = await Promise.all([w.addCheckpoint(body(l, a, b)), w.addCheckpoint(body(l, a, c))]);
    expect(toB.status).toBe(200);
    expect(toC).toEqual({ status: 409, contentType: 'text/x.tlog.size', body: `${b}\n` });
  });

  it('refuses bad options', () => {
    const good = { name: 'witness.example/w1', signer: witnessSigner, logs: [logVkey], state: new MemoryWitnessState() };
    for (const change of [{ name: 'a b' }, { signer: {} }, { signer: sampleKeys().ledger }, { logs: [] }, { logs: ['junk'] }, { logs: [{}] }, { state: {} }, { now: 5 }]) {
      expect(() => createWitness({ ...good, ...change } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }) as Error);
    }
    expect(() => formatAddCheckpoint({ oldSize: -1, proof: [], note: 'x' })).toThrow(/oldSize/u);
    expect(() => formatAddCheckpoint({ oldSize: 1, proof: [new Uint8Array(3)], note: 'x' })).toThrow(/proof/u);
  });
});

describe('submitCheckpoint', () => {
  it('learns the witness size from its 409, proves consistency from there, and returns a note the auditor verifies with anchors and witnesses', async () => {
    const l = await log();
    const w = witness();
    const fetch = (async (_url: string, init: { body: string }) => {
      const answer = await w.addCheckpoint(init.body);
      return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.contentType } });
    }) as unknown as typeof globalThis.fetch;
    const proof = (old: number) => l.tree.consistencyProof(old, l.tree.size);
    const firstNote = l.notes[0]!.note;
    const first = await submitCheckpoint({ url: 'http://witness.test', witness: w.vkey, note: firstNote, proof, fetch });
    expect(first.oldSize).toBe(0);
    const latest = l.notes.at(-1)!;
    const done = await submitCheckpoint({ url: 'http://witness.test/', witness: w.vkey, note: latest.note, proof: (old) => l.tree.consistencyProof(old, latest.size), fetch });
    expect(done.oldSize).toBe(l.notes[0]!.size);
    expect(done.timestamp).toBe(at.getTime() / 1000);
    const report = await verifyTranscript({ entries: l.lines, checkpoints: l.notes.map((n) => n.note), trustRoot: l.trustRoot, anchors: [done.note], witnesses: { keys: [w.vkey] } });
    expect(report).toMatchObject({ valid: true, anchors: 1, witnessed: { size: latest.size } });
  });

  it('reports an unreachable witness, a refusal with its status, and an answer without its cosignature', async () => {
    const l = await log();
    const note = l.notes[0]!.note;
    const proof = (): Uint8Array[] => [];
    const vkey = witness().vkey;
    await expect(submitCheckpoint({ url: 'http://w.test', witness: vkey, note, proof, fetch: (() => Promise.reject(new Error('down'))) })).rejects.toMatchObject({ code: 'ERR_WITNESS_UNREACHABLE' });
    await expect(submitCheckpoint({ url: 'http://w.test', witness: vkey, note, proof, fetch: (() => Promise.resolve(new Response('no\n', { status: 403 }))) })).rejects.toMatchObject({ code: 'ERR_WITNESS_REFUSED', details: { status: 403 } });
    const other = createWitness({ name: 'witness.example/w1', signer: createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(62))), logs: [logVkey], state: new MemoryWitnessState() });
    const wrongKey = (async (_url: string, init: { body: string }) => new Response((await other.addCheckpoint(init.body)).body)) as never;
    await expect(submitCheckpoint({ url: 'http://w.test', witness: vkey, note, proof, fetch: wrongKey })).rejects.toMatchObject({ code: 'ERR_NOTE_UNVERIFIED' });
    // A 409 that persists after the retry: the witness holds a checkpoint this one does not extend.
    const always = (() => Promise.resolve(new Response('7\n', { status: 409 }))) as never;
    await expect(submitCheckpoint({ url: 'http://w.test', witness: vkey, note: l.notes.at(-1)!.note, proof: () => l.tree.consistencyProof(7, l.tree.size), fetch: always })).rejects.toMatchObject({ code: 'ERR_WITNESS_REFUSED', details: { status: 409 } });
  });

  it('never follows a redirect: the checkpoint goes to the witness named', async () => {
    const l = await log('s', 1);
    let redirect: unknown;
    const fetch = ((_url: string, init: { redirect?: unknown }) => {
      redirect = init.redirect;
      return Promise.reject(new TypeError('redirect'));
    }) as never;
    await expect(submitCheckpoint({ url: 'http://w.test', witness: witness().vkey, note: l.notes[0]!.note, proof: () => [], fetch })).rejects.toMatchObject({ code: 'ERR_WITNESS_UNREACHABLE' });
    expect(redirect).toBe('error');
  });

  it('refuses bad options', async () => {
    const l = await log('s', 1);
    const note = l.notes[0]!.note;
    const good = { url: 'http://w.test', witness: witness().vkey, note, proof: () => [], fetch: (() => Promise.reject(new Error('x'))) as never };
    for (const change of [{ url: 'ftp://x' }, { url: 5 }, { witness: 'junk' }, { note: 7 }, { proof: 'x' }, { fetch: 'x' }, { timeoutMs: 0 }, { oldSize: -1 }, { oldSize: 10_000 }]) {
      await expect(submitCheckpoint({ ...good, ...change } as never)).rejects.toHaveProperty('code');
    }
  });
});

describe('FileWitnessState', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'writ-witness-state-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('persists the latest note per origin across reopen, one process at a time', async () => {
    const l = await log();
    const [n1, n2] = [l.notes[0]!.note, l.notes[1]!.note];
    const path = join(dir, 'state.json');
    const state = await FileWitnessState.open(path);
    await expect(FileWitnessState.open(path)).rejects.toMatchObject({ code: 'ERR_STORE_LOCKED' });
    // Waiting for the lock: it is released within the wait.
    const waiting = FileWitnessState.open(path, { waitMs: 5_000 });
    expect(await state.replace(ORIGIN, undefined, n1)).toBe(true);
    expect(await state.replace(ORIGIN, undefined, n2)).toBe(false);
    expect(await state.replace(ORIGIN, n1, n2)).toBe(true);
    await expect(state.replace('other.log', undefined, n1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await state.close();
    const again = await waiting;
    expect(await again.latest(ORIGIN)).toBe(n2);
    expect(await again.latest('log.b')).toBeUndefined();
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ type: 'writ.witness-state/v1', logs: { [ORIGIN]: n2 } });
    await again.close();
    await expect(again.latest(ORIGIN)).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' });
  });

  it('compare-and-set holds under concurrent replaces from one expected value', async () => {
    const l = await log();
    const state = await FileWitnessState.open(join(dir, 'race.json'));
    const results = await Promise.all(l.notes.map((n) => state.replace(ORIGIN, undefined, n.note)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await state.close();
  });

  it('refuses a record filed under another log, and a log named like an Object property is a log like any other', async () => {
    const l = await log();
    await writeFile(join(dir, 'misfiled.json'), JSON.stringify({ type: 'writ.witness-state/v1', logs: { 'other.log': l.notes[0]!.note } }));
    await expect(FileWitnessState.open(join(dir, 'misfiled.json'))).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    const state = await FileWitnessState.open(join(dir, 'proto.json'));
    expect(await state.latest('constructor')).toBeUndefined();
    expect(await state.latest('__proto__')).toBeUndefined();
    await state.close();
  });

  it('refuses a file that is not a state document, and bad arguments', async () => {
    for (const [name, text] of [['a.json', '{'], ['b.json', '{"type":"x","logs":{}}'], ['c.json', '{"type":"writ.witness-state/v1","logs":[]}'], ['d.json', '{"type":"writ.witness-state/v1","logs":{"o":1}}']] as const) {
      await writeFile(join(dir, name), text);
      await expect(FileWitnessState.open(join(dir, name))).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
      // The lock was released: the file can be opened again once fixed.
      await writeFile(join(dir, name), '{"type":"writ.witness-state/v1","logs":{}}');
      await (await FileWitnessState.open(join(dir, name))).close();
    }
    await expect(FileWitnessState.open('')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    const state = await FileWitnessState.open(join(dir, 'args.json'));
    await expect(state.replace(1 as never, undefined, 'n')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(state.replace('o', undefined, 1 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(state.replace('o', undefined, 'not a note')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(FileWitnessState.open(join(dir, 'x.json'), { waitMs: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await state.close();
  });

  it('drives a witness across restarts', async () => {
    const l = await log();
    const path = join(dir, 'witness.json');
    let state = await FileWitnessState.open(path);
    const [a, b] = l.notes.map((n) => n.size) as [number, number];
    expect((await witness(state as never).addCheckpoint(body(l, 0, a))).status).toBe(200);
    await state.close();
    state = await FileWitnessState.open(path);
    const w = witness(state as never);
    expect((await w.addCheckpoint(body(l, 0, b))).body).toBe(`${a}\n`);
    expect((await w.addCheckpoint(body(l, a, b))).status).toBe(200);
    expect(parseCheckpoint(parseNote((await state.latest(ORIGIN))!).text).size).toBe(b);
    await state.close();
  });
});
