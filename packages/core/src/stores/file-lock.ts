/**
 * One writer per directory: an `O_CREAT | O_EXCL` lock file holding the owner's pid,
 * host and start time. A lock whose owner is a dead process on this host is stale and
 * is broken under a second exclusive "break" file, after re-reading it, so two
 * processes breaking the same stale lock cannot remove each other's fresh lock.
 * See docs/decisions (file store format and locking).
 */
import { lstat, open, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { WritError } from '../errors.ts';
import { readRegularFile } from './regular-file.ts';

/** Name of the lock file inside a store directory. */
export const LOCK_FILE = 'writer.lock';
/** Name of the short-lived file that serializes breaking a stale writer lock. */
export const BREAK_FILE = `${LOCK_FILE}.break`;
// An empty or unreadable lock younger than this may be a writer between create and write.
const UNREADABLE_GRACE_MS = 5_000;

/** The owner recorded in a lock file. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** A held lock; `release` is idempotent. */
export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function ioError(cause: unknown): WritError {
  return new WritError('ERR_STORE_IO', 'store I/O failed', { cause });
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    // Not a plain readFile: a FIFO planted as the lock would block it forever (with the caller
    // waiting for the lock); a link or a FIFO reads as no owner, so it ages out like an empty lock.
    const parsed = JSON.parse(await readRegularFile(path)) as Partial<LockOwner>;
    if (
      typeof parsed.pid === 'number' &&
      typeof parsed.host === 'string' &&
      typeof parsed.since === 'string'
    ) {
      return { pid: parsed.pid, host: parsed.host, since: parsed.since };
    }
  } catch (error) {
    if (isCode(error, 'ENOENT')) throw error;
  }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return isCode(error, 'EPERM');
  }
}

async function isStale(path: string, owner: LockOwner | undefined): Promise<boolean> {
  if (owner === undefined) {
    const info = await lstat(path);
    return Date.now() - info.mtimeMs > UNREADABLE_GRACE_MS;
  }
  // A lock from another host cannot be probed; only its owner or an operator may remove it.
  return owner.host === hostname() && !processAlive(owner.pid);
}

function lockedError(path: string, owner: LockOwner | undefined): WritError {
  const dir = dirname(path);
  const who = owner
    ? `pid ${owner.pid} on ${owner.host} since ${owner.since}`
    : 'a writer that is starting';
  return new WritError(
    'ERR_STORE_LOCKED',
    `store directory is locked by another writer (${who}); only one writer per directory is allowed. ` +
      `If that process is gone from another host, remove ${path} by hand.`,
    { details: { dir, ...(owner && { pid: owner.pid, host: owner.host }) } },
  );
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw ioError(error);
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function breakStaleLock(path: string, observed: LockOwner | undefined): Promise<void> {
  const breakPath = `${path}.break`;
  if (!(await createExclusive(breakPath, String(process.pid)))) {
    // Someone else is breaking it (or crashed doing so long ago).
    const info = await lstat(breakPath).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > UNREADABLE_GRACE_MS)
      await rm(breakPath, { force: true });
    return;
  }
  try {
    const current = await readOwner(path).catch((error: unknown) => {
      if (isCode(error, 'ENOENT')) return null;
      throw error;
    });
    if (current === null) return;
    const same = JSON.stringify(current) === JSON.stringify(observed);
    if (same && (await isStale(path, current))) await rm(path, { force: true });
  } finally {
    await rm(breakPath, { force: true });
  }
}

/**
 * Take the lock `name` (default: the writer lock) of `dir`.
 * @throws `ERR_STORE_LOCKED` (held by a live process or another host), `ERR_STORE_IO`.
 */
export async function acquireLock(dir: string, name: string = LOCK_FILE): Promise<HeldLock> {
  const path = join(dir, name);
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createExclusive(path, JSON.stringify(owner))) {
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          const current = await readOwner(path).catch(() => undefined);
          if (current && current.pid === owner.pid && current.since === owner.since)
            await rm(path, { force: true });
        },
      };
    }
    let holder: LockOwner | undefined;
    try {
      holder = await readOwner(path);
      if (!(await isStale(path, holder))) throw lockedError(path, holder);
    } catch (error) {
      if (isCode(error, 'ENOENT')) continue;
      if (WritError.isInstance(error)) throw error;
      throw ioError(error);
    }
    await breakStaleLock(path, holder).catch((error: unknown) => {
      throw WritError.isInstance(error) ? error : ioError(error);
    });
  }
  throw lockedError(path, undefined);
}
