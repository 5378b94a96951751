/**
 * Pieces for writing the RFC 8785 canonical text of a known fixed-shape object directly
 * (keys in their known sorted order) instead of through the generic `canonicalize`, with
 * the generic one as the fallback for anything outside the shape: {@link writtenOr} runs a
 * writer and, when a piece meets a value it does not handle (a lone surrogate, a
 * non-finite number, a wrong type), canonicalizes the whole value generically — which
 * writes the same text or refuses the value with its own `ERR_CANONICAL_UNSUPPORTED`. So a
 * writer built from these pieces can never emit text `canonicalize` would not. Each writer
 * must be property-tested against `canonicalize`.
 */
import { canonicalize } from '../canonical/canonicalize.ts';

const isWellFormed: (value: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (value) => (value as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (value) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);

// Thrown by a piece for a value outside the shape; caught by writtenOr, never escapes.
const OUTSIDE = new Error('outside the fixed shape');

/** Throws to make {@link writtenOr} fall back to the generic canonicalizer. */
export function outside(): never {
  throw OUTSIDE;
}

/** A well-formed string as JCS writes it (exactly `JSON.stringify`, RFC 8785 §3.2.2.2). */
export function jcsString(value: unknown): string {
  if (typeof value !== 'string' || !isWellFormed(value)) throw OUTSIDE;
  return JSON.stringify(value);
}

/** A string or null. */
export function jcsStringOrNull(value: unknown): string {
  return value === null ? 'null' : jcsString(value);
}

/** A finite number as JCS writes it (the ECMAScript Number serialization, §3.2.2.3). */
export function jcsNumber(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw OUTSIDE;
  return JSON.stringify(value);
}

/** A safe integer. */
export function jcsInteger(value: unknown): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw OUTSIDE;
  return JSON.stringify(value);
}

/** A boolean. */
export function jcsBoolean(value: unknown): string {
  if (typeof value !== 'boolean') throw OUTSIDE;
  return value ? 'true' : 'false';
}

/** An array of strings. */
export function jcsStrings(value: unknown): string {
  if (!Array.isArray(value)) throw OUTSIDE;
  let out = '[';
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) throw OUTSIDE;
    out += (i === 0 ? '' : ',') + jcsString(value[i]);
  }
  return `${out}]`;
}

/** `write()`, or the generic canonical text of `value()` when the writer meets anything outside its shape. */
export function writtenOr(write: () => string, value: () => unknown): string {
  try {
    return write();
  } catch (error) {
    if (error !== OUTSIDE) throw error;
    return canonicalize(value());
  }
}
