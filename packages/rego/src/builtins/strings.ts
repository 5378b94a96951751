/**
 * String builtins (topdown/strings.go): indexes and lengths count Unicode code points
 * (Go runes), trimming and case mapping follow Go's strings package.
 */
import type { Value } from '../value.ts';
import { BigNum, numberToString, toBigInt, toDecimal, toJSON, toRegoString } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import type { GoArg } from './go-sprintf.ts';
import { goSprintf } from './go-sprintf.ts';
import { renderGoTemplate } from './go-template.ts';
import {
  collectionItems, elementError, intArg, numberArg, objectArg, operandError, stringArg, stringsArg, typeError,
} from './operands.ts';

// Go's unicode.IsSpace (strings.TrimSpace); JavaScript's \s also matches U+FEFF, Go's does not.
const goSpace = '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const leadingSpace = new RegExp(`^[${goSpace}]+`);
const trailingSpace = new RegExp(`[${goSpace}]+$`);

function codePoints(s: string): string[] {
  return [...s];
}

function trimLeftSet(s: string, cutset: string): string {
  const cut = new Set(codePoints(cutset));
  const chars = codePoints(s);
  let i = 0;
  while (i < chars.length && cut.has(chars[i]!)) i++;
  return chars.slice(i).join('');
}

function trimRightSet(s: string, cutset: string): string {
  const cut = new Set(codePoints(cutset));
  const chars = codePoints(s);
  let j = chars.length;
  while (j > 0 && cut.has(chars[j - 1]!)) j--;
  return chars.slice(0, j).join('');
}

