/**
 * Boundary checks and semantics shared by every store implementation, so the memory,
 * file and PostgreSQL stores refuse the same inputs with the same codes. Public as
 * `@writ/core/stores/checks` for store implementations in other packages (`@writ/postgres`).
 */
import { WritError } from '../errors.ts';
import type { ApprovalRecord, CheckpointRecord, LedgerHead, ReadRange } from './types.ts';
import { assertParameterName } from '../invalid-argument.ts';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The error every method of a closed store rejects with. */
export function closedError(): WritError {
  return new WritError('ERR_STORE_CLOSED', 'store is closed');
}

function invalid(parameter: string, what: string): WritError {
  assertParameterName(parameter);
  return new WritError('ERR_INVALID_ARGUMENT', `${parameter} ${what}`, { details: { parameter } });
}

/** Validate the drafts array of `append` (each draft is validated by `sealEntry`). @throws `ERR_INVALID_ARGUMENT` */
export function assertDrafts(drafts: unknown): asserts drafts is readonly unknown[] {
  if (!Array.isArray(drafts) || drafts.length === 0)
    throw invalid('drafts', 'must be a non-empty array');
  if (drafts.length > 100_000)
    throw invalid('drafts', 'must hold at most 100000 entries per batch');
}

/**
 * Resolve a read range against the head.
 * @throws `ERR_INVALID_ARGUMENT` (not integers, from > to, to beyond the head).
 */
export function resolveRange(
  range: ReadRange | undefined,
  size: number,
): { from: number; to: number } {
  if (range !== undefined && (typeof range !== 'object' || range === null))
    throw invalid('range', 'must be an object');
  const from = range?.from ?? 0;
  const to = range?.to ?? size;
  if (!Number.isSafeInteger(from) || from < 0)
    throw invalid('range.from', 'must be a non-negative integer');
  if (!Number.isSafeInteger(to) || to < from)
    throw invalid('range.to', 'must be an integer >= from');
  if (to > size) throw invalid('range.to', 'is beyond the head');
  return { from, to };
}

/** Validate a checkpoint record's shape. @throws `ERR_INVALID_ARGUMENT` */
export function assertCheckpointRecord(
  checkpoint: unknown,
): asserts checkpoint is CheckpointRecord {
  if (typeof checkpoint !== 'object' || checkpoint === null)
    throw invalid('checkpoint', 'must be an object');
  const { size, root, note } = checkpoint as Record<string, unknown>;
  if (!Number.isSafeInteger(size) || (size as number) < 1)
    throw invalid('checkpoint.size', 'must be a positive integer');
  if (typeof root !== 'string' || !DIGEST.test(root))
    throw invalid('checkpoint.root', 'must be a sha256 digest');
  if (typeof note !== 'string' || note.length === 0 || note.length > 100_000)
    throw invalid('checkpoint.note', 'must be a signed note');
}

/**
 * Decide whether `next` may be stored after `latest` (the largest stored checkpoint)
 * given the head. `true` = store it, `false` = identical record already stored.
 * @throws `ERR_STORE_CHECKPOINT_CONFLICT`.
 */
export function admitCheckpoint(options: {
  readonly next: CheckpointRecord;
  readonly existing: CheckpointRecord | undefined;
  readonly latest: CheckpointRecord | undefined;
  readonly head: LedgerHead;
}): boolean {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object');
  const { next, existing, latest, head } = options;
  for (const [name, value, optional] of [['next', next, false], ['existing', existing, true], ['latest', latest, true], ['head', head, false]] as const) {
    if ((!optional || value !== undefined) && (typeof value !== 'object' || value === null || !Number.isSafeInteger(value.size))) {
      throw invalid(`options.${name}`, 'must be a record with an integer size');
    }
  }
  const conflict = (reason: string): WritError =>
    new WritError('ERR_STORE_CHECKPOINT_CONFLICT', 'checkpoint conflicts with the ledger', {
      details: { reason, size: next.size },
    });
  if (existing !== undefined) {
    if (existing.root === next.root && existing.note === next.note) return false;
    throw conflict('a different checkpoint exists for this size');
  }
  if (next.size > head.size) throw conflict('size is beyond the head');
  if (latest !== undefined && next.size < latest.size)
    throw conflict('size is below the latest checkpoint');
  return true;
}

/** Validate an intent digest parameter. @throws `ERR_INVALID_ARGUMENT` */
export function assertDigest(value: unknown, parameter: string): void {
  if (typeof value !== 'string' || !DIGEST.test(value))
    throw invalid(parameter, 'must be a sha256 digest');
}

/** Validate a Date parameter. @throws `ERR_INVALID_ARGUMENT` */
export function assertDate(value: unknown, parameter: string): asserts value is Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw invalid(parameter, 'must be a valid Date');
}

/** Validate a JSON object parameter (plain object). @throws `ERR_INVALID_ARGUMENT` */
export function assertPlainObject(value: unknown, parameter: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(parameter, 'must be a JSON object');
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null)
    throw invalid(parameter, 'must be a plain JSON object');
}

/** Validate a nonce id. @throws `ERR_INVALID_ARGUMENT` */
export function assertNonceId(value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512)
    throw invalid('input.id', 'must be a non-empty string of at most 512 characters');
}

/**
 * Validate the optional use limit of a nonce (a token's `constraints.maxUses`); absent is 1.
 * @throws `ERR_INVALID_ARGUMENT`
 */
export function nonceMaxUses(value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw invalid('input.maxUses', 'must be a positive safe integer');
  return value;
}

/** Transition rules of approval records shared by every backend. */
export const APPROVAL_RULES = {
  /** Statuses in which statements may still be added. */
  acceptsStatements: (record: ApprovalRecord): boolean => {
    if (typeof record !== 'object' || record === null) throw invalid('record', 'must be an approval record');
    return record.status === 'pending' || record.status === 'approved';
  },
} as const;

/** Run `run` and settle a promise with its result; a synchronous throw becomes a rejection. */
export function settle<T>(run: () => T): Promise<T> {
  if (typeof run !== 'function') return Promise.reject(invalid('run', 'must be a function'));
  return new Promise<T>((resolve) => resolve(run()));
}

/** Stream the items `load` returns (it runs when iteration starts, so its checks throw then). */
export async function* yieldAll<T>(
  load: () => readonly T[] | Promise<readonly T[]>,
): AsyncGenerator<T> {
  if (typeof load !== 'function') throw invalid('load', 'must be a function');
  const items = await load();
  if (!Array.isArray(items)) throw invalid('load', 'must return an array');
  yield* items;
}
