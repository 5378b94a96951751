/**
 * The policy-input log: what `writ replay` re-evaluates and `writ rollback` takes arguments from.
 * The transcript records each decision with digests only (arguments never enter the signed
 * chain), so the exact `writ.input/v1` documents a policy judged are kept beside it in
 * `policy-inputs.jsonl`, one JSON line per evaluation, written by wrapping the firewall's policy
 * ({@link recordPolicyInputs}, or {@link openPolicyInputLog} in a long-running server). Each line
 * is bound to its decision by session id, call id and intent digest (ADR 0012). The log holds
 * tool arguments in clear, sensitive ones too: it is created with mode 0600 (ADR 0036).
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WritError } from '../errors.ts';
import type { FirewallPolicy } from '../firewall/firewall-options.ts';
import { invalidArgument } from '../invalid-argument.ts';
import { assertRegularFile, openRegularFile } from '../stores/regular-file.ts';

/** Conventional file name of the log inside a transcript directory. */
export const POLICY_INPUTS_FILE = 'policy-inputs.jsonl';

/** One logged evaluation. */
export interface PolicyInputRecord {
  readonly sessionId: string;
  readonly callId: string;
  readonly intentDigest: string;
  readonly policyDigest: string;
  readonly input: unknown;
}

/** A log kept open by a long-running process: see {@link openPolicyInputLog}. */
export interface PolicyInputLog {
  /** The policy to give the firewall: evaluates as the wrapped one, logging each input first. */
  readonly policy: FirewallPolicy;
  /** Bytes of an incomplete last line (a crash mid-write) removed when the log was opened; 0 when none. */
  readonly droppedTailBytes: number;
  /** Sync what was appended to disk and stop the periodic sync. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link openPolicyInputLog}. */
export interface OpenPolicyInputLogOptions {
  readonly file: string;
  readonly policy: FirewallPolicy;
  /** At most this long (ms) between an append and its `fdatasync` (default 1000). */
  readonly syncEveryMs?: number;
  /** Called with a failed background sync (the next append schedules another). */
  readonly onSyncError?: (error: unknown) => void;
}

// Owner-only, created if missing, never through a symlink planted at the path; O_NONBLOCK so a
// FIFO there cannot block the event loop (it fails instead).
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const SYNC_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const FILE_MODE = 0o600;

type DecisionKey = Pick<PolicyInputRecord, 'sessionId' | 'callId' | 'intentDigest'>;

function keyOf(input: unknown): DecisionKey | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { context, action } = input as { context?: { session?: unknown; callId?: unknown }; action?: { intent?: unknown } };
  const sessionId = context?.session;
  const callId = context?.callId;
  const intentDigest = action?.intent;
  if (typeof sessionId !== 'string' || typeof callId !== 'string' || typeof intentDigest !== 'string') return undefined;
  return { sessionId, callId, intentDigest };
}

function assertPolicy(policy: unknown): asserts policy is FirewallPolicy {
  if (typeof policy !== 'object' || policy === null || typeof (policy as FirewallPolicy).evaluate !== 'function' || typeof (policy as FirewallPolicy).digest !== 'string') {
    throw invalidArgument('policy', 'must be a firewall policy ({ digest, evaluate })');
  }
}

function assertFile(file: unknown): asserts file is string {
  if (typeof file !== 'string' || file === '' || file.includes('\u0000')) throw invalidArgument('file', 'must be a file path');
}

