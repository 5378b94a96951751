import { existsSync, readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WritError } from '../errors.ts';
import { MAX_CANONICAL_DEPTH, canonicalBytes, canonicalize, canonicalizePlain, canonicalizeReference } from './canonicalize.ts';

const JCS = new URL('../../../../../shared/fixtures/vectors/jcs/', import.meta.url);
const haveJcs = existsSync(JCS);
if (!haveJcs) console.warn(`SKIPPED: JCS vectors not found at ${JCS.pathname} (clone shared/ beside the repo)`);

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (WritError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe.skipIf(!haveJcs)('canonicalize — RFC 8785 vectors (shared/fixtures/vectors/jcs)', () => {
  const names = haveJcs ? readdirSync(new URL('input/', JCS)) : [];
  it('finds the vector files', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
  });
  for (const name of names) {
    it(`reproduces ${name} byte for byte`, () => {
      const input: unknown = JSON.parse(readFileSync(new URL(`input/${name}`, JCS), 'utf8'));
      const expected = readFileSync(new URL(`output/${name}`, JCS), 'utf8');
      const hex = readFileSync(new URL(`outhex/${name.replace('.json', '.txt')}`, JCS), 'utf8').replace(/\s+/g, '');
      expect(canonicalize(input)).toBe(expected);
      expect(Buffer.from(canonicalBytes(input)).toString('hex')).toBe(hex);
    });
  }
  it('serializes all 10000 ES6 number lines', () => {
    const lines = readFileSync(new URL('es6numbers_first10000.txt', JCS), 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBe(10000);
    for (const line of lines) {
      const [bits, expected] = line.split(',') as [string, string];
      const value = Buffer.from(bits.padStart(16, '0'), 'hex').readDoubleBE(0);
      expect(canonicalize(value)).toBe(expected);
    }
  });
});

describe('canonicalize', () => {
  it('sorts keys by UTF-16 code units and omits undefined properties', () => {
    expect(canonicalize({ b: 1, a: undefined, '\u20ac': 2, '\ud83d\ude00': 3, c: [null, -0] })).toBe(
      '{"b":1,"c":[null,0],"\u20ac":2,"\ud83d\ude00":3}',
    );
  });
  it('keeps a __proto__ own key as data', () => {
    const value: unknown = JSON.parse('{"__proto__":{"x":1},"a":2}');
    expect(canonicalize(value)).toBe('{"__proto__":{"x":1},"a":2}');
  });
  it('accepts null-prototype objects', () => {
    const value = Object.assign(Object.create(null) as object, { z: 1, a: 'x' });
    expect(canonicalize(value)).toBe('{"a":"x","z":1}');
  });
  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['lone high surrogate', '\ud800x'],
    ['lone low surrogate', 'x\udc00'],
    ['bigint', 1n],
    ['function', () => 1],
    ['symbol', Symbol('s')],
    ['undefined', undefined],
    ['Date', new Date(0)],
    ['Map', new Map()],
    ['class instance', new (class Thing {})()],
    ['Uint8Array', new Uint8Array(1)],
    ['undefined in array', [undefined]],
    ['array hole', [1, , 2]],
    ['key with lone surrogate', { ['\udc00']: 1 }],
  ])('refuses %s with ERR_CANONICAL_UNSUPPORTED', (_name, value) => {
    expect(code(() => canonicalize(value))).toBe('ERR_CANONICAL_UNSUPPORTED');
  });
  it('names the offending path', () => {
    try {
      canonicalize({ a: [{ 'b c': NaN }] });
      expect.unreachable();
    } catch (error) {
      expect((error as WritError).message).toContain('$.a[0]["b c"]');
      expect((error as WritError).details).toEqual({ path: '$.a[0]["b c"]' });
    }
  });
  it('refuses cycles and excessive depth, and accepts shared non-cyclic references', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(code(() => canonicalize(cyclic))).toBe('ERR_CANONICAL_UNSUPPORTED');
    let deep: unknown = 1;
    for (let i = 0; i < MAX_CANONICAL_DEPTH + 1; i++) deep = [deep];
    expect(code(() => canonicalize(deep))).toBe('ERR_CANONICAL_UNSUPPORTED');
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
  it('handles a huge string without trouble', () => {
    expect(canonicalize('a'.repeat(1_000_000)).length).toBe(1_000_002);
  });
  it('agrees with JSON.stringify of sorted JSON and round-trips through JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalize(value);
        expect(canonicalize(JSON.parse(text))).toBe(text);
      }),
    );
  });
});

