/**
 * Reads a policy, bundle, wasm or data file named by the user (or found in a policy folder),
 * refusing what is not a regular file and what is larger than its limit.
 */
import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { WritError } from '@writ/core';
import { DEFAULT_MAX_BUNDLE_BYTES } from './read-bundle.ts';

// O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer, so the
// check of what was opened (fstat) is reached. Windows has no such flag, and no FIFOs to open.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const CHUNK_BYTES = 1 << 16;

/** Options of {@link readRegularFile}. */
export interface ReadRegularFileOptions {
  /** Refuse a file of more bytes (`ERR_POLICY_SOURCE_INVALID`, `details.kind` `'too-large'`). */
  readonly maxBytes: number;
}

/**
 * The most bytes a policy file in a folder or named alone (`.rego`, `data.json`, wasm) is read up
 * to: the budget a whole bundle may inflate to (default 64 MiB, or a larger `maxBundleBytes`) —
 * a file beyond it could not be loaded from a bundle either.
 */
export function maxPolicyFileBytes(maxBundleBytes?: number): number {
  return isBudget(maxBundleBytes) ? Math.max(DEFAULT_MAX_BUNDLE_BYTES, maxBundleBytes) : DEFAULT_MAX_BUNDLE_BYTES;
}

/**
 * The most bytes a bundle file (`.tar.gz`) is read up to: its inflate budget plus 1/64 and 64 KiB.
 * Deflate never grows data by more than 5 bytes a 16 KiB block (stored blocks) and gzip's headers
 * are small, so a larger file cannot be a bundle `readBundle` accepts; it is refused unread. An
 * invalid budget is left to `readBundle` to refuse, with the default read limit here.
 */
export function maxBundleFileBytes(maxBundleBytes?: number): number {
  const budget = isBudget(maxBundleBytes) ? maxBundleBytes : DEFAULT_MAX_BUNDLE_BYTES;
  return budget + Math.ceil(budget / 64) + 64 * 1024;
}

function isBudget(value: number | undefined): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function notFound(location: string, cause: unknown): WritError {
  return new WritError('ERR_POLICY_NOT_FOUND', `${location}: cannot read file`, { cause, details: { location } });
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'directory';
  if (info.isFIFO()) return 'fifo';
  if (info.isSocket()) return 'socket';
  if (info.isBlockDevice() || info.isCharacterDevice()) return 'device';
  return 'other';
}

function notRegular(location: string, info: Stats): WritError {
  return new WritError('ERR_POLICY_SOURCE_INVALID', `${location}: not a regular file`, { details: { location, kind: kindOf(info) } });
}

function tooLarge(location: string, maxBytes: number): WritError {
  return new WritError('ERR_POLICY_SOURCE_INVALID', `${location}: larger than ${maxBytes} bytes`, { details: { location, kind: 'too-large', maxBytes } });
}

/**
 * Reads `location` (relative to `cwd`; a link is followed) fully, if it is a regular file of at
 * most `maxBytes`: opened non-blocking and checked after opening, so a FIFO is refused at once
 * even when it took a file's place after a check, and never more than `maxBytes + 1` bytes read.
 *
 * @throws WritError `ERR_POLICY_NOT_FOUND` when it cannot be read, `ERR_POLICY_SOURCE_INVALID`
 *   for a directory, FIFO, socket or device (`details.kind`: `directory`, `fifo`, ...) or a file
 *   over `maxBytes` (`too-large`).
 */
export async function readRegularFile(location: string, cwd: string, options: ReadRegularFileOptions): Promise<Uint8Array> {
  const path = resolve(cwd, location);
  // Checked before opening too: opening a device can have effects of its own.
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw notFound(location, error);
  }
  if (!info.isFile()) throw notRegular(location, info);
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    throw notFound(location, error);
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw notRegular(location, opened);
    if (opened.size > options.maxBytes) throw tooLarge(location, options.maxBytes);
    const bytes = await readAtMost(handle, options.maxBytes);
    if (bytes === undefined) throw tooLarge(location, options.maxBytes);
    return bytes;
  } catch (error) {
    throw WritError.isInstance(error) ? error : notFound(location, error);
  } finally {
    await handle.close();
  }
}

// The file's bytes in one exact-size array (no pooled view), or undefined past `maxBytes`: read in
// chunks, never more than one byte past the limit (a file that grows while read is bounded too).
async function readAtMost(handle: FileHandle, maxBytes: number): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array(Math.min(CHUNK_BYTES, maxBytes + 1 - total));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > maxBytes) return undefined;
    chunks.push(chunk.subarray(0, bytesRead));
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
