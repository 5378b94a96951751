/**
 * Boundary checks of the ledger store. They mirror the memory store's rules in
 * `@writ/core` (same inputs refused with the same codes) and should be replaced by core's
 * shared checks once core exports them.
 */
import type { CheckpointRecord, LedgerHead, ReadRange } from '@writ/core';
import { WritError } from '@writ/core';
import { invalid } from './validate.ts';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A non-empty array of at most 100000 drafts (each draft is checked by `sealEntry`). */
export function assertDrafts(drafts: unknown): asserts drafts is readonly unknown[] {
  if (!Array.isArray(drafts) || drafts.length === 0 || drafts.length > 100_000) {
    throw invalid('drafts', 'a non-empty array of at most 100000 entries');
  }
}

/** `from <= to <= size`, both non-negative integers; `to` defaults to `size`. */
export function resolveRange(
  range: ReadRange | undefined,
  size: number,
): { from: number; to: number } {
  if (range !== undefined && (typeof range !== 'object' || range === null))
    throw invalid('range', 'an object');
  const from = range?.from ?? 0;
  const to = range?.to ?? size;
  if (!Number.isSafeInteger(from) || from < 0)
    throw invalid('range.from', 'a non-negative integer');
  if (!Number.isSafeInteger(to) || to < from) throw invalid('range.to', 'an integer >= from');
  if (to > size) throw invalid('range.to', 'at most the head size');
  return { from, to };
}

/** A checkpoint record's shape: positive size, digest root, non-empty note. */
export function assertCheckpointRecord(
  checkpoint: unknown,
): asserts checkpoint is CheckpointRecord {
  if (typeof checkpoint !== 'object' || checkpoint === null)
    throw invalid('checkpoint', 'an object');
  const { size, root, note } = checkpoint as Record<string, unknown>;
  if (!Number.isSafeInteger(size) || (size as number) < 1)
    throw invalid('checkpoint.size', 'a positive integer');
  if (typeof root !== 'string' || !DIGEST.test(root))
    throw invalid('checkpoint.root', 'a sha256 digest');
  if (typeof note !== 'string' || note.length === 0 || note.length > 100_000) {
    throw invalid('checkpoint.note', 'a signed note of at most 100000 characters');
  }
}

/**
 * `true` = store `next`; `false` = an identical record is already stored.
 * @throws WritError `ERR_STORE_CHECKPOINT_CONFLICT`.
 */
export function admitCheckpoint(options: {
  readonly next: CheckpointRecord;
  readonly existing: CheckpointRecord | undefined;
  readonly latest: CheckpointRecord | undefined;
  readonly head: LedgerHead;
}): boolean {
  const { next, existing, latest, head } = options;
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
