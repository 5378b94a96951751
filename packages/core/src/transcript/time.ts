/** RFC 3339 UTC timestamps as used in entries and checkpoints. */

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

// The digit at `i` (0..9), or -1.
function digit(text: string, i: number): number {
  const code = text.charCodeAt(i) - 0x30;
  return code >= 0 && code <= 9 ? code : -1;
}

function pair(text: string, i: number): number {
  const high = digit(text, i);
  const low = digit(text, i + 1);
  return high < 0 || low < 0 ? -1 : high * 10 + low;
}

// The fixed shapes entries use, `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.mmmZ`
// (`Date#toISOString`), read without a regex or Date.parse when every field is in a range
// where Date.parse means exactly Date.UTC of the fields. Anything else: `undefined`, and
// the caller takes the general definition.
function fixedShapeMs(text: string): number | undefined {
  const length = text.length;
  if (length !== 20 && length !== 24) return undefined;
  if (
    text.charCodeAt(4) !== 0x2d || // -
    text.charCodeAt(7) !== 0x2d ||
    text.charCodeAt(10) !== 0x54 || // T
    text.charCodeAt(13) !== 0x3a || // :
    text.charCodeAt(16) !== 0x3a ||
    text.charCodeAt(length - 1) !== 0x5a // Z
  )
    return undefined;
  const century = pair(text, 0);
  const yearLow = pair(text, 2);
  const month = pair(text, 5);
  const day = pair(text, 8);
  const hour = pair(text, 11);
  const minute = pair(text, 14);
  const second = pair(text, 17);
  let ms = 0;
  if (length === 24) {
    if (text.charCodeAt(19) !== 0x2e) return undefined; // .
    const a = digit(text, 20);
    const b = digit(text, 21);
    const c = digit(text, 22);
    if (a < 0 || b < 0 || c < 0) return undefined;
    ms = a * 100 + b * 10 + c;
  }
  // Years 0000-0099 (Date.UTC maps them to 19xx), days past 28 (month lengths), hour 24
  // and leap seconds go the general way.
  if (century < 1 || yearLow < 0) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 28) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return undefined;
  return Date.UTC(century * 100 + yearLow, month - 1, day, hour, minute, second, ms);
}

/**
 * Milliseconds since the epoch of an RFC 3339 UTC timestamp (`...Z`) that `Date` parses,
 * else NaN: `isUtcTime(value) ? Date.parse(value) : NaN`, with the common fixed shapes
 * read directly (property-tested equal to that definition).
 */
export function utcTimeMs(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  const fast = fixedShapeMs(value);
  if (fast !== undefined) return fast;
  return RFC3339_UTC.test(value) ? Date.parse(value) : Number.NaN;
}

/** True for an RFC 3339 UTC timestamp (`...Z`) that `Date` parses. */
export function isUtcTime(value: unknown): value is string {
  return !Number.isNaN(utcTimeMs(value));
}

/** The definition {@link utcTimeMs} is tested against. @internal */
export function utcTimeMsReference(value: unknown): number {
  return typeof value === 'string' && RFC3339_UTC.test(value) ? Date.parse(value) : Number.NaN;
}
