/**
 * An {@link ApprovalStore} in a directory shared by processes on one host: one JCS record
 * file per intent digest, replaced atomically (write, fsync, rename, fsync directory).
 * Every read-modify-write holds a per-record exclusive lock file (`<digest>.lock`, the
 * same stale-pid-aware lock as the ledger's writer lock), so compare-and-set transitions
 * succeed for exactly one caller across processes.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { canonicalize } from '../canonical/canonicalize.ts';
import { WritError } from '../errors.ts';
import { acquireLock } from './file-lock.ts';
import { readRegularFile, writeFileDurably } from './regular-file.ts';
import {
  APPROVAL_RULES,
  assertDate,
  assertDigest,
  assertPlainObject,
  closedError,
} from './store-checks.ts';
import type {
  ApprovalRecord,
  ApprovalStatus,
  ApprovalStore,
  JsonObject,
  Sha256Digest,
} from './types.ts';

const LOCK_WAIT_MS = 10_000;

function ioError(cause: unknown): WritError {
  return WritError.isInstance(cause)
    ? cause
    : new WritError('ERR_STORE_IO', 'store I/O failed', { cause });
}

function notFound(): WritError {
  return new WritError('ERR_STORE_NOT_FOUND', 'no approval request for this intent digest');
}

/** Approval requests as files in `dir`. */
export class FileApprovalStore implements ApprovalStore {
  readonly #dir: string;
  #closed = false;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  /** Open (or create) an approval directory. @throws `ERR_INVALID_ARGUMENT`, `ERR_STORE_IO`. */
  static async open(options: { readonly dir: string }): Promise<FileApprovalStore> {
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
    return new FileApprovalStore(options.dir);
  }