/** Append one line, whole: opened per line, so a log moved away (rotation) is created anew, 0600. */
function appendLine(file: string, line: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(file, APPEND_FLAGS, FILE_MODE);
    const bytes = Buffer.from(line, 'utf8');
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
  } catch (error) {
    throw new WritError('ERR_STORE_IO', `cannot append to the policy-input log ${file}`, { cause: error, details: { path: file } });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `policy`, logging each input with a decision key to `file` before evaluating it. */
function wrap(policy: FirewallPolicy, file: string, appended: () => void): FirewallPolicy {
  const log = (input: unknown): void => {
    const key = keyOf(input);
    if (key === undefined) return;
    appendLine(file, `${JSON.stringify({ ...key, policyDigest: policy.digest, input })}\n`);
    appended();
  };
  const wrapped: FirewallPolicy = {
    digest: policy.digest,
    // The evaluation options (the decision clock) pass through unchanged.
    evaluate: async (input, evaluateOptions) => {
      log(input);
      return policy.evaluate(input, evaluateOptions);
    },
  };
  if (policy.evaluateSync === undefined) return wrapped;
  const evaluateSync = policy.evaluateSync.bind(policy);
  return {
    ...wrapped,
    evaluateSync: (input, evaluateOptions) => {
      log(input);
      return evaluateSync(input, evaluateOptions);
    },
  };
}

/**
 * Wrap a firewall policy so every evaluated input is appended to `file` before the policy
 * answers (synchronously, so the log never lags the ledger; created with mode 0600). The digest
 * is unchanged. A line that cannot be written fails the evaluation (`ERR_STORE_IO`): the
 * firewall then denies the call as a policy error, so no decision goes unlogged. Lines reach
 * the disk when the kernel writes them back; a long-running server uses {@link openPolicyInputLog}.
 * @example
 * ```ts
 * const policy = recordPolicyInputs(await loadPolicy({ paths: ['policy'] }), { file: 'out/policy-inputs.jsonl' });
 * ```
 * @throws `ERR_INVALID_ARGUMENT` when `policy` is not a firewall policy or `file` is not a path.
 */
export function recordPolicyInputs(policy: FirewallPolicy, options: { readonly file: string }): FirewallPolicy {
  assertPolicy(policy);
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'must be an object');
  const { file } = options;
  assertFile(file);
  return wrap(policy, file, () => undefined);
}

/** Remove an incomplete last line (no `\n`: a crash mid-append, or zeros a file system left): its bytes. */
async function dropIncompleteTail(handle: FileHandle): Promise<number> {
  const { size } = await handle.stat();
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline >= 0) {
      end = start + newline + 1;
      break;
    }
    end = start;
  }
  if (end === size) return 0;
  await handle.truncate(end);
  await handle.datasync();
  return size - end;
}

async function syncPath(path: string, flags: number): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Open the policy-input log `file` for a long-running process and wrap `policy` to append to
 * it (as {@link recordPolicyInputs}). On open the file (and its folder, 0700) is created, set
 * to mode 0600 if it was wider, and an incomplete last line left by a crash is removed (so the
 * next line starts on its own). Appends are written synchronously (a process crash loses
 * none) and synced to disk (`fdatasync`) at most `syncEveryMs` later, from the thread pool, so
 * a power loss or kernel crash loses at most the lines of that window: `writ replay` reports
 * each such decision as "no logged input" and `writ rollback` refuses its token (ADR 0036).
 * @example
 * ```ts
 * const log = await openPolicyInputLog({ file: join(dataDir, POLICY_INPUTS_FILE), policy });
 * const firewall = await createFirewall({ policy: log.policy, ... });
 * // ... on shutdown, after the firewall closed:
 * await log.close();
 * ```
 * @throws `ERR_INVALID_ARGUMENT` (options), `ERR_STORE_CORRUPT` (the path is not a regular
 *   file), `ERR_STORE_IO` (it cannot be created, opened or repaired; the cause attached).
 */