describe('canonicalBytes', () => {
  it('is the UTF-8 encoding of canonicalize', () => {
    expect(Buffer.from(canonicalBytes({ é: 'ü' })).toString('utf8')).toBe('{"é":"ü"}');
  });
  it('refuses what canonicalize refuses', () => {
    expect(code(() => canonicalBytes({ a: 1n }))).toBe('ERR_CANONICAL_UNSUPPORTED');
  });
});

// What a serializer makes of a value: its text, or the code and message it refuses with.
function outcome(serialize: (value: unknown) => string, value: unknown): string {
  try {
    return `ok ${serialize(value)}`;
  } catch (error) {
    if (!WritError.isInstance(error)) throw error;
    return `${error.code} ${error.message}`;
  }
}

describe('canonicalize fast path', () => {
  const sameAsReference = (value: unknown): void => {
    expect(outcome(canonicalize, value)).toBe(outcome(canonicalizeReference, value));
  };
  it('equals the reference serializer on arbitrary values (text or the exact refusal)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          key: fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('__proto__', 'constructor', 'toJSON', '1', '01', '-0')),
          values: [
            fc.string({ unit: 'binary' }),
            fc.string({ unit: 'grapheme' }),
            fc.double(),
            fc.integer(),
            fc.constantFrom(-0, NaN, Infinity, -Infinity, undefined, null, true, false, 1e21, 1e-7, 2 ** 53),
          ],
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
          withUnicodeString: true,
        }),
        sameAsReference,
      ),
      { numRuns: 2000 },
    );
  });
  it('equals the reference on JSON values and on strings with escapes and surrogates', () => {
    fc.assert(fc.property(fc.jsonValue(), sameAsReference), { numRuns: 1000 });
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\ud800', '\udc00', '\ud83d\ude00', '\u2028', 'é')),
        (parts) => {
          const text = parts.join('');
          sameAsReference(text);
          sameAsReference({ [text]: text, z: [text] });
        },
      ),
      { numRuns: 1000 },
    );
  });
  it('equals the reference around the depth limit, for arrays and objects', () => {
    for (const depth of [MAX_CANONICAL_DEPTH - 1, MAX_CANONICAL_DEPTH, MAX_CANONICAL_DEPTH + 1]) {
      let array: unknown = 1;
      let object: unknown = 'x';
      for (let i = 0; i < depth; i++) {
        array = [array];
        object = { k: object };
      }
      sameAsReference(array);
      sameAsReference(object);
    }
  });
  it('serializes repeated keys (served from the key cache) like the reference, past the cache limit', () => {
    const keys = ['a', 'é', '"', '\\', '\n', '\u2028', '\ud800', 'x'.repeat(65)];
    for (let round = 0; round < 3; round++) for (const key of keys) sameAsReference({ [key]: { [key]: [key] } });
    // More distinct keys than the cache holds, then the first ones again.
    for (let i = 0; i < 5000; i++) sameAsReference({ [`k${i}"`]: i, [`k${i}`]: i });
    for (let i = 0; i < 10; i++) sameAsReference({ [`k${i}"`]: i, [`k${i}`]: i });
  });
  it('sorts keys like the reference, whatever their insertion order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: 'binary' }), { maxLength: 40 }), (keys) => {
        const value: Record<string, number> = {};
        keys.forEach((key, i) => (value[key] = i));
        sameAsReference(value);
      }),
    );
  });
});

