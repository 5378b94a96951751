/**
 * C2SP tlog-witness (https://c2sp.org/tlog-witness): the `add-checkpoint` call, both sides.
 *
 * A witness keeps, per log origin, the latest checkpoint it cosigned. A log submits each new
 * checkpoint with a consistency proof from that one; the witness checks the log's signature
 * (keys it was configured with), that the old size is what it holds, and the proof — then
 * cosigns (tlog-cosignature v1), records the new checkpoint and answers with the cosignature
 * line. A witness never cosigns two views of one log that are not consistent, so a writer who
 * forks or rewinds its transcript cannot get it cosigned again.
 *
 * Request body: `old <size>\n`, up to 63 base64 proof lines, an empty line, the signed
 * checkpoint note. Answers: 200 (cosignature lines), 400 (malformed, old > size), 403 (no
 * trusted signature), 404 (unknown origin), 409 (old size is not the witness's — the body is
 * its size, `text/x.tlog.size` — or same size with another root), 422 (proof does not verify).
 * The witness cosigns and records the checkpoint text with the log signatures it verified;
 * other signature lines of the request are ignored, as the spec requires of unknown keys.
 */
import { WritError } from '../errors.ts';
import { readBodyCapped } from '../http/read-body-capped.ts';
import { fromBase64, toBase64 } from '../crypto/encoding.ts';
import type { Signer } from '../crypto/signer.ts';
import { assertOptions, invalidArgument } from '../invalid-argument.ts';
import { parseCheckpoint } from './checkpoint.ts';
import { assertCosignerKey, cosignCheckpoint, formatCosignerKey, parseCosignerKey, verifyCosignatures } from './cosignature.ts';
import type { CosignerKey } from './cosignature.ts';
import { equalHashes, verifyConsistency } from './merkle.ts';
import { noteKeyHash, openNote, parseNote, parseVerifierKey } from './signed-note.ts';
import type { NoteSignature, NoteVerifierKey } from './signed-note.ts';

/** Most consistency proof lines a request may carry (the spec's bound). */
export const MAX_PROOF_LINES = 63;
/** Content type of a 409 answer's body (the witness's size). */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';
const MAX_BODY = 1 << 20;
/** Most bytes of a witness's answer `submitCheckpoint` reads (a few cosignature lines are ~150). */
const MAX_ANSWER = 64 * 1024;
/** Longest timeout a timer holds (Node clamps a longer one to 1 ms). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Where a witness keeps the latest checkpoint it cosigned per log. `replace` must be atomic
 * (compare-and-set): the spec's rollback race is two requests checked against one state.
 */
export interface WitnessState {
  /** The latest cosigned checkpoint note of `origin`, or undefined. */
  latest(origin: string): Promise<string | undefined>;
  /** Store `next` for `origin` if the latest is still `expected`; false when it changed. Durable before it resolves. */
  replace(origin: string, expected: string | undefined, next: string): Promise<boolean>;
}

/**
 * @internal Refuse a record that is not a checkpoint note of `origin` (`ERR_INVALID_ARGUMENT`):
 * it is the anchor the log's next round is held to.
 */
export function assertWitnessRecord(origin: unknown, next: unknown): void {
  if (typeof origin !== 'string') throw invalidArgument('origin', 'must be a string');
  let recorded: string | undefined;
  try {
    recorded = typeof next === 'string' ? parseCheckpoint(parseNote(next).text).origin : undefined;
  } catch {
    recorded = undefined;
  }
  if (recorded !== origin) throw invalidArgument('next', 'must be a signed checkpoint note of the log origin');
}

/** A witness state in memory (tests, short-lived witnesses). */
export class MemoryWitnessState implements WitnessState {
  readonly #logs = new Map<string, string>();

