/**
 * A witness's state in one JSON file, `{ "type": "writ.witness-state/v1", "logs": { origin:
 * note } }`: the latest checkpoint note it cosigned per log. One process owns the file while
 * it is open (a `<file>.lock` beside it, as the file stores lock their directory), so the
 * compare-and-set of {@link FileWitnessState.replace} is atomic; every change is written to
 * a temporary file, fsync'd, renamed over the state and the directory fsync'd before it
 * resolves — a witness never answers for a cosignature it has not recorded.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { WritError } from '../errors.ts';
import { invalidArgument } from '../invalid-argument.ts';
import type { WitnessState } from '../transcript/witness.ts';
import { acquireLock } from './file-lock.ts';
import type { HeldLock } from './file-lock.ts';

/** Format identifier of a witness state file. */
export const WITNESS_STATE_TYPE = 'writ.witness-state/v1';

function corrupt(path: string, reason: string): WritError {
  return new WritError('ERR_STORE_CORRUPT', `witness state ${path} is not a ${WITNESS_STATE_TYPE} document`, { details: { reason } });
}

async function writeDurably(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, 'w', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
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
   * Open (or start) the state file at `path` (its folder is created), taking its lock.
   * @throws `ERR_INVALID_ARGUMENT` (path), `ERR_STORE_LOCKED` (another process has it open),
   *   `ERR_STORE_CORRUPT` (not a state document), `ERR_STORE_IO`.
   */
  static async open(path: string): Promise<FileWitnessState> {
    if (typeof path !== 'string' || path.length === 0 || path.includes('\u0000')) throw invalidArgument('path', 'must be a file path');
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (error) {
      throw new WritError('ERR_STORE_IO', `cannot create the folder of witness state ${path}`, { cause: error });
    }
    const lock = await acquireLock(dirname(path), `${basename(path)}.lock`);
    try {
      let text: string | undefined;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
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
          if (typeof note !== 'string') throw corrupt(path, `logs.${origin}`);
          logs.set(origin, note);
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
    if (typeof origin !== 'string') throw invalidArgument('origin', 'must be a string');
    if (typeof next !== 'string') throw invalidArgument('next', 'must be a checkpoint note');
    if (this.#logs.get(origin) !== expected) return false;
    const logs = Object.fromEntries([...this.#logs, [origin, next]]);
    try {
      await writeDurably(this.#path, `${JSON.stringify({ type: WITNESS_STATE_TYPE, logs }, null, 2)}\n`);
    } catch (error) {
      throw new WritError('ERR_STORE_IO', `cannot write witness state ${this.#path}`, { cause: error });
    }
    this.#logs.set(origin, next);
    return true;
  }

  /** Release the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#lock.release();
  }
}