describe('canonicalize plain path (strings that need no escaping)', () => {
  // On its own: whenever it gives a text, that text is the reference's; it gives one for
  // every JSON value whose strings need no escaping.
  const agrees = (value: unknown): string | undefined => {
    const text = canonicalizePlain(value);
    if (text !== undefined) expect(`ok ${text}`).toBe(outcome(canonicalizeReference, value));
    return text;
  };
  const plainChars = fc.constantFrom('a', 'z', '0', ' ', '~', '\u007f', 'é', '\u2028', '\ud83d\ude00', '{', '}', ':', ',', '[');
  const plainString = fc.array(plainChars, { maxLength: 12 }).map((parts) => parts.join(''));
  const anyChars = fc.constantFrom('a', '"', '\\', '\n', '\t', '\u0000', '\u001f', '\u007f', '\ud800', '\udc00', '\ud83d\ude00', 'é', ':');
  const anyString = fc.array(anyChars, { maxLength: 8 }).map((parts) => parts.join(''));
  const json = (string: fc.Arbitrary<string>) =>
    fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        string,
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.constantFrom(null, true, false, -0, 1e21, 1e-7),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(string, tie('value'), { maxKeys: 5 }),
      ),
    })).value;

  it('gives the reference text for every JSON value whose strings need no escaping', () => {
    fc.assert(
      fc.property(json(plainString), (value) => {
        expect(agrees(value)).toBeDefined();
      }),
      { numRuns: 2000 },
    );
  });
  it('gives the reference text or nothing when strings and keys need escaping or are not well-formed', () => {
    fc.assert(
      fc.property(json(anyString), (value) => {
        const text = agrees(value);
        // Escaping is never attempted here: a text means no string needed it.
        if (text !== undefined) expect(/[\\\u0000-\u001f]/.test(text)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
  it('gives the reference text or nothing on arbitrary values', () => {
    fc.assert(
      fc.property(
        fc.anything({
          key: fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('__proto__', 'toJSON', '1', '10', '9')),
          values: [fc.string({ unit: 'binary' }), fc.double(), fc.constantFrom(undefined, NaN, -0)],
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withNullPrototype: true,
          withSparseArray: true,
          withTypedArray: true,
        }),
        (value) => {
          agrees(value);
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('gives the reference text for objects whose key lists share a first key, in any order, past the cache limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'B', '\u00e9', '\ud83d\ude00', 'aa', 'x"'), { minLength: 1 }), { minLength: 1, maxLength: 12 }),
        (lists) => {
          for (const keys of [...lists, ...lists]) {
            const value: Record<string, unknown> = {};
            keys.forEach((key, i) => (value[key] = i % 2 === 0 ? i : `v${i}`));
            const text = agrees(value);
            if (!keys.includes('x"')) expect(text).toBeDefined();
          }
        },
      ),
      { numRuns: 500 },
    );
    for (let i = 0; i < 5000; i++) agrees({ [`k${i}`]: i, z: [{ [`k${i}`]: 'x', a: 1 }] });
    for (let i = 0; i < 10; i++) expect(agrees({ [`k${i}`]: i, z: 1, a: 'q' })).toBe(`{"a":"q","k${i}":${i},"z":1}`);
  });
  it('declines each kind of string that needs escaping, wherever it is', () => {
    for (const bad of ['"', '\\', '\n', '\u0000', '\u001f', '\ud800', '\udc00x']) {
      for (const value of [bad, [1, bad], { a: { b: bad } }, { [bad]: 1 }, { a: 1, [`k${bad}`]: [bad] }]) {
        expect(canonicalizePlain(value)).toBeUndefined();
        expect(outcome(canonicalize, value)).toBe(outcome(canonicalizeReference, value));
      }
    }
    expect(canonicalizePlain({ b: ['x', 1.5, null], a: { c: true } })).toBe('{"a":{"c":true},"b":["x",1.5,null]}');
  });
});
