import { describe, expect, it } from 'vitest';
import { compensateEffect, observeEffect, parseReconcilers } from './reconciliation.ts';

const context = { tokenId: 't1', callId: 'c1', tool: 'crm.update', args: { field: 'phone' }, result: { ok: true } };

describe('observeEffect', () => {
  it('returns the observer verdict', async () => {
    const verdict = await observeEffect({ observe: () => ({ status: 'drift', expected: 'phone', observed: 'email' }) }, context);
    expect(verdict).toEqual({ status: 'drift', expected: 'phone', observed: 'email' });
  });

  it('treats a throwing, missing or malformed observer as repair-required', async () => {
    expect((await observeEffect({ observe: () => { throw new Error('down'); } }, context)).status).toBe('repair-required');
    expect((await observeEffect({}, context)).status).toBe('repair-required');
    expect((await observeEffect({ observe: () => ({ status: 'fine' }) as never }, context)).status).toBe('repair-required');
    expect((await observeEffect({ observe: () => null as never }, context)).status).toBe('repair-required');
  });
});

describe('compensateEffect', () => {
  it('reports residue from the compensation', async () => {
    const result = await compensateEffect({ compensate: () => ({ status: 'partial', residue: ['recipient already read it'] }) }, context);
    expect(result).toEqual({ status: 'partial', residue: ['recipient already read it'] });
  });

  it('reports the effect itself as residue when nothing can compensate', async () => {
    const result = await compensateEffect(undefined, context);
    expect(result.status).toBe('not-compensable');
    expect(result.residue[0]).toContain('crm.update');
  });

  it('treats a throwing compensation as partial', async () => {
    const result = await compensateEffect({ compensate: () => Promise.reject(new Error('timeout')) }, context);
    expect(result.status).toBe('partial');
  });
});

describe('parseReconcilers', () => {
  it.each([[null], [[]], ['x'], [{ t: 1 }], [{ t: { observe: 'no' } }], [{ t: { compensate: 3 } }]])('refuses %j', (value) => {
    expect(() => parseReconcilers(value)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('accepts undefined and a map of functions', () => {
    expect(parseReconcilers(undefined).size).toBe(0);
    expect(parseReconcilers({ t: { observe: () => ({ status: 'reconciled' }) } }).has('t')).toBe(true);
  });
});