export async function openPolicyInputLog(options: OpenPolicyInputLogOptions): Promise<PolicyInputLog> {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'must be an object');
  const { file, policy, syncEveryMs = 1000, onSyncError } = options;
  assertFile(file);
  assertPolicy(policy);
  if (typeof syncEveryMs !== 'number' || !Number.isSafeInteger(syncEveryMs) || syncEveryMs < 1) throw invalidArgument('syncEveryMs', 'must be a positive integer (ms)');
  if (onSyncError !== undefined && typeof onSyncError !== 'function') throw invalidArgument('onSyncError', 'must be a function');
  let droppedTailBytes: number;
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const handle = await open(file, constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0), FILE_MODE);
    await assertRegularFile(handle, file);
    try {
      // A file created earlier by hand, or by an older version, may be readable by others.
      if (((await handle.stat()).mode & 0o077) !== 0) await handle.chmod(FILE_MODE);
      droppedTailBytes = await dropIncompleteTail(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The file's name is durable too, not only its bytes.
    await syncPath(dirname(file), constants.O_RDONLY).catch(() => undefined);
  } catch (error) {
    if (WritError.isInstance(error)) throw error;
    throw new WritError('ERR_STORE_IO', `cannot open the policy-input log ${file}`, { cause: error, details: { path: file } });
  }

  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;
  const sync = (): Promise<void> => {
    dirty = false;
    syncing = syncPath(file, SYNC_FLAGS)
      .catch((error: unknown) => onSyncError?.(error))
      .finally(() => (syncing = undefined));
    return syncing;
  };
  let closed = false;
  const appended = (): void => {
    dirty = true;
    if (closed || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      // One sync at a time; an append made during it arms the next round.
      void (syncing ?? Promise.resolve()).then(() => (dirty ? sync() : undefined));
    }, syncEveryMs);
    // The timer must not keep a process alive that has nothing else left to do.
    timer.unref();
  };
  return {
    policy: wrap(policy, file, appended),
    droppedTailBytes,
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await syncing;
      if (dirty) await sync();
    },
  };
}

// The record on line `index` (0-based) of a log, undefined for a blank line or for an unreadable
// `last` line (after the final newline: a crash mid-append, or a live writer's line half written).
function recordOfLine(raw: string, position: { index: number; last: boolean; source: string }): PolicyInputRecord | undefined {
  if (raw.trim() === '') return undefined;
  const { index, last, source } = position;
  const fail = (what: string): WritError => new WritError('ERR_POLICY_INPUT_INVALID', `${source}:${index + 1}: ${what}`, { details: { line: index + 1 } });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    if (last) return undefined;
    throw fail('not JSON');
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Partial<Record<keyof PolicyInputRecord, unknown>>;
  const key = keyOf(record.input);
  if (key === undefined || record.sessionId !== key.sessionId || record.callId !== key.callId || record.intentDigest !== key.intentDigest || typeof record.policyDigest !== 'string') {
    if (last) return undefined;
    throw fail('not a policy-input record (its key must match its input)');
  }
  return { ...key, policyDigest: record.policyDigest, input: record.input };
}

/**
 * Parse the text of a policy-input log into its records, in file order. Trailing zeros and an
 * incomplete last line (no `\n`, not a record: a crash mid-append, or a live writer) are not
 * records and are skipped; every other line must be one whose key matches its own input.
 * For a log on disk, {@link readPolicyInputLog} reads the same records without holding the text.
 * @param source how to name the log in errors (default `policy-input log`).
 * @throws `ERR_INVALID_ARGUMENT` (`text` not a string), `ERR_POLICY_INPUT_INVALID` naming the
 *   first line that is not JSON or not a policy-input record (`details.line`).
 */
export function parsePolicyInputLog(text: string, source = 'policy-input log'): PolicyInputRecord[] {
  if (typeof text !== 'string') throw invalidArgument('text', 'must be a string');
  if (typeof source !== 'string') throw invalidArgument('source', 'must be a string');
  const lines = text.replace(/\0+$/u, '').split('\n');
  const records: PolicyInputRecord[] = [];
  for (const [index, raw] of lines.entries()) {
    const record = recordOfLine(raw, { index, last: index === lines.length - 1, source });
    if (record !== undefined) records.push(record);
  }
  return records;
}

/** Options of {@link readPolicyInputLog}. */
export interface ReadPolicyInputLogOptions {
  /** How to name the log in errors (default: the file path). */
  readonly source?: string;
}

const READ_CHUNK = 1 << 20;
const ZEROS = Buffer.alloc(READ_CHUNK);
// Whether `bytes` (at most a read chunk) are all NUL: compared natively, not a byte per call.
const allZeros = (bytes: Buffer): boolean => bytes.equals(ZEROS.subarray(0, bytes.length));

