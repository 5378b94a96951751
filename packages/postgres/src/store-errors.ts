import { WritError } from '@writ/core';

/**
 * Wraps a failure from `pg` (network, server, protocol) as `ERR_STORE_IO`. The message is
 * fixed and names only the operation; the original error is kept as `cause` (it may name
 * hosts or users, so it never goes into the message). A WritError passes through.
 */
export function storeIoError(
  operation: string,
  cause: unknown,
  details?: Record<string, unknown>,
): WritError {
  if (WritError.isInstance(cause)) return cause;
  return new WritError('ERR_STORE_IO', `PostgreSQL store: ${operation} failed`, {
    cause,
    details: { operation, ...sqlState(cause), ...details },
  });
}

/** The SQLSTATE of a server error, when there is one (e.g. `23505` unique violation). */
export function sqlState(error: unknown): { sqlState?: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? { sqlState: code } : {};
}

/** The error every method raises after `close()`. */
export function closedError(): WritError {
  return new WritError('ERR_STORE_CLOSED', 'PostgreSQL store is closed');
}
