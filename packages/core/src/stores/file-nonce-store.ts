/**
 * A {@link NonceStore} in a directory shared by processes on one host: each use of a
 * nonce is a file created with `O_CREAT | O_EXCL`, which the kernel grants to exactly one
 * caller. Use 1 is named after SHA-256 of the id (`<hex>`), use k > 1 `<hex>.<k>`; a caller
 * creates use k only after finding use k - 1 taken, so the taken uses are always 1..m and
 * exactly `maxUses` callers win, across processes. File and directory are fsync'd before
 * `consume` resolves `true`, so a recorded use survives a crash.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WritError } from '../errors.ts';
import { readRegularFile } from './regular-file.ts';
import { assertDate, assertNonceId, closedError, nonceMaxUses } from './store-checks.ts';
import type { NonceStore } from './types.ts';

function ioError(cause: unknown): WritError {
  return WritError.isInstance(cause)
    ? cause
    : new WritError('ERR_STORE_IO', 'store I/O failed', { cause });
}

const USE_FILE = /^[0-9a-f]{64}(?:\.[1-9][0-9]*)?$/;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return false;
    throw ioError(error);
  }
}

/** Counted nonces as exclusive files in `dir`. */
export class FileNonceStore implements NonceStore {
  readonly #dir: string;
  #closed = false;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  /**
   * Open (or create) a nonce directory.
   * @throws `ERR_INVALID_ARGUMENT`, `ERR_STORE_IO`.
   */
  static async open(options: { readonly dir: string }): Promise<FileNonceStore> {
    if (
      typeof options !== 'object' ||
      options === null ||
      typeof options.dir !== 'string' ||
      options.dir.length === 0
    ) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'options.dir must be a directory path', {
        details: { parameter: 'options.dir' },
      });
    }
    await mkdir(options.dir, { recursive: true }).catch((error: unknown) => {
      throw ioError(error);
    });
    return new FileNonceStore(options.dir);
  }

  // Use 1 keeps the single-use name of earlier versions, so their directories stay valid.
  #usePath(name: string, use: number): string {
    return join(this.#dir, use === 1 ? name : `${name}.${use}`);
  }

  // The first use that may still be free: taken uses are always 1..m, so gallop, then bisect.
  async #firstFree(name: string, maxUses: number): Promise<number> {
    if (!(await exists(this.#usePath(name, 1)))) return 1;
    let taken = 1; // known taken
    let step = 1;
    while (taken < maxUses) {
      const probe = Math.min(maxUses, taken + step);
      if (!(await exists(this.#usePath(name, probe)))) {
        // Somewhere in (taken, probe].
        let low = taken;
        let high = probe;
        while (high - low > 1) {
          const middle = low + Math.floor((high - low) / 2);
          if (await exists(this.#usePath(name, middle))) low = middle;
          else high = middle;
        }
        return high;
      }
      taken = probe;
      step *= 2;
    }
    return maxUses + 1;
  }

  /** @inheritdoc */
  async consume(input: { readonly id: string; readonly expiresAt: Date; readonly maxUses?: number }): Promise<boolean> {
    if (this.#closed) throw closedError();
    if (typeof input !== 'object' || input === null) assertNonceId(undefined);
    assertNonceId(input.id);
    assertDate(input.expiresAt, 'input.expiresAt');
    const maxUses = nonceMaxUses(input.maxUses);
    const name = createHash('sha256').update(input.id, 'utf8').digest('hex');
    // Racing callers each try the next use up; a lost race (EEXIST) moves one further.
    for (let use = maxUses === 1 ? 1 : await this.#firstFree(name, maxUses); use <= maxUses; use++) {
      let handle;
      try {
        handle = await open(this.#usePath(name, use), 'wx');
      } catch (error) {
        if ((error as { code?: unknown }).code === 'EEXIST') continue;
        throw ioError(error);
      }
      try {
        await handle.writeFile(input.expiresAt.toISOString());
        await handle.sync();
        await handle.close();
        const dir = await open(this.#dir, 'r');
        await dir.sync().finally(() => dir.close());
      } catch (error) {
        await handle.close().catch(() => undefined);
        throw ioError(error);
      }
      return true;
    }
    return false;
  }

  /** @inheritdoc */
  async purgeExpired(now: Date): Promise<number> {
    if (this.#closed) throw closedError();
    assertDate(now, 'now');
    let removed = 0;
    try {
      for (const name of await readdir(this.#dir)) {
        if (!USE_FILE.test(name)) continue;
        const path = join(this.#dir, name);
        // Not a plain readFile: a FIFO planted here would block it forever; a link is not read.
        const text = await readRegularFile(path).catch(() => '');
        const expiresAt = Date.parse(text);
        // An empty file is a consume in progress (or a crash right after create): keep it.
        if (!Number.isNaN(expiresAt) && expiresAt < now.getTime()) {
          await rm(path, { force: true });
          if (!name.includes('.')) removed += 1; // count nonces (their use-1 file), not uses
        }
      }
    } catch (error) {
      throw ioError(error);
    }
    return removed;
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
