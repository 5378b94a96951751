/** Loading the trust root a verification is pinned to. */
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createTrustRoot, isWritError, readEvidenceFile } from '@writ/core';
import type { TrustRoot, TrustRootDocument } from '@writ/core';
import { UsageError, fileUsageError } from './cli-context.ts';

/**
 * The most bytes a trust-root document is read up to. A document lists at most 1,024 keys of a
 * few hundred bytes each; a larger file is not one, and is not read whole.
 */
export const MAX_TRUST_ROOT_BYTES = 4 * 1024 * 1024;

/** Stable codes of the usage errors for a trust-root file that is not a readable regular file. */
export const TRUST_ROOT_FILE_CODES = { notRegular: 'ERR_NOT_REGULAR_FILE', tooLarge: 'ERR_FILE_TOO_LARGE' } as const;

const KINDS: Readonly<Record<string, string>> = {
  'symbolic-link': 'a symbolic link',
  fifo: 'a FIFO',
  socket: 'a socket',
  device: 'a device',
};

/**
 * The usage error for a file `writ` reads as evidence (core's `readEvidenceFile`, or a reader
 * built on the same regular-file checks) that it refused: `what` starts the message, `tooLarge`
 * ends the one for a file over its limit. The same words and codes for every such file.
 * @returns a UsageError — the system's code (`ENOENT`, ...), `EISDIR`, `ERR_NOT_REGULAR_FILE`
 *   (a FIFO, socket, device or link), `ERR_FILE_TOO_LARGE` — or `error` itself when it is none of these.
 */
export function evidenceFileError(error: unknown, what: string, tooLarge = 'larger than its size limit'): unknown {
  if (!isWritError(error)) return error;
  const details = error.details as { kind?: unknown } | undefined;
  if (error.code === 'ERR_STORE_IO') return fileUsageError(what, error.cause);
  if (error.code !== 'ERR_STORE_CORRUPT') return error;
  if (details?.kind === 'directory') return new UsageError(`${what}: is a directory, not a file`, 'EISDIR');
  if (details?.kind === 'too-large') return new UsageError(`${what}: ${tooLarge}`, TRUST_ROOT_FILE_CODES.tooLarge);
  const kind = typeof details?.kind === 'string' ? KINDS[details.kind] : undefined;
  return new UsageError(`${what}: not a regular file${kind === undefined ? '' : ` (${kind})`}`, TRUST_ROOT_FILE_CODES.notRegular);
}

/**
 * The text of the trust-root document at `path` (absolute), read with core's bounded
 * regular-file reader: a FIFO is refused at once instead of blocking the command, a file over
 * {@link MAX_TRUST_ROOT_BYTES} is refused unread. `what` starts every message. A symbolic link
 * is refused (`ERR_NOT_REGULAR_FILE`): resolve one the user named before calling.
 * @returns undefined when `missing` is `'undefined'` and there is no file at `path`.
 * @throws UsageError: `ENOENT` and the other system codes, `EISDIR` (a directory),
 *   `ERR_NOT_REGULAR_FILE` (a FIFO, socket, device or link), `ERR_FILE_TOO_LARGE`.
 */
export async function readTrustRootText(path: string, what: string): Promise<string>;
export async function readTrustRootText(path: string, what: string, missing: 'undefined'): Promise<string | undefined>;
export async function readTrustRootText(path: string, what: string, missing?: 'undefined'): Promise<string | undefined> {
  try {
    return await readEvidenceFile(path, { maxBytes: MAX_TRUST_ROOT_BYTES });
  } catch (error) {
    if (missing === 'undefined' && isWritError(error, 'ERR_STORE_IO') && (error.details as { reason?: unknown } | undefined)?.reason === 'ENOENT') return undefined;
    throw evidenceFileError(error, what, `larger than ${MAX_TRUST_ROOT_BYTES} bytes, more than any trust-root document holds`);
  }
}

/**
 * The most bytes a checkpoint note the user names (`writ verify --anchor`, `writ export
 * --checkpoint`) is read up to: as core reads checkpoint files and kept notes (64 KiB).
 */
export const MAX_CHECKPOINT_NOTE_BYTES = 64 * 1024;

/**
 * The text of a file the user named on the command line as evidence (`path`, resolved against
 * `cwd`): a link is followed (they named it), then only a regular file of at most `maxBytes` is
 * read — a FIFO is refused at once instead of blocking the command, a larger file unread.
 * `what` starts every message, `tooLarge` ends the one for a file over the limit.
 * @throws UsageError as {@link evidenceFileError}.
 */
export async function readNamedEvidenceFile(input: { path: string; cwd: string; maxBytes: number; what: string; tooLarge: string }): Promise<string> {
  let target: string;
  try {
    target = await realpath(resolve(input.cwd, input.path));
  } catch (error) {
    throw fileUsageError(input.what, error);
  }
  try {
    return await readEvidenceFile(target, { maxBytes: input.maxBytes });
  } catch (error) {
    throw evidenceFileError(error, input.what, input.tooLarge);
  }
}

/** What a file given as a trust root is instead, when it is one of the other files `writ` writes. */
function mistakenFor(document: unknown): string {
  if (typeof document !== 'object' || document === null) return '';
  if ('payloadType' in document && 'signatures' in document) return ' — it is a signed trust-root version (a DSSE envelope of .writ/trust-root/NNNN.json); pass the document itself, .writ/trust-root.json';
  if ('seed' in document && 'keyId' in document) return ' — it is a private key file; pass the trust-root document, .writ/trust-root.json (and keep the key file to yourself)';
  return '';
}

/** Parse a trust-root document; a bad one is a usage error naming `source`. */
export function trustRootFrom(document: unknown, source: string): TrustRoot {
  try {
    return createTrustRoot(document as TrustRootDocument);
  } catch (error) {
    throw new UsageError(`${source}: not a valid trust root${mistakenFor(document)}`, isWritError(error) ? error.code : undefined);
  }
}

/**
 * Read and parse `--trust-root FILE` (bounded, a FIFO refused: {@link readTrustRootText}).
 * @throws UsageError (see {@link readTrustRootText}; not JSON; not a valid trust root).
 */
export async function readTrustRootFile(
  path: string,
  cwd: string,
): Promise<{ trustRoot: TrustRoot; document: TrustRootDocument }> {
  const what = `--trust-root ${path}: cannot read the trust-root document`;
  // A link the user named is followed (pinning /etc/writ/trust-root.json -> a versioned file is
  // common); what it leads to must still be a regular file of sane size.
  let target: string;
  try {
    target = await realpath(resolve(cwd, path));
  } catch (error) {
    throw fileUsageError(what, error);
  }
  const text = await readTrustRootText(target, what);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new UsageError(`--trust-root ${path}: not JSON (a trust root is the JSON document writ init writes to .writ/trust-root.json)`);
  }
  return {
    trustRoot: trustRootFrom(document, `--trust-root ${path}`),
    document: document as TrustRootDocument,
  };
}
