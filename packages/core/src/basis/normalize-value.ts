/**
 * Normalisation for argument provenance: the same value written differently in the basis
 * must still be found (`DE89 3704 0044…` and `de89370400…`, `Jane.Doe@Example.com` and
 * `jane.doe@example.com`, `+49 30 1234567` and `030-1234567`, `1,200.50` and `1200.5`).
 */
import type { ArgumentKind } from '../registry/action-class.ts';
import type { JsonValue } from '../stores/types.ts';

/** Case-folded, NFKC, whitespace collapsed. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Upper case without spaces, hyphens, dots or slashes: IBANs and account numbers. */
export function normalizeAccount(text: string): string {
  return text
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-./]+/g, '');
}

const EMAIL =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+/g;

/** Every email address in `text`, lower-cased (`Jane <J@X.org>` → `j@x.org`). */
export function extractEmails(text: string): string[] {
  return [...text.normalize('NFKC').matchAll(EMAIL)].map((match) => match[0].toLowerCase());
}

/** Digits of a phone number, international prefix `00` read as `+`, trunk `0` dropped. */
export function normalizePhone(text: string): string {
  const digits = text.replace(/^\s*(?:\+|00)/, '').replace(/\D/g, '');
  return digits.replace(/^0+/, '');
}

/**
 * Same phone number: equal digits, or one ends with the other where the longer one only
 * adds a 1–3 digit country code (`+49 30 1234567` ≈ `030 1234567`). Needs 7+ digits.
 */
export function samePhone(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length < 7) return false;
  return long === short || (long.endsWith(short) && long.length - short.length <= 3);
}

const PHONE_IN_TEXT = /(?:\+|\b00|\b0|\b)\d[\d ()./-]{5,18}\d\b/g;

/** Every phone-like digit run in `text`, normalised. */
export function extractPhones(text: string): string[] {
  return [...text.matchAll(PHONE_IN_TEXT)]
    .map((match) => normalizePhone(match[0]))
    .filter((digits) => digits.length >= 7);
}

const NUMBER_IN_TEXT = /\d{1,3}(?:[,.' ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?/g;

function readNumber(token: string): number[] {
  const separators = token.match(/[,.' ]/g) ?? [];
  if (separators.length === 0) return [Number(token)];
  const last = Math.max(
    token.lastIndexOf('.'),
    token.lastIndexOf(','),
    token.lastIndexOf("'"),
    token.lastIndexOf(' '),
  );
  const digitsAfter = token.length - last - 1;
  const grouped = token.replace(/[,.' ]/g, '');
  const decimal = `${token.slice(0, last).replace(/[,.' ]/g, '')}.${token.slice(last + 1)}`;
  // `1,200` / `1.200` / `1,200,000`: grouping if every separator is the same and 3 digits follow the last.
  if (digitsAfter === 3 && new Set(separators).size === 1)
    return separators.length === 1 ? [Number(grouped), Number(decimal)] : [Number(grouped)];
  return [Number(decimal)];
}

/**
 * Every number in `text`, reading grouping and decimal separators both ways (`1,200.50`
 * and `1.200,50` → 1200.5; `1,5` → 1.5). An ambiguous `1,200` yields both 1200 and 1.2.
 */
export function extractNumbers(text: string): number[] {
  return [...text.matchAll(NUMBER_IN_TEXT)].flatMap(([token]) =>
    readNumber(token).filter(Number.isFinite),
  );
}

/** Normalised URL for comparison: lower-case scheme and host, no default port, no trailing slash. */
export function normalizeUrl(text: string): string | undefined {
  try {
    const url = new URL(text.trim());
    url.hash = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return undefined;
  }
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s<>"'`)\]}]+/gi;

/** Every URL in `text`, normalised. */
export function extractUrls(text: string): string[] {
  return [...text.matchAll(URL_IN_TEXT)].flatMap(
    (match) => normalizeUrl(match[0].replace(/[.,;:!?]+$/, '')) ?? [],
  );
}

/** Leaves of a JSON value as text (strings and numbers), bounded. */
export function leafTexts(value: JsonValue, limit = 10_000): string[] {
  const out: string[] = [];
  const stack: JsonValue[] = [value];
  while (stack.length > 0 && out.length < limit) {
    const next = stack.pop() as JsonValue;
    if (typeof next === 'string') out.push(next);
    else if (typeof next === 'number') out.push(String(next));
    else if (Array.isArray(next))
      for (let i = next.length - 1; i >= 0; i--) stack.push(next[i] as JsonValue);
    else if (typeof next === 'object' && next !== null) {
      const record = next as { readonly [key: string]: JsonValue };
      for (const key of Object.keys(record).reverse()) stack.push(record[key] as JsonValue);
    }
  }
  return out;
}

/** The normaliser kind used to match a consequential argument of `kind` holding `value`. */
export function matchKind(
  kind: ArgumentKind,
  value: string | number,
): 'email' | 'account' | 'phone' | 'amount' | 'url' | 'text' {
  if (typeof value === 'number') return kind === 'amount' ? 'amount' : 'text';
  if (kind === 'amount') return extractNumbers(value).length > 0 ? 'amount' : 'text';
  if (
    kind === 'email' ||
    ((kind === 'recipient' || kind === 'destination') && extractEmails(value).length === 1)
  )
    return 'email';
  if (kind === 'iban' || kind === 'account')
    return normalizeAccount(value).length >= 6 ? 'account' : 'text';
  if (kind === 'phone' || (kind === 'recipient' && /^\s*\+?[\d ()./-]{7,}\s*$/.test(value)))
    return 'phone';
  if (kind === 'url' && normalizeUrl(value) !== undefined) return 'url';
  return 'text';
}
