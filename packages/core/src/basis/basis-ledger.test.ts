import { describe, expect, it } from 'vitest';
import { BasisLedger } from './basis-ledger.ts';

const NOW = new Date('2026-11-24T12:00:00Z');

describe('BasisLedger', () => {
  it('records provenance with the default authority of each kind', () => {
    const ledger = new BasisLedger({ tenant: 'acme', now: () => NOW });
    ledger.addSystemPrompt('sys');
    ledger.addUserTurn('hi');
    ledger.addToolOutput({
      tool: 'crm.get',
      callId: 'c1',
      output: { name: 'Jane' },
      trust: 'verified',
    });
    ledger.addToolOutput({ tool: 'web.fetch', callId: 'c2', output: 'page' });
    ledger.addRetrieval({ content: 'doc', source: 'kb/1' });
    ledger.addMemory({ content: 'mem', source: 'memory' });
    ledger.addApproval({ content: { approver: 'k1' }, source: 'approval:1' });
    ledger.addReceipt({ content: { id: 'r1' }, source: 'receipt:1' });
    expect(ledger.items().map((i) => [i.kind, i.source, i.authority])).toEqual([
      ['instruction', 'system', 'verified'],
      ['instruction', 'user', 'user'],
      ['tool-output', 'tool:crm.get#c1', 'verified'],
      ['tool-output', 'tool:web.fetch#c2', 'untrusted'],
      ['retrieval', 'kb/1', 'unverified'],
      ['memory', 'memory', 'unverified'],
      ['approval', 'approval:1', 'verified'],
      ['receipt', 'receipt:1', 'verified'],
    ]);
    expect(
      ledger.items().every((i) => i.tenant === 'acme' && i.observedAt === NOW.toISOString()),
    ).toBe(true);
    expect(ledger.items()[0]?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is idempotent for identical items and refuses a different item under the same id', () => {
    const ledger = new BasisLedger({ now: () => NOW });
    const a = ledger.addUserTurn('yes');
    expect(ledger.addUserTurn('yes')).toEqual(a);
    expect(ledger.size).toBe(1);
    ledger.add({ kind: 'memory', content: 'x', source: 's', authority: 'user', id: 'm' });
    expect(() =>
      ledger.add({ kind: 'memory', content: 'y', source: 's', authority: 'user', id: 'm' }),
    ).toThrow(expect.objectContaining({ code: 'ERR_BASIS_ITEM_DUPLICATE' }));
  });

  it('applies supersession and refuses unknown ids', () => {
    const ledger = new BasisLedger({ now: () => NOW });
    const a = ledger.addRetrieval({ content: 'v1', source: 'doc' });
    const b = ledger.addRetrieval({ content: 'v2', source: 'doc' });
    ledger.supersede(a.id, b.id);
    expect(ledger.get(a.id)?.supersededBy).toBe(b.id);
    expect(() => ledger.supersede('nope', b.id)).toThrow(
      expect.objectContaining({ code: 'ERR_BASIS_ITEM_INVALID' }),
    );
  });

  it('stops at maxItems instead of growing without bound', () => {
    const ledger = new BasisLedger({ now: () => NOW, maxItems: 2 });
    ledger.addUserTurn('1');
    ledger.addUserTurn('2');
    expect(() => ledger.addUserTurn('3')).toThrow(
      expect.objectContaining({ code: 'ERR_BASIS_LEDGER_FULL' }),
    );
  });

  it.each([
    [null, 'item'],
    [{ kind: 'gossip', content: 'x', source: 's', authority: 'user' }, 'item.kind'],
    [{ kind: 'memory', content: 'x', source: '', authority: 'user' }, 'item.source'],
    [{ kind: 'memory', content: 'x', source: 's', authority: 'god' }, 'item.authority'],
    [{ kind: 'memory', source: 's', authority: 'user' }, 'item.content'],
    [
      { kind: 'memory', content: 'x', source: 's', authority: 'user', observedAt: 'yesterday' },
      'item.observedAt',
    ],
    [
      { kind: 'memory', content: 'x', source: 's', authority: 'user', maxAgeMs: -1 },
      'item.maxAgeMs',
    ],
    [
      { kind: 'memory', content: 'x', source: 's', authority: 'user', derivedFrom: [1] },
      'item.derivedFrom[0]',
    ],
    [{ kind: 'memory', content: 'x', source: 's', authority: 'user', id: 'bad id!' }, 'item.id'],
    [
      JSON.parse(
        '{"kind":"memory","content":"x","source":"s","authority":"user","__proto__":{"authority":"canonical"}}',
      ),
      'item.__proto__',
    ],
  ])('refuses malformed items naming the field (%#)', (input, parameter) => {
    const ledger = new BasisLedger({ now: () => NOW });
    expect(() => ledger.add(input as never)).toThrow(
      expect.objectContaining({ code: 'ERR_BASIS_ITEM_INVALID', details: { parameter } }),
    );
  });

  it('refuses content that is not JSON', () => {
    const ledger = new BasisLedger({ now: () => NOW });
    expect(() =>
      ledger.add({ kind: 'memory', content: Number.NaN, source: 's', authority: 'user' }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CANONICAL_UNSUPPORTED' }));
  });
});

describe('BasisLedger convenience methods', () => {
  it.each([
    ['addSystemPrompt', [42], 'text'],
    ['addUserTurn', [null], 'text'],
    ['addUserTurn', ['hi', 'extras'], 'extras'],
    ['addToolOutput', [null], 'input'],
    ['addRetrieval', ['doc'], 'input'],
    ['addMemory', [[]], 'input'],
    ['addApproval', [undefined], 'input'],
    ['addReceipt', [7], 'input'],
  ])('%s refuses malformed input naming %s', (method, args, parameter) => {
    const ledger = new BasisLedger({ now: () => NOW }) as unknown as Record<
      string,
      (...a: unknown[]) => unknown
    >;
    expect(() => ledger[method]!(...args)).toThrow(
      expect.objectContaining({ code: 'ERR_BASIS_ITEM_INVALID', details: { parameter } }),
    );
  });
});

describe('BasisLedger defaultMaxAgeMs', () => {
  it('applies a per-kind max age to items that set none', () => {
    const ledger = new BasisLedger({ now: () => NOW, defaultMaxAgeMs: { 'tool-output': 60_000 } });
    ledger.addToolOutput({ tool: 't', callId: 'c', output: 'x' });
    ledger.addToolOutput({ tool: 't', callId: 'd', output: 'y', maxAgeMs: 5 });
    ledger.addUserTurn('hi');
    expect(ledger.items().map((i) => i.maxAgeMs)).toEqual([60_000, 5, undefined]);
  });

  it('refuses a malformed default', () => {
    expect(() => new BasisLedger({ defaultMaxAgeMs: { gossip: 1 } as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => new BasisLedger({ defaultMaxAgeMs: { memory: -1 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
