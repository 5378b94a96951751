import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActionClassId, BasisAuthority, BasisKind } from '../firewall/types.ts';
import { buildPolicyInput } from '../policy-contract/build-policy-input.ts';
import type { PolicyInput } from '../policy-contract/policy-input.ts';
import type { Classification, ConsequentialValue } from '../registry/classify-tool-call.ts';
import type { BasisItem } from './basis-item.ts';
import { BasisLedger } from './basis-ledger.ts';
import type { BasisReport } from './basis-report.ts';
import { BasisReportCache } from './basis-report-cache.ts';
import { BasisScoringState } from './basis-scoring-state.ts';
import { basisReportDigest, scoreBasis } from './score-basis.ts';

const T0 = Date.parse('2026-11-24T12:00:00Z');
const authority = fc.constantFrom<BasisAuthority>('canonical', 'verified', 'user', 'unverified', 'untrusted');
const kind = fc.constantFrom<BasisKind>('memory', 'tool-output', 'policy', 'workflow', 'summary', 'instruction');
const word = fc.constantFrom('pay', 'Pay', 'DE89370400440532013000', 'jane@example.com', 'bob@example.com', 'Bob@Example.com', '120', 'ACME', 'https://x.example/a');
const actionClass = fc.constantFrom<ActionClassId>('A0', 'A1', 'A2', 'A3', 'A4', 'A5');
const consequentialValue = fc.oneof(
  fc.record({ path: fc.constant('to'), kind: fc.constant('email' as const), value: fc.constantFrom<unknown>('jane@example.com', 'bob@example.com', 'x@y.z', '', 'jane@example.com, bob@example.com') }),
  fc.record({ path: fc.constant('who'), kind: fc.constant('recipient' as const), value: fc.constantFrom<unknown>('bob@example.com', 'ACME', ['bob@example.com', 'jane@example.com']) }),
  fc.record({ path: fc.constant('iban'), kind: fc.constant('iban' as const), value: fc.constantFrom<unknown>('DE89370400440532013000', 'DE00', 120, ['DE89370400440532013000']) }),
  fc.record({ path: fc.constant('amount'), kind: fc.constant('amount' as const), value: fc.constantFrom<unknown>(120, '120', 7) }),
  fc.record({ path: fc.constant('note'), kind: fc.constant('text' as const), value: fc.constantFrom<unknown>('pay', 'ACME', 'https://x.example/a', null, true) }),
) as fc.Arbitrary<ConsequentialValue>;

type Op =
  | { op: 'add'; kind: BasisKind; authority: BasisAuthority; text: string; tenant: string | undefined; maxAgeMs: number | undefined; parents: number[]; contradicts: number[] }
  | { op: 'supersede'; id: number; by: number }
  | { op: 'report'; actionClass: ActionClassId; consequential: ConsequentialValue[]; dt: number };

// Parents and contradictions may name items not added yet (ids up to 11): a later add
// resolves a "missing" lineage or joins a contradiction, which is what invalidates state.
const add = fc.record({
  op: fc.constant('add' as const),
  kind,
  authority,
  text: fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join(' ')),
  tenant: fc.constantFrom<string | undefined>(undefined, undefined, 'acme', 'other'),
  maxAgeMs: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined, freq: 3 }),
  parents: fc.array(fc.nat(11), { maxLength: 2 }),
  contradicts: fc.array(fc.nat(11), { maxLength: 1 }),
});
const report = fc.record({ op: fc.constant('report' as const), actionClass, consequential: fc.array(consequentialValue, { maxLength: 3 }), dt: fc.integer({ min: -3000, max: 6000 }) });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: add, weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('supersede' as const), id: fc.nat(11), by: fc.nat(11) }), weight: 1 },
  { arbitrary: report, weight: 3 },
);

