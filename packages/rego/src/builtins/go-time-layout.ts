/**
 * Go's reference-time layouts ("Mon Jan 2 15:04:05 MST 2006"), tokenised the way Go's
 * `time.nextStdChunk` does, so `time.format` and `time.parse_ns` accept the same layouts
 * OPA accepts.
 */

/** A layout element: literal text or one of Go's standard chunks. */
export type LayoutToken =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'std'; readonly std: StdChunk; readonly text: string; readonly digits?: number };

/** Go's standard chunk names (time/format.go). */
export type StdChunk =
  | 'longMonth' | 'month' | 'numMonth' | 'zeroMonth'
  | 'longWeekDay' | 'weekDay'
  | 'day' | 'underDay' | 'zeroDay' | 'underYearDay' | 'zeroYearDay'
  | 'hour' | 'hour12' | 'zeroHour12'
  | 'minute' | 'zeroMinute' | 'second' | 'zeroSecond'
  | 'longYear' | 'year'
  | 'PM' | 'pm'
  | 'tz'
  | 'iso8601TZ' | 'iso8601SecondsTZ' | 'iso8601ShortTZ' | 'iso8601ColonTZ' | 'iso8601ColonSecondsTZ'
  | 'numTZ' | 'numSecondsTz' | 'numShortTZ' | 'numColonTZ' | 'numColonSecondsTZ'
  | 'fracSecond0' | 'fracSecond9';

/** Named layouts OPA accepts in place of a layout string (topdown/time.go). */
export const namedLayouts: ReadonlyMap<string, string> = new Map([
  ['ANSIC', 'Mon Jan _2 15:04:05 2006'],
  ['UnixDate', 'Mon Jan _2 15:04:05 MST 2006'],
  ['RubyDate', 'Mon Jan 02 15:04:05 -0700 2006'],
  ['RFC822', '02 Jan 06 15:04 MST'],
  ['RFC822Z', '02 Jan 06 15:04 -0700'],
  ['RFC850', 'Monday, 02-Jan-06 15:04:05 MST'],
  ['RFC1123', 'Mon, 02 Jan 2006 15:04:05 MST'],
  ['RFC1123Z', 'Mon, 02 Jan 2006 15:04:05 -0700'],
  ['RFC3339', '2006-01-02T15:04:05Z07:00'],
  ['RFC3339Nano', '2006-01-02T15:04:05.999999999Z07:00'],
]);

const zeroPrefixed: readonly StdChunk[] = ['zeroMonth', 'zeroDay', 'zeroHour12', 'zeroMinute', 'zeroSecond', 'year'];

// Ordered longest first where Go checks prefixes in that order.
const dashZones: readonly [string, StdChunk][] = [
  ['-070000', 'numSecondsTz'], ['-07:00:00', 'numColonSecondsTZ'], ['-0700', 'numTZ'],
  ['-07:00', 'numColonTZ'], ['-07', 'numShortTZ'],
];
const zuluZones: readonly [string, StdChunk][] = [
  ['Z070000', 'iso8601SecondsTZ'], ['Z07:00:00', 'iso8601ColonSecondsTZ'], ['Z0700', 'iso8601TZ'],
  ['Z07:00', 'iso8601ColonTZ'], ['Z07', 'iso8601ShortTZ'],
];

function startsWithLower(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 97 && c <= 122;
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** Recognises the standard chunk starting at `i`, or undefined for a literal character. */
function chunkAt(layout: string, i: number): { std: StdChunk; length: number; digits?: number } | undefined {
  const rest = layout.slice(i);
  switch (layout.charAt(i)) {
    case 'J':
      if (rest.startsWith('January')) return { std: 'longMonth', length: 7 };
      if (rest.startsWith('Jan') && !startsWithLower(rest.slice(3))) return { std: 'month', length: 3 };
      return undefined;
    case 'M':
      if (rest.startsWith('Monday')) return { std: 'longWeekDay', length: 6 };
      if (rest.startsWith('Mon') && !startsWithLower(rest.slice(3))) return { std: 'weekDay', length: 3 };
      if (rest.startsWith('MST')) return { std: 'tz', length: 3 };
      return undefined;
    case '0': {
      const next = rest.charCodeAt(1);
      if (next >= 49 && next <= 54) return { std: zeroPrefixed[next - 49]!, length: 2 };
      if (rest.startsWith('002')) return { std: 'zeroYearDay', length: 3 };
      return undefined;
    }
    case '1':
      return rest.startsWith('15') ? { std: 'hour', length: 2 } : { std: 'numMonth', length: 1 };
    case '2':
      return rest.startsWith('2006') ? { std: 'longYear', length: 4 } : { std: 'day', length: 1 };
    case '_':
      if (rest.startsWith('_2') && !rest.startsWith('_2006')) return { std: 'underDay', length: 2 };
      if (rest.startsWith('__2')) return { std: 'underYearDay', length: 3 };
      return undefined;
    case '3':
      return { std: 'hour12', length: 1 };
    case '4':
      return { std: 'minute', length: 1 };
    case '5':
      return { std: 'second', length: 1 };
    case 'P':
      return rest.startsWith('PM') ? { std: 'PM', length: 2 } : undefined;
    case 'p':
      return rest.startsWith('pm') ? { std: 'pm', length: 2 } : undefined;
    case '-':
      for (const [text, std] of dashZones) if (rest.startsWith(text)) return { std, length: text.length };
      return undefined;
    case 'Z':
      for (const [text, std] of zuluZones) if (rest.startsWith(text)) return { std, length: text.length };
      return undefined;
    case '.':
    case ',': {
      const digit = rest[1];
      if (digit !== '0' && digit !== '9') return undefined;
      let j = 1;
      while (rest[j] === digit) j++;
      if (isDigitAt(rest, j)) return undefined;
      return { std: digit === '0' ? 'fracSecond0' : 'fracSecond9', length: j, digits: j - 1 };
    }
    default:
      return undefined;
  }
}

const tokenCache = new Map<string, readonly LayoutToken[]>();

/** Splits a Go layout into literal runs and standard chunks (cached per layout). */
export function tokenizeLayout(layout: string): readonly LayoutToken[] {
  const cached = tokenCache.get(layout);
  if (cached !== undefined) return cached;
  const tokens = tokenize(layout);
  if (tokenCache.size >= 256) tokenCache.delete(tokenCache.keys().next().value!);
  tokenCache.set(layout, tokens);
  return tokens;
}

function tokenize(layout: string): LayoutToken[] {
  const tokens: LayoutToken[] = [];
  let literal = '';
  let i = 0;
  while (i < layout.length) {
    const chunk = chunkAt(layout, i);
    if (chunk === undefined) {
      literal += layout[i];
      i++;
      continue;
    }
    if (literal !== '') tokens.push({ kind: 'literal', text: literal });
    literal = '';
    const text = layout.slice(i, i + chunk.length);
    tokens.push(
      chunk.digits === undefined
        ? { kind: 'std', std: chunk.std, text }
        : { kind: 'std', std: chunk.std, text, digits: chunk.digits },
    );
    i += chunk.length;
  }
  if (literal !== '') tokens.push({ kind: 'literal', text: literal });
  return tokens;
}
