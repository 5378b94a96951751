import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile, RegoError } from '../index.ts';
import { parseModule, parseQuery } from './parser.ts';

const FRAGMENTS = [
  'package p\n', 'import rego.v1\n', 'p if ', 'q contains x if ', 'f(x) := y if ', 'default p := ', '{', '}', '[', ']', '(', ')',
  'x', 'y', ':=', '=', '==', '!=', '<', '+', '-', '*', '/', '|', '&', ',', ';', '\n', ' ', 'some', 'in', 'every', 'not',
  'with', 'as', 'input.a', 'data.p', '"s"', '`raw`', '1', '1.5', 'true', 'null', 'set()', 'count(', 'else', ':', '.', '_',
  '#c\n', '"\\u00', '"unterminated', '-', 'contains', '__proto__',
];

describe('parseModule', () => {
  it('parses rules, comprehensions and keywords with locations', () => {
    const m = parseModule('package a.b\n\nimport rego.v1\n\np contains x if { some x in [1, 2]; x > 1 }\n', 'm.rego');
    expect(m.pkg).toEqual(['a', 'b']);
    expect(m.rules[0]!.loc).toEqual({ file: 'm.rego', line: 5, col: 1 });
  });

  it('reports errors with file:line:col', () => {
    expect(() => parseModule('package p\np := [1,', 'x.rego')).toThrow(/x\.rego:2:\d+: rego_parse_error/);
    expect(() => parseModule('p := 1', 'x.rego')).toThrow(/package expected/);
    expect(() => parseQuery('')).toThrow(/empty query/);
  });

  it('never throws anything but RegoError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }), fc.string(), (parts, noise) => {
        const source = parts.join('') + noise;
        for (const src of [source, 'package p\n' + source]) {
          try {
            compile({ modules: [{ file: 'f.rego', source: src }] }).evaluate('data.p', { input: {} });
          } catch (err) {
            if (!RegoError.isInstance(err)) throw err;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects huge nesting without crashing the process', () => {
    const deep = 'package p\nx := ' + '['.repeat(20_000) + ']'.repeat(20_000);
    expect(() => compile({ modules: [{ file: 'd.rego', source: deep }] })).toThrow(RegoError);
  });
});
