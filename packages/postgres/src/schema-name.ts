import { WritError } from '@writ/core';

/** The schema Writ's tables live in when none is given. */
export const DEFAULT_SCHEMA = 'writ';

// Lower-case, unquoted-style identifiers only: they need no case folding, never collide
// with SQL keywords once quoted, and fit PostgreSQL's 63-byte NAMEDATALEN limit.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Validates a schema name and returns it double-quoted, ready to splice into SQL.
 *
 * @throws WritError `ERR_INVALID_ARGUMENT` when `schema` is not a lower-case identifier
 *   of at most 63 characters (`[a-z_][a-z0-9_]*`).
 */
export function quoteSchema(schema: unknown, parameter = 'schema'): string {
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema)) {
    throw new WritError(
      'ERR_INVALID_ARGUMENT',
      `${parameter} must match [a-z_][a-z0-9_]* (at most 63 characters)`,
      {
        details: { parameter },
      },
    );
  }
  return `"${schema}"`;
}