  /** @inheritdoc */
  async request(input: {
    intentDigest: Sha256Digest;
    requestedAt: Date;
    expiresAt: Date;
    request: JsonObject;
  }): Promise<ApprovalRecord> {
    this.#open();
    if (typeof input !== 'object' || input === null) assertPlainObject(input, 'input');
    assertDigest(input.intentDigest, 'input.intentDigest');
    assertDate(input.requestedAt, 'input.requestedAt');
    assertDate(input.expiresAt, 'input.expiresAt');
    assertPlainObject(input.request, 'input.request');
    const request = JSON.parse(canonicalize(input.request)) as JsonObject;
    return this.#update(input.intentDigest, (existing) => {
      if (existing !== undefined) return { record: existing, changed: false };
      const requestedAt = input.requestedAt.toISOString();
      const record: ApprovalRecord = {
        intentDigest: input.intentDigest,
        status: 'pending',
        requestedAt,
        expiresAt: input.expiresAt.toISOString(),
        request,
        statements: [],
        updatedAt: requestedAt,
      };
      return { record, changed: true };
    });
  }

  /** @inheritdoc */
  async get(intentDigest: Sha256Digest): Promise<ApprovalRecord | undefined> {
    this.#open();
    assertDigest(intentDigest, 'intentDigest');
    return this.#read(intentDigest);
  }

  /** @inheritdoc */
  async addStatement(input: {
    intentDigest: Sha256Digest;
    statement: JsonObject;
  }): Promise<ApprovalRecord> {
    this.#open();
    if (typeof input !== 'object' || input === null) assertPlainObject(input, 'input');
    assertDigest(input.intentDigest, 'input.intentDigest');
    assertPlainObject(input.statement, 'input.statement');
    const text = canonicalize(input.statement);
    return this.#update(input.intentDigest, (record) => {
      if (record === undefined) throw notFound();
      if (!APPROVAL_RULES.acceptsStatements(record)) {
        throw new WritError('ERR_STORE_CONFLICT', 'approval request no longer accepts statements', {
          details: { status: record.status },
        });
      }
      if (record.statements.some((statement) => canonicalize(statement) === text))
        return { record, changed: false };
      return {
        record: { ...record, statements: [...record.statements, JSON.parse(text) as JsonObject] },
        changed: true,
      };
    });
  }

  /** @inheritdoc */
  async resolve(input: {
    intentDigest: Sha256Digest;
    status: 'approved' | 'rejected' | 'expired';
    at: Date;
  }): Promise<boolean> {
    this.#open();
    if (typeof input !== 'object' || input === null) assertPlainObject(input, 'input');
    assertDigest(input.intentDigest, 'input.intentDigest');
    assertDate(input.at, 'input.at');
    if (!['approved', 'rejected', 'expired'].includes(input.status)) {
      throw new WritError(
        'ERR_INVALID_ARGUMENT',
        'input.status must be approved, rejected or expired',
        { details: { parameter: 'input.status' } },
      );
    }
    return this.#transition({
      intentDigest: input.intentDigest,
      from: 'pending',
      to: input.status,
      at: input.at,
    });
  }

  /** @inheritdoc */
  async consume(input: { intentDigest: Sha256Digest; at: Date }): Promise<boolean> {
    this.#open();
    if (typeof input !== 'object' || input === null) assertPlainObject(input, 'input');
    assertDigest(input.intentDigest, 'input.intentDigest');
    assertDate(input.at, 'input.at');
    return this.#transition({
      intentDigest: input.intentDigest,
      from: 'approved',
      to: 'consumed',
      at: input.at,
    });
  }

  /** @inheritdoc */
  async *pending(): AsyncIterable<ApprovalRecord> {
    this.#open();
    const records: ApprovalRecord[] = [];
    for (const name of await readdir(this.#dir)) {
      if (!/^[0-9a-f]{64}\.json$/.test(name)) continue;
      const record = await this.#read(`sha256:${name.slice(0, 64)}`);
      if (record?.status === 'pending') records.push(record);
    }
    records.sort((a, b) =>
      a.requestedAt < b.requestedAt ? -1 : a.requestedAt > b.requestedAt ? 1 : 0,
    );
    yield* records;
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  async #transition(change: {
    intentDigest: Sha256Digest;
    from: ApprovalStatus;
    to: ApprovalStatus;
    at: Date;
  }): Promise<boolean> {
    let moved = false;
    await this.#update(change.intentDigest, (record) => {
      if (record === undefined) throw notFound();
      if (record.status !== change.from) return { record, changed: false };
      moved = true;
      return {
        record: { ...record, status: change.to, updatedAt: change.at.toISOString() },
        changed: true,
      };
    });
    return moved;
  }

  #open(): void {
    if (this.#closed) throw closedError();
  }

  #path(intentDigest: string): string {
    return join(this.#dir, `${intentDigest.slice(7)}.json`);
  }

  async #read(intentDigest: string): Promise<ApprovalRecord | undefined> {
    let text: string;
    try {
      // A link or a FIFO where a record belongs is refused (ERR_STORE_CORRUPT), not followed.
      text = await readRegularFile(this.#path(intentDigest));
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
      throw ioError(error);
    }
    try {
      return JSON.parse(text) as ApprovalRecord;
    } catch {
      throw new WritError('ERR_STORE_CORRUPT', 'approval record is corrupt');
    }
  }

  // Read-modify-write under the record's lock; waits for a concurrent holder.
  async #update(
    intentDigest: string,
    change: (record: ApprovalRecord | undefined) => { record: ApprovalRecord; changed: boolean },
  ): Promise<ApprovalRecord> {
    const lockName = `${intentDigest.slice(7)}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    let lock;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        lock = await acquireLock(this.#dir, lockName);
        break;
      } catch (error) {
        if (
          !(WritError.isInstance(error) && error.code === 'ERR_STORE_LOCKED') ||
          Date.now() > deadline
        )
          throw ioError(error);
        await sleep(wait);
      }
    }
    try {
      const { record, changed } = change(await this.#read(intentDigest));
      // A temporary file of a random name, created exclusively (a link planted at a
      // predictable name is never written through), fsync'd, renamed over, directory fsync'd.
      if (changed) await writeFileDurably(this.#path(intentDigest), canonicalize(record));
      return record;
    } catch (error) {
      throw ioError(error);
    } finally {
      await lock.release();
    }
  }
}
