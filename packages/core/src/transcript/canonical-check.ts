/**
 * A single-pass validator of RFC 8785 canonical JSON text. `isCanonicalJson(text)` is true
 * exactly when `canonicalize(JSON.parse(text)) === text` (property-tested against that
 * definition), without building the value or a second string: the verifier uses it to
 * refuse non-canonical entry bytes at a fraction of the cost of re-serializing each entry.
 *
 * Canonical text has no whitespace; strings hold every character as is except `"`, `\`
 * and U+0000..U+001F, which use the short escapes (`\b \t \n \f \r`) or `\u00xx`
 * (lowercase hex), and no lone surrogates; numbers are the ECMAScript serialization of
 * their value (so no `-0`, `1.0`, `1E3`, leading zeros); object keys are unique and sorted
 * by UTF-16 code units; nesting is at most {@link MAX_CANONICAL_DEPTH} containers.
 */
import { MAX_CANONICAL_DEPTH } from '../canonical/canonicalize.ts';

// A lone surrogate: a high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// String.prototype.isWellFormed (ES2024) is native and fast; the regex is the fallback.
const isWellFormed: (value: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (value) => (value as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (value) => !LONE_SURROGATE.test(value);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

// Short escapes JSON.stringify uses, by the character after the backslash.
const SHORT_ESCAPES: Record<number, true> = {
  0x22: true, // \"
  0x5c: true, // \\
  0x62: true, // \b
  0x66: true, // \f
  0x6e: true, // \n
  0x72: true, // \r
  0x74: true, // \t
};

// Control characters that have a short escape, so `\u00xx` is not canonical for them.
const HAS_SHORT_FORM = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

function isLowerHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66);
}