// Go maps case rune by rune and never expands one rune into several (ß stays ß).
function mapCase(s: string, upper: boolean): string {
  // ASCII text maps the same in JavaScript and Go.
  if (/^[\x00-\x7f]*$/.test(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = '';
  for (const c of s) {
    // U+0130 lower-cases to "i" plus a combining dot in JavaScript; Go's simple mapping is "i".
    const mapped = !upper && c === '\u0130' ? 'i' : upper ? c.toUpperCase() : c.toLowerCase();
    out += codePoints(mapped).length === 1 ? mapped : c;
  }
  return out;
}

/** Go's strings.NewReplacer(pairs...).Replace(s): leftmost match, earlier pairs win. */
export function goReplace(s: string, pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 1 && pairs[0]![0] !== '') return s.split(pairs[0]![0]).join(pairs[0]![1]);
  let out = '';
  let i = 0;
  let lastEmpty = false;
  while (i <= s.length) {
    let matched = false;
    for (const [from, to] of pairs) {
      if (from === '' ? !lastEmpty : s.startsWith(from, i)) {
        out += to;
        i += from.length;
        lastEmpty = from === '';
        matched = true;
        break;
      }
    }
    if (matched && !lastEmpty) continue;
    if (i >= s.length) break;
    const c = String.fromCodePoint(s.codePointAt(i)!);
    out += c;
    i += c.length;
    lastEmpty = false;
  }
  return out;
}

function indexOfRunes(base: string, search: string): number[] {
  const hay = codePoints(base);
  const needle = codePoints(search);
  const found: number[] = [];
  for (let i = 0; i + needle.length <= hay.length; i++) {
    let ok = true;
    for (let j = 0; j < needle.length; j++) {
      if (hay[i + j] !== needle[j]) {
        ok = false;
        break;
      }
    }
    if (ok) found.push(i);
  }
  return found;
}

function formatInt(args: readonly Value[]): Value {
  const n = numberArg(args, 1);
  const base = numberArg(args, 2);
  const radix = typeof base === 'number' && [2, 8, 10, 16].includes(base) ? base : undefined;
  if (radix === undefined) throw operandError(2, 'must be one of {2, 8, 10, 16}');
  const integer = toBigInt(n) ?? BigInt(toDecimal(n).trunc().toFixed(0));
  return integer.toString(radix);
}

function anyMatch(args: readonly Value[], suffix: boolean): boolean {
  const list = (pos: number): string[] => {
    const v = args[pos - 1]!;
    if (typeof v === 'string') return [v];
    if (collectionItems(v) === undefined) throw typeError(pos, v, 'string', 'set', 'array');
    return stringsArg(args, pos);
  };
  const strings = list(1);
  const affixes = list(2);
  return strings.some((s) => affixes.some((a) => (suffix ? s.endsWith(a) : s.startsWith(a))));
}

/** Converts a Rego value to the Go argument OPA hands to fmt.Sprintf. */
export function toGoArg(v: Value): GoArg {
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (typeof v === 'number') return { kind: 'int', value: BigInt(v) };
  if (v instanceof BigNum) {
    // a BigNum kept as a double is a finite non-integer (numberValue): no decimal parse needed
    if (v.f !== undefined && !Number.isInteger(v.f)) return { kind: 'float', value: v.f };
    if (v.d.isInteger()) {
      const digits = v.d.abs().toFixed(0);
      // Beyond float64 range OPA keeps the literal's text; exact big integers print in full.
      if (digits.length > 308 && /0{20}$/.test(digits)) return { kind: 'string', value: v.d.toExponential().replace('e+', 'e') };
      const value = BigInt(v.d.toFixed(0));
      const int64 = value >= -(2n ** 63n) && value < 2n ** 63n;
      return { kind: int64 ? 'int' : 'bigint', value };
    }
    const float = v.d.toNumber();
    if (!Number.isFinite(float)) return { kind: 'string', value: numberToString(v) };
    return { kind: 'float', value: float };
  }
  return { kind: 'string', value: toRegoString(v) };
}

function sprintf(args: readonly Value[]): Value {
  const format = stringArg(args, 1);
  const list = args[1]!;
  if (!Array.isArray(list)) throw typeError(2, list, 'array');
  return goSprintf(format, (list as readonly Value[]).map(toGoArg));
}

function concat(args: readonly Value[]): Value {
  const separator = stringArg(args, 1);
  const v = args[1]!;
  const items = collectionItems(v);
  if (items === undefined) throw typeError(2, v, 'set', 'array');
  return items.map((item) => {
    if (typeof item !== 'string') throw elementError(2, [v, item], 'string');
    return item;
  }).join(separator);
}

function substring(args: readonly Value[]): Value {
  const base = stringArg(args, 1);
  const start = intArg(args, 2);
  const length = intArg(args, 3);
  if (start < 0) fail('negative offset');
  const chars = codePoints(base);
  if (start >= chars.length) return '';
  return chars.slice(start, length < 0 ? undefined : start + length).join('');
}

function replaceN(args: readonly Value[]): Value {
  const patterns = objectArg(args, 1);
  const s = stringArg(args, 2);
  const pairs: [string, string][] = [];
  for (const key of patterns.sortedKeys()) {
    if (typeof key !== 'string') throw operandError(1, 'non-string key found in pattern object');
    const value = patterns.get(key);
    if (typeof value !== 'string') throw operandError(1, 'non-string value found in pattern object');
    pairs.push([key, value]);
  }
  return pairs.length === 0 ? s : goReplace(s, pairs);
}

function stringCount(args: readonly Value[]): Value {
  const s = stringArg(args, 1);
  const search = stringArg(args, 2);
  if (search === '') return codePoints(s).length + 1;
  return s.split(search).length - 1;
}

const two = (f: (a: string, b: string) => Value) => (args: readonly Value[]): Value => f(stringArg(args, 1), stringArg(args, 2));
const one = (f: (a: string) => Value) => (args: readonly Value[]): Value => f(stringArg(args, 1));

/** The string builtins. */
export const strings: BuiltinTable = {
  concat: [2, concat],
  contains: [2, two((s, search) => s.includes(search))],
  startswith: [2, two((s, prefix) => s.startsWith(prefix))],
  endswith: [2, two((s, suffix) => s.endsWith(suffix))],
  format_int: [2, formatInt],
  indexof: [2, two((base, search) => {
    if (search === '') fail('empty search character');
    return indexOfRunes(base, search)[0] ?? -1;
  })],
  indexof_n: [2, two((base, search) => {
    if (search === '') fail('empty search character');
    return indexOfRunes(base, search);
  })],
  lower: [1, one((s) => mapCase(s, false))],
  upper: [1, one((s) => mapCase(s, true))],
  split: [2, two((s, separator) => (separator === '' ? codePoints(s) : s.split(separator)))],
  replace: [3, (args) => {
    const s = stringArg(args, 1);
    const from = stringArg(args, 2);
    const to = stringArg(args, 3);
    return goReplace(s, [[from, to]]);
  }],
  'strings.replace_n': [2, replaceN],
  substring: [3, substring],
  trim: [2, two((s, cutset) => trimRightSet(trimLeftSet(s, cutset), cutset))],
  trim_left: [2, two(trimLeftSet)],
  trim_right: [2, two(trimRightSet)],
  trim_prefix: [2, two((s, prefix) => (s.startsWith(prefix) ? s.slice(prefix.length) : s))],
  trim_suffix: [2, two((s, suffix) => (suffix !== '' && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s))],
  trim_space: [1, one((s) => s.replace(leadingSpace, '').replace(trailingSpace, ''))],
  sprintf: [2, sprintf],
  'strings.reverse': [1, one((s) => codePoints(s).reverse().join(''))],
  'strings.count': [2, stringCount],
  'strings.any_prefix_match': [2, (args) => anyMatch(args, false)],
  'strings.any_suffix_match': [2, (args) => anyMatch(args, true)],
  'strings.render_template': [2, (args) => {
    const template = stringArg(args, 1);
    // OPA hands the variables through a JSON round trip: numbers become float64.
    const data = toJSON(objectArg(args, 2)) as Parameters<typeof renderGoTemplate>[1];
    return renderGoTemplate(template, data);
  }],
};
