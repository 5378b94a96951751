/**
 * glob.match and glob.quote_meta with gobwas/glob semantics (as OPA uses), compiled to
 * RE2 patterns so matching stays linear-time: `*` stops at delimiters, `**` does not,
 * `?` is one non-delimiter character, `[a-z]` / `[!abc]` classes, `{a,b}` alternatives.
 */
import { RE2JS } from 're2js';
import type { Value } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import { compileRegex } from './regex.ts';
import { arrayArg, elementError, stringArg, typeError } from './operands.ts';

function escapeClassChar(c: string): string {
  return /[\\\]\[^-]/.test(c) ? `\\${c}` : c;
}

function notDelimiter(delimiters: readonly string[]): string {
  if (delimiters.length === 0) return '.';
  return `[^${delimiters.map(escapeClassChar).join('')}]`;
}

interface Cursor {
  readonly pattern: string;
  i: number;
}

function readClass(cursor: Cursor): string {
  const { pattern } = cursor;
  cursor.i++; // '['
  let negate = false;
  if (pattern[cursor.i] === '!') {
    negate = true;
    cursor.i++;
  }
  let body = '';
  let closed = false;
  while (cursor.i < pattern.length) {
    const c = String.fromCodePoint(pattern.codePointAt(cursor.i)!);
    if (c === ']') {
      closed = true;
      cursor.i++;
      break;
    }
    if (c === '-' && body !== '') body += '-';
    else body += escapeClassChar(c);
    cursor.i += c.length;
  }
  if (!closed || body === '') fail('unexpected end of input');
  return `[${negate ? '^' : ''}${body}]`;
}

function compileSequence(cursor: Cursor, delimiters: readonly string[], inTerms: boolean): string {
  const { pattern } = cursor;
  let out = '';
  while (cursor.i < pattern.length) {
    const c = String.fromCodePoint(pattern.codePointAt(cursor.i)!);
    if (inTerms && (c === ',' || c === '}')) return out;
    switch (c) {
      case '*':
        if (pattern[cursor.i + 1] === '*') {
          out += '.*';
          cursor.i += 2;
        } else {
          out += `${notDelimiter(delimiters)}*`;
          cursor.i++;
        }
        break;
      case '?':
        out += notDelimiter(delimiters);
        cursor.i++;
        break;
      case '[':
        out += readClass(cursor);
        break;
      case '{': {
        cursor.i++;
        const alternatives: string[] = [];
        for (;;) {
          alternatives.push(compileSequence(cursor, delimiters, true));
          const next = pattern[cursor.i];
          if (next === undefined) fail('unexpected end of input');
          cursor.i++;
          if (next === '}') break;
        }
        out += `(?:${alternatives.join('|')})`;
        break;
      }
      case '\\': {
        const escaped = pattern.codePointAt(cursor.i + 1);
        if (escaped === undefined) fail('unexpected end of input');
        const literal = String.fromCodePoint(escaped);
        out += RE2JS.quote(literal);
        cursor.i += 1 + literal.length;
        break;
      }
      default:
        out += RE2JS.quote(c);
        cursor.i += c.length;
    }
  }
  return out;
}

const compiled = new Map<string, string>();

/** Compiles a gobwas glob to an anchored RE2 pattern (cached). */
export function globToRegex(pattern: string, delimiters: readonly string[]): string {
  const key = `${delimiters.join('\u0000')}\u0001${pattern}`;
  const hit = compiled.get(key);
  if (hit !== undefined) return hit;
  const cursor: Cursor = { pattern, i: 0 };
  const regex = `(?s)^${compileSequence(cursor, delimiters, false)}$`;
  if (compiled.size >= 256) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, regex);
  return regex;
}

function delimitersArg(args: readonly Value[]): string[] {
  const v = args[1]!;
  if (v === null) return [];
  if (!Array.isArray(v)) throw typeError(2, v, 'array', 'null');
  const list = arrayArg(args, 2);
  if (list.length === 0) return ['.'];
  return list.map((item) => {
    if (typeof item !== 'string') throw elementError(2, [list, item], 'string');
    if ([...item].length !== 1) throw elementError(2, [list, item], 'rune');
    return item;
  });
}

const specials = new Set(['*', '?', '\\', '[', ']', '{', '}']);

/** The glob builtins. */
export const glob: BuiltinTable = {
  'glob.match': [3, (args) => {
    const pattern = stringArg(args, 1);
    const delimiters = delimitersArg(args);
    const value = stringArg(args, 3);
    return compileRegex(globToRegex(pattern, delimiters)).re2().match(value);
  }],
  'glob.quote_meta': [1, (args) => [...stringArg(args, 1)].map((c) => (specials.has(c) ? `\\${c}` : c)).join('')],
};
