/**
 * For the tests of the fixed-shape canonical writers: what a writer or `canonicalize` gave —
 * its text, or the code of the WritError it threw — so the two can be compared in one value.
 */
import { WritError } from '../errors.ts';

/** `text:<output>` or `error:<code>`; other errors propagate. */
export function outcome(run: () => string): string {
  try {
    return `text:${run()}`;
  } catch (error) {
    if (WritError.isInstance(error)) return `error:${error.code}`;
    throw error;
  }
}
