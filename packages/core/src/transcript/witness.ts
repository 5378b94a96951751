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
 */
import { WritError } from '../errors.ts';
import { fromBase64, toBase64 } from '../crypto/encoding.ts';
import type { Signer } from '../crypto/signer.ts';
import { assertOptions, invalidArgument } from '../invalid-argument.ts';
import { parseCheckpoint } from './checkpoint.ts';
import { cosignCheckpoint, formatCosignerKey, parseCosignerKey, verifyCosignatures } from './cosignature.ts';
import type { CosignerKey } from './cosignature.ts';
import { equalHashes, verifyConsistency } from './merkle.ts';
import { openNote, parseNote, parseVerifierKey } from './signed-note.ts';
import type { NoteVerifierKey } from './signed-note.ts';

/** Most consistency proof lines a request may carry (the spec's bound). */
export const MAX_PROOF_LINES = 63;
/** Content type of a 409 answer's body (the witness's size). */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';
const MAX_BODY = 1 << 20;

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

function keyOf(key: string | NoteVerifierKey, i: number): NoteVerifierKey {
  if (typeof key === 'string') {
    try {
      return parseVerifierKey(key);
    } catch {
      throw invalidArgument(`options.logs[${i}]`, 'is not a note verifier key (origin+keyhash+base64(0x01 || key))');
    }
  }
  if (typeof key !== 'object' || key === null || typeof key.name !== 'string' || typeof key.keyHash !== 'number' || !(key.publicKey instanceof Uint8Array)) {
    throw invalidArgument(`options.logs[${i}]`, 'must be a note verifier key');
  }
  return key;
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
  const logs = (logList as (string | NoteVerifierKey)[]).map(keyOf);
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

  async function judge(request: Request, checkpoint: { readonly origin: string; readonly size: number; readonly root: Uint8Array }): Promise<AddCheckpointResponse> {
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
    if (request.oldSize === 0) {
      if (request.proof.length !== 0) return answer(422, 'the proof must be empty from size 0\n');
    } else if (request.oldSize === size) {
      if (request.proof.length !== 0) return answer(422, 'equal sizes need an empty proof\n');
      if (!equalHashes(latestRoot!, root)) return answer(409, `${latestSize}\n`, TLOG_SIZE_CONTENT_TYPE);
    } else {
      try {
        verifyConsistency({ size1: request.oldSize, size2: size, root1: latestRoot!, root2: root, proof: request.proof });
      } catch {
        return answer(422, 'consistency proof does not verify\n');
      }
    }
    const cosigned = cosignCheckpoint({ note: request.note, name, signer, time: now() });
    const line = cosigned.slice(request.note.length);
    // Stored as submitted plus this cosignature: the log's signature keeps it usable as an
    // anchor (`verifyTranscript({ anchors })`) by whoever holds the state.
    if (verifyCosignatures(cosigned, [own]).length !== 1) throw new WritError('ERR_INTERNAL', 'witness produced an invalid cosignature');
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
    try {
      openNote(request.note, keys);
    } catch {
      return answer(403, 'no valid signature by a key of this log\n');
    }
    if (request.oldSize > size) return answer(400, 'old size is above the checkpoint size\n');
    const previous = queues.get(origin) ?? Promise.resolve();
    const result = previous.then(() => judge(request, { origin, size, root }));
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
  if (!Array.isArray(list) || list.length > MAX_PROOF_LINES || !list.every((hash) => hash instanceof Uint8Array && hash.length === 32)) {
    throw invalidArgument('options.proof', `must be at most ${MAX_PROOF_LINES} 32-byte hashes`);
  }
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

/**
 * Submit a checkpoint to a tlog-witness and return it with the witness's cosignature added.
 * A 409 answer naming another size is retried once with a proof from that size.
 * @throws `ERR_INVALID_ARGUMENT` (options); `ERR_WITNESS_UNREACHABLE` (network, timeout);
 *   `ERR_WITNESS_REFUSED` (any other answer, with `details.status` and the witness's text — a
 *   409 after the retry means the witness holds a checkpoint this one does not extend);
 *   `ERR_NOTE_UNVERIFIED` / `ERR_NOTE_MALFORMED` (an answer without a valid cosignature by it).
 */
export async function submitCheckpoint(options: SubmitCheckpointOptions): Promise<{ readonly note: string; readonly timestamp: number; readonly oldSize: number }> {
  assertOptions(options);
  const { url, note, proof } = options;
  if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/u.test(url)) throw invalidArgument('options.url', 'must be an http(s) URL');
  const witness = typeof options.witness === 'string' ? parseCosignerKey(options.witness) : options.witness;
  if (typeof witness !== 'object' || witness === null || !(witness.publicKey instanceof Uint8Array)) throw invalidArgument('options.witness', 'must be a witness verifier key');
  if (typeof note !== 'string') throw invalidArgument('options.note', 'must be a signed checkpoint note');
  const size = parseCheckpoint(parseNote(note).text).size;
  if (typeof proof !== 'function') throw invalidArgument('options.proof', 'must be a function of the old size');
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') throw invalidArgument('options.fetch', 'must be a fetch function');
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw invalidArgument('options.timeoutMs', 'must be a positive integer');
  let oldSize = options.oldSize ?? 0;
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > size) throw invalidArgument('options.oldSize', `must be an integer within 0..${size}`);
  const endpoint = `${url.replace(/\/+$/u, '')}/add-checkpoint`;
  for (let attempt = 0; ; attempt++) {
    const body = formatAddCheckpoint({ oldSize, proof: oldSize === 0 || oldSize === size ? [] : [...(await proof(oldSize))], note });
    let response: Response;
    let text: string;
    try {
      response = await doFetch(endpoint, { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=utf-8' }, signal: AbortSignal.timeout(timeoutMs) });
      text = await response.text();
    } catch (error) {
      throw new WritError('ERR_WITNESS_UNREACHABLE', `witness ${endpoint} did not answer`, { cause: error, details: { url: endpoint } });
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
    // Only this witness's lines are kept: anything else in the answer is not its statement.
    const lines = text.split('\n').filter((line) => line.startsWith(`\u2014 ${witness.name} `));
    const cosigned = `${note}${lines.map((line) => `${line}\n`).join('')}`;
    const found = verifyCosignatures(cosigned, [witness]);
    if (found.length === 0) throw new WritError('ERR_NOTE_UNVERIFIED', 'the witness answered without a cosignature by its key', { details: { url: endpoint } });
    return { note: cosigned, timestamp: found[0]!.timestamp, oldSize };
  }
}
