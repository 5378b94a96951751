/**
 * Go's `Time.Format(layout)` over {@link CivilTime}: the formatting half of the
 * `time.format` builtin, chunk by chunk as Go's time/format.go appends them.
 */
import type { CivilTime } from './go-civil-time.ts';
import type { LayoutToken } from './go-time-layout.ts';
import { tokenizeLayout } from './go-time-layout.ts';
import { fail } from './failure.ts';

/** English month names, January first. */
export const monthNames = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;
/** English weekday names, Sunday first. */
export const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

function pad(value: number, width: number, fill = '0'): string {
  const text = String(Math.abs(value)).padStart(width, fill);
  return value < 0 ? `-${text}` : text;
}

function zone(offset: number, options: { colon: boolean; minutes: boolean; seconds: boolean }): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const sep = options.colon ? ':' : '';
  let text = sign + pad(Math.floor(abs / 3600), 2);
  if (options.minutes) text += sep + pad(Math.floor((abs % 3600) / 60), 2);
  if (options.seconds) text += sep + pad(abs % 60, 2);
  return text;
}

function fraction(nanosecond: number, token: LayoutToken & { kind: 'std' }): string {
  const digits = token.digits ?? 0;
  const all = pad(nanosecond, 9).slice(0, digits);
  const separator = token.text[0] ?? '.';
  if (token.std === 'fracSecond0') return separator + all;
  const trimmed = all.replace(/0+$/, '');
  return trimmed === '' ? '' : separator + trimmed;
}

function hour12(hour: number): number {
  const h = hour % 12;
  return h === 0 ? 12 : h;
}

function formatChunk(t: CivilTime, token: LayoutToken & { kind: 'std' }): string {
  switch (token.std) {
    case 'year': return pad(((t.year % 100) + 100) % 100, 2);
    case 'longYear': return pad(t.year, 4);
    case 'month': return monthNames[t.month - 1]!.slice(0, 3);
    case 'longMonth': return monthNames[t.month - 1]!;
    case 'numMonth': return String(t.month);
    case 'zeroMonth': return pad(t.month, 2);
    case 'weekDay': return dayNames[t.weekday]!.slice(0, 3);
    case 'longWeekDay': return dayNames[t.weekday]!;
    case 'day': return String(t.day);
    case 'underDay': return pad(t.day, 2, ' ');
    case 'zeroDay': return pad(t.day, 2);
    case 'underYearDay': return pad(t.yearDay, 3, ' ');
    case 'zeroYearDay': return pad(t.yearDay, 3);
    case 'hour': return pad(t.hour, 2);
    case 'hour12': return String(hour12(t.hour));
    case 'zeroHour12': return pad(hour12(t.hour), 2);
    case 'minute': return String(t.minute);
    case 'zeroMinute': return pad(t.minute, 2);
    case 'second': return String(t.second);
    case 'zeroSecond': return pad(t.second, 2);
    case 'PM': return t.hour >= 12 ? 'PM' : 'AM';
    case 'pm': return t.hour >= 12 ? 'pm' : 'am';
    case 'tz':
      // Go prints the tz database abbreviation; without one we refuse rather than invent it.
      if (t.zoneAbbreviation === undefined) fail('time zone abbreviation is not available for this zone (MST layout element)');
      return t.zoneAbbreviation;
    case 'iso8601TZ':
    case 'iso8601SecondsTZ':
    case 'iso8601ShortTZ':
    case 'iso8601ColonTZ':
    case 'iso8601ColonSecondsTZ':
      if (t.offsetSeconds === 0) return 'Z';
      return numericZone(t.offsetSeconds, token.std);
    case 'numTZ':
    case 'numSecondsTz':
    case 'numShortTZ':
    case 'numColonTZ':
    case 'numColonSecondsTZ':
      return numericZone(t.offsetSeconds, token.std);
    case 'fracSecond0':
    case 'fracSecond9':
      return fraction(t.nanosecond, token);
  }
}

function numericZone(offset: number, std: string): string {
  const colon = std.includes('Colon');
  const seconds = std.includes('Seconds');
  const minutes = !std.includes('Short');
  return zone(offset, { colon, minutes, seconds });
}

/** Formats `time` with a Go layout string. */
export function formatGoTime(time: CivilTime, layout: string): string {
  let out = '';
  for (const token of tokenizeLayout(layout)) {
    out += token.kind === 'literal' ? token.text : formatChunk(time, token);
  }
  return out;
}
