/**
 * Opening the files of a store directory without trusting what they are: a FIFO (or device)
 * planted where `entries.jsonl`, a checkpoint or `trust-root.json` belongs would block a plain
 * `open`/`readFile` forever — and with it `writ verify`, `writ export` or a witness holding its
 * state lock; a symbolic link would make a reader check, or a writer append to, another file
 * than the directory holds. Opened non-blocking and without following a final link
 * (O_NOFOLLOW), then refused unless a regular file. The store directory itself may be a link.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, rename, rm } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WritError } from '../errors.ts';
import { invalidArgument } from '../invalid-argument.ts';

// O_NONBLOCK makes opening a FIFO return at once; it changes nothing for a regular file.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
// O_NOFOLLOW fails an open (ELOOP) whose last path component is a symbolic link; Windows has
// none, and `lstat` checks stand in.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** What a path is instead of a regular file, as `details.kind` of the error that refuses it. */
type NotRegularKind = 'symbolic-link' | 'directory' | 'fifo' | 'socket' | 'device' | 'other';

function notRegular(path: string, what: string, kind?: NotRegularKind): WritError {
  return new WritError('ERR_STORE_CORRUPT', `${path} is ${what}`, { details: { path, ...(kind !== undefined && { kind }) } });
}

function kindOf(info: Stats): NotRegularKind {
  if (info.isDirectory()) return 'directory';
  if (info.isFIFO()) return 'fifo';
  if (info.isSocket()) return 'socket';
  if (info.isBlockDevice() || info.isCharacterDevice()) return 'device';
  return 'other';
}

/**
 * `open(path, flags)` with O_NOFOLLOW: a symbolic link at `path` is refused, never followed.
 * Without O_NOFOLLOW (Windows) the path is checked with `lstat` first.
 * @throws `ERR_STORE_CORRUPT` (a symbolic link), file system errors (`ENOENT`, ...).
 */
export async function openNoFollow(path: string, flags: number, mode?: number): Promise<FileHandle> {
  if (NOFOLLOW === 0 && (await lstat(path).catch(() => undefined))?.isSymbolicLink() === true) throw notRegular(path, 'a symbolic link', 'symbolic-link');
  try {
    return await open(path, flags | NOFOLLOW, mode);
  } catch (error) {
    // ELOOP is also a loop of links in a folder above; only a link at `path` is named as one.
    if ((error as { code?: unknown }).code === 'ELOOP' && (await lstat(path).catch(() => undefined))?.isSymbolicLink() === true) {
      throw notRegular(path, 'a symbolic link', 'symbolic-link');
    }
    throw error;
  }
}

/**
 * Refuse `path` unless it is a folder itself, not a symbolic link to one (a linked `checkpoints/`
 * or `witnessed/` would take a writer's records, or a reader's evidence, from another folder).
 * A missing `path` passes: the caller creates it or treats it as empty.
 * @throws `ERR_STORE_CORRUPT` (a link or not a folder), file system errors other than `ENOENT`.
 */
export async function assertRealDirectory(path: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return;
    throw error;
  }
  if (info.isSymbolicLink()) throw notRegular(path, 'a symbolic link');
  if (!info.isDirectory()) throw notRegular(path, 'not a directory');
}

/** @throws `ERR_STORE_CORRUPT` unless the open handle is a regular file (closing it). */
export async function assertRegularFile(handle: FileHandle, path: string): Promise<void> {
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw notRegular(path, 'not a regular file', kindOf(info));
  }
}

/**
 * Open `path` for reading, refusing anything but a regular file (a symbolic link included).
 * @throws `ERR_STORE_CORRUPT` (a link or not a regular file), file system errors (`ENOENT`, ...).
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
  const handle = await openNoFollow(path, READ_FLAGS);
  await assertRegularFile(handle, path);
  return handle;
}

/** Options of {@link readRegularFile}. */
export interface ReadRegularFileOptions {
  /** Refuse a file of more bytes (`ERR_STORE_CORRUPT`, `details.kind` `'too-large'`); default: no limit. */
  readonly maxBytes?: number;
}

