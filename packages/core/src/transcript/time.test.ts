import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUtcTime, utcTimeMs, utcTimeMsReference } from './time.ts';

describe('utcTimeMs', () => {
  const digits = (length: number): fc.Arbitrary<string> =>
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(''));
  // Timestamps of the fixed shapes with any digits (also out of range: month 13, day 31 of
  // February, hour 24, second 60), a few wrong separators, and other fraction lengths.
  const shaped = fc
    .tuple(
      digits(4),
      fc.oneof(digits(2), fc.constantFrom('01', '02', '12', '13', '00')),
      fc.oneof(digits(2), fc.constantFrom('28', '29', '30', '31', '00')),
      fc.oneof(digits(2), fc.constantFrom('23', '24')),
      digits(2),
      fc.oneof(digits(2), fc.constantFrom('59', '60')),
      fc.oneof(fc.constant(''), digits(3).map((d) => `.${d}`), fc.integer({ min: 1, max: 10 }).chain((n) => digits(n).map((d) => `.${d}`))),
      fc.constantFrom('-', 'T', ':', 'Z', 'x', '.'),
      fc.nat({ max: 30 }),
    )
    .map(([y, mo, d, h, mi, s, frac, junk, at]) => {
      const text = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}Z`;
      // Sometimes replace one character, to cover the separator checks.
      return at < text.length && at % 3 === 0 ? text.slice(0, at) + junk + text.slice(at + 1) : text;
    });
  const same = (value: unknown): void => {
    expect(Object.is(utcTimeMs(value), utcTimeMsReference(value))).toBe(true);
    expect(isUtcTime(value)).toBe(!Number.isNaN(utcTimeMsReference(value)));
  };
  it('equals isUtcTime ? Date.parse : NaN on timestamp-shaped strings', () => {
    fc.assert(fc.property(shaped, same), { numRuns: 20_000 });
  });
  it('equals it on real times and on arbitrary values', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(-62_000_000_000_000), max: new Date(253_402_300_799_999), noInvalidDate: true }), (date) => {
        same(date.toISOString());
        same(date.toISOString().replace(/\.\d{3}Z$/, 'Z'));
      }),
      { numRuns: 5000 },
    );
    fc.assert(fc.property(fc.anything(), same));
    for (const value of ['2026-01-01T00:00:00.000Z', '0099-01-01T00:00:00Z', '0100-01-01T00:00:00Z', '2024-02-29T12:00:00Z', '2023-02-29T12:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:60Z', '2026-01-01t00:00:00Z', ' 2026-01-01T00:00:00Z', '2026-01-01T00:00:00.5Z'])
      same(value);
  });
  it('reads the common shape', () => {
    expect(utcTimeMs('2026-01-01T00:00:00.000Z')).toBe(Date.UTC(2026, 0, 1));
    expect(utcTimeMs('2026-13-01T00:00:00.000Z')).toBeNaN();
  });
});
