/**
 * Bulk-read detection: a call that asks for far more records than an agent needs is the
 * first half of most exfiltrations. Signals: a limit-like numeric argument above the
 * threshold, an "everything" flag, an unbounded SQL `SELECT`, a match-all wildcard.
 */
import { assertObject, assertString } from './assert-input.ts';

/** Why a call counts as a bulk read. */
export type BulkReadReason =
  'limit-above-threshold' | 'fetch-all-flag' | 'unbounded-query' | 'match-all-pattern';

/** One bulk-read signal at a concrete argument path. */
export interface BulkReadSignal {
  readonly argument: string;
  readonly reason: BulkReadReason;
}

/** Default record count above which a limit-like argument is a bulk read. */
export const DEFAULT_BULK_READ_THRESHOLD = 1000;

const LIMIT_KEY =
  /^(?:limit|count|max|maxresults|max_results|maxrecords|max_records|pagesize|page_size|perpage|per_page|top|first|last|size|rows|batchsize|batch_size|take|n)$/i;
const ALL_KEY =
  /^(?:all|fetchall|fetch_all|includeall|include_all|exportall|export_all|dump|everything|unbounded)$/i;
const PATTERN_KEY =
  /^(?:q|query|filter|pattern|glob|match|search|where|selector|path|paths|prefix)$/i;
const MATCH_ALL = /^(?:\*+|%|\.\*|\*\.\*|\/\*\*?|\*\*\/\*|\{\}|\(\))$/;
const SQL_SELECT = /^\s*(?:with\b[\s\S]+?\)\s*)?select\s[\s\S]+?\sfrom\s/i;
const SQL_BOUND = /\b(?:where|limit|top|fetch\s+first|offset)\b/i;

/**
 * Bulk-read signals for one leaf of the arguments. `key` is the argument name the value
 * sits under; `threshold` replaces {@link DEFAULT_BULK_READ_THRESHOLD}.
 */
export function detectBulkRead(leaf: {
  readonly key: string;
  readonly value: unknown;
  readonly argument: string;
  readonly threshold?: number;
}): BulkReadSignal[] {
  assertObject(leaf, 'leaf');
  assertString(leaf.key, 'leaf.key');
  assertString(leaf.argument, 'leaf.argument');
  const threshold = leaf.threshold ?? DEFAULT_BULK_READ_THRESHOLD;
  const { key, value, argument } = leaf;
  const signals: BulkReadSignal[] = [];
  if (typeof value === 'number' && LIMIT_KEY.test(key) && (value > threshold || value < 0)) {
    signals.push({ argument, reason: 'limit-above-threshold' });
  }
  if (value === true && ALL_KEY.test(key)) signals.push({ argument, reason: 'fetch-all-flag' });
  if (typeof value === 'string') {
    if (PATTERN_KEY.test(key) && MATCH_ALL.test(value.trim()))
      signals.push({ argument, reason: 'match-all-pattern' });
    if (SQL_SELECT.test(value) && !SQL_BOUND.test(value))
      signals.push({ argument, reason: 'unbounded-query' });
  }
  return signals;
}
