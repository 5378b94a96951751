import { describe, expect, it } from 'vitest';
import { detectBulkRead } from './detect-bulk-read.ts';

const reasons = (key: string, value: unknown, threshold?: number): string[] =>
  detectBulkRead({ key, value, argument: key, threshold }).map((s) => s.reason);

describe('detectBulkRead', () => {
  it('flags limits above the threshold and negative (unbounded) limits', () => {
    expect(reasons('limit', 50_000)).toEqual(['limit-above-threshold']);
    expect(reasons('page_size', -1)).toEqual(['limit-above-threshold']);
    expect(reasons('limit', 200, 100)).toEqual(['limit-above-threshold']);
  });

  it('flags fetch-all flags, match-all patterns and unbounded SQL', () => {
    expect(reasons('fetchAll', true)).toEqual(['fetch-all-flag']);
    expect(reasons('query', '*')).toEqual(['match-all-pattern']);
    expect(reasons('sql', 'SELECT * FROM customers')).toEqual(['unbounded-query']);
  });

  it('does not flag ordinary reads', () => {
    expect(reasons('limit', 20)).toEqual([]);
    expect(reasons('amount', 50_000)).toEqual([]);
    expect(reasons('fetchAll', false)).toEqual([]);
    expect(reasons('query', 'refund policy')).toEqual([]);
    expect(reasons('sql', 'SELECT name FROM customers WHERE id = $1')).toEqual([]);
    expect(reasons('body', 'Please select a date from the calendar.')).toEqual([]);
  });
});
