/**
 * Go's `time.Parse(layout, value)`: the parsing half of `time.parse_ns` and
 * `time.parse_rfc3339_ns`, following time/format.go's rules (space runs, optional
 * fractional seconds after a seconds field, "Z" for UTC in ISO zones, range checks)
 * and its error texts.
 */
import { daysFromCivil, daysInMonth, fromWallClockOffset } from './go-civil-time.ts';
import { dayNames, monthNames } from './go-time-format.ts';
import type { LayoutToken } from './go-time-layout.ts';
import { tokenizeLayout } from './go-time-layout.ts';
import { fail } from './failure.ts';

class Bad extends Error {
  readonly range: string | undefined;
  constructor(range?: string) {
    super('bad');
    this.range = range;
  }
}

interface Fields {
  year: number;
  month: number;
  day: number;
  yearDay: number;
  hour: number;
  minute: number;
  second: number;
  nanosecond: number;
  pm: boolean | undefined;
  utc: boolean;
  offset: number | undefined;
  zoneName: string | undefined;
}

const quote = (s: string): string => JSON.stringify(s);

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** Go's getnum: one or two digits, exactly two when `fixed`. */
function getNumber(s: string, fixed: boolean): [number, string] {
  if (!isDigit(s, 0)) throw new Bad();
  if (!isDigit(s, 1)) {
    if (fixed) throw new Bad();
    return [Number(s[0]), s.slice(1)];
  }
  return [Number(s.slice(0, 2)), s.slice(2)];
}

/** Go's getnum3: one to three digits, exactly three when `fixed`. */
function getNumber3(s: string, fixed: boolean): [number, string] {
  let n = 0;
  while (n < 3 && isDigit(s, n)) n++;
  if (n === 0 || (fixed && n !== 3)) throw new Bad();
  return [Number(s.slice(0, n)), s.slice(n)];
}

function lookup(names: readonly string[], s: string): [number, string] {
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (s.length >= name.length && s.slice(0, name.length).toLowerCase() === name.toLowerCase()) {
      return [i, s.slice(name.length)];
    }
  }
  throw new Bad();
}

function cutSpace(s: string): string {
  return s.replace(/^ +/, '');
}

/** Go's skip: literal layout text must match, where a run of spaces matches a run of spaces. */
function skip(value: string, prefix: string): string {
  let v = value;
  let p = prefix;
  while (p.length > 0) {
    if (p[0] === ' ') {
      if (v.length > 0 && v[0] !== ' ') throw new Bad();
      p = cutSpace(p);
      v = cutSpace(v);
      continue;
    }
    if (v.length === 0 || v[0] !== p[0]) throw new Bad();
    p = p.slice(1);
    v = v.slice(1);
  }
  return v;
}

function nanoseconds(value: string, length: number): number {
  if (value[0] !== '.' && value[0] !== ',') throw new Bad();
  const digits = value.slice(1, Math.min(length, 10));
  if (!/^\d+$/.test(digits)) throw new Bad();
  return Number(digits.padEnd(9, '0'));
}

// Go's parseTimeZone, simplified to what a zone abbreviation looks like.
function timeZoneLength(value: string): number {
  if (value.startsWith('GMT')) {
    const match = /^GMT([+-]\d{1,2})?/.exec(value);
    return match![0].length;
  }
  if (value.startsWith('ChST') || value.startsWith('MeST')) return 4;
  let n = 0;
  while (n < value.length && value.charCodeAt(n) >= 65 && value.charCodeAt(n) <= 90) n++;
  if (n === 3) return 3;
  if ((n === 4 || n === 5) && value[n - 1] === 'T') return n;
  if (n === 4 && value.startsWith('WITA')) return 4;
  throw new Bad();
}

function parseZone(value: string, std: string, f: Fields): string {
  if (std.startsWith('iso') && value[0] === 'Z') {
    f.utc = true;
    return value.slice(1);
  }
  const colon = std.includes('Colon');
  const seconds = std.includes('Seconds');
  const short = std.includes('Short');
  const width = short ? 3 : colon ? (seconds ? 9 : 6) : seconds ? 7 : 5;
  if (value.length < width) throw new Bad();
  const sign = value[0];
  if (sign !== '+' && sign !== '-') throw new Bad();
  const text = value.slice(0, width);
  if (colon && (text[3] !== ':' || (seconds && text[6] !== ':'))) throw new Bad();
  const digits = text.slice(1).replaceAll(':', '');
  if (!/^\d+$/.test(digits)) throw new Bad();
  const hours = Number(digits.slice(0, 2));
  const minutes = short ? 0 : Number(digits.slice(2, 4));
  const secs = seconds ? Number(digits.slice(4, 6)) : 0;
  if (hours > 24) throw new Bad('time zone offset hour');
  if (minutes > 60) throw new Bad('time zone offset minute');
  if (secs > 60) throw new Bad('time zone offset second');
  const offset = hours * 3600 + minutes * 60 + secs;
  f.offset = sign === '-' ? -offset : offset;
  return value.slice(width);
}

