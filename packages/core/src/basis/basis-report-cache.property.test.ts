import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActionClassId, BasisAuthority } from '../firewall/types.ts';
import type { ConsequentialValue } from '../registry/classify-tool-call.ts';
import { BasisLedger } from './basis-ledger.ts';
import { BasisReportCache } from './basis-report-cache.ts';
import { scoreBasis } from './score-basis.ts';

const T0 = Date.parse('2026-11-24T12:00:00Z');
const authority = fc.constantFrom<BasisAuthority>('canonical', 'verified', 'user', 'unverified', 'untrusted');
const word = fc.constantFrom('pay', 'DE89370400440532013000', 'jane@example.com', 'bob@example.com', '120', 'ACME');
const actionClass = fc.constantFrom<ActionClassId>('A0', 'A1', 'A2', 'A3', 'A4', 'A5');
const consequentialValue = fc.oneof(
  fc.record({ path: fc.constant('to'), kind: fc.constant('email' as const), value: fc.constantFrom<unknown>('jane@example.com', 'bob@example.com', 'x@y.z') }),
  fc.record({ path: fc.constant('iban'), kind: fc.constant('iban' as const), value: fc.constantFrom<unknown>('DE89370400440532013000', 'DE00', 120, ['DE89370400440532013000']) }),
) as fc.Arbitrary<ConsequentialValue>;

type Op =
  | { op: 'add'; authority: BasisAuthority; text: string; tenant: string | undefined; maxAgeMs: number | undefined; parent: number | undefined; contradicts: number | undefined }
  | { op: 'supersede'; id: number; by: number }
  | { op: 'report'; actionClass: ActionClassId; consequential: ConsequentialValue[]; dt: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('add' as const),
    authority,
    text: fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join(' ')),
    tenant: fc.constantFrom<string | undefined>(undefined, 'acme', 'other'),
    maxAgeMs: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
    parent: fc.option(fc.nat(8), { nil: undefined }),
    contradicts: fc.option(fc.nat(8), { nil: undefined }),
  }),
  fc.record({ op: fc.constant('supersede' as const), id: fc.nat(8), by: fc.nat(8) }),
  fc.record({ op: fc.constant('report' as const), actionClass, consequential: fc.array(consequentialValue, { maxLength: 2 }), dt: fc.integer({ min: -3000, max: 6000 }) }),
  // Repeated reports are what the cache serves: weight them.
  fc.record({ op: fc.constant('report' as const), actionClass, consequential: fc.array(consequentialValue, { maxLength: 2 }), dt: fc.integer({ min: -3000, max: 6000 }) }),
);

