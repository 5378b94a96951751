import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from './compile.ts';
import { equals, fromJSON, inputFromJSON, keyOf, MAX_NESTING, toJSON, type Value } from './value.ts';

/** Freezes `x` and every object and array inside it. */
function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null) {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}

/** JSON-like values in which some objects and arrays are frozen, some deep-frozen, some not. */
const partlyFrozen = fc
  .letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.string({ maxLength: 4 }),
      fc.integer({ min: -5, max: 5 }),
      fc.constantFrom(null, true, false, 0.5, -2.25),
      fc.tuple(fc.array(tie('v'), { maxLength: 4 }), fc.constantFrom('none', 'shallow', 'deep')).map(([xs, how]) => freeze(xs, how)),
      fc.tuple(fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__', ''), tie('v'), { maxKeys: 4 }), fc.constantFrom('none', 'shallow', 'deep')).map(([o, how]) => freeze(o, how)),
    ),
  }))
  .v;

function freeze<T>(x: T, how: string): T {
  if (how === 'deep') return deepFreeze(x);
  if (how === 'shallow') return Object.freeze(x);
  return x;
}

function same(a: Value, b: Value): void {
  expect(equals(a, b)).toBe(true);
  expect(keyOf(a)).toBe(keyOf(b));
  expect(toJSON(a)).toEqual(toJSON(b));
}