  latest(origin: string): Promise<string | undefined> {
    if (typeof origin !== 'string') return Promise.reject(invalidArgument('origin', 'must be a string'));
    return Promise.resolve(this.#logs.get(origin));
  }

  replace(origin: string, expected: string | undefined, next: string): Promise<boolean> {
    try {
      assertWitnessRecord(origin, next);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (this.#logs.get(origin) !== expected) return Promise.resolve(false);
    this.#logs.set(origin, next);
    return Promise.resolve(true);
  }
}

/** One `add-checkpoint` answer. */
export interface AddCheckpointResponse {
  readonly status: 200 | 400 | 403 | 404 | 409 | 422;
  readonly contentType: string;
  readonly body: string;
}

/** Options of {@link createWitness}. */
export interface WitnessOptions {
  /** The witness name on its cosignature lines, e.g. `witness.example/w1`. */
  readonly name: string;
  readonly signer: Signer;
  /** The logs it witnesses: note verifier keys (type 0x01) whose name is the log origin. */
  readonly logs: readonly (string | NoteVerifierKey)[];
  readonly state: WitnessState;
  /** Clock of the cosignature timestamps (default: now). */
  readonly now?: () => Date;
}

/** A witness: answers `add-checkpoint` request bodies. */
export interface Witness {
  /** The witness's cosignature/v1 verifier key (what auditors pass to `writ verify --witness`). */
  readonly vkey: string;
  addCheckpoint(body: unknown): Promise<AddCheckpointResponse>;
}

function answer(status: AddCheckpointResponse['status'], body: string, contentType = 'text/plain; charset=utf-8'): AddCheckpointResponse {
  return { status, contentType, body };
}

interface Request {
  readonly oldSize: number;
  readonly proof: Uint8Array[];
  readonly note: string;
}

function parseRequest(body: string): Request | string {
  const first = body.indexOf('\n');
  if (first < 0) return 'no old size line';
  const oldLine = body.slice(0, first);
  const oldMatch = /^old (0|[1-9]\d{0,15})$/u.exec(oldLine);
  if (oldMatch === null || !Number.isSafeInteger(Number(oldMatch[1]))) return 'old size line';
  const proof: Uint8Array[] = [];
  let at = first + 1;
  for (;;) {
    const end = body.indexOf('\n', at);
    if (end < 0) return 'no empty line before the checkpoint';
    const line = body.slice(at, end);
    at = end + 1;
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES) return `more than ${MAX_PROOF_LINES} proof lines`;
    let hash: Uint8Array;
    try {
      hash = fromBase64(line);
    } catch {
      return 'proof line is not base64';
    }
    if (hash.length !== 32 || toBase64(hash) !== line) return 'proof line is not one base64 SHA-256 hash';
    proof.push(hash);
  }
  return { oldSize: Number(oldMatch[1]), proof, note: body.slice(at) };
}

function keyOf(key: unknown, i: number): NoteVerifierKey {
  if (typeof key === 'string') {
    try {
      return parseVerifierKey(key);
    } catch {
      throw invalidArgument(`options.logs[${i}]`, 'is not a note verifier key (origin+keyhash+base64(0x01 || key))');
    }
  }
  // A key object must be one parseVerifierKey could return: a key that can never verify (another
  // length) or a key hash that is not its name's and key's made every request of the log a 403,
  // a misconfiguration that looked like a forged log.
  const { name, keyHash, publicKey } = (typeof key === 'object' && key !== null ? key : {}) as Partial<NoteVerifierKey>;
  let valid: boolean;
  try {
    valid = typeof name === 'string' && !/[\s+]/u.test(name) && publicKey instanceof Uint8Array && publicKey.length === 32 && keyHash === noteKeyHash(name, publicKey);
  } catch {
    valid = false;
  }
  if (!valid) throw invalidArgument(`options.logs[${i}]`, 'must be a note verifier key (parseVerifierKey)');
  return key as NoteVerifierKey;
}

/** The signature line of a verified note signature. */
function signatureLine(signature: NoteSignature): string {
  const blob = new Uint8Array(4 + signature.signature.length);
  new DataView(blob.buffer).setUint32(0, signature.keyHash);
  blob.set(signature.signature, 4);
  return `\u2014 ${signature.name} ${toBase64(blob)}\n`;
}

/**
 * A witness over `state` that cosigns checkpoints of the given logs with `signer`.
 * @throws `ERR_INVALID_ARGUMENT` (options).
 * @example
 * ```ts
 * const witness = createWitness({ name: 'witness.example/w1', signer, logs: [logVkey], state: new MemoryWitnessState() });
 * const { status, body } = await witness.addCheckpoint(requestBody);
 * ```
 */
export function createWitness(options: WitnessOptions): Witness {
  assertOptions(options);
  const { name, signer, state } = options;
  // Checked the way cosignatures are (the same rules for the name and the key).
  if (typeof signer !== 'object' || signer === null || typeof signer.sign !== 'function' || !(signer.publicKey instanceof Uint8Array)) {
    throw invalidArgument('options.signer', 'must be a Signer');
  }
  const vkey = formatCosignerKey(name, signer.publicKey);
  const logList: unknown = options.logs;
  if (!Array.isArray(logList) || logList.length === 0) throw invalidArgument('options.logs', 'must list the log verifier keys the witness trusts');
  // An index loop, not map(): map() skips the holes of a sparse array.
  const logs: NoteVerifierKey[] = [];
  for (let i = 0; i < logList.length; i++) logs.push(keyOf((logList as unknown[])[i], i));
  // A log's own key is not a witness of it: its cosignature would let the writer vouch for itself.
  if (logs.some((log) => equalHashes(log.publicKey, signer.publicKey))) {
    throw invalidArgument('options.signer', 'must not be the key of a log it witnesses');
  }
  if (typeof state !== 'object' || state === null || typeof state.latest !== 'function' || typeof state.replace !== 'function') {
    throw invalidArgument('options.state', 'must be a WitnessState');
  }
  const now = options.now ?? ((): Date => new Date());
  if (typeof now !== 'function') throw invalidArgument('options.now', 'must be a function');
  const own: CosignerKey = parseCosignerKey(vkey);
  // One request per origin at a time here; `state.replace` guards against other processes.
  const queues = new Map<string, Promise<unknown>>();

  async function judge(request: Request, checked: string, checkpoint: { readonly origin: string; readonly size: number; readonly root: Uint8Array }): Promise<AddCheckpointResponse> {
    const { origin, size, root } = checkpoint;
    const latest = await state.latest(origin);
    let latestSize = 0;
    let latestRoot: Uint8Array | undefined;
    if (latest !== undefined) {
      const held = parseCheckpoint(parseNote(latest).text);
      latestSize = held.size;
      latestRoot = held.root;
    }
    if (request.oldSize !== latestSize) return answer(409, `${latestSize}\n`, TLOG_SIZE_CONTENT_TYPE);
    if (request.oldSize === size) {
      // Equal sizes: the same tree or a fork, 409 whatever else came along. Size 0 included once
      // a checkpoint of size 0 is held — two size-0 checkpoints with different roots were both
      // cosigned when the size-0 rule came first.
      if (latestRoot !== undefined && !equalHashes(latestRoot, root)) return answer(409, `${latestSize}\n`, TLOG_SIZE_CONTENT_TYPE);
      if (request.proof.length !== 0) return answer(422, 'equal sizes need an empty proof\n');
    } else if (request.oldSize === 0) {
      if (request.proof.length !== 0) return answer(422, 'the proof must be empty from size 0\n');
    } else {
      try {
        verifyConsistency({ size1: request.oldSize, size2: size, root1: latestRoot!, root2: root, proof: request.proof });
      } catch {
        return answer(422, 'consistency proof does not verify\n');
      }
    }
    const cosigned = cosignCheckpoint({ note: checked, name, signer, time: now() });
    const line = cosigned.slice(checked.length);
    // Stored as checked plus this cosignature: the log's signatures keep it usable as an anchor
    // (`verifyTranscript({ anchors })`) by whoever holds the state.
    if (verifyCosignatures(cosigned, [own]).length !== 1) throw new WritError('ERR_INTERNAL', 'witness produced an invalid cosignature');
    // The tree it holds, sent again: a fresh cosignature, nothing to record — rewriting (and
    // fsyncing) the state for every repeat would let anyone make the witness write at will.
    if (latest !== undefined && request.oldSize === size) return answer(200, line);
    if (!(await state.replace(origin, latest, cosigned))) {
      const moved = await state.latest(origin);
      const movedSize = moved === undefined ? 0 : parseCheckpoint(parseNote(moved).text).size;
      return answer(409, `${movedSize}\n`, TLOG_SIZE_CONTENT_TYPE);
    }
    return answer(200, line);
  }

  async function addCheckpoint(body: unknown): Promise<AddCheckpointResponse> {
    if (typeof body !== 'string' || body.length > MAX_BODY) return answer(400, 'request body must be text of at most 1 MiB\n');
    const request = parseRequest(body);
    if (typeof request === 'string') return answer(400, `malformed request: ${request}\n`);
    let checkpoint;
    try {
      checkpoint = parseCheckpoint(parseNote(request.note).text);
    } catch {
      return answer(400, 'malformed checkpoint\n');
    }
    const { origin, size, root } = checkpoint;
    const keys = logs.filter((key) => key.name === origin);
    if (keys.length === 0) return answer(404, 'unknown log origin\n');
    let opened;
    try {
      opened = openNote(request.note, keys);
    } catch {
      return answer(403, 'no valid signature by a key of this log\n');
    }
    // What is cosigned and recorded: the text and the log signatures that verified. The other
    // lines were never checked — anyone can replay the log's public checkpoint with lines of
    // their own: stored, a bad line under another witness's name made the record fail every
    // verification with that witness's key, a forged one under this witness's name made it
    // throw, and 99 long ones made the record up to a megabyte (or too long to cosign).
    const checked = `${opened.text}\n${opened.verified.map(signatureLine).join('')}`;
    if (request.oldSize > size) return answer(400, 'old size is above the checkpoint size\n');
    const previous = queues.get(origin) ?? Promise.resolve();
    const result = previous.then(() => judge(request, checked, { origin, size, root }));
    const settled = result.catch(() => undefined);
    queues.set(origin, settled);
    try {
      return await result;
    } finally {
      if (queues.get(origin) === settled) queues.delete(origin);
    }
  }

  return { vkey, addCheckpoint };
}

/** The request body of an `add-checkpoint` call. @throws `ERR_INVALID_ARGUMENT`. */
export function formatAddCheckpoint(options: { readonly oldSize: number; readonly proof: readonly Uint8Array[]; readonly note: string }): string {
  assertOptions(options);
  const { oldSize, proof, note } = options;
  if (!Number.isSafeInteger(oldSize) || oldSize < 0) throw invalidArgument('options.oldSize', 'must be a non-negative integer');
  const list: unknown = proof;
  // An index loop, not every(): every() skips the holes of a sparse array (they vanished from the body).
  let valid = Array.isArray(list) && list.length <= MAX_PROOF_LINES;
  for (let i = 0; valid && i < (list as unknown[]).length; i++) {
    const hash = (list as unknown[])[i];
    valid = hash instanceof Uint8Array && hash.length === 32;
  }
  if (!valid) throw invalidArgument('options.proof', `must be at most ${MAX_PROOF_LINES} 32-byte hashes`);
  if (typeof note !== 'string') throw invalidArgument('options.note', 'must be a signed checkpoint note');
  return `old ${oldSize}\n${proof.map((hash) => `${toBase64(hash)}\n`).join('')}\n${note}`;
}

/** Options of {@link submitCheckpoint}. */
export interface SubmitCheckpointOptions {
  /** The witness's submission prefix; the request goes to `<url>/add-checkpoint`. */
  readonly url: string;
  /** The witness's cosignature/v1 verifier key: its answer must carry a valid cosignature by it. */
  readonly witness: string | CosignerKey;
  /** The signed checkpoint to have cosigned. */
  readonly note: string;
  /** The consistency proof from `oldSize` to the checkpoint's size (`MerkleTree.consistencyProof`). */
  readonly proof: (oldSize: number) => readonly Uint8Array[] | Promise<readonly Uint8Array[]>;
  /** The size the witness is believed to hold (default 0: learnt from its 409 answer). */
  readonly oldSize?: number;
  readonly fetch?: typeof fetch;
  /** Per request (default 10 s). */
  readonly timeoutMs?: number;
}

/** A URL `<url>/add-checkpoint` can be built on: http(s), parseable, no credentials, query or fragment. */
function isSubmissionPrefix(url: unknown): url is string {
  if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/u.test(url)) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // fetch refuses credentials in a URL, and a query or fragment would swallow the appended path.
  return parsed.username === '' && parsed.password === '' && parsed.search === '' && parsed.hash === '' && !url.includes('?') && !url.includes('#');
}

/** At most {@link MAX_ANSWER} bytes of an answer as UTF-8; undefined when larger (see readBodyCapped). */
async function readAnswer(response: Response, signal: AbortSignal): Promise<string | undefined> {
  const bytes = await readBodyCapped(response, MAX_ANSWER, signal);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/**
 * The answer's cosignature lines by `witness` (its name and key ID), each once. Anything else is
 * not its statement: a line under another name — the log's origin, another witness — would be
 * passed off as that key's signature and fail every later verification with it.
 */
function witnessLines(text: string, witness: CosignerKey): string[] {
  const prefix = `\u2014 ${witness.name} `;
  const lines = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    let blob: Uint8Array;
    try {
      blob = fromBase64(line.slice(prefix.length));
    } catch {
      continue;
    }
    if (blob.length >= 4 && new DataView(blob.buffer, blob.byteOffset, 4).getUint32(0) === witness.keyHash) lines.add(`${line}\n`);
  }
  return [...lines];
}

/**
 * Submit a checkpoint to a tlog-witness and return it with the witness's cosignature added.
 * A 409 answer naming another size is retried once with a proof from that size.
 * @throws `ERR_INVALID_ARGUMENT` (options, or a proof function that returns no array);
 *   `ERR_NOTE_MALFORMED` / `ERR_CHECKPOINT_MALFORMED` (`note` is not a checkpoint note);
 *   `ERR_WITNESS_UNREACHABLE` (network, timeout); `ERR_WITNESS_REFUSED` (any other answer, with
 *   `details.status` and the witness's text — a 409 after the retry means the witness holds a
 *   checkpoint this one does not extend — or an answer over 64 KiB);
 *   `ERR_NOTE_UNVERIFIED` / `ERR_NOTE_MALFORMED` (an answer without a valid cosignature by it,
 *   or with an invalid one by its key).
 */
export async function submitCheckpoint(options: SubmitCheckpointOptions): Promise<{ readonly note: string; readonly timestamp: number; readonly oldSize: number }> {
  assertOptions(options);
  const { url, note, proof } = options;
  if (!isSubmissionPrefix(url)) throw invalidArgument('options.url', 'must be an http(s) URL without credentials, query or fragment');
  let witness: CosignerKey;
  if (typeof options.witness === 'string') {
    try {
      witness = parseCosignerKey(options.witness);
    } catch {
      throw invalidArgument('options.witness', 'must be a witness verifier key (C2SP cosignature/v1, type 0x04)');
    }
  } else {
    // Checked before anything is sent: a key object without a name or key ID failed only once
    // the witness had answered.
    assertCosignerKey(options.witness, 'options.witness');
    witness = options.witness;
  }
  if (typeof note !== 'string') throw invalidArgument('options.note', 'must be a signed checkpoint note');
  const size = parseCheckpoint(parseNote(note).text).size;
  if (typeof proof !== 'function') throw invalidArgument('options.proof', 'must be a function of the old size');
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') throw invalidArgument('options.fetch', 'must be a fetch function');
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Beyond 2^31 - 1 ms Node fires the timer at once (or AbortSignal.timeout throws a RangeError).
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) throw invalidArgument('options.timeoutMs', `must be an integer within 1..${MAX_TIMEOUT_MS}`);
  let oldSize = options.oldSize ?? 0;
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > size) throw invalidArgument('options.oldSize', `must be an integer within 0..${size}`);
  const endpoint = `${url.replace(/\/+$/u, '')}/add-checkpoint`;
  for (let attempt = 0; ; attempt++) {
    let hashes: readonly Uint8Array[] = [];
    if (oldSize !== 0 && oldSize !== size) {
      const given: unknown = await proof(oldSize);
      // Spreading what is not an array threw a raw TypeError (or split a string into characters).
      if (!Array.isArray(given)) throw invalidArgument('options.proof', 'must return an array of 32-byte hashes');
      hashes = [...(given as Uint8Array[])];
    }
    const body = formatAddCheckpoint({ oldSize, proof: hashes, note });
    let response: Response;
    let text: string | undefined;
    try {
      const signal = AbortSignal.timeout(timeoutMs);
      // No redirects: the checkpoint goes to the witness named, nowhere else.
      response = await doFetch(endpoint, { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=utf-8' }, signal, redirect: 'error' });
      // Bounded: response.text() read a witness's endless answer into memory until the timeout.
      text = await readAnswer(response, signal);
    } catch (error) {
      throw new WritError('ERR_WITNESS_UNREACHABLE', `witness ${endpoint} did not answer`, { cause: error, details: { url: endpoint } });
    }
    if (text === undefined) {
      throw new WritError('ERR_WITNESS_REFUSED', `witness answer is larger than ${MAX_ANSWER} bytes`, { details: { url: endpoint, status: response.status, oldSize, size } });
    }
    if (response.status === 409 && attempt === 0 && /^(0|[1-9]\d{0,15})\n$/u.test(text)) {
      const held = Number(text.trim());
      if (held !== oldSize && held <= size) {
        oldSize = held;
        continue;
      }
    }
    if (response.status !== 200) {
      throw new WritError('ERR_WITNESS_REFUSED', `witness refused the checkpoint (HTTP ${response.status})`, {
        details: { url: endpoint, status: response.status, answer: text.slice(0, 512), oldSize, size },
      });
    }
    const cosigned = `${note}${witnessLines(text, witness).join('')}`;
    const found = verifyCosignatures(cosigned, [witness]);
    if (found.length === 0) throw new WritError('ERR_NOTE_UNVERIFIED', 'the witness answered without a cosignature by its key', { details: { url: endpoint } });
    return { note: cosigned, timestamp: found[0]!.timestamp, oldSize };
  }
}