/** The state as the cache keeps it: extended while it can be, built afresh otherwise. */
function follow(state: BasisScoringState | undefined, items: readonly BasisItem[], tenant: string | undefined): BasisScoringState {
  if (state !== undefined && items.length >= state.size && items.slice(0, state.size).every((item, i) => item === state.itemAt(i))) {
    let ok = true;
    for (const item of items.slice(state.size)) if (!(ok = state.extend(item))) break;
    if (ok) return state;
  }
  return new BasisScoringState({ items, tenant });
}

/** The policy input of a report (the basis part is what differs between scorers). */
function input(report: BasisReport, consequential: readonly ConsequentialValue[]): PolicyInput {
  const classification = {
    tool: 't', actionClass: report.actionClass, registered: true, audience: 'self', declaredEffects: [], detectedEffects: [],
    detections: [], hosts: [], consequential, sensitive: [],
  } as unknown as Classification;
  return buildPolicyInput({
    request: { tool: 't', args: {}, intentDigest: `sha256:${'ab'.repeat(32)}` },
    classification,
    basisReport: report,
    principal: { id: 'p' },
    agent: { id: 'a' },
    context: { now: new Date(T0), session: 's' },
    mode: 'enforce',
  });
}

function same(got: BasisReport, expected: BasisReport, consequential: readonly ConsequentialValue[] = []): void {
  expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
  expect(got).toEqual(expected);
  expect(basisReportDigest(got)).toBe(got.digest);
  expect(JSON.stringify(input(got, consequential))).toBe(JSON.stringify(input(expected, consequential)));
}

