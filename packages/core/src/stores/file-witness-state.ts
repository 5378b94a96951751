/**
 * A witness's state in one JSON file, `{ "type": "writ.witness-state/v1", "logs": { origin:
 * note } }`: the latest checkpoint note it cosigned per log. One process owns the file while
 * it is open (a `<file>.lock` beside it, as the file stores lock their directory), so the
 * compare-and-set of {@link FileWitnessState.replace} is atomic; every change is written to
 * a temporary file, fsync'd, renamed over the state and the directory fsync'd before it
 * resolves — a witness never answers for a cosignature it has not recorded.
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WritError } from '../errors.ts';
import { invalidArgument } from '../invalid-argument.ts';
import { parseCheckpoint } from '../transcript/checkpoint.ts';
import { parseNote } from '../transcript/signed-note.ts';
import { assertWitnessRecord } from '../transcript/witness.ts';
import type { WitnessState } from '../transcript/witness.ts';
import { acquireLock } from './file-lock.ts';
import { readRegularFile, writeFileDurably } from './regular-file.ts';
import type { HeldLock } from './file-lock.ts';

/** Format identifier of a witness state file. */
export const WITNESS_STATE_TYPE = 'writ.witness-state/v1';

function corrupt(path: string, reason: string): WritError {
  return new WritError('ERR_STORE_CORRUPT', `witness state ${path} is not a ${WITNESS_STATE_TYPE} document`, { details: { reason } });
}

/** A {@link WitnessState} kept in a file; open it with {@link FileWitnessState.open}. */
export class FileWitnessState implements WitnessState {
  readonly #path: string;
  readonly #logs: Map<string, string>;
  readonly #lock: HeldLock;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string, logs: Map<string, string>, lock: HeldLock) {
    this.#path = path;
    this.#logs = logs;
    this.#lock = lock;
  }

  /**
   * Open (or start) the state file at `path` (its folder is created), taking its lock — waiting
   * up to `options.waitMs` (default 0) while another process holds it.
   * @throws `ERR_INVALID_ARGUMENT` (path), `ERR_STORE_LOCKED` (another process has it open),
   *   `ERR_STORE_CORRUPT` (not a regular file, not a state document, or a record that is not a
   *   checkpoint of the log it is filed under), `ERR_STORE_IO`.
   */
  static async open(path: string, options: { readonly waitMs?: number } = {}): Promise<FileWitnessState> {
    if (typeof path !== 'string' || path.length === 0 || path.includes('\u0000')) throw invalidArgument('path', 'must be a file path');
    if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'must be an object');
    const waitMs = options.waitMs ?? 0;
    if (!Number.isSafeInteger(waitMs) || waitMs < 0) throw invalidArgument('options.waitMs', 'must be a non-negative integer');
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (error) {
      throw new WritError('ERR_STORE_IO', `cannot create the folder of witness state ${path}`, { cause: error });
    }
    const deadline = Date.now() + waitMs;
    let lock: HeldLock;
    for (;;) {
      try {
        lock = await acquireLock(dirname(path), `${basename(path)}.lock`);
        break;
      } catch (error) {
        if (!WritError.isInstance(error) || error.code !== 'ERR_STORE_LOCKED' || Date.now() >= deadline) throw error;
        await sleep(Math.min(100, Math.max(1, deadline - Date.now())));
      }
    }
    try {
      let text: string | undefined;
      try {
        // Opened non-blocking and refused unless a regular file: a FIFO here blocked a plain
        // readFile forever, with the lock held.
        text = await readRegularFile(path);
      } catch (error) {
        if (WritError.isInstance(error)) throw corrupt(path, 'not a regular file');
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new WritError('ERR_STORE_IO', `cannot read witness state ${path}`, { cause: error });
      }
      const logs = new Map<string, string>();
      if (text !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw corrupt(path, 'not JSON');
        }
        const state = parsed as { type?: unknown; logs?: unknown } | null;
        if (typeof state !== 'object' || state === null || state.type !== WITNESS_STATE_TYPE) throw corrupt(path, 'type');
        if (typeof state.logs !== 'object' || state.logs === null || Array.isArray(state.logs)) throw corrupt(path, 'logs');
        for (const [origin, note] of Object.entries(state.logs)) {
          // Each record is the anchor the log's next round is held to: it must be a checkpoint
          // of the log it is filed under.
          let recorded: string | undefined;
          try {
            recorded = typeof note === 'string' ? parseCheckpoint(parseNote(note).text).origin : undefined;
          } catch {
            recorded = undefined;
          }
          if (recorded !== origin) throw corrupt(path, `the record of ${JSON.stringify(origin)} is not a checkpoint of that log`);
          logs.set(origin, note as string);
        }
      }
      return new FileWitnessState(path, logs, lock);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** @inheritdoc */
  latest(origin: string): Promise<string | undefined> {
    if (this.#closed) return Promise.reject(new WritError('ERR_STORE_CLOSED', 'witness state is closed'));
    if (typeof origin !== 'string') return Promise.reject(invalidArgument('origin', 'must be a string'));
    return Promise.resolve(this.#logs.get(origin));
  }

  /** @inheritdoc */
  replace(origin: string, expected: string | undefined, next: string): Promise<boolean> {
    // One replace at a time: the compare and the write it guards must not interleave.
    const result = this.#queue.then(() => this.#replace(origin, expected, next));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #replace(origin: string, expected: string | undefined, next: string): Promise<boolean> {
    if (this.#closed) throw new WritError('ERR_STORE_CLOSED', 'witness state is closed');
    assertWitnessRecord(origin, next);
    if (this.#logs.get(origin) !== expected) return false;
    const logs = Object.fromEntries([...this.#logs, [origin, next]]);
    try {
      await writeFileDurably(this.#path, `${JSON.stringify({ type: WITNESS_STATE_TYPE, logs }, null, 2)}\n`);
    } catch (error) {
      throw new WritError('ERR_STORE_IO', `cannot write witness state ${this.#path}`, { cause: error });
    }
    this.#logs.set(origin, next);
    return true;
  }

  /** Release the lock once a replace in flight has finished. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Released at once, another process could open the state while a write was still landing,
    // read the old record and cosign a fork of what this one was answering 200 for.
    await this.#queue;
    await this.#lock.release();
  }
}
