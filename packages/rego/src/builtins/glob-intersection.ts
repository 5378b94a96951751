/**
 * regex.globs_match: whether two patterns in the "glob" subset of regular expressions
 * (literals, `.`, `[...]` sets with ranges, `\` escapes, `*` and `+`) can match a common
 * string — decided by searching the product of their automata, which is exact and
 * polynomial. Syntax outside that subset is an error rather than a guess.
 */
import { fail } from './failure.ts';

/** Sorted, disjoint, inclusive code point ranges. */
type CharSet = readonly (readonly [number, number])[];

interface Token {
  readonly set: CharSet;
  readonly star: boolean;
}

const anyChar: CharSet = [[0, 0x10ffff]];
const invalid = (input: string, pos: number, message: string): never =>
  fail(`input:${input}, pos:${pos}, ${message}: the input provided is invalid`);

function normalize(ranges: (readonly [number, number])[]): CharSet {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function intersects(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [alo, ahi] = a[i]!;
    const [blo, bhi] = b[j]!;
    if (alo <= bhi && blo <= ahi) return true;
    if (ahi < bhi) i++;
    else j++;
  }
  return false;
}

function parseSet(input: string, chars: readonly string[], start: number): { set: CharSet; end: number } {
  const ranges: [number, number][] = [];
  let i = start + 1;
  if (chars[i] === '^') fail(`negated sets are not supported in ${JSON.stringify(input)}`);
  while (i < chars.length && chars[i] !== ']') {
    let c = chars[i]!;
    if (c === '\\') {
      i++;
      if (i >= chars.length) invalid(input, i, "escape '\\' at end of input");
      c = chars[i]!;
    } else if (c === '[') invalid(input, i + 1, "set-open '[' inside a set");
    let lo = c.codePointAt(0)!;
    let hi = lo;
    if (chars[i + 1] === '-' && i + 2 < chars.length && chars[i + 2] !== ']') {
      let end = chars[i + 2]!;
      i += 2;
      if (end === '\\') {
        i++;
        end = chars[i] ?? invalid(input, i, "escape '\\' at end of input");
      }
      hi = end.codePointAt(0)!;
      if (hi < lo) [lo, hi] = [hi, lo];
    }
    ranges.push([lo, hi]);
    i++;
  }
  if (i >= chars.length) invalid(input, start + 1, "set-open '[' with no following ']'");
  if (ranges.length === 0) invalid(input, i + 1, "empty set '[]'");
  return { set: normalize(ranges), end: i };
}

/** Parses a pattern into tokens, expanding `x+` into `x x*`. */
export function parseGlobPattern(input: string): Token[] {
  const chars = [...input];
  const tokens: Token[] = [];
  let last: CharSet | undefined;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*' || c === '+') {
      const repeated = last ?? invalid(input, i + 1, `modifier '${c}' with no preceding token`);
      tokens.pop();
      if (c === '+') tokens.push({ set: repeated, star: false });
      tokens.push({ set: repeated, star: true });
      last = undefined;
      continue;
    }
    let set: CharSet;
    if (c === '\\') {
      i++;
      if (i >= chars.length) invalid(input, i, "escape '\\' at end of input");
      const code = chars[i]!.codePointAt(0)!;
      set = [[code, code]];
    } else if (c === '.') set = anyChar;
    else if (c === '[') {
      const parsed = parseSet(input, chars, i);
      set = parsed.set;
      i = parsed.end;
    } else if (c === ']') return invalid(input, i + 1, "set-close ']' with no preceding '['");
    else if ('()|{}?^$'.includes(c)) return fail(`regex syntax ${JSON.stringify(c)} is not supported by regex.globs_match`);
    else {
      const code = c.codePointAt(0)!;
      set = [[code, code]];
    }
    tokens.push({ set, star: false });
    last = set;
  }
  return tokens;
}

/** True if some string matches both token sequences (product-automaton reachability). */
export function globsIntersect(a: readonly Token[], b: readonly Token[]): boolean {
  const seen = new Set<number>();
  const width = b.length + 1;
  const queue: [number, number][] = [[0, 0]];
  while (queue.length > 0) {
    const [i, j] = queue.pop()!;
    const key = i * width + j;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    const ta = a[i];
    const tb = b[j];
    if (ta?.star === true) queue.push([i + 1, j]);
    if (tb?.star === true) queue.push([i, j + 1]);
    if (ta !== undefined && tb !== undefined && intersects(ta.set, tb.set)) {
      queue.push([ta.star ? i : i + 1, tb.star ? j : j + 1]);
    }
  }
  return false;
}
