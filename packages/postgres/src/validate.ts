import type { Pool } from 'pg';
import type { Sha256Digest } from '@writ/core';
import { WritError } from '@writ/core';

/** Throws `ERR_INVALID_ARGUMENT` naming `parameter`; the message never echoes the value. */
export function invalid(parameter: string, expectation: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be ${expectation}`, {
    details: { parameter },
  });
}

/** A plain object (not null, not an array). */
export function expectRecord(value: unknown, parameter: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(parameter, 'an object');
  return value as Record<string, unknown>;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A non-empty string of at most `max` characters. */
export function expectText(
  value: unknown,
  options: { readonly parameter: string; readonly max: number },
): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > options.max) {
    throw invalid(options.parameter, `a non-empty string of at most ${options.max} characters`);
  }
  // PostgreSQL text cannot hold U+0000, and a lone surrogate would be replaced by U+FFFD on
  // the way in, silently merging two different ids: refuse both instead.
  if (value.includes('\u0000') || LONE_SURROGATE.test(value)) {
    throw invalid(options.parameter, 'well-formed Unicode without NUL characters');
  }
  return value;
}

/** A `Date` holding a real instant. */
export function expectDate(value: unknown, parameter: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw invalid(parameter, 'a valid Date');
  return value;
}

/** Something that looks like a `pg` Pool (has `query` and `connect`). */
export function expectPool(value: unknown, parameter: string): Pool {
  const candidate = value as { query?: unknown; connect?: unknown } | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.query !== 'function' ||
    typeof candidate.connect !== 'function'
  ) {
    throw invalid(parameter, 'a pg Pool');
  }
  return value as Pool;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A `sha256:<64 lowercase hex>` digest. */
export function expectDigest(value: unknown, parameter: string): Sha256Digest {
  if (typeof value !== 'string' || !DIGEST.test(value))
    throw invalid(parameter, 'sha256:<64 lowercase hex>');
  return value as Sha256Digest;
}
