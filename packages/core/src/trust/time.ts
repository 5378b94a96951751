/**
 * Instants at public boundaries: a `Date` or an RFC 3339 string with an explicit offset.
 */
import { WritError } from '../errors.ts';

/** A point in time as accepted by Writ verification APIs. */
export type Instant = Date | string;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Milliseconds since the epoch of an {@link Instant}.
 * @throws WritError `ERR_INVALID_ARGUMENT` naming `parameter` for anything else.
 */
export function toMillis(value: unknown, parameter: string): number {
  let millis = Number.NaN;
  if (value instanceof Date) millis = value.getTime();
  else if (typeof value === 'string' && RFC3339.test(value)) millis = Date.parse(value);
  if (!Number.isFinite(millis)) {
    const name = typeof parameter === 'string' ? parameter : 'time';
    throw new WritError('ERR_INVALID_ARGUMENT', `${name} must be a valid Date or RFC 3339 timestamp`, {
      details: { parameter: name },
    });
  }
  return millis;
}

/** True when `value` is an RFC 3339 timestamp with an explicit offset. */
export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && RFC3339.test(value) && Number.isFinite(Date.parse(value));
}