describe('inputFromJSON', () => {
  it('gives the value fromJSON gives, first and on every later conversion (property)', () => {
    fc.assert(
      fc.property(partlyFrozen, (x) => {
        const expected = fromJSON(x);
        same(inputFromJSON(x, 'input'), expected);
        same(inputFromJSON(x, 'input'), expected);
        // the same parts inside other parents, at other depths
        same(inputFromJSON({ wrapped: [x, x] }, 'input'), fromJSON({ wrapped: [x, x] }));
      }),
      { numRuns: 2000 },
    );
  });

  it('reuses the value of a deep-frozen part and converts anything else anew', () => {
    const kept = deepFreeze({ items: [{ id: 'a', usable: true }], score: 0.5 });
    const open = { id: 'b' };
    const first = inputFromJSON({ kept, open }, 'input') as unknown as { getStr(k: string): Value };
    const second = inputFromJSON({ kept, open }, 'input') as unknown as { getStr(k: string): Value };
    expect(second.getStr('kept')).toBe(first.getStr('kept'));
    expect(second.getStr('open')).not.toBe(first.getStr('open'));
    open.id = 'c';
    expect(toJSON(inputFromJSON({ kept, open }, 'input'))).toEqual({ kept: { items: [{ id: 'a', usable: true }], score: 0.5 }, open: { id: 'c' } });
  });

  it('does not reuse a frozen part that holds an unfrozen object or an accessor', () => {
    const inner = { n: 1 };
    const shallow = Object.freeze({ inner });
    expect(toJSON(inputFromJSON(shallow, 'input'))).toEqual({ inner: { n: 1 } });
    inner.n = 2;
    expect(toJSON(inputFromJSON(shallow, 'input'))).toEqual({ inner: { n: 2 } });

    let calls = 0;
    const withGetter = Object.freeze(Object.defineProperty({}, 'n', { get: () => ++calls, enumerable: true }));
    expect(toJSON(inputFromJSON(withGetter, 'input'))).toEqual({ n: 1 });
    expect(toJSON(inputFromJSON(withGetter, 'input'))).toEqual({ n: 2 });
    const frozenArrayOfGetter = Object.freeze([withGetter]);
    expect(toJSON(inputFromJSON(frozenArrayOfGetter, 'input'))).toEqual([{ n: 3 }]);
    expect(toJSON(inputFromJSON(frozenArrayOfGetter, 'input'))).toEqual([{ n: 4 }]);

    const set = new Set(['x']);
    const withSet = Object.freeze({ set });
    expect(toJSON(inputFromJSON(withSet, 'input'))).toEqual({ set: ['x'] });
    set.add('y');
    expect(toJSON(inputFromJSON(withSet, 'input'))).toEqual({ set: ['x', 'y'] });
  });

  it('throws what fromJSON throws, also for a part converted before', () => {
    const bad = deepFreeze({ x: [1, Number.NaN] });
    for (let i = 0; i < 2; i++) expect(() => inputFromJSON({ bad }, 'options.input')).toThrow(/options.input: numbers must be finite/);
    // a deep-frozen chain accepted at the top, converted again nested one level too deep
    let chain: unknown = 'leaf';
    for (let i = 0; i <= MAX_NESTING; i++) chain = Object.freeze([chain]);
    expect(() => fromJSON(chain)).not.toThrow();
    expect(() => inputFromJSON(chain, 'input')).not.toThrow();
    expect(() => fromJSON([chain])).toThrow(/nesting deeper/);
    expect(() => inputFromJSON([chain], 'input')).toThrow(/nesting deeper/);
    expect(() => inputFromJSON(Object.freeze([undefined]), 'input')).toThrow(/undefined array item/);
  });

  it('converts objects of every size, NUL-prefixed and numeric-looking keys as fromJSON does (property)', () => {
    const key = fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('\u0000', '\u0000a', '__proto__', '', '1', '01'));
    fc.assert(
      fc.property(fc.dictionary(key, fc.oneof(fc.integer(), fc.string({ maxLength: 2 }), fc.constant(undefined)), { maxKeys: 40 }), (x) => {
        const expected = fromJSON(x);
        const got = inputFromJSON(x, 'input');
        same(got, expected);
        expect(Object.keys(toJSON(got) as object)).toEqual(Object.keys(toJSON(expected) as object));
        expect((got as unknown as { size: number }).size).toBe(Object.values(x).filter((v) => v !== undefined).length);
        const lookup = (o: Value, k: string) => (o as unknown as { get(k: Value): Value | undefined }).get(k);
        for (const k of Object.keys(x)) expect(lookup(got, k)).toEqual(lookup(expected, k));
      }),
      { numRuns: 500 },
    );
  });

  it('builds object literals as set() does: keys of any type, repeated keys, any size (property)', () => {
    const policy = compile({
      modules: [{ file: 'p.rego', source: 'package t\nr := {input.a: 1, input.b: input.v, "c": 3, input.d: [input.v]}\nn := count(r)\n' }],
    });
    const key = fc.oneof(fc.constantFrom('a', 'c', '', '\u0000', '\u0000c'), fc.integer({ min: 0, max: 2 }), fc.constant(null), fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 2 }));
    fc.assert(
      fc.property(key, key, key, fc.integer(), (a, b, d, v) => {
        const entries = new Map<unknown, unknown>([[a, 1], [b, v], ['c', 3], [d, [v]]]);
        // fromJSON of a Map sets its entries one by one (structurally equal keys: the last value wins)
        const model = fromJSON(entries) as unknown as { size: number };
        const expected = toJSON(model as unknown as Value);
        expect(policy.evaluate('data.t.n', { input: { a, b, d, v } })).toBe(model.size);
        const got = policy.evaluate('data.t.r', { input: { a, b, d, v } });
        expect(got).toEqual(expected);
        expect(Object.keys(got as object)).toEqual(Object.keys(expected as object));
      }),
      { numRuns: 500 },
    );
  });

  it('lists the keys fromJSON lists, in its order: own, enumerable, string keys only', () => {
    // convertInput walks objects with for-in filtered to own keys, fromJSON with Object.keys
    const proto = { inherited: 1, shadowed: 2 };
    const odd = Object.create(proto) as Record<string | symbol, unknown>;
    odd.z = 'z';
    odd['10'] = 'ten';
    odd.a = 'a';
    odd['2'] = 'two';
    odd[Symbol('s')] = 'symbol';
    Object.defineProperty(odd, 'hidden', { value: 'h', enumerable: false });
    Object.defineProperty(odd, 'shadowed', { value: 's', enumerable: false });
    class Point {
      x = 1;
      y = 2;
      get norm(): number {
        return 3;
      }
    }
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i * 7) % 40}`, i]));
    const dictionary: Record<string, unknown> = { ...many };
    delete dictionary.k3;
    const bare = Object.create(null) as Record<string, unknown>;
    bare.b = 1;
    bare.a = 2;
    for (const x of [odd, new Point(), many, dictionary, bare, { ['__proto__']: { a: 1 } }]) {
      const keys = (v: Value) => Object.keys(toJSON(v) as object);
      expect(keys(inputFromJSON(x, 'input'))).toEqual(keys(fromJSON(x)));
      same(inputFromJSON(x, 'input'), fromJSON(x));
      expect(keys(inputFromJSON(Object.freeze(x), 'input'))).toEqual(Object.keys(x));
    }
  });

  it('converts Sets, Maps and Rego values inside the input as fromJSON does, and never reuses them', () => {
    const set = new Set<unknown>(['x', 1]);
    const map = new Map<unknown, unknown>([['k', [1]]]);
    const x = Object.freeze({ set, map, rset: fromJSON(new Set(['y'])), robject: fromJSON({ a: 1 }), n: fromJSON(0.5) });
    same(inputFromJSON(x, 'input'), fromJSON(x));
    set.add('z');
    map.set('k2', 2);
    same(inputFromJSON(x, 'input'), fromJSON(x));
    expect(toJSON(inputFromJSON(x, 'input'))).toMatchObject({ set: [1, 'x', 'z'], map: { k: [1], k2: 2 } });
  });

  it('gives an evaluation the same results with frozen and unfrozen input (property)', () => {
    const policy = compile({
      modules: [
        {
          file: 'p.rego',
          source: `package t
names contains x.id if { some x in input.items; x.ok }
total := sum([x.n | some x in input.items; is_number(x.n)])
first := input.items[0]
`,
        },
      ],
    });
    const item = fc.record({ id: fc.string({ maxLength: 3 }), ok: fc.boolean(), n: fc.integer({ min: -9, max: 9 }) });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 5 }), (items) => {
        const plain = { items: structuredClone(items) };
        const frozen = deepFreeze({ items });
        for (const path of ['data.t.names', 'data.t.total', 'data.t.first']) {
          const expected = policy.evaluate(path, { input: plain });
          expect(policy.evaluate(path, { input: frozen })).toEqual(expected);
          expect(policy.evaluate(path, { input: frozen })).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });
});
