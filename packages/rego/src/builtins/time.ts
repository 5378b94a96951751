/**
 * Time builtins (topdown/time.go): instants are integer nanoseconds since the Unix epoch
 * within Go's int64 range; zones are IANA names; layouts are Go reference-time layouts.
 */
import type { Value } from '../value.ts';
import { isNumber, numberValue, toDecimal } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import type { CivilTime } from './go-civil-time.ts';
import { checkNanosRange, checkZone, daysInMonth, fromWallClock, toCivil } from './go-civil-time.ts';
import { dayNames, formatGoTime } from './go-time-format.ts';
import { namedLayouts } from './go-time-layout.ts';
import { parseGoDuration, parseGoTime } from './go-time-parse.ts';
import { intArg, stringArg, typeError } from './operands.ts';

interface ZonedInstant {
  readonly nanos: bigint;
  readonly zone: string;
  readonly layout: string;
}

const instantTypes = 'either number (ns) or [number (ns), string (tz)]';

function nanosOf(v: Value): bigint {
  if (!isNumber(v)) throw typeError(1, v, 'number');
  const d = toDecimal(v);
  if (!d.isInteger()) fail('timestamp too big');
  const n = BigInt(d.toFixed(0));
  if (n < -(2n ** 63n) || n >= 2n ** 63n) fail('timestamp too big');
  return n;
}

/** OPA's tzTime: a number of ns, or [ns, zone] / [ns, zone, layout]. */
function zonedInstant(v: Value): ZonedInstant {
  if (isNumber(v)) return { nanos: nanosOf(v), zone: 'UTC', layout: '' };
  if (!Array.isArray(v) || v.length === 0) throw typeError(1, v, instantTypes);
  const items = v as readonly Value[];
  const nanos = nanosOf(items[0]!);
  let zone = 'UTC';
  let layout = '';
  if (items.length > 1) {
    const name = items[1]!;
    if (typeof name !== 'string') throw typeError(1, name, 'string');
    zone = checkZone(name);
  }
  if (items.length > 2) {
    const text = items[2]!;
    if (typeof text !== 'string') throw typeError(1, text, 'string');
    layout = text;
  }
  return { nanos, zone, layout };
}

function civilOf(v: Value): CivilTime {
  const instant = zonedInstant(v);
  return toCivil(instant.nanos, instant.zone);
}

function resultNanos(n: bigint): Value {
  return numberValue(checkNanosRange(n));
}

function addDate(args: readonly Value[]): Value {
  const instant = zonedInstant(args[0]!);
  const years = intArg(args, 2);
  const months = intArg(args, 3);
  const days = intArg(args, 4);
  const t = toCivil(instant.nanos, instant.zone);
  const wall = {
    year: t.year + years, month: t.month + months, day: t.day + days,
    hour: t.hour, minute: t.minute, second: t.second, nanosecond: t.nanosecond,
  };
  return resultNanos(fromWallClock(wall, instant.zone));
}

// OPA's time.diff (after icza/gox): calendar difference of two instants, in t1's zone.
function diff(args: readonly Value[]): Value {
  const first = zonedInstant(args[0]!);
  const second = zonedInstant(args[1]!);
  const [early, late] = first.nanos <= second.nanos ? [first.nanos, second.nanos] : [second.nanos, first.nanos];
  const a = toCivil(early, first.zone);
  const b = toCivil(late, first.zone);
  let year = b.year - a.year;
  let month = b.month - a.month;
  let day = b.day - a.day;
  let hour = b.hour - a.hour;
  let minute = b.minute - a.minute;
  let second2 = b.second - a.second;
  if (second2 < 0) {
    second2 += 60;
    minute--;
  }
  if (minute < 0) {
    minute += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    day += daysInMonth(a.year, a.month);
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, minute, second2];
}

function format(args: readonly Value[]): Value {
  const instant = zonedInstant(args[0]!);
  const layout = instant.layout === '' ? namedLayouts.get('RFC3339Nano')! : namedLayouts.get(instant.layout) ?? instant.layout;
  return formatGoTime(toCivil(instant.nanos, instant.zone), layout);
}

/** Longest pause `test.sleep` performs: evaluation must stay bounded. */
const maxSleepNanos = 5_000_000_000n;

function sleep(args: readonly Value[]): Value {
  const nanos = parseGoDuration(stringArg(args, 1));
  const capped = nanos > maxSleepNanos ? maxSleepNanos : nanos;
  if (capped > 0n) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(capped / 1_000_000n));
  return null;
}

/** The time builtins. */
export const time: BuiltinTable = {
  'time.now_ns': [0, (_args, ctx) => numberValue(ctx.now())],
  'time.parse_ns': [2, (args) => {
    const layout = stringArg(args, 1);
    const value = stringArg(args, 2);
    return resultNanos(parseGoTime(namedLayouts.get(layout) ?? layout, value));
  }],
  'time.parse_rfc3339_ns': [1, (args) => resultNanos(parseGoTime(namedLayouts.get('RFC3339')!, stringArg(args, 1)))],
  'time.parse_duration_ns': [1, (args) => numberValue(parseGoDuration(stringArg(args, 1)))],
  'time.format': [1, format],
  'time.date': [1, ([v]) => {
    const t = civilOf(v!);
    return [t.year, t.month, t.day];
  }],
  'time.clock': [1, ([v]) => {
    const t = civilOf(v!);
    return [t.hour, t.minute, t.second];
  }],
  'time.weekday': [1, ([v]) => dayNames[civilOf(v!).weekday]!],
  'time.add_date': [4, addDate],
  'time.diff': [2, diff],
  'test.sleep': [1, sleep],
};