/**
 * Read a regular file as UTF-8 text.
 * @throws as {@link openRegularFile}; with `maxBytes`, `ERR_STORE_CORRUPT` for a longer file
 *   (only `maxBytes + 1` bytes are read, however long it is or grows).
 */
export async function readRegularFile(path: string, options: ReadRegularFileOptions = {}): Promise<string> {
  const handle = await openRegularFile(path);
  try {
    if (options.maxBytes === undefined) return await handle.readFile('utf8');
    const bytes = await readAtMost(handle, options.maxBytes);
    if (bytes === undefined) throw new WritError('ERR_STORE_CORRUPT', `${path} is larger than ${options.maxBytes} bytes`, { details: { path, kind: 'too-large', maxBytes: options.maxBytes } });
    return bytes.toString('utf8');
  } finally {
    await handle.close();
  }
}

// The file's bytes, or undefined when it holds more than `maxBytes`: read in chunks, never more
// than one byte past the limit (a file that grows while read is bounded too).
async function readAtMost(handle: FileHandle, maxBytes: number): Promise<Buffer | undefined> {
  if ((await handle.stat()).size > maxBytes) return undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(Math.min(1 << 16, maxBytes + 1 - total));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) return Buffer.concat(chunks, total);
    total += bytesRead;
    if (total > maxBytes) return undefined;
    chunks.push(chunk.subarray(0, bytesRead));
  }
}

/**
 * Read a file named as evidence — a trust-root document, a checkpoint note — as UTF-8 text, the
 * way Writ reads its own store files: opened non-blocking and without following a final
 * symbolic link, refused unless a regular file (a FIFO would block a plain `readFile` forever),
 * and at most `maxBytes` bytes read (a huge file does not fill memory). To accept a link a user
 * named, resolve it first (`realpath`).
 * @throws `ERR_INVALID_ARGUMENT` (`path`, `options.maxBytes`), `ERR_STORE_CORRUPT` (`details.kind`:
 *   `symbolic-link`, `directory`, `fifo`, `socket`, `device`, `other` — not a regular file; or
 *   `too-large`: more than `maxBytes` bytes), `ERR_STORE_IO` (the file system refused: its error
 *   is the `cause`, its code — `ENOENT`, `EACCES`, ... — `details.reason`).
 * @example
 * ```ts
 * const text = await readEvidenceFile('/etc/writ/trust-root.json', { maxBytes: 4 << 20 });
 * ```
 */
export async function readEvidenceFile(path: string, options: { readonly maxBytes: number }): Promise<string> {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\u0000')) throw invalidArgument('path', 'must be a file path');
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'must be an object');
  const { maxBytes } = options;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw invalidArgument('options.maxBytes', 'must be a non-negative integer');
  try {
    return await readRegularFile(path, { maxBytes });
  } catch (error) {
    if (WritError.isInstance(error)) throw error;
    const reason = (error as { code?: unknown } | null)?.code;
    throw new WritError('ERR_STORE_IO', `cannot read ${path}`, { cause: error, details: { path, ...(typeof reason === 'string' && { reason }) } });
  }
}

/**
 * Replace the file at `path` with `text`, whole or not at all, durably: a fresh temporary file
 * beside it (random name, created exclusively, so a symlink planted at a predictable name is
 * never followed), fsync, rename over `path` (a symlink at `path` is replaced, not written
 * through), fsync of the directory.
 * @throws `ERR_INVALID_ARGUMENT` (arguments), `ERR_STORE_IO` (the file system's error as `cause`).
 */
export async function writeFileDurably(path: string, text: string): Promise<void> {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\u0000')) throw invalidArgument('path', 'must be a file path');
  if (typeof text !== 'string') throw invalidArgument('text', 'must be a string');
  try {
    await replaceFile(path, text);
  } catch (error) {
    throw new WritError('ERR_STORE_IO', `cannot write ${path}`, { cause: error, details: { path } });
  }
}

async function replaceFile(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
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
