import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatFloatShortest } from './go-sprintf.ts';

/** Go's strconv 'g' with shortest digits, by its definition (exponent form outside [-4, 6)). */
function reference(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const shortest = value.toExponential();
  const exp = Number(shortest.slice(shortest.indexOf('e') + 1));
  if (exp < -4 || exp >= 6) return shortest.replace(/e([+-])(\d)$/, 'e$10$2');
  return String(value);
}

describe('formatFloatShortest (%v of a float64)', () => {
  it('matches Go on known answers, including the plain-form bounds', () => {
    expect(formatFloatShortest(0.6)).toBe('0.6');
    expect(formatFloatShortest(0.0001)).toBe('0.0001');
    expect(formatFloatShortest(0.00009999999999999999)).toBe('9.999999999999999e-05');
    expect(formatFloatShortest(999999.9999999999)).toBe('999999.9999999999');
    expect(formatFloatShortest(1e6)).toBe('1e+06');
    expect(formatFloatShortest(-123456.5)).toBe('-123456.5');
    expect(formatFloatShortest(1e21)).toBe('1e+21');
  });
  it('agrees with the definition on arbitrary doubles', () => {
    const near = fc.oneof(fc.double({ min: 5e-5, max: 2e-4 }), fc.double({ min: 5e5, max: 2e6 }));
    fc.assert(
      fc.property(fc.oneof(fc.double(), near), (x) => {
        expect(formatFloatShortest(x)).toBe(reference(x));
      }),
      { numRuns: 5000 },
    );
  });
});
