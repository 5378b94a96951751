/**
 * Regex builtins with RE2 semantics through re2js (linear-time matching, Go's syntax and
 * Go's FindAll/Split/ReplaceAll rules) (topdown/regex.go).
 */
import { RE2JS } from 're2js';
import type { Value } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import { globsIntersect, parseGlobPattern } from './glob-intersection.ts';
import { intArg, stringArg } from './operands.ts';

/** Compiled patterns kept per process; bounded so hostile input cannot grow it forever. */
const cache = new Map<string, RE2JS>();
const cacheLimit = 256;

/** Longest pattern accepted: compile time grows with pattern size. */
const maxPatternLength = 64 * 1024;

/**
 * Compiles an RE2 pattern (cached).
 * @throws BuiltinFailure with Go's "error parsing regexp: ..." text for invalid patterns
 */
export function compileRegex(pattern: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  if (pattern.length > maxPatternLength) fail('regular expression too large');
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    fail(error instanceof Error ? error.message : 'error parsing regexp');
  }
  if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value!);
  cache.set(pattern, compiled);
  return compiled;
}

function limit(n: number): number {
  return n < 0 ? Number.MAX_SAFE_INTEGER : n;
}

type Indexes = readonly number[];

function allSubmatchIndexes(re: RE2JS, s: string, n: number): Indexes[] {
  if (n === 0) return [];
  return (re.re2().findAllSubmatchIndex(s, limit(n)) ?? []) as Indexes[];
}

/** Go's Regexp.Split(s, -1). */
export function goSplit(re: RE2JS, s: string): string[] {
  if (re.pattern().length > 0 && s.length === 0) return [''];
  const out: string[] = [];
  let begin = 0;
  let end = 0;
  for (const match of allSubmatchIndexes(re, s, -1)) {
    end = match[0]!;
    if (match[1] !== 0) out.push(s.slice(begin, end));
    begin = match[1]!;
  }
  if (end !== s.length) out.push(s.slice(begin));
  return out;
}

/** Go's Regexp.Expand of a `$1` / `${name}` template for one match. */
function expand(re: RE2JS, template: string, context: { s: string; match: Indexes }): string {
  const names = re.namedGroups();
  const group = (name: string): string => {
    const index = /^\d+$/.test(name) ? Number(name) : names[name];
    if (index === undefined || 2 * index + 1 >= context.match.length) return '';
    const start = context.match[2 * index]!;
    const stop = context.match[2 * index + 1]!;
    return start < 0 ? '' : context.s.slice(start, stop);
  };
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(template.slice(i + 1));
    const bare = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
    const name = braced?.[1] ?? bare?.[0];
    if (name === undefined) {
      out += c;
      continue;
    }
    out += group(name);
    i += (braced?.[0] ?? bare![0]).length;
  }
  return out;
}

function replaceAll(re: RE2JS, s: string, template: string): string {
  let out = '';
  let last = 0;
  for (const match of allSubmatchIndexes(re, s, -1)) {
    out += s.slice(last, match[0]) + expand(re, template, { s, match });
    last = match[1]!;
  }
  return out + s.slice(last);
}

/** Finds matching delimiter pairs (gorilla/mux braceIndices, as OPA's template matcher). */
function delimited(template: string, open: string, close: string): [number, number][] {
  const pairs: [number, number][] = [];
  let level = 0;
  let start = 0;
  for (let i = 0; i < template.length; i++) {
    if (template.startsWith(open, i)) {
      if (level === 0) start = i;
      level++;
    } else if (template.startsWith(close, i)) {
      level--;
      if (level === 0) pairs.push([start, i + close.length]);
      else if (level < 0) fail(`unbalanced braces in ${JSON.stringify(template)}`);
    }
  }
  if (level !== 0) fail(`unbalanced braces in ${JSON.stringify(template)}`);
  return pairs;
}

function templateMatch(args: readonly Value[]): Value {
  const template = stringArg(args, 1);
  const value = stringArg(args, 2);
  const open = stringArg(args, 3);
  const close = stringArg(args, 4);
  if (open === '' || close === '') fail('delimiters must not be empty');
  let pattern = '^';
  let last = 0;
  for (const [start, stop] of delimited(template, open, close)) {
    pattern += RE2JS.quote(template.slice(last, start));
    pattern += `(${template.slice(start + open.length, stop - close.length)})`;
    last = stop;
  }
  pattern += RE2JS.quote(template.slice(last)) + '$';
  return compileRegex(pattern).re2().match(value);
}

/** The regex builtins. */
export const regex: BuiltinTable = {
  'regex.match': [2, (args) => {
    const pattern = stringArg(args, 1);
    const value = stringArg(args, 2);
    return compileRegex(pattern).re2().match(value);
  }],
  'regex.is_valid': [1, ([v]) => {
    if (typeof v !== 'string') return false;
    try {
      compileRegex(v);
      return true;
    } catch {
      return false;
    }
  }],
  'regex.split': [2, (args) => {
    const pattern = stringArg(args, 1);
    return goSplit(compileRegex(pattern), stringArg(args, 2));
  }],
  'regex.find_n': [3, (args) => {
    const pattern = stringArg(args, 1);
    const value = stringArg(args, 2);
    const n = intArg(args, 3);
    return allSubmatchIndexes(compileRegex(pattern), value, n).map((m) => value.slice(m[0], m[1]));
  }],
  'regex.find_all_string_submatch_n': [3, (args) => {
    const pattern = stringArg(args, 1);
    const value = stringArg(args, 2);
    const n = intArg(args, 3);
    return allSubmatchIndexes(compileRegex(pattern), value, n).map((m) => {
      const groups: string[] = [];
      for (let i = 0; i < m.length; i += 2) groups.push(m[i]! < 0 ? '' : value.slice(m[i], m[i + 1]));
      return groups;
    });
  }],
  'regex.replace': [3, (args) => {
    const value = stringArg(args, 1);
    const pattern = stringArg(args, 2);
    const template = stringArg(args, 3);
    return replaceAll(compileRegex(pattern), value, template);
  }],
  'regex.template_match': [4, templateMatch],
  'regex.globs_match': [2, (args) => {
    const first = parseGlobPattern(stringArg(args, 1));
    return globsIntersect(first, parseGlobPattern(stringArg(args, 2)));
  }],
};
