import { WritError } from '@writ/core';
import type { FirewallSession } from '@writ/core';

/**
 * Boundary check of the session an adapter entry point is handed.
 * @throws `ERR_INVALID_ARGUMENT` naming `parameter` unless `session` is an object with the
 *   session `methods` the caller uses.
 */
export function assertSession(session: unknown, parameter: string, methods: readonly (keyof FirewallSession)[]): asserts session is FirewallSession {
  const s = session as Record<string, unknown> | null;
  if (typeof s !== 'object' || s === null || !methods.every((method) => typeof s[method] === 'function')) {
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be a Writ FirewallSession`, { details: { parameter } });
  }
}

/**
 * @throws `ERR_INVALID_ARGUMENT` naming `options` unless it is an object.
 */
export function assertOptionsObject(options: unknown, parameter = 'options'): asserts options is Record<string, unknown> {
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be an object`, { details: { parameter } });
  }
}
