/**
 * A {@link NonceStore} in a directory shared by processes on one host: each consumed
 * nonce is a file named after SHA-256 of its id, created with `O_CREAT | O_EXCL`, which
 * the kernel grants to exactly one caller. File and directory are fsync'd before
 * `consume` resolves `true`, so a consumed nonce survives a crash.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WritError } from '../errors.ts';
import { assertDate, assertNonceId, closedError } from './store-checks.ts';
import type { NonceStore } from './types.ts';

function ioError(cause: unknown): WritError {
  return WritError.isInstance(cause)
    ? cause
    : new WritError('ERR_STORE_IO', 'store I/O failed', { cause });
}

/** Single-use nonces as exclusive files in `dir`. */
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

  /** @inheritdoc */
  async consume(input: { readonly id: string; readonly expiresAt: Date }): Promise<boolean> {
    if (this.#closed) throw closedError();
    if (typeof input !== 'object' || input === null) assertNonceId(undefined);
    assertNonceId(input.id);
    assertDate(input.expiresAt, 'input.expiresAt');
    const name = createHash('sha256').update(input.id, 'utf8').digest('hex');
    let handle;
    try {
      handle = await open(join(this.#dir, name), 'wx');
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EEXIST') return false;
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

  /** @inheritdoc */
  async purgeExpired(now: Date): Promise<number> {
    if (this.#closed) throw closedError();
    assertDate(now, 'now');
    let removed = 0;
    try {
      for (const name of await readdir(this.#dir)) {
        if (!/^[0-9a-f]{64}$/.test(name)) continue;
        const path = join(this.#dir, name);
        const text = await readFile(path, 'utf8').catch(() => '');
        const expiresAt = Date.parse(text);
        // An empty file is a consume in progress (or a crash right after create): keep it.
        if (!Number.isNaN(expiresAt) && expiresAt < now.getTime()) {
          await rm(path, { force: true });
          removed += 1;
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