interface ChunkInput {
  readonly token: LayoutToken & { kind: 'std' };
  readonly next: LayoutToken | undefined;
}

function parseChunk(value: string, { token, next }: ChunkInput, f: Fields): string {
  let rest: string;
  let n: number;
  switch (token.std) {
    case 'year':
      if (value.length < 2 || !isDigit(value, 0) || !isDigit(value, 1)) throw new Bad();
      n = Number(value.slice(0, 2));
      f.year = n >= 69 ? n + 1900 : n + 2000;
      return value.slice(2);
    case 'longYear':
      if (value.length < 4 || ![0, 1, 2, 3].every((i) => isDigit(value, i))) throw new Bad();
      f.year = Number(value.slice(0, 4));
      return value.slice(4);
    case 'month':
      [n, rest] = lookup(monthNames.map((m) => m.slice(0, 3)), value);
      f.month = n + 1;
      return rest;
    case 'longMonth':
      [n, rest] = lookup(monthNames, value);
      f.month = n + 1;
      return rest;
    case 'numMonth':
    case 'zeroMonth':
      [n, rest] = getNumber(value, token.std === 'zeroMonth');
      if (n <= 0 || n > 12) throw new Bad('month');
      f.month = n;
      return rest;
    case 'weekDay':
      return lookup(dayNames.map((d) => d.slice(0, 3)), value)[1];
    case 'longWeekDay':
      return lookup(dayNames, value)[1];
    case 'day':
    case 'underDay':
    case 'zeroDay': {
      const v = token.std === 'underDay' && value[0] === ' ' ? value.slice(1) : value;
      [f.day, rest] = getNumber(v, token.std === 'zeroDay');
      return rest;
    }
    case 'underYearDay':
    case 'zeroYearDay': {
      const v = token.std === 'underYearDay' ? value.replace(/^ {1,2}/, '') : value;
      [n, rest] = getNumber3(v, token.std === 'zeroYearDay');
      if (n < 1 || n > 366) throw new Bad('day-of-year');
      f.yearDay = n;
      return rest;
    }
    case 'hour':
      [n, rest] = getNumber(value, false);
      if (n < 0 || n >= 24) throw new Bad('hour');
      f.hour = n;
      return rest;
    case 'hour12':
    case 'zeroHour12':
      [n, rest] = getNumber(value, token.std === 'zeroHour12');
      if (n < 0 || n > 12) throw new Bad('hour');
      f.hour = n;
      return rest;
    case 'minute':
    case 'zeroMinute':
      [n, rest] = getNumber(value, token.std === 'zeroMinute');
      if (n < 0 || n >= 60) throw new Bad('minute');
      f.minute = n;
      return rest;
    case 'second':
    case 'zeroSecond': {
      [n, rest] = getNumber(value, token.std === 'zeroSecond');
      if (n < 0 || n >= 60) throw new Bad('second');
      f.second = n;
      // Go accepts fractional seconds after a seconds field even when the layout has none.
      const nextIsFraction = next?.kind === 'std' && (next.std === 'fracSecond0' || next.std === 'fracSecond9');
      if (rest.length >= 2 && (rest[0] === '.' || rest[0] === ',') && isDigit(rest, 1) && !nextIsFraction) {
        let end = 2;
        while (end < rest.length && isDigit(rest, end)) end++;
        f.nanosecond = nanoseconds(rest, end);
        rest = rest.slice(end);
      }
      return rest;
    }
    case 'PM':
    case 'pm': {
      if (value.length < 2) throw new Bad();
      const text = value.slice(0, 2);
      const upper = token.std === 'PM' ? text : text.toUpperCase();
      if (token.std === 'pm' && text !== text.toLowerCase()) throw new Bad();
      if (upper === 'PM') f.pm = true;
      else if (upper === 'AM') f.pm = false;
      else throw new Bad();
      return value.slice(2);
    }
    case 'tz': {
      if (value.startsWith('UTC')) {
        f.utc = true;
        return value.slice(3);
      }
      const length = timeZoneLength(value);
      f.zoneName = value.slice(0, length);
      return value.slice(length);
    }
    case 'iso8601TZ':
    case 'iso8601SecondsTZ':
    case 'iso8601ShortTZ':
    case 'iso8601ColonTZ':
    case 'iso8601ColonSecondsTZ':
    case 'numTZ':
    case 'numSecondsTz':
    case 'numShortTZ':
    case 'numColonTZ':
    case 'numColonSecondsTZ':
      return parseZone(value, token.std, f);
    case 'fracSecond0': {
      const width = 1 + (token.digits ?? 0);
      if (value.length < width) throw new Bad();
      f.nanosecond = nanoseconds(value, width);
      return value.slice(width);
    }
    case 'fracSecond9': {
      if (value.length < 2 || (value[0] !== '.' && value[0] !== ',') || !isDigit(value, 1)) return value;
      let end = 1;
      while (end < value.length && isDigit(value, end)) end++;
      f.nanosecond = nanoseconds(value, end);
      return value.slice(end);
    }
  }
}

