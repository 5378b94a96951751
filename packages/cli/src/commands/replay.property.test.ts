import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANGE_KINDS, classifyChange } from '../lib/replay-transcript.ts';
import { groupChanges } from './replay.ts';

const kinds = ['allow', 'allow-with-constraints', 'require-approval', 'deny'];

describe('groupChanges', () => {
  it('accounts for every changed decision exactly once and never lists unchanged ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ from: fc.constantFrom(...kinds), to: fc.constantFrom(...kinds), tool: fc.constantFrom('a', 'b', '__proto__'), reason: fc.constantFrom('r1', 'r2', ''), sameId: fc.boolean() }), { maxLength: 60 }),
        (rows) => {
          const decisions = rows.map((r, seq) => {
            const recorded = { decision: r.from, reasons: r.reason ? [r.reason] : [], id: 'x', verdict: 'execute' };
            const replayed = { decision: r.to, reasons: r.reason ? [r.reason] : [], id: r.sameId ? 'x' : 'y' };
            return { seq, sessionId: 's', callId: `c${seq}`, tool: r.tool, mode: 'shadow', samePolicy: false, recorded, replayed, change: classifyChange(recorded, replayed) };
          });
          const groups = groupChanges(decisions);
          const changed = decisions.filter((d) => d.change !== 'same').length;
          expect(groups.reduce((sum, g) => sum + g.count, 0)).toBe(changed);
          expect(groups.every((g) => g.change !== 'same' && g.examples.length <= 3 && g.examples.length <= g.count)).toBe(true);
          const order = groups.map((g) => CHANGE_KINDS.indexOf(g.change));
          expect([...order].sort((a, b) => a - b)).toEqual(order);
        },
      ),
    );
  });
});

describe('classifyChange', () => {
  it('is "same" exactly when the decision and its id are unchanged', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.constantFrom(...kinds), fc.boolean(), (from, to, sameId) => {
        const change = classifyChange({ decision: from, id: 'x' }, { decision: to, id: sameId ? 'x' : 'y' });
        expect(change === 'same').toBe(sameId && (from === to || (from.startsWith('allow') && to.startsWith('allow'))));
      }),
    );
  });
});
