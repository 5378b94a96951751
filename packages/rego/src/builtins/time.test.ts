import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { call, callError, frozenContext, callValue } from './test-call.ts';

describe('time.parse_ns', () => {
  it('parses Go layouts', () => {
    expect(call('time.parse_ns', '2006-01-02', '2020-03-01')).toBe(1583020800000000000n);
    expect(call('time.parse_ns', 'RFC822Z', '02 Jan 06 15:04 -0700')).toBe(1136239440000000000n);
    expect(call('time.parse_ns', "01/02 03:04:05PM '06 -0700", "01/02 03:04:05PM '06 -0700")).toBe(1136239445000000000n);
    expect(call('time.parse_ns', '2006-01-02T15:04:05Z07:00', '2006-01-02T15:04:05.5+01:00')).toBe(1136210645500000000n);
  });
  it('reports Go’s errors', () => {
    expect(callError('time.parse_ns', '2006-01-02', '2020-13-01').message).toBe(
      'time.parse_ns: parsing time "2020-13-01": month out of range',
    );
    expect(callError('time.parse_ns', '2006-01-02', '2020-02-30').message).toContain('day out of range');
    expect(callError('time.parse_ns', '2006-01-02', 'x').message).toContain('cannot parse "x" as "2006"');
    expect(callError('time.parse_rfc3339_ns', '1677-09-21T00:12:43.145224191-00:00').message).toBe(
      'time.parse_rfc3339_ns: time outside of valid range',
    );
  });
});

describe('time.format', () => {
  it('formats in zones and named layouts', () => {
    const ns = 1670006453141828000n;
    expect(call('time.format', ns)).toBe('2022-12-02T18:40:53.141828Z');
    expect(call('time.format', [ns, 'Asia/Kolkata'])).toBe('2022-12-03T00:10:53.141828+05:30');
    expect(call('time.format', [ns, 'Asia/Kolkata', 'Mon Jan 02 15:04:05 -0700 2006'])).toBe(
      'Sat Dec 03 00:10:53 +0530 2022',
    );
    expect(call('time.format', [ns, 'America/New_York', 'RFC1123'])).toBe('Fri, 02 Dec 2022 13:40:53 EST');
    expect(callError('time.format', [ns, 'Nowhere/City']).message).toContain('unknown time zone');
  });
});

describe('calendar builtins', () => {
  it('date, clock, weekday', () => {
    expect(call('time.date', 1517832000000000000n)).toEqual([2018, 2, 5]);
    expect(call('time.clock', [1517832000000000000n, 'America/New_York'])).toEqual([7, 0, 0]);
    expect(call('time.weekday', 1517832000000000000n)).toBe('Monday');
    expect(callError('time.date', 'x').code).toBe('eval_type_error');
  });
  it('add_date normalises like Go and checks the range', () => {
    expect(call('time.add_date', 1585852421593912000n, 3, 9, 12)).toBe(1705257221593912000n);
    expect(callError('time.add_date', 0, 2262, 1, 1).message).toContain('time outside of valid range');
  });
  it('diff returns calendar differences', () => {
    const day = (s: string): unknown => call('time.parse_ns', '2006-01-02', s);
    expect(call('time.diff', day('2020-02-02'), day('2020-03-01'))).toEqual([0, 0, 28, 0, 0, 0]);
    expect(call('time.diff', day('2021-02-02'), day('2021-03-01'))).toEqual([0, 0, 27, 0, 0, 0]);
  });
  it('now_ns is the frozen evaluation clock', () => {
    expect(callValue('time.now_ns', [], frozenContext(42n))).toBe(42);
  });
  it('parses durations', () => {
    expect(call('time.parse_duration_ns', '1h30m')).toBe(5400000000000);
    expect(call('time.parse_duration_ns', '-1.5s')).toBe(-1500000000);
    expect(callError('time.parse_duration_ns', '1x').message).toContain('unknown unit');
  });
});

describe('time.parse_rfc3339_ns fast path', () => {
  it('agrees with the general Go layout parser', () => {
    const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
    fc.assert(fc.property(
      fc.record({
        year: fc.integer({ min: 1700, max: 2200 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }),
        hour: fc.integer({ min: 0, max: 23 }), minute: fc.integer({ min: 0, max: 59 }), second: fc.integer({ min: 0, max: 59 }),
        fraction: fc.option(fc.stringMatching(/^\d{1,9}$/)), offset: fc.integer({ min: -14 * 60, max: 14 * 60 }),
      }),
      (t) => {
        const zone = t.offset === 0 ? 'Z' : `${t.offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(t.offset) / 60))}:${pad(Math.abs(t.offset) % 60)}`;
        const text = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}${t.fraction === null ? '' : `.${t.fraction}`}${zone}`;
        const general = call('time.parse_ns', '2006-01-02T15:04:05.999999999Z07:00', text);
        return call('time.parse_rfc3339_ns', text) === general;
      },
    ), { numRuns: 300 });
  });
});

const tzdata = existsSync('/usr/share/zoneinfo/Europe/Berlin');
describe.skipIf(!tzdata)('time.format zone abbreviations (needs the system tz database)', () => {
  it('prints the tz database abbreviation as Go does', () => {
    const ns = 1670006453141828000n;
    expect(call('time.format', [ns, 'Asia/Kolkata', 'RFC1123'])).toBe('Sat, 03 Dec 2022 00:10:53 IST');
    expect(call('time.format', [ns, 'Europe/Berlin', 'RFC1123'])).toBe('Fri, 02 Dec 2022 19:40:53 CET');
    expect(call('time.format', [1690006453141828000n, 'Europe/Berlin', 'UnixDate'])).toBe('Sat Jul 22 08:14:13 CEST 2023');
    expect(call('time.format', [ns, 'America/Sao_Paulo', 'RFC1123'])).toBe('Fri, 02 Dec 2022 15:40:53 -03');
  });
});
describe.skipIf(tzdata)('time.format zone abbreviations', () => {
  it.skip('skipped: no system tz database at /usr/share/zoneinfo', () => undefined);
});
