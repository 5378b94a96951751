/**
 * Shared boundary checks: a malformed argument becomes a WritError `ERR_INVALID_ARGUMENT`
 * naming the parameter, instead of a TypeError from deep inside (house rule; swept by
 * public-exports.malformed.test.ts).
 */
import { WritError } from './errors.ts';

/** `ERR_INVALID_ARGUMENT` naming `parameter`: "`parameter` `what`". */
export function invalidArgument(parameter: string, what: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `${parameter} ${what}`, { details: { parameter } });
}

/** @throws `ERR_INVALID_ARGUMENT` naming `parameter` unless `value` is a non-null, non-array object. */
export function assertOptions<T>(value: T, parameter = 'options'): asserts value is T & object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(parameter, 'must be an object');
  }
}

/**
 * Check the optional name a helper puts into its error messages (`fromHex(text, parameter)`).
 * @throws `ERR_INVALID_ARGUMENT` naming `parameter` unless it is a string.
 */
export function assertParameterName(value: unknown): asserts value is string {
  if (typeof value !== 'string') throw invalidArgument('parameter', 'must be a string');
}

/** @throws `ERR_INVALID_ARGUMENT` naming `parameter` unless `value` is a Uint8Array. */
export function assertBytesArgument(value: unknown, parameter: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalidArgument(parameter, 'must be a Uint8Array');
}

/**
 * Whether `value` is a non-null object with a function at each of `methods`. Reads each
 * property once; an error of a getter or a Proxy trap propagates.
 */
export function hasMethods(value: unknown, methods: readonly string[]): value is object {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function')
  );
}

/** @throws `ERR_INVALID_ARGUMENT` naming `parameter` unless `value` has every method in `shape.methods`. */
export function assertMethods(
  value: unknown,
  parameter: string,
  shape: { readonly methods: readonly string[]; readonly what: string },
): void {
  const { methods, what } = shape;
  if (!hasMethods(value, methods)) throw invalidArgument(parameter, `must be ${what}`);
}
