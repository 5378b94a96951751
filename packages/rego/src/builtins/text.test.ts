import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RSet } from '../value.ts';
import { call, callError, callValue } from './test-call.ts';

describe('sprintf', () => {
  it('formats Go verbs like OPA', () => {
    expect(call('sprintf', 'hi %.2f', [3.1415])).toBe('hi 3.14');
    expect(call('sprintf', 'hi %02X.%02X', [127, 1])).toBe('hi 7F.01');
    expect(call('sprintf', 'hi %02d', [5])).toBe('hi 05');
    expect(call('sprintf', 'hi %s', [true])).toBe('hi true');
    expect(call('sprintf', 'hi %v', [['there', 5, 3.14]])).toBe('hi ["there", 5, 3.14]');
    expect(call('sprintf', '%s', [123456789123456789123n])).toBe('123456789123456789123');
    expect(call('sprintf', '%-5s|%5s', ['ab', 'cd'])).toBe('ab   |   cd');
    expect(call('sprintf', '%x %q', ['hi', 'a"b'])).toBe('6869 "a\\"b"');
    expect(call('sprintf', '%e', [123456.789])).toBe('1.234568e+05');
    expect(call('sprintf', '%v %v %v', [1234567.5, 0.000001, 0.5])).toBe('1.2345675e+06 1e-06 0.5');
    expect(call('sprintf', '%+d %x %o %b', [5, 255, 8, 5])).toBe('+5 ff 10 101');
  });
  it('uses Go’s error notations for wrong verbs, missing and extra arguments', () => {
    expect(call('sprintf', '%d', ['x'])).toBe('%!d(string=x)');
    expect(call('sprintf', '%f', [1])).toBe('%!f(int=1)');
    expect(call('sprintf', '%d %d', [1])).toBe('1 %!d(MISSING)');
    expect(call('sprintf', 'x', [1])).toBe('x%!(EXTRA int=1)');
    expect(call('sprintf', '100%%', [])).toBe('100%');
  });
  it('rejects a non-array argument list', () => {
    expect(callError('sprintf', '%s', 'x').message).toBe('sprintf: operand 2 must be array but got string');
  });
  it('%-Ns pads to N runes and never truncates', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.integer({ min: 0, max: 30 }), (text, width) => {
      const out = call('sprintf', `%-${width}s|`, [text]) as string;
      const runes = [...text].length;
      return out === `${text}${' '.repeat(Math.max(0, width - runes))}|`;
    }));
  });
  it('%d of an integer equals its decimal text', () => {
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => call('sprintf', '%d', [n]) === String(n)));
  });
});

describe('strings', () => {
  it('indexes by code point', () => {
    expect(call('indexof', 'héllo', 'l')).toBe(2);
    expect(call('indexof_n', 'abab', 'ab')).toEqual([0, 2]);
    expect(call('substring', 'héllo', 1, 3)).toBe('éll');
    expect(call('substring', 'abc', 1, -1)).toBe('bc');
    expect(callError('substring', 'abc', -1, 1).message).toBe('substring: negative offset');
  });
  it('trims like Go', () => {
    expect(call('trim', '??hello??', '?')).toBe('hello');
    expect(call('trim_left', 'xxhixx', 'x')).toBe('hixx');
    expect(call('trim_suffix', 'file.rego', '.rego')).toBe('file');
    expect(call('trim_space', '\t hi \n')).toBe('hi');
    expect(call('trim_space', '\uFEFFhi')).toBe('\uFEFFhi');
  });
  it('splits, replaces and joins', () => {
    expect(call('split', 'a.b.c', '.')).toEqual(['a', 'b', 'c']);
    expect(call('split', 'héy', '')).toEqual(['h', 'é', 'y']);
    expect(call('replace', 'aaa', 'a', 'b')).toBe('bbb');
    expect(call('replace', 'ab', '', '-')).toBe('-a-b-');
    expect(call('strings.replace_n', { a: 'b', b: 'c' }, 'ab')).toBe('bc');
    expect(call('concat', '/', ['a', 'b'])).toBe('a/b');
    expect(callValue('concat', [',', new RSet(['b', 'a'])])).toBe('a,b');
    expect(callError('concat', ',', [1]).message).toBe(
      'concat: operand 2 must be array of strings but got array containing number',
    );
  });
  it('maps case rune by rune', () => {
    expect(call('upper', 'straße')).toBe('STRAßE');
    expect(call('lower', 'ÀB')).toBe('àb');
  });
  it('formats integers in bases 2, 8, 10, 16', () => {
    expect(call('format_int', 255, 16)).toBe('ff');
    expect(call('format_int', -5.9, 2)).toBe('-101');
    expect(callError('format_int', 1, 3).message).toBe('format_int: operand 2 must be one of {2, 8, 10, 16}');
  });
  it('matches any prefix or suffix', () => {
    expect(call('strings.any_prefix_match', ['a/b', 'c'], 'a/')).toBe(true);
    expect(call('strings.any_suffix_match', 'x.rego', ['.json'])).toBe(false);
    expect(callError('strings.any_prefix_match', [1], 'a').message).toBe(
      'strings.any_prefix_match: operand 1 must be array of strings but got array containing number',
    );
  });
  it('counts and reverses', () => {
    expect(call('strings.count', 'cheese', 'e')).toBe(3);
    expect(call('strings.count', 'five', '')).toBe(5);
    expect(call('strings.reverse', 'héllo')).toBe('olléh');
  });
});
