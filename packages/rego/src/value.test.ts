import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compare,
  equals,
  fromJSON,
  keyOf,
  numAdd,
  numberValue,
  numCompare,
  quoteString,
  numDiv,
  Dec,
  RObject,
  RSet,
  toJSON,
  toRegoString,
  typeName,
  type Value,
} from './value.ts';

const json = fc.jsonValue({ maxDepth: 3 });

describe('numbers', () => {
  it('adds decimals exactly like OPA', () => {
    expect(equals(numAdd(numberValue(0.1), numberValue(0.2)), numberValue('0.3'))).toBe(true);
  });
  it('keeps huge integers exact', () => {
    const a = numberValue('28857836529306024611913');
    expect(toRegoString(numAdd(a, 1))).toBe('28857836529306024611914');
    expect(equals(a, numberValue('28857836529306024611912'))).toBe(false);
  });
  it('treats numbers from JS doubles and from decimal text alike', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const a = numberValue(x);
        const b = numberValue(String(x));
        expect(equals(a, b)).toBe(true);
        expect(keyOf(a)).toBe(keyOf(b));
        expect(compare(a, b)).toBe(0);
        expect(toJSON(a)).toBe(x === 0 ? 0 : x);
      }),
    );
  });
  it('orders numbers from doubles exactly as their decimal values (known answers)', () => {
    // 0.1 + 0.2 is 0.30000000000000004 as a double: above the decimal 0.3
    expect(numCompare(numberValue(0.1 + 0.2), numberValue(0.3))).toBe(1);
    expect(numCompare(numberValue(0.6), numberValue('0.6'))).toBe(0);
    expect(numCompare(numberValue(0.6), numberValue('0.6000000000000000001'))).toBe(-1);
    expect(numCompare(numberValue(-1.5), -1)).toBe(-1);
    expect(numCompare(3, numberValue(2.999999999999999))).toBe(1);
    expect(numCompare(numberValue(2 ** 53 + 2), numberValue(1e300))).toBe(-1);
  });
  it('orders numbers from doubles like decimal arithmetic does (property)', () => {
    const num = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(0.1, 0.2, 0.3, 0.6, -0.6, 1e-7, 5e-324));
    fc.assert(
      fc.property(num, num, (a, b) => {
        const x = numberValue(a);
        const y = numberValue(b);
        const exact = new Dec(String(a)).cmp(new Dec(String(b)));
        expect(Math.sign(numCompare(x, y))).toBe(exact);
      }),
      { numRuns: 2000 },
    );
  });
  it('normalizes safe integers to JS numbers', () => {
    expect(numberValue('1.0')).toBe(1);
    expect(numDiv(6, 3)).toBe(2);
  });
});

describe('fromJSON/toJSON', () => {
  it('round-trips JSON', () => {
    fc.assert(
      fc.property(json, (j) => {
        const clean: unknown = JSON.parse(JSON.stringify(j));
        expect(toJSON(fromJSON(clean))).toEqual(clean);
      }),
    );
  });
  it('keeps __proto__ as data', () => {
    const v = fromJSON(JSON.parse('{"__proto__": {"admin": true}}'));
    expect(v).toBeInstanceOf(RObject);
    const out = toJSON(v) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });
  it('rejects functions and non-finite numbers', () => {
    expect(() => fromJSON(() => 1, 'input')).toThrow(/input/);
    expect(() => fromJSON(Number.NaN)).toThrow();
  });
});

describe('equality, hashing and order', () => {
  it('equal values have equal keys', () => {
    fc.assert(
      fc.property(json, (j) => {
        const a = fromJSON(j);
        const b = fromJSON(JSON.parse(JSON.stringify(j)));
        expect(equals(a, b)).toBe(true);
        expect(keyOf(a)).toBe(keyOf(b));
        expect(compare(a, b)).toBe(0);
      }),
    );
  });
  it('quotes strings exactly like JSON.stringify (fast path = slow path)', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\u0000', '\u001f', ' ', '\ud800', '\udc00', '\u00e9', '\u{1f600}') }),
    );
    fc.assert(
      fc.property(text, (s) => {
        expect(quoteString(s)).toBe(JSON.stringify(s));
      }),
      { numRuns: 1000 },
    );
  });
  it('gives different keys to different values (injective)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '"', '\\', ',', ':', '{', '}', '<', '>', '[', ']', '\u0000', '\ud800') });
    const val = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer({ min: -3, max: 3 }),
        fc.constantFrom(null, true, false, 0.5),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(text, tie('v'), { maxKeys: 3 }),
        fc.uniqueArray(tie('v'), { maxLength: 3 }).map((xs) => new Set(xs)),
      ),
    })).v;
    fc.assert(
      fc.property(val, val, (x, y) => {
        const a = fromJSON(x);
        const b = fromJSON(y);
        expect(keyOf(a) === keyOf(b)).toBe(equals(a, b));
      }),
      { numRuns: 3000 },
    );
  });
  it('orders types like OPA', () => {
    const vs: Value[] = [new RSet([1]), new RObject([['a', 1]]), [1], 'a', 1, true, null];
    expect([...vs].sort(compare).map(typeName)).toEqual(['null', 'boolean', 'number', 'string', 'array', 'object', 'set']);
  });
  it('is antisymmetric', () => {
    fc.assert(
      fc.property(json, json, (x, y) => {
        const a = fromJSON(x);
        const b = fromJSON(y);
        expect(Math.sign(compare(a, b)) + Math.sign(compare(b, a))).toBe(0);
      }),
    );
  });
  it('dedups structurally in sets and supports non-string object keys', () => {
    const s = new RSet([[1, 2], [1, 2], 1, numberValue('1.0')]);
    expect(s.size).toBe(2);
    const o = new RObject([[[1], 'x']]);
    expect(o.get([1])).toBe('x');
    expect(toRegoString(new RSet())).toBe('set()');
  });
});

describe('RSet', () => {
  // Empty sets share one element map until their first add; every set must still behave as a
  // set of its own (a Map from keyOf to the first value added under that key).
  it('behaves like a map of its own from keys to values, empty sets included (property)', () => {
    const element = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.string({ maxLength: 2 }), fc.constantFrom(null, true));
    const op = fc.record({ set: fc.integer({ min: 0, max: 3 }), value: element });
    fc.assert(
      fc.property(fc.array(fc.array(element, { maxLength: 3 }), { minLength: 4, maxLength: 4 }), fc.array(op, { maxLength: 12 }), (initial, ops) => {
        const sets = initial.map((items) => (items.length === 0 ? new RSet() : new RSet(items)));
        const models = initial.map((items) => {
          const m = new Map<string, Value>();
          for (const x of items) m.set(keyOf(x), x);
          return m;
        });
        for (const { set, value } of ops) {
          sets[set]!.add(value);
          models[set]!.set(keyOf(value), value);
        }
        sets.forEach((s, i) => {
          const model = models[i]!;
          expect(s.size).toBe(model.size);
          expect([...s.values()]).toEqual([...model.values()]);
          expect([...s]).toEqual([...model.values()]);
          for (const x of [0, 1, 'a', null, true]) expect(s.has(x)).toBe(model.has(keyOf(x)));
          expect(keyOf(s)).toBe(keyOf(new RSet([...model.values()])));
        });
        expect(keyOf(new RSet())).toBe(keyOf(new RSet([])));
        expect(new RSet().size).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
