import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../canonical/canonicalize.ts';
import { outcome } from '../crypto/canonical-text-test-support.ts';
import { commitmentText } from './score-basis.ts';
import type { BasisCommitment } from './score-basis.ts';

const text = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 10 }),
);
const anything = fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom(Number.NaN, Infinity, -0, 1e21, 5e-7));


describe('commitmentText', () => {
  it('writes the basis commitment form exactly as canonicalize does, or refuses it the same way', () => {
    fc.assert(
      fc.property(
        fc.record({
          version: fc.oneof(fc.constant('writ.basis/v1'), anything),
          actionClass: fc.oneof(fc.constantFrom('A0', 'A3', 'A5'), anything),
          score: fc.oneof(fc.double({ min: 0, max: 1 }), anything),
          threshold: fc.oneof(fc.double({ min: 0, max: 1 }), anything),
          sufficient: fc.oneof(fc.boolean(), anything),
          items: fc.array(text, { maxLength: 4 }),
          findings: fc.array(text, { maxLength: 4 }),
          arguments: fc.array(text, { maxLength: 4 }),
        }),
        (c: BasisCommitment) => {
          expect(outcome(() => commitmentText(c))).toBe(outcome(() => canonicalize(c)));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
