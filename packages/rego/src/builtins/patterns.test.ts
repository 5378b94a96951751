import { describe, expect, it } from 'vitest';
import { call, callError } from './test-call.ts';

describe('regex', () => {
  it('matches unanchored like Go’s MatchString', () => {
    expect(call('regex.match', 'b+', 'abbbc')).toBe(true);
    expect(call('regex.match', '^b', 'abc')).toBe(false);
    expect(callError('regex.match', '(a', 'x').message).toBe('regex.match: error parsing regexp: missing closing ): `(a`');
  });
  it('finds and splits with Go’s empty-match rules', () => {
    expect(call('regex.find_n', 'a.', 'paranormal', -1)).toEqual(['ar', 'an', 'al']);
    expect(call('regex.find_n', 'a.', 'paranormal', 2)).toEqual(['ar', 'an']);
    expect(call('regex.find_all_string_submatch_n', 'a(x*)b', '-ab-axxb-', -1)).toEqual([['ab', ''], ['axxb', 'xx']]);
    expect(call('regex.split', 'a', 'banana')).toEqual(['b', 'n', 'n', '']);
    expect(call('regex.split', 'x*', 'abc')).toEqual(['a', 'b', 'c']);
  });
  it('replaces with $1 and ${name} templates', () => {
    expect(call('regex.replace', '-ab-axxb-', 'a(x*)b', '0')).toBe('-0-0-');
    expect(call('regex.replace', 'foo', '(foo)', '$1$1')).toBe('foofoo');
    expect(call('regex.replace', 'k=v', '(?P<key>\\w+)=(?P<value>\\w+)', '${value}=${key}')).toBe('v=k');
  });
  it('validates patterns', () => {
    expect(call('regex.is_valid', '[a-z]+')).toBe(true);
    expect(call('regex.is_valid', '[')).toBe(false);
    expect(call('regex.is_valid', 1)).toBe(false);
  });
  it('matches templates with custom delimiters', () => {
    expect(call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}')).toBe(true);
    expect(call('regex.template_match', 'urn:foo.bar:<[0-9]{2}>', 'urn:foo.bar:42', '<', '>')).toBe(true);
    expect(call('regex.template_match', 'urn:foo:{[0-9]+}', 'urn:foo:x', '{', '}')).toBe(false);
  });
  it('stays linear on a pattern that makes backtracking engines explode', () => {
    expect(call('regex.match', '^(a+)+$', 'a'.repeat(5000) + 'b')).toBe(false);
  });
});

describe('glob', () => {
  it('follows gobwas semantics', () => {
    expect(call('glob.match', '*', ['.'], 'foo.bar')).toBe(false);
    expect(call('glob.match', '*', [], 'foo.bar')).toBe(false);
    expect(call('glob.match', '*', null, 'foo.bar')).toBe(true);
    expect(call('glob.match', 'api.**.com', ['.'], 'api.cdn.github.com')).toBe(true);
    expect(call('glob.match', '?at', ['f'], 'fat')).toBe(false);
    expect(call('glob.match', '[!a-c]at', [], 'fat')).toBe(true);
    expect(call('glob.match', '{cat,bat,[fr]at}', [], 'rat')).toBe(true);
    expect(call('glob.match', '{cat,bat,[fr]at}', [], 'at')).toBe(false);
    expect(call('glob.match', '*:github:com', [':'], 'api:github:com')).toBe(true);
    expect(call('glob.match', 'a\\*b', [], 'a*b')).toBe(true);
  });
  it('rejects bad delimiters and patterns', () => {
    expect(callError('glob.match', '*', 'x', 'y').message).toBe('glob.match: operand 2 must be one of {array, null} but got string');
    expect(callError('glob.match', '[a', [], 'a').code).toBe('eval_builtin_error');
  });
  it('quotes meta characters', () => {
    expect(call('glob.quote_meta', '*.github.com')).toBe('\\*.github.com');
  });
});

describe('regex.globs_match', () => {
  it('decides whether two glob patterns share a match', () => {
    expect(call('regex.globs_match', 'a.a.[0-9]+z', '.b.b2359825792*594823z')).toBe(true);
    expect(call('regex.globs_match', '[a-z]+', '[0-9]*')).toBe(false);
    expect(call('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo\\[1\\]')).toBe(true);
    expect(call('regex.globs_match', 'a*', 'b*')).toBe(true);
    expect(call('regex.globs_match', 'a+', 'b*')).toBe(false);
  });
  it('reports malformed and unsupported patterns', () => {
    expect(callError('regex.globs_match', 'pqrs]', '[a-b]+').message).toBe(
      "regex.globs_match: input:pqrs], pos:5, set-close ']' with no preceding '[': the input provided is invalid",
    );
    expect(callError('regex.globs_match', '(a|b)', 'a').code).toBe('eval_builtin_error');
  });
});
