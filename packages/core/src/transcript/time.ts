/** RFC 3339 UTC timestamps as used in entries and checkpoints. */

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** True for an RFC 3339 UTC timestamp (`...Z`) that `Date` parses. */
export function isUtcTime(value: unknown): value is string {
  return typeof value === 'string' && RFC3339_UTC.test(value) && !Number.isNaN(Date.parse(value));
}