function isNumberChar(code: number): boolean {
  // 0-9 - + . e E
  return (
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2d ||
    code === 0x2b ||
    code === 0x2e ||
    code === 0x65 ||
    code === 0x45
  );
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

// `-?[1-9][0-9]{0,14}` or `0` exactly spanning [start, end).
function isPlainInteger(text: string, start: number, end: number): boolean {
  let i = start;
  if (text.charCodeAt(i) === 0x2d) i += 1;
  const digits = end - i;
  if (digits < 1 || digits > 15) return false;
  const first = text.charCodeAt(i);
  if (first === 0x30) return digits === 1 && i === start;
  for (; i < end; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

class Scanner {
  readonly text: string;
  pos = 0;
  // Set by string(): whether the last string had escapes (its raw slice is then not its value).
  escaped = false;

  constructor(text: string) {
    this.text = text;
  }

  // Scan a string starting at its opening quote; returns the index after the closing quote, or -1.
  string(): number {
    const text = this.text;
    let i = this.pos + 1;
    this.escaped = false;
    for (;;) {
      if (i >= text.length) return -1;
      const code = text.charCodeAt(i);
      if (code === QUOTE) return i + 1;
      if (code < 0x20) return -1;
      if (code === BACKSLASH) {
        this.escaped = true;
        const next = text.charCodeAt(i + 1);
        if (SHORT_ESCAPES[next] === true) {
          i += 2;
          continue;
        }
        // Only \u00xx for a control character without a short form, in lowercase hex.
        if (next !== 0x75 || text.charCodeAt(i + 2) !== 0x30 || text.charCodeAt(i + 3) !== 0x30)
          return -1;
        const high = text.charCodeAt(i + 4);
        const low = text.charCodeAt(i + 5);
        if ((high !== 0x30 && high !== 0x31) || !isLowerHex(low)) return -1;
        const value = (high - 0x30) * 16 + (low <= 0x39 ? low - 0x30 : low - 0x57);
        if (HAS_SHORT_FORM.has(value)) return -1;
        i += 6;
        continue;
      }
      i += 1;
    }
  }

  // Scan one value at `pos` at container depth `depth`; false when not canonical.
  value(depth: number): boolean {
    const text = this.text;
    const code = text.charCodeAt(this.pos);
    switch (code) {
      case QUOTE: {
        const end = this.string();
        if (end < 0) return false;
        this.pos = end;
        return true;
      }
      case 0x7b: // {
        return depth < MAX_CANONICAL_DEPTH && this.object(depth + 1);
      case 0x5b: // [
        return depth < MAX_CANONICAL_DEPTH && this.array(depth + 1);
      case 0x74: // t
        return this.literal('true');
      case 0x66: // f
        return this.literal('false');
      case 0x6e: // n
        return this.literal('null');
      default:
        return this.number();
    }
  }

  literal(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }

  number(): boolean {
    const text = this.text;
    const start = this.pos;
    let i = start;
    while (i < text.length && isNumberChar(text.charCodeAt(i))) i += 1;
    if (i === start) return false;
    // Fast path: an integer of at most 15 digits (exact as a double, printed in full by
    // ToString), optionally negative, without leading zeros and not -0, is canonical as is.
    if (isPlainInteger(text, start, i)) {
      this.pos = i;
      return true;
    }
    const raw = text.slice(start, i);
    // The ECMAScript serialization of a finite number is always valid JSON number syntax,
    // so equality with it proves both the syntax and the canonical form.
    const value = Number(raw);
    if (!Number.isFinite(value) || JSON.stringify(value) !== raw) return false;
    this.pos = i;
    return true;
  }

  array(depth: number): boolean {
    const text = this.text;
    this.pos += 1;
    if (text.charCodeAt(this.pos) === 0x5d) {
      this.pos += 1;
      return true;
    }
    for (;;) {
      if (!this.value(depth)) return false;
      const code = text.charCodeAt(this.pos);
      this.pos += 1;
      if (code === 0x5d) return true;
      if (code !== 0x2c) return false;
    }
  }

  object(depth: number): boolean {
    const text = this.text;
    this.pos += 1;
    if (text.charCodeAt(this.pos) === 0x7d) {
      this.pos += 1;
      return true;
    }
    // The previous key: its raw span when it had no escapes, else its decoded value.
    let previous: string | undefined;
    let previousStart = -1;
    let previousEnd = -1;
    for (;;) {
      if (text.charCodeAt(this.pos) !== QUOTE) return false;
      const end = this.string();
      if (end < 0) return false;
      // Keys compare by their values: escape-free keys in place, escaped ones decoded.
      const start = this.pos + 1;
      if (this.escaped || previous !== undefined) {
        const key = this.escaped
          ? (JSON.parse(text.slice(this.pos, end)) as string)
          : text.slice(start, end - 1);
        const before =
          previous ?? (previousStart < 0 ? undefined : text.slice(previousStart, previousEnd));
        if (before !== undefined && !(before < key)) return false;
        previous = key;
      } else {
        // Compare with the previous escape-free key in place, by UTF-16 code units.
        if (previousStart >= 0) {
          const length = Math.min(previousEnd - previousStart, end - 1 - start);
          let k = 0;
          while (k < length && text.charCodeAt(previousStart + k) === text.charCodeAt(start + k))
            k += 1;
          const order =
            k < length
              ? text.charCodeAt(previousStart + k) - text.charCodeAt(start + k)
              : previousEnd - previousStart - (end - 1 - start);
          if (order >= 0) return false;
        }
        previousStart = start;
        previousEnd = end - 1;
      }
      this.pos = end;
      if (text.charCodeAt(this.pos) !== 0x3a) return false;
      this.pos += 1;
      if (!this.value(depth)) return false;
      const code = text.charCodeAt(this.pos);
      this.pos += 1;
      if (code === 0x7d) return true;
      if (code !== 0x2c) return false;
    }
  }
}

/**
 * True when `text` is exactly the RFC 8785 canonical serialization of some JSON value,
 * i.e. `canonicalize(JSON.parse(text)) === text`. Never throws; non-strings are false.
 */
export function isCanonicalJson(text: unknown): boolean {
  if (typeof text !== 'string' || text.length === 0) return false;
  // A lone surrogate can only appear raw (escaped ones are refused by the scanner).
  if (!isWellFormed(text)) return false;
  const scanner = new Scanner(text);
  return scanner.value(0) && scanner.pos === text.length;
}
