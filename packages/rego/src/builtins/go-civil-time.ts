/**
 * Civil (calendar) time for the time builtins: nanoseconds since the Unix epoch as a
 * bigint, split into the fields Go's `time.Time` exposes, in UTC or an IANA zone
 * resolved through `Intl` (Node ships the full ICU time-zone database).
 */
import { fail } from './failure.ts';
import { tzAbbreviation } from './tz-abbreviations.ts';

/** Calendar fields of an instant in a zone. */
export interface CivilTime {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly nanosecond: number;
  readonly weekday: number; // 0 = Sunday
  readonly yearDay: number; // 1..366
  readonly offsetSeconds: number;
  /** Undefined when neither the tz database nor ICU names the zone at this instant. */
  readonly zoneAbbreviation: string | undefined;
}

/** Go's int64 nanosecond range, the bounds OPA checks with "time outside of valid range". */
export const minUnixNanos = -(2n ** 63n);
export const maxUnixNanos = 2n ** 63n - 1n;
const nanosPerSecond = 1_000_000_000n;

/** Days since 1970-01-01 of a proleptic Gregorian date (month may overflow, as in Go's Date). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const monthIndex = month - 1;
  const y = year + Math.floor(monthIndex / 12);
  const m = ((monthIndex % 12) + 12) % 12 + 1;
  // Hinnant's days_from_civil, with March as the first month of the computational year.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The proleptic Gregorian date of a day count since 1970-01-01. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Whether `year` is a Gregorian leap year. */
export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** Number of days in `month` of `year`. */
export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric',
        era: 'short', timeZoneName: 'short',
      });
    } catch {
      fail(`unknown time zone ${zone}`);
    }
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Resolves OPA's zone names: "" and "UTC" are UTC, "Local" is the process zone. */
export function checkZone(zone: string): string {
  if (zone === '' || zone === 'UTC') return 'UTC';
  const resolved = zone === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : zone;
  zoneFormatter(resolved);
  return resolved;
}

/** Offset (seconds east of UTC) and abbreviation of `zone` at the instant `unixSeconds`. */
export function zoneAt(zone: string, unixSeconds: number): { offset: number; abbreviation: string | undefined } {
  if (zone === 'UTC') return { offset: 0, abbreviation: 'UTC' };
  // Intl only covers JavaScript's Date range; clamp (zone rules are stable far out anyway).
  const ms = Math.max(-8.64e15, Math.min(8.64e15, unixSeconds * 1000));
  const parts = zoneFormatter(zone).formatToParts(new Date(ms));
  const field = (type: string): string => parts.find((part) => part.type === type)?.value ?? '0';
  let year = Number(field('year'));
  if (field('era') === 'BC') year = 1 - year;
  const local = daysFromCivil(year, Number(field('month')), Number(field('day'))) * 86400
    + Number(field('hour')) * 3600 + Number(field('minute')) * 60 + Number(field('second'));
  const offset = local - Math.floor(ms / 1000);
  return { offset, abbreviation: tzAbbreviation(zone, offset) ?? icuAbbreviation(field('timeZoneName')) };
}

// ICU's own letters (EST, PST) agree with the tz database; its "GMT+5:30" form does not.
function icuAbbreviation(name: string): string | undefined {
  return /^[A-Z]{2,5}$/.test(name) && name !== 'GMT' ? name : undefined;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/** Splits `unixNanos` into calendar fields in `zone` (already checked with {@link checkZone}). */
export function toCivil(unixNanos: bigint, zone: string): CivilTime {
  const seconds = floorDiv(unixNanos, nanosPerSecond);
  const nanosecond = Number(unixNanos - seconds * nanosPerSecond);
  const { offset, abbreviation } = zoneAt(zone, Number(seconds));
  const local = Number(seconds) + offset;
  const days = Math.floor(local / 86400);
  const secondOfDay = local - days * 86400;
  const { year, month, day } = civilFromDays(days);
  return {
    year, month, day,
    hour: Math.floor(secondOfDay / 3600),
    minute: Math.floor((secondOfDay % 3600) / 60),
    second: secondOfDay % 60,
    nanosecond,
    weekday: (((days + 4) % 7) + 7) % 7,
    yearDay: days - daysFromCivil(year, 1, 1) + 1,
    offsetSeconds: offset,
    zoneAbbreviation: abbreviation,
  };
}

/** Fields of a wall-clock time; months, days and the rest may overflow as in Go's time.Date. */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly nanosecond: number;
}

/** Go's `time.Date(...)` for a fixed UTC offset: the instant in nanoseconds. */
export function fromWallClockOffset(wall: WallClock, offsetSeconds: number): bigint {
  const days = daysFromCivil(wall.year, wall.month, 1) + wall.day - 1;
  const seconds = BigInt(days) * 86400n + BigInt(wall.hour * 3600 + wall.minute * 60 + wall.second - offsetSeconds);
  return seconds * nanosPerSecond + BigInt(wall.nanosecond);
}

/** Go's `time.Date(...)` in an IANA zone: resolves the offset in effect at that wall time. */
export function fromWallClock(wall: WallClock, zone: string): bigint {
  if (zone === 'UTC') return fromWallClockOffset(wall, 0);
  const guess = fromWallClockOffset(wall, 0);
  const first = zoneAt(zone, Number(floorDiv(guess, nanosPerSecond))).offset;
  const candidate = fromWallClockOffset(wall, first);
  const second = zoneAt(zone, Number(floorDiv(candidate, nanosPerSecond))).offset;
  return second === first ? candidate : fromWallClockOffset(wall, second);
}

/** Throws OPA's range error when `unixNanos` does not fit Go's int64 nanoseconds. */
export function checkNanosRange(unixNanos: bigint): bigint {
  if (unixNanos < minUnixNanos || unixNanos > maxUnixNanos) fail('time outside of valid range');
  return unixNanos;
}
