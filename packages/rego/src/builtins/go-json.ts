/**
 * JSON text for Rego values the way OPA produces it through Go's encoding/json: object
 * keys sorted, sets as sorted arrays, numbers as their exact decimal text, and Go's
 * HTML-safe string escaping (`<` → `\u003c`). Parsing keeps big numbers exact.
 */
import type { RObject, Value } from '../value.ts';
import { BigNum, fromJSON, numberToString, numberValue, RSet, toRegoString } from '../value.ts';
import { fail } from './failure.ts';

/** Go's json string escaping (HTMLEscape on, as json.Marshal does). */
export function goQuoteJSON(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (code < 0x20 || c === '<' || c === '>' || c === '&' || code === 0x2028 || code === 0x2029) {
      out += '\\u' + code.toString(16).padStart(4, '0');
    } else if (code >= 0xd800 && code <= 0xdfff) out += '\\ufffd';
    else out += c;
  }
  return out + '"';
}

/** Layout options of Go's json.MarshalIndent. */
export interface JSONLayout {
  readonly indent: string;
  readonly prefix: string;
}

function objectKey(k: Value): string {
  return typeof k === 'string' ? k : toRegoString(k);
}

/** Marshals `v` like Go: compact when `layout` is undefined, else MarshalIndent. */
export function goMarshal(v: Value, layout?: JSONLayout, depth = 0): string {
  const newline = layout === undefined ? '' : '\n' + layout.prefix + layout.indent.repeat(depth + 1);
  const close = layout === undefined ? '' : '\n' + layout.prefix + layout.indent.repeat(depth);
  const colon = layout === undefined ? ':' : ': ';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return goQuoteJSON(v);
  if (v instanceof BigNum) return numberToString(v);
  if (Array.isArray(v) || v instanceof RSet) {
    const items = v instanceof RSet ? v.sorted() : (v as readonly Value[]);
    if (items.length === 0) return '[]';
    return '[' + items.map((x) => newline + goMarshal(x, layout, depth + 1)).join(',') + close + ']';
  }
  const object = v as RObject;
  if (object.size === 0) return '{}';
  const entries = [...object.entries()].map(([k, x]) => [objectKey(k), x] as const);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return '{' + entries.map(([k, x]) => newline + goQuoteJSON(k) + colon + goMarshal(x, layout, depth + 1)).join(',') + close + '}';
}

interface SourceContext {
  readonly source?: string;
}

/**
 * Parses JSON text into a Rego value with exact numbers (via the reviver's source text).
 * @throws BuiltinFailure with Go-like messages ("unexpected end of JSON input", "invalid character ...")
 */
export function parseJSON(text: string): Value {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key, value: unknown, context?: SourceContext) => {
      if (typeof value === 'number') return context?.source !== undefined ? numberValue(context.source) : numberValue(value);
      return value;
    });
  } catch (error) {
    fail(goJSONError(text, error));
  }
  return fromJSON(parsed);
}

function goJSONError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (text.trim() === '' || /end of JSON input|Unterminated|Unexpected end/i.test(message)) return 'unexpected end of JSON input';
  const position = /position (\d+)/.exec(message);
  const at = position ? Number(position[1]) : 0;
  const c = text[at] ?? '';
  return `invalid character '${c}' looking for beginning of value`;
}

/** True if `text` is one valid JSON document. */
export function isValidJSON(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
