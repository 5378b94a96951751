/**
 * Argument provenance: which basis items contain a consequential argument value. Values
 * are compared in a form chosen by the argument kind (see normalize-value.ts); free text
 * must match on word boundaries so `Al` is not found inside `Alice`.
 */
import type { ArgumentKind } from '../registry/action-class.ts';
import type { JsonValue } from '../stores/types.ts';
import type { BasisItem } from './basis-item.ts';
import {
  extractEmails,
  extractNumbers,
  extractPhones,
  extractUrls,
  leafTexts,
  matchKind,
  normalizeAccount,
  normalizePhone,
  normalizeText,
  normalizeUrl,
  samePhone,
} from './normalize-value.ts';

/** Searchable forms of one item's content, built once per scoring. */
export interface ItemIndex {
  readonly text: string;
  readonly account: string;
  readonly emails: ReadonlySet<string>;
  readonly phones: readonly string[];
  readonly numbers: readonly number[];
  readonly urls: ReadonlySet<string>;
}

/** Builds the searchable forms of an item's content. */
export function indexItem(item: Pick<BasisItem, 'content'>): ItemIndex {
  const leaves = leafTexts(item.content);
  const joined = leaves.join('\n');
  const numbers = [...extractNumbers(joined)];
  if (typeof item.content === 'number') numbers.push(item.content);
  return {
    text: normalizeText(leaves.join(' \n ')),
    account: normalizeAccount(joined),
    emails: new Set(extractEmails(joined)),
    phones: extractPhones(joined),
    numbers,
    urls: new Set(extractUrls(joined)),
  };
}

// Items are immutable, so an item's index is built once and reused by every later call.
const cache = new WeakMap<object, ItemIndex>();

/** The cached index of an item (built on first use). */
export function indexOf(item: Pick<BasisItem, 'content'>): ItemIndex {
  let index = cache.get(item);
  if (!index) cache.set(item, (index = indexItem(item)));
  return index;
}

const WORD = /[\p{L}\p{N}]/u;

function containsWord(haystack: string, needle: string): boolean {
  if (needle === '') return false;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack[at - 1];
    const after = haystack[at + needle.length];
    const startsWord = WORD.test(needle[0] ?? '');
    const endsWord = WORD.test(needle[needle.length - 1] ?? '');
    if (
      (!startsWord || before === undefined || !WORD.test(before)) &&
      (!endsWord || after === undefined || !WORD.test(after))
    )
      return true;
  }
  return false;
}

/** A consequential value prepared once for matching against many items. */
export type Needle =
  | { readonly mode: 'email'; readonly emails: readonly string[] }
  | { readonly mode: 'account'; readonly account: string }
  | { readonly mode: 'phone'; readonly phone: string }
  | { readonly mode: 'amount'; readonly numbers: readonly number[] }
  | { readonly mode: 'url'; readonly url: string | undefined; readonly text: string }
  | { readonly mode: 'text'; readonly text: string };

/** Normalises `value` (an argument of `kind`) for {@link needleIn}. */
export function prepareNeedle(kind: ArgumentKind, value: string | number): Needle {
  const text = String(value);
  switch (matchKind(kind, value)) {
    case 'email':
      return { mode: 'email', emails: extractEmails(text) };
    case 'account':
      return { mode: 'account', account: normalizeAccount(text) };
    case 'phone':
      return { mode: 'phone', phone: normalizePhone(text) };
    case 'amount':
      return {
        mode: 'amount',
        numbers: typeof value === 'number' ? [value] : extractNumbers(value),
      };
    case 'url':
      return { mode: 'url', url: normalizeUrl(text), text: normalizeText(text) };
    case 'text':
      return { mode: 'text', text: normalizeText(text) };
  }
}

/** True when the item indexed by `index` contains the prepared value. */
export function needleIn(index: ItemIndex, needle: Needle): boolean {
  switch (needle.mode) {
    case 'email':
      return needle.emails.length > 0 && needle.emails.every((email) => index.emails.has(email));
    case 'account':
      return index.account.includes(needle.account);
    case 'phone':
      return index.phones.some((candidate) => samePhone(candidate, needle.phone));
    case 'amount':
      return (
        needle.numbers.length > 0 &&
        needle.numbers.every((number) =>
          index.numbers.some((candidate) => Math.abs(candidate - number) < 1e-9),
        )
      );
    case 'url':
      return (
        (needle.url !== undefined && index.urls.has(needle.url)) ||
        containsWord(index.text, needle.text)
      );
    case 'text':
      return containsWord(index.text, needle.text);
  }
}

/** True when the item indexed by `index` contains `value` read as an argument of `kind`. */
export function indexContains(options: {
  readonly index: ItemIndex;
  readonly kind: ArgumentKind;
  readonly value: string | number;
}): boolean {
  return needleIn(options.index, prepareNeedle(options.kind, options.value));
}

/** The traceable leaves of a consequential value (strings and numbers; booleans and null carry no provenance). */
export function traceableLeaves(value: JsonValue): (string | number)[] {
  if (typeof value === 'string') return value.trim() === '' ? [] : [value];
  if (typeof value === 'number') return [value];
  if (value === null || typeof value === 'boolean') return [];
  return leafTexts(value, 1000).filter((leaf) => leaf.trim() !== '');
}