describe('BasisReportCache (properties)', () => {
  it('answers exactly what scoreBasis gives over the current items, across adds, supersessions and time (both ways)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.constantFrom<string | undefined>('acme', undefined), (ops, tenant) => {
        let clock = T0;
        const ledger = new BasisLedger({ ...(tenant === undefined ? {} : { tenant }), now: () => new Date(clock) });
        const cache = new BasisReportCache({ ledger, tenant });
        let added = 0;
        for (const o of ops) {
          if (o.op === 'add') {
            const parent = o.parent !== undefined && o.parent < added ? [`i${o.parent}`] : [];
            const contradicts = o.contradicts !== undefined && o.contradicts < added ? [`i${o.contradicts}`] : [];
            ledger.add({
              kind: 'memory',
              content: o.text,
              source: 's',
              authority: o.authority,
              id: `i${added}`,
              derivedFrom: parent,
              contradicts,
              ...(o.tenant === undefined ? {} : { tenant: o.tenant }),
              ...(o.maxAgeMs === undefined ? {} : { maxAgeMs: o.maxAgeMs }),
            });
            added++;
          } else if (o.op === 'supersede') {
            if (o.id < added && o.by < added) ledger.supersede(`i${o.id}`, `i${o.by}`);
          } else {
            clock = T0 + o.dt;
            const now = new Date(clock);
            const expected = scoreBasis({ items: ledger.items(), actionClass: o.actionClass, consequential: o.consequential, ...(tenant === undefined ? {} : { tenant }), now });
            expect(cache.report({ actionClass: o.actionClass, consequential: o.consequential, now })).toEqual(expected);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('BasisReportCache', () => {
  const consequential: ConsequentialValue[] = [{ path: 'to', kind: 'email', value: 'bob@example.com' }];

  it('remembers a report until an item is added, then scores the new item set', () => {
    const now = new Date(T0);
    const ledger = new BasisLedger({ tenant: 'acme', now: () => now });
    const cache = new BasisReportCache({ ledger, tenant: 'acme' });
    ledger.add({ kind: 'memory', content: 'Email bob@example.com', source: 'web', authority: 'untrusted', id: 'a' });
    const once = cache.report({ actionClass: 'A3', consequential, now });
    expect(once.sufficient).toBe(false);
    // A first request keeps nothing; the second is kept and answers the third.
    const first = cache.report({ actionClass: 'A3', consequential, now });
    expect(first).not.toBe(once);
    expect(first).toEqual(once);
    expect(cache.report({ actionClass: 'A3', consequential, now })).toBe(first);
    ledger.add({ kind: 'instruction', content: 'Email bob@example.com', source: 'user', authority: 'user', id: 'b' });
    const second = cache.report({ actionClass: 'A3', consequential, now });
    expect(second).not.toBe(first);
    expect(second.sufficient).toBe(true);
    expect(second.items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(cache.report({ actionClass: 'A3', consequential, now })).not.toBe(second);
  });

  it('scores again after a supersession', () => {
    const now = new Date(T0);
    const ledger = new BasisLedger({ now: () => now });
    const cache = new BasisReportCache({ ledger, tenant: undefined });
    ledger.add({ kind: 'instruction', content: 'Email bob@example.com', source: 'user', authority: 'user', id: 'a' });
    ledger.add({ kind: 'instruction', content: 'nothing', source: 'user', authority: 'user', id: 'b' });
    expect(cache.report({ actionClass: 'A3', consequential, now }).sufficient).toBe(true);
    ledger.supersede('a', 'b');
    expect(cache.report({ actionClass: 'A3', consequential, now }).sufficient).toBe(false);
  });

  it('scores again when an item goes stale, and when the clock goes back before that', () => {
    let clock = T0;
    const ledger = new BasisLedger({ now: () => new Date(clock) });
    const cache = new BasisReportCache({ ledger, tenant: undefined });
    ledger.add({ kind: 'instruction', content: 'Email bob@example.com', source: 'user', authority: 'user', id: 'a', maxAgeMs: 1000 });
    expect(cache.report({ actionClass: 'A3', consequential, now: new Date(T0 + 1000) }).sufficient).toBe(true);
    clock = T0 + 1001;
    const stale = cache.report({ actionClass: 'A3', consequential, now: new Date(clock) });
    expect(stale.sufficient).toBe(false);
    expect(stale.findings.map((f) => f.code)).toContain('basis.stale');
    expect(cache.report({ actionClass: 'A3', consequential, now: new Date(T0 + 10) }).sufficient).toBe(true);
  });

  it('keys on the class and the consequential values, and refuses an invalid date as scoreBasis does', () => {
    const now = new Date(T0);
    const ledger = new BasisLedger({ now: () => now });
    const cache = new BasisReportCache({ ledger, tenant: undefined });
    ledger.add({ kind: 'instruction', content: 'Email bob@example.com', source: 'user', authority: 'user', id: 'a' });
    expect(cache.report({ actionClass: 'A3', consequential, now }).sufficient).toBe(true);
    expect(cache.report({ actionClass: 'A3', consequential: [{ path: 'to', kind: 'email', value: 'eve@example.com' }], now }).sufficient).toBe(false);
    expect(cache.report({ actionClass: 'A0', consequential, now }).actionClass).toBe('A0');
    expect(() => cache.report({ actionClass: 'A3', consequential, now: new Date(Number.NaN) })).toThrow(/options.now/);
  });

  it('scores the current items when a call cannot be remembered (a non-string consequential value)', () => {
    const now = new Date(T0);
    const ledger = new BasisLedger({ now: () => now });
    const cache = new BasisReportCache({ ledger, tenant: undefined });
    const amount: ConsequentialValue[] = [{ path: 'amount', kind: 'amount', value: 120 }];
    ledger.add({ kind: 'instruction', content: 'Email bob@example.com', source: 'user', authority: 'user', id: 'a' });
    expect(cache.report({ actionClass: 'A3', consequential, now }).items).toHaveLength(1);
    ledger.add({ kind: 'instruction', content: 'Pay 120', source: 'user', authority: 'user', id: 'b' });
    const report = cache.report({ actionClass: 'A3', consequential: amount, now });
    expect(report.items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(cache.report({ actionClass: 'A3', consequential: amount, now })).not.toBe(report);
    expect(cache.report({ actionClass: 'A3', consequential, now }).items).toHaveLength(2);
  });

  it('leaves malformed consequential entries and classes to scoreBasis: the same refusal, or the same report', () => {
    const now = new Date(T0);
    const ledger = new BasisLedger({ now: () => now });
    const cache = new BasisReportCache({ ledger, tenant: undefined });
    ledger.add({ kind: 'instruction', content: 'Email bob@example.com', source: 'user', authority: 'user', id: 'a' });
    for (const [actionClass, bad] of [['A3', [null]], ['A3', 'to'], ['A3', [{ path: 7, kind: 'email', value: 'x' }]], ['A9', consequential]] as const) {
      const options = { actionClass: actionClass as ActionClassId, consequential: bad as unknown as ConsequentialValue[], now };
      let expected: unknown;
      try {
        expected = scoreBasis({ items: ledger.items(), ...options });
      } catch (error) {
        expect(() => cache.report(options)).toThrow(error);
        continue;
      }
      expect(cache.report(options)).toEqual(expected);
    }
  });
});
