/**
 * C2SP tlog-checkpoint bodies (https://c2sp.org/tlog-checkpoint): origin, decimal tree
 * size, base64 root hash, then optional extension lines. Writ adds one extension line,
 * `writ-time <RFC 3339>`, the signing time against which the verifier checks the ledger
 * key's validity; witness tooling ignores extension lines it does not know.
 */
import { WritError } from '../errors.ts';
import { fromBase64, toBase64 } from '../crypto/encoding.ts';
import type { Signer } from '../crypto/signer.ts';
import { HASH_SIZE } from './merkle.ts';
import { signNote } from './signed-note.ts';
import { isUtcTime } from './time.ts';
import { assertOptions } from '../invalid-argument.ts';

/** A parsed checkpoint body. */
export interface Checkpoint {
  /** Unique log identity, e.g. `writ.example/ledger/<session>`. */
  readonly origin: string;
  readonly size: number;
  /** 32-byte RFC 6962 root hash. */
  readonly root: Uint8Array;
  /** Signing time from the `writ-time` extension line, when present. */
  readonly time: string | undefined;
  /** All extension lines, verbatim (including `writ-time`). */
  readonly extensions: readonly string[];
}

const TIME_PREFIX = 'writ-time ';

function malformed(reason: string): WritError {
  return new WritError('ERR_CHECKPOINT_MALFORMED', 'checkpoint is malformed', {
    details: { reason },
  });
}

/**
 * Format a checkpoint body.
 * @throws `ERR_INVALID_ARGUMENT` naming the offending field.
 */
export function formatCheckpoint(checkpoint: {
  origin: string;
  size: number;
  root: Uint8Array;
  time?: string;
}): string {
  assertOptions(checkpoint, 'checkpoint');
  const { origin, size, root, time } = checkpoint;
  const bad = (parameter: string): WritError =>
    new WritError('ERR_INVALID_ARGUMENT', `checkpoint ${parameter} is invalid`, {
      details: { parameter },
    });
  if (typeof origin !== 'string' || origin.length === 0 || /[\s]/u.test(origin))
    throw bad('origin');
  if (!Number.isSafeInteger(size) || size < 0) throw bad('size');
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) throw bad('root');
  if (time !== undefined && !isUtcTime(time)) throw bad('time');
  const lines = [origin, String(size), toBase64(root)];
  if (time !== undefined) lines.push(`${TIME_PREFIX}${time}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Parse a checkpoint body (the signed text of the note, without signatures).
 * @throws `ERR_CHECKPOINT_MALFORMED`.
 */
export function parseCheckpoint(text: unknown): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n') || text.length > 100_000)
    throw malformed('not newline-terminated text');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('fewer than three lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [
    string,
    string,
    string,
    ...string[],
  ];
  if (origin.length === 0) throw malformed('empty origin');
  if (!/^(0|[1-9]\d{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw malformed('size');
  let root: Uint8Array;
  try {
    root = fromBase64(rootText);
  } catch {
    throw malformed('root encoding');
  }
  if (root.length !== HASH_SIZE || toBase64(root) !== rootText) throw malformed('root');
  if (extensions.some((line) => line.length === 0)) throw malformed('empty extension line');
  const timeLines = extensions.filter((line) => line.startsWith(TIME_PREFIX));
  if (timeLines.length > 1) throw malformed('more than one writ-time line');
  const time = timeLines[0]?.slice(TIME_PREFIX.length);
  if (time !== undefined && !isUtcTime(time)) throw malformed('writ-time');
  return { origin, size: Number(sizeText), root, time, extensions };
}

/**
 * Format and sign a checkpoint as a signed note; the key name is the origin.
 * @throws `ERR_INVALID_ARGUMENT`.
 */
export function signCheckpoint(options: {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly time: string;
  readonly signer: Signer;
}): string {
  assertOptions(options);
  const text = formatCheckpoint(options);
  return signNote({ text, name: options.origin, signer: options.signer });
}
