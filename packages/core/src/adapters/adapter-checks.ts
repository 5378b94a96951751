/**
 * Boundary checks every framework adapter makes of what its entry points are handed, so the
 * adapters refuse the same inputs with the same code and message. Public as
 * `@writ/core/adapters/checks` for adapters in other packages (`@writ/ai-sdk`,
 * `@writ/openai-agents`, `@writ/langgraph`); see docs/decisions/0032.
 */
import { WritError } from '../errors.ts';
import type { FirewallSession } from '../firewall/types.ts';
import { assertParameterName, hasMethods, invalidArgument } from '../invalid-argument.ts';

/**
 * Check that `session` is a Writ {@link FirewallSession}: a non-null object with a function at
 * each of `methods` (the session methods the caller will use; `[]` checks only that it is an
 * object). Each property is read once; a session whose getter or Proxy trap throws is refused
 * like one that lacks the method (the thrown error is the WritError's `cause`).
 * @param parameter how to name `session` in the error, e.g. `'options.session'`.
 * @throws `ERR_INVALID_ARGUMENT` with `details.parameter` = `parameter` and the message
 *   "`parameter` must be a Writ FirewallSession"; `ERR_INVALID_ARGUMENT` naming `parameter` or
 *   `methods` when they are not a string and an array of method names.
 */
export function assertFirewallSession(
  session: unknown,
  parameter = 'session',
  methods: readonly (keyof FirewallSession)[] = [],
): asserts session is FirewallSession {
  assertParameterName(parameter);
  if (!Array.isArray(methods) || !methods.every((method) => typeof method === 'string')) {
    throw invalidArgument('methods', 'must be an array of FirewallSession method names');
  }
  let ok: boolean;
  try {
    ok = hasMethods(session, methods);
  } catch (cause) {
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be a Writ FirewallSession`, { details: { parameter }, cause });
  }
  if (!ok) throw invalidArgument(parameter, 'must be a Writ FirewallSession');
}

/**
 * Check that an adapter's options argument is an object (arrays pass: their missing fields
 * are refused by the checks of those fields, naming the field).
 * @param parameter how to name `options` in the error.
 * @throws `ERR_INVALID_ARGUMENT` with `details.parameter` = `parameter` and the message
 *   "`parameter` must be an object" unless `options` is a non-null object; naming `parameter`
 *   when it is not a string.
 */
export function assertOptionsObject(options: unknown, parameter = 'options'): asserts options is Record<string, unknown> {
  assertParameterName(parameter);
  if (typeof options !== 'object' || options === null) throw invalidArgument(parameter, 'must be an object');
}
