import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BasisAuthority } from '../firewall/types.ts';
import { authorityRank } from './authority.ts';
import { BasisLedger } from './basis-ledger.ts';
import { scoreBasis } from './score-basis.ts';

const NOW = new Date('2026-11-24T12:00:00Z');
const authority = fc.constantFrom<BasisAuthority>(
  'canonical',
  'verified',
  'user',
  'unverified',
  'untrusted',
);
const words = fc.array(
  fc.constantFrom('pay', 'DE89370400440532013000', 'jane@example.com', '120', 'refund', 'ACME'),
  { minLength: 1, maxLength: 6 },
);
const item = fc.record({
  authority,
  text: words.map((w) => w.join(' ')),
  parent: fc.option(fc.nat(20), { nil: undefined }),
});
const consequential = [
  { path: 'iban', kind: 'iban' as const, value: 'DE89370400440532013000' },
  { path: 'to', kind: 'email' as const, value: 'jane@example.com' },
];

function build(
  specs: readonly { authority: BasisAuthority; text: string; parent: number | undefined }[],
): BasisLedger {
  const ledger = new BasisLedger({ tenant: 'acme', now: () => NOW });
  specs.forEach((spec, index) => {
    const parent = spec.parent !== undefined && spec.parent < index ? [`i${spec.parent}`] : [];
    ledger.add({
      kind: 'memory',
      content: spec.text,
      source: 's',
      authority: spec.authority,
      id: `i${index}`,
      derivedFrom: parent,
    });
  });
  return ledger;
}

describe('scoreBasis (properties)', () => {
  it('never gives an item more authority than it declared or than its parent has', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), (specs) => {
        const report = scoreBasis({
          items: build(specs).items(),
          actionClass: 'A4',
          consequential,
          tenant: 'acme',
          now: NOW,
        });
        const byId = new Map(report.items.map((i) => [i.id, i]));
        specs.forEach((spec, index) => {
          const summary = byId.get(`i${index}`)!;
          expect(authorityRank(summary.effectiveAuthority)).toBeLessThanOrEqual(
            authorityRank(summary.authority),
          );
          if (spec.parent !== undefined && spec.parent < index) {
            const parent = byId.get(`i${spec.parent}`)!;
            expect(authorityRank(summary.effectiveAuthority)).toBeLessThanOrEqual(
              authorityRank(parent.effectiveAuthority),
            );
          }
        });
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('adding untrusted content never raises the score or makes an insufficient basis sufficient', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), words, (specs, injected) => {
        const before = scoreBasis({
          items: build(specs).items(),
          actionClass: 'A5',
          consequential,
          tenant: 'acme',
          now: NOW,
        });
        const ledger = build(specs);
        ledger.addToolOutput({ tool: 'email.read', callId: 'x', output: injected.join(' ') });
        const after = scoreBasis({
          items: ledger.items(),
          actionClass: 'A5',
          consequential,
          tenant: 'acme',
          now: NOW,
        });
        expect(after.score).toBeLessThanOrEqual(before.score);
        if (!before.sufficient) expect(after.sufficient).toBe(false);
      }),
      { seed: 13, numRuns: 200 },
    );
  });

  it('a value found only in untrusted content is always tainted, never supported', () => {
    fc.assert(
      fc.property(fc.constantFrom<BasisAuthority>('unverified', 'untrusted'), (low) => {
        const ledger = new BasisLedger({ tenant: 'acme', now: () => NOW });
        ledger.addUserTurn('please pay the invoice');
        ledger.add({
          kind: 'retrieval',
          content: 'IBAN DE89 3704 0044 0532 0130 00',
          source: 'kb',
          authority: low,
        });
        const report = scoreBasis({
          items: ledger.items(),
          actionClass: 'A3',
          consequential: consequential.slice(0, 1),
          tenant: 'acme',
          now: NOW,
        });
        expect(report.tainted).toEqual(['iban']);
        expect(report.sufficient).toBe(false);
      }),
    );
  });
});
