import { existsSync, readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CANONICAL_DEPTH, canonicalize } from '../canonical/canonicalize.ts';
import { isCanonicalJson } from './canonical-check.ts';

// The definition the fast validator must match.
function reference(text: string): boolean {
  try {
    return canonicalize(JSON.parse(text)) === text;
  } catch {
    return false;
  }
}

// Characters that matter to JSON syntax and canonical form, plus ordinary and astral ones.
const interesting = fc.constantFrom(
  ...'{}[]":,\\ \t\n\r0123456789-+.eEtrufalsn'.split(''),
  'u',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  '\u2028',
  '\uD83D',
  '\uDE00',
  '😀',
  '\\u0000',
  '\\u001F',
  '\\u00e9',
  '\\ud83d',
  '\\b',
  '\\/',
  '-0',
  '1.0',
  '1e21',
  '1e+21',
  '__proto__',
);

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: interesting }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: interesting }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), other: fc.nat() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % (text.length + 1);
  switch (m.kind) {
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'replace':
      return text.slice(0, at) + m.text + text.slice(at + 1);
    case 'swap': {
      if (text.length < 2) return text;
      const a = at % text.length;
      const b = m.other % text.length;
      const chars = text.split('');
      [chars[a], chars[b]] = [chars[b]!, chars[a]!];
      return chars.join('');
    }
  }
}

describe('isCanonicalJson', () => {
  it('accepts the canonical form of any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(isCanonicalJson(canonicalize(value))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with canonicalize(JSON.parse(x)) === x on arbitrary JSON text', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(isCanonicalJson(text)).toBe(reference(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('decides objects with keys in any order, escaped or not, and integer members', () => {
    // The expected answer is computed from the members themselves, not with JSON.parse:
    // V8's JSON.parse (Node 24.21) was seen returning a wrong key for escaped keys after
    // thousands of such parses in one process (a backslash key for the text "\\\"", a quote),
    // which would make the definition above, not the validator, wrong.
    const key = fc
      .array(fc.constantFrom('a', 'b', 'ab', 'é', '\n', '"', '\\', '\u0001', '\ud83d\ude00', '\uffff', ''), { maxLength: 3 })
      .map((parts) => parts.join(''));
    const integer = fc.oneof(
      fc.integer().map(String),
      fc.constantFrom('0', '-0', '00', '01', '-01', '999999999999999', '1000000000000000', '-999999999999999', '9007199254740993', '1e2', '1.0', '-'),
    );
    const canonicalNumber = (text: string): boolean => {
      const value = Number(text);
      return text !== '' && Number.isFinite(value) && JSON.stringify(value) === text;
    };
    fc.assert(
      fc.property(fc.array(fc.tuple(key, integer), { maxLength: 6 }), fc.boolean(), (members, sorted) => {
        const list = sorted ? [...members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : members;
        const text = `{${list.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
        const expected =
          list.every(([k], i) => i === 0 || list[i - 1]![0] < k) && list.every(([, v]) => canonicalNumber(v));
        expect(isCanonicalJson(text)).toBe(expected);
        expect(isCanonicalJson(`[${text},{"z":${text}}]`)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with the definition on mutated canonical strings', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (value, ms) => {
        const text = ms.reduce(mutate, canonicalize(value));
        expect(isCanonicalJson(text)).toBe(reference(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with the definition on arbitrary strings (including lone surrogates)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(isCanonicalJson(text)).toBe(reference(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with the definition on numbers written every way', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()),
        fc.constantFrom('plain', 'exp', 'fixed', 'upper', 'plus', 'zeros'),
        (n, style) => {
          const text =
            style === 'plain'
              ? String(n)
              : style === 'exp'
                ? n.toExponential()
                : style === 'fixed'
                  ? n.toFixed(2)
                  : style === 'upper'
                    ? String(n).toUpperCase()
                    : style === 'plus'
                      ? String(n).replace('e', 'e+').replace('e++', 'e+')
                      : `0${String(n)}`;
          expect(isCanonicalJson(text)).toBe(reference(text));
          expect(isCanonicalJson(`[${text}]`)).toBe(reference(`[${text}]`));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('decides known cases', () => {
    const yes = ['{}', '[]', '0', '-1.5', '1e+21', '"a\\u001fb"', '"\\n"', '{"a":1,"b":[null,true]}', '"😀"', '{"":0,"\\n":1}'];
    const no = [
      '',
      ' {}',
      '{} ',
      '{"b":1,"a":2}',
      '{"a":1,"a":1}',
      '-0',
      '1.0',
      '1E3',
      '01',
      '"\\u000a"',
      '"\\u001F"',
      '"\\/"',
      '"\\u00e9"',
      '"\\ud83d\\ude00"',
      '"\\ud800"',
      '"\u0001"',
      '[1,]',
      '{"a":1,}',
      'NaN',
      'nul',
      '"unterminated',
    ];
    for (const text of yes) expect([text, isCanonicalJson(text)]).toEqual([text, true]);
    for (const text of no) expect([text, isCanonicalJson(text)]).toEqual([text, false]);
    for (const text of [...yes, ...no]) expect([text, isCanonicalJson(text)]).toEqual([text, reference(text)]);
  });

  it('refuses non-strings instead of throwing', () => {
    for (const value of [undefined, null, 1, {}, [], new Uint8Array([0x7b, 0x7d])])
      expect(isCanonicalJson(value)).toBe(false);
  });

  it('applies the same nesting limit as canonicalize', () => {
    for (const depth of [MAX_CANONICAL_DEPTH - 1, MAX_CANONICAL_DEPTH, MAX_CANONICAL_DEPTH + 1]) {
      const arrays = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const objects = `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
      expect(isCanonicalJson(arrays)).toBe(reference(arrays));
      expect(isCanonicalJson(objects)).toBe(reference(objects));
    }
    expect(isCanonicalJson('['.repeat(MAX_CANONICAL_DEPTH) + ']'.repeat(MAX_CANONICAL_DEPTH))).toBe(true);
    expect(isCanonicalJson('['.repeat(MAX_CANONICAL_DEPTH + 1) + ']'.repeat(MAX_CANONICAL_DEPTH + 1))).toBe(false);
  });

  const JCS = new URL('../../../../../shared/fixtures/vectors/jcs/output/', import.meta.url);
  it.skipIf(!existsSync(JCS))('accepts every RFC 8785 output vector', () => {
    const names = readdirSync(JCS);
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const name of names) expect([name, isCanonicalJson(readFileSync(new URL(name, JCS), 'utf8'))]).toEqual([name, true]);
  });
});