describe('BasisScoringState (properties)', () => {
  it('scores byte for byte what scoreBasis gives, across adds, forward references, supersessions and the clock moving both ways', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 50 }), fc.constantFrom<string | undefined>('acme', undefined), (ops, tenant) => {
        let clock = T0;
        const ledger = new BasisLedger({ ...(tenant === undefined ? {} : { tenant }), now: () => new Date(clock) });
        const cache = new BasisReportCache({ ledger, tenant });
        let state: BasisScoringState | undefined;
        let added = 0;
        for (const o of ops) {
          if (o.op === 'add') {
            ledger.add({
              kind: o.kind,
              content: o.text,
              source: 's',
              authority: o.authority,
              id: `i${added}`,
              derivedFrom: o.parents.map((p) => `i${p}`),
              contradicts: o.contradicts.map((p) => `i${p}`),
              ...(o.tenant === undefined ? {} : { tenant: o.tenant }),
              ...(o.maxAgeMs === undefined ? {} : { maxAgeMs: o.maxAgeMs }),
            });
            added++;
          } else if (o.op === 'supersede') {
            if (o.id < added && o.by < added) ledger.supersede(`i${o.id}`, `i${o.by}`);
          } else {
            clock = T0 + o.dt;
            const now = new Date(clock);
            const items = ledger.items();
            const expected = scoreBasis({ items, actionClass: o.actionClass, consequential: o.consequential, ...(tenant === undefined ? {} : { tenant }), now });
            state = follow(state, items, tenant);
            const c = o.consequential;
            same(state.score({ actionClass: o.actionClass, consequential: c, now }), expected, c);
            same(new BasisScoringState({ items, tenant }).score({ actionClass: o.actionClass, consequential: c, now }), expected, c);
            // Twice: the cache keeps a report from the second request on.
            same(cache.report({ actionClass: o.actionClass, consequential: c, now }), expected, c);
            same(cache.report({ actionClass: o.actionClass, consequential: c, now }), expected, c);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('BasisScoringState', () => {
  const now = new Date(T0);
  const bob: ConsequentialValue[] = [{ path: 'to', kind: 'email', value: 'bob@example.com' }];
  const score = (state: BasisScoringState, consequential: ConsequentialValue[] = bob, at = now): BasisReport =>
    state.score({ actionClass: 'A3', consequential, now: at });
  const fresh = (items: readonly BasisItem[], consequential: ConsequentialValue[] = bob, at = now): BasisReport =>
    scoreBasis({ items, actionClass: 'A3', consequential, tenant: 'acme', now: at });
  const ledger = (): BasisLedger => new BasisLedger({ tenant: 'acme', now: () => now });

  it('extends with an item no earlier item names', () => {
    const l = ledger();
    l.addUserTurn('Email bob@example.com');
    const state = new BasisScoringState({ items: l.items(), tenant: 'acme' });
    l.addToolOutput({ tool: 't', callId: 'c1', output: { to: 'bob@example.com' } });
    expect(state.extend(l.items()[1] as BasisItem)).toBe(true);
    same(score(state), fresh(l.items()));
  });

  it('refuses to extend with an item an earlier item derives from (its lineage was missing)', () => {
    const l = ledger();
    l.addUserTurn('Email bob@example.com', { id: 'u', derivedFrom: ['later'] });
    const state = new BasisScoringState({ items: l.items(), tenant: 'acme' });
    expect(score(state).findings.map((f) => f.code)).toContain('basis.lineage-missing');
    l.addUserTurn('hello', { id: 'later' });
    expect(state.extend(l.items()[1] as BasisItem)).toBe(false);
    const rebuilt = new BasisScoringState({ items: l.items(), tenant: 'acme' });
    same(score(rebuilt), fresh(l.items()));
    expect(score(rebuilt).findings.map((f) => f.code)).not.toContain('basis.lineage-missing');
  });

  it('refuses to extend with an item contradicting an earlier item counted as never excluded', () => {
    const l = ledger();
    l.addUserTurn('Email bob@example.com', { id: 'u' });
    const state = new BasisScoringState({ items: l.items(), tenant: 'acme' });
    l.addRetrieval({ content: 'no', source: 'r', authority: 'canonical', id: 'r', contradicts: ['u'] });
    expect(state.extend(l.items()[1] as BasisItem)).toBe(false);
    const report = score(new BasisScoringState({ items: l.items(), tenant: 'acme' }));
    same(report, fresh(l.items()));
    expect(report.sufficient).toBe(false);
  });

  it('an item an earlier item contradicted before it was added supports nothing when it loses (score without arguments)', () => {
    const l = ledger();
    l.addRetrieval({ content: 'old', source: 'r', authority: 'verified', id: 'r', contradicts: ['c'] });
    const state = new BasisScoringState({ items: l.items(), tenant: 'acme' });
    l.addRetrieval({ content: 'new', source: 'r', authority: 'verified', id: 'c' });
    expect(state.extend(l.items()[1] as BasisItem)).toBe(true);
    const report = score(state, []);
    same(report, fresh(l.items(), []));
    expect(report.score).toBe(0);
  });

  it('computes staleness per call, with the clock moving both ways', () => {
    const l = ledger();
    l.addUserTurn('Email bob@example.com', { maxAgeMs: 1000 });
    const state = new BasisScoringState({ items: l.items(), tenant: 'acme' });
    for (const dt of [0, 5000, 0, 1001, 1000]) {
      const at = new Date(T0 + dt);
      same(score(state, bob, at), fresh(l.items(), bob, at));
    }
    expect(score(state, bob, new Date(T0 + 5000)).sufficient).toBe(false);
    expect(score(state, bob, now).sufficient).toBe(true);
  });

  it('the cache builds its state afresh after a supersession', () => {
    const l = ledger();
    const cache = new BasisReportCache({ ledger: l, tenant: 'acme' });
    const report = (): BasisReport => cache.report({ actionClass: 'A3', consequential: bob, now });
    l.addUserTurn('Email bob@example.com', { id: 'u' });
    l.addUserTurn('or not', { id: 'v' });
    expect(report().sufficient).toBe(true);
    l.supersede('u', 'v');
    same(report(), fresh(l.items()));
    expect(report().sufficient).toBe(false);
  });
});
