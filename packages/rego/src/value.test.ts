import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compare,
  equals,
  fromJSON,
  inputFromJSON,
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

describe('RObject', () => {
  // Values are stored by canonical key, the original key only for keys that are not their own
  // canonical key (non-strings, strings starting with NUL). The model is the earlier storage:
  // a Map from keyOf to the last [key, value] set under it (insertion order = first set).
  it('behaves like a Map from keyOf to [key, value], mixed key types and order included (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '\u0000', '"'), maxLength: 3 });
    const scalar = fc.oneof(text, fc.integer({ min: -2, max: 2 }), fc.constantFrom<Value>(null, true, false, numberValue('1.0'), numberValue('0.5')));
    // fresh instances each time: equal keys of another identity must replace the stored key
    const key: fc.Arbitrary<Value> = fc.oneof(
      { weight: 4, arbitrary: scalar },
      fc.array(scalar, { maxLength: 2 }),
      fc.array(fc.tuple(text, scalar), { maxLength: 2 }).map((es) => new RObject(es)),
      fc.array(scalar, { maxLength: 2 }).map((xs) => new RSet(xs)),
    );
    const op = fc.oneof(
      fc.record({ op: fc.constant('set'), obj: fc.integer({ min: 0, max: 2 }), k: key, v: scalar }),
      fc.record({ op: fc.constant('delete'), obj: fc.integer({ min: 0, max: 2 }), k: key }),
      // a key the object has (random keys of large objects rarely are)
      fc.record({ op: fc.constant('deleteAt'), obj: fc.integer({ min: 0, max: 2 }), at: fc.nat() }),
      fc.record({ op: fc.constant('copy'), obj: fc.integer({ min: 0, max: 2 }), from: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ op: fc.constant('check'), obj: fc.integer({ min: 0, max: 2 }), k: key }),
    );
    const canon = (x: Value): string => (typeof x === 'string' && !x.startsWith('\u0000') ? JSON.stringify(x) : keyOf(x).slice(1));
    const same = (a: readonly (readonly [Value, Value])[], b: readonly (readonly [Value, Value])[]): void => {
      expect(a.length).toBe(b.length);
      a.forEach(([k, v], i) => {
        expect(Object.is(k, b[i]![0])).toBe(true);
        expect(Object.is(v, b[i]![1])).toBe(true);
      });
    };
    fc.assert(
      fc.property(fc.array(fc.array(fc.tuple(key, scalar), { maxLength: 24, size: 'max' }), { minLength: 3, maxLength: 3 }), fc.array(op, { maxLength: 40, size: 'max' }), (initial, ops) => {
        const objs = initial.map((es) => new RObject(es));
        const models = initial.map((es) => {
          const m = new Map<string, [Value, Value]>();
          for (const [k, v] of es) m.set(keyOf(k), [k, v]);
          return m;
        });
        const check = (i: number, k: Value): void => {
          const o = objs[i]!;
          const model = models[i]!;
          expect(o.get(k)).toBe(model.get(keyOf(k))?.[1]);
          if (typeof k === 'string') expect(o.getStr(k)).toBe(model.get(keyOf(k))?.[1]);
          expect(o.has(k)).toBe(model.has(keyOf(k)));
        };
        for (const o of ops) {
          if (o.op === 'set') {
            expect(objs[o.obj]!.set(o.k, o.v)).toBe(objs[o.obj]);
            models[o.obj]!.set(keyOf(o.k), [o.k, o.v]);
          } else if (o.op === 'delete') {
            expect(objs[o.obj]!.delete(o.k)).toBe(models[o.obj]!.delete(keyOf(o.k)));
          } else if (o.op === 'deleteAt') {
            const pairs = [...models[o.obj]!.values()];
            if (pairs.length > 0) {
              const k = pairs[o.at % pairs.length]![0];
              expect(objs[o.obj]!.delete(k)).toBe(models[o.obj]!.delete(keyOf(k)));
            }
          } else if (o.op === 'copy') {
            objs[o.obj] = new RObject(objs[o.from]);
            models[o.obj] = new Map(models[o.from]);
          } else {
            check(o.obj, o.k);
            keyOf(objs[o.obj]!); // caches the canonical text: later mutations must reset it
          }
        }
        objs.forEach((o, i) => {
          const model = models[i]!;
          const pairs = [...model.values()];
          expect(o.size).toBe(model.size);
          same([...o.entries()], pairs);
          const visited: [Value, Value][] = [];
          expect(o.some((k, v) => (visited.push([k, v]), false))).toBe(false);
          same(visited, pairs);
          if (pairs.length > 0) {
            let n = 0;
            expect(o.some(() => ++n === 1)).toBe(true);
            expect(n).toBe(1);
          }
          same(
            [...o.keys()].map((k, j) => [k, [...o.values()][j]!] as const),
            pairs,
          );
          same(
            [...new RObject(pairs).entries()],
            pairs,
          );
          // keys of every object: a copy must not see what was added to the other
          for (const other of models) for (const [k] of other.values()) check(i, k);
          expect(o.sortedKeys()).toEqual(pairs.map(([k]) => k).sort(compare));
          const expected = '\u0000{' + pairs.map(([k, v]) => canon(k) + ':' + canon(v)).sort().join(',') + '}';
          expect(keyOf(o)).toBe(expected);
          const rebuilt = new RObject(pairs);
          expect(equals(o, rebuilt)).toBe(true);
          expect(compare(o, rebuilt)).toBe(0);
          objs.forEach((p, j) => {
            const eq = equals(o, p);
            expect(eq).toBe(keyOf(o) === keyOf(p));
            expect(compare(o, p) === 0).toBe(eq);
            if (j !== i && p !== o && eq) expect(equals(p, o)).toBe(true);
          });
        });
      }),
      { numRuns: 1000 },
    );
  });
  it('converts JSON objects to what set() builds, NUL-prefixed and many keys included (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\u0000', '"'), maxLength: 3 });
    fc.assert(
      fc.property(fc.dictionary(text, fc.oneof(text, fc.integer()), { maxKeys: 24 }), (j) => {
        const built = new RObject();
        for (const k of Object.keys(j)) built.set(k, j[k]!);
        for (const o of [fromJSON(j), inputFromJSON(j, 'input')] as RObject[]) {
          expect([...o.entries()]).toEqual([...built.entries()]);
          for (const k of Object.keys(j)) expect(o.getStr(k)).toBe(j[k]);
          expect(keyOf(o)).toBe(keyOf(built));
          expect(toJSON(o)).toEqual(j);
        }
      }),
      { numRuns: 500 },
    );
  });
});