function resolveDate(f: Fields, context: string): void {
  if (f.yearDay >= 0) {
    const leap = daysInMonth(f.year, 2) === 29;
    if (f.yearDay > (leap ? 366 : 365)) fail(`${context}: day-of-year out of range`);
    const days = daysFromCivil(f.year, 1, 1) + f.yearDay - 1;
    let month = 1;
    while (month < 12 && daysFromCivil(f.year, month + 1, 1) <= days) month++;
    const day = days - daysFromCivil(f.year, month, 1) + 1;
    if ((f.month >= 0 && f.month !== month) || (f.day >= 0 && f.day !== day)) {
      fail(`${context}: day-of-year does not match ${f.day >= 0 ? 'day' : 'month'}`);
    }
    f.month = month;
    f.day = day;
    return;
  }
  if (f.month < 0) f.month = 1;
  if (f.day < 0) f.day = 1;
}

const rfc3339Layout = '2006-01-02T15:04:05Z07:00';
const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

// The common case of RFC 3339 text, without the general layout machinery. Anything unusual
// (out-of-range fields, long fractions, other forms) takes the general path and its errors.
function parseRFC3339(value: string): bigint | undefined {
  const m = rfc3339.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetHours = m[9] === undefined ? 0 : Number(m[9]);
  const offsetMinutes = m[10] === undefined ? 0 : Number(m[10]);
  if (offsetHours > 24 || offsetMinutes > 60) return undefined;
  const offset = (m[8] === '-' ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  const nanosecond = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'));
  return fromWallClockOffset({ year, month, day, hour, minute, second, nanosecond }, offset);
}

/**
 * Parses `value` with Go layout `layout` and returns Unix nanoseconds (unbounded; the
 * caller checks Go's int64 range).
 * @throws BuiltinFailure with Go's error text when the value does not match
 */
export function parseGoTime(layout: string, value: string): bigint {
  if (layout === rfc3339Layout) {
    const fast = parseRFC3339(value);
    if (fast !== undefined) return fast;
  }
  const f: Fields = {
    year: 0, month: -1, day: -1, yearDay: -1, hour: 0, minute: 0, second: 0, nanosecond: 0,
    pm: undefined, utc: false, offset: undefined, zoneName: undefined,
  };
  const tokens = tokenizeLayout(layout);
  let rest = value;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const before = rest;
    try {
      rest = token.kind === 'literal' ? skip(rest, token.text) : parseChunk(rest, { token, next: tokens[i + 1] }, f);
    } catch (error) {
      if (!(error instanceof Bad)) throw error;
      if (error.range !== undefined) fail(`parsing time ${quote(value)}: ${error.range} out of range`);
      fail(`parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(before)} as ${quote(token.text)}`);
    }
  }
  if (rest.length > 0) fail(`parsing time ${quote(value)}: extra text: ${quote(rest)}`);
  if (f.pm === true && f.hour < 12) f.hour += 12;
  else if (f.pm === false && f.hour === 12) f.hour = 0;
  resolveDate(f, `parsing time ${quote(value)}`);
  if (f.day < 1 || f.day > daysInMonth(f.year, f.month)) fail(`parsing time ${quote(value)}: day out of range`);
  let offset = 0;
  if (!f.utc && f.offset !== undefined) offset = f.offset;
  else if (!f.utc && f.zoneName !== undefined && f.zoneName.length > 3 && f.zoneName.startsWith('GMT')) {
    offset = Number(f.zoneName.slice(3)) * 3600;
  }
  return fromWallClockOffset(f, offset);
}

/**
 * Go's `time.ParseDuration`: a signed sequence of decimal numbers with units
 * (ns, us, µs, ms, s, m, h). Returns nanoseconds.
 * @throws BuiltinFailure with Go's error text on malformed input or int64 overflow
 */
export function parseGoDuration(text: string): bigint {
  const invalid = (): never => fail(`time: invalid duration ${quote(text)}`);
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') invalid();
  const units: Record<string, bigint> = {
    ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: 1_000_000_000n,
    m: 60_000_000_000n, h: 3_600_000_000_000n,
  };
  let total = 0n;
  while (s.length > 0) {
    const match = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const whole = match[1] ?? '';
    const frac = match[2];
    if (whole === '' && (frac === undefined || frac === '')) invalid();
    s = s.slice(match[0].length);
    const unitMatch = /^[^\d.]*/.exec(s)!;
    const unit = unitMatch[0];
    if (unit === '') fail(`time: missing unit in duration ${quote(text)}`);
    const scale = units[unit];
    if (scale === undefined) fail(`time: unknown unit ${quote(unit)} in duration ${quote(text)}`);
    s = s.slice(unit.length);
    let value = BigInt(whole === '' ? '0' : whole) * scale;
    if (frac !== undefined && frac !== '') {
      value += (BigInt(frac) * scale) / 10n ** BigInt(frac.length);
    }
    total += value;
    if (total > 2n ** 63n) invalid();
  }
  if (negative) total = -total;
  if (total > 2n ** 63n - 1n) invalid();
  return total;
}