/**
 * The records of the policy-input log `file`, streamed in file order: the same records, skips
 * and errors as {@link parsePolicyInputLog} on the file's text, without reading it whole — a log
 * holds every evaluated input and grows for the life of a deployment. The file is opened at the
 * first step, as Writ opens its store files: non-blocking and without following a final
 * symbolic link, and refused unless a regular file (a FIFO there would block a plain read
 * forever). No size limit: memory holds one line at a time (a line is as long as the input it
 * logs), plus what the caller keeps.
 * @throws at once: `ERR_INVALID_ARGUMENT` (`file`, `options`). While iterating:
 *   `ERR_STORE_CORRUPT` (a symbolic link, a directory, a FIFO or other non-regular file:
 *   `details.kind`, `details.path`), `ERR_STORE_IO` (the file system refused: its error is the
 *   `cause`, its code — `ENOENT`, `EACCES`, ... — `details.reason`), `ERR_POLICY_INPUT_INVALID`
 *   (`details.line`).
 * @example
 * ```ts
 * for await (const record of readPolicyInputLog(join(dir, POLICY_INPUTS_FILE))) count += 1;
 * ```
 */
export function readPolicyInputLog(file: string, options: ReadPolicyInputLogOptions = {}): AsyncIterable<PolicyInputRecord> {
  assertFile(file);
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'must be an object');
  const source = options.source ?? file;
  if (typeof source !== 'string') throw invalidArgument('options.source', 'must be a string');
  return streamRecords(file, source);
}

async function* streamRecords(file: string, source: string): AsyncGenerator<PolicyInputRecord> {
  let handle: FileHandle;
  try {
    handle = await openRegularFile(file);
  } catch (error) {
    throw readFailure(error, file);
  }
  try {
    const line = new LineParts();
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    let index = 0;
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, chunk.length, null));
      } catch (error) {
        throw readFailure(error, file);
      }
      if (bytesRead === 0) break;
      const data = chunk.subarray(0, bytesRead);
      for (let start = 0; start < data.length; ) {
        const newline = data.indexOf(0x0a, start);
        line.add(data.subarray(start, newline === -1 ? data.length : newline));
        if (newline === -1) break;
        const record = recordOfLine(line.take(false), { index, last: false, source });
        index += 1;
        start = newline + 1;
        if (record !== undefined) yield record;
      }
    }
    const record = recordOfLine(line.take(true), { index, last: true, source });
    if (record !== undefined) yield record;
  } finally {
    await handle.close();
  }
}

/**
 * The line being read, kept only up to its first NUL byte. JSON holds no NUL, so a line with one
 * is never a record; what matters is whether the NUL starts the zeros a file system can leave at
 * the end of the file (parsePolicyInputLog strips those from the last line) — so a run of zeros,
 * however long, takes no memory.
 */
class LineParts {
  #parts: Buffer[] = [];
  #nul = false;
  #dataAfterNul = false;
  // A byte-order mark stays, as in a text read: parsePolicyInputLog refuses the line too.
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  /** Add bytes of the line, at most a read chunk (copied: the caller's buffer is reused). */
  add(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.#nul) {
      if (!this.#dataAfterNul && !allZeros(bytes)) this.#dataAfterNul = true;
      return;
    }
    const nul = bytes.indexOf(0);
    this.#parts.push(Buffer.from(nul === -1 ? bytes : bytes.subarray(0, nul)));
    if (nul === -1) return;
    this.#nul = true;
    this.#dataAfterNul = !allZeros(bytes.subarray(nul));
  }

  /**
   * The line's text, and start the next: trailing zeros dropped from the `last` line only; a
   * line that keeps a NUL gets one back, so it fails to parse as the text would.
   */
  take(last: boolean): string {
    const text = this.#decoder.decode(Buffer.concat(this.#parts));
    const keepsNul = this.#nul && (!last || this.#dataAfterNul);
    this.#parts = [];
    this.#nul = false;
    this.#dataAfterNul = false;
    return keepsNul ? `${text}\u0000` : text;
  }
}

function readFailure(error: unknown, file: string): WritError {
  if (WritError.isInstance(error)) return error;
  const reason = (error as { code?: unknown } | null)?.code;
  return new WritError('ERR_STORE_IO', `cannot read the policy-input log ${file}`, { cause: error, details: { path: file, ...(typeof reason === 'string' && { reason }) } });
}
