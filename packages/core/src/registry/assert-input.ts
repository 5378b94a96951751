/**
 * Boundary checks for the registry's exported helpers: a wrong type becomes a WritError
 * naming the parameter instead of a TypeError from deep inside a regex call.
 */
import { WritError } from '../errors.ts';

/** @throws WritError `ERR_INVALID_ARGUMENT` naming `parameter` unless `value` is a string. */
export function assertString(value: unknown, parameter: string): asserts value is string {
  if (typeof value !== 'string') {
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be a string`, {
      details: { parameter },
    });
  }
}

/** @throws WritError `ERR_INVALID_ARGUMENT` naming `parameter` unless `value` is an array of strings. */
export function assertStringArray(
  value: unknown,
  parameter: string,
): asserts value is readonly string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be an array of strings`, {
      details: { parameter },
    });
  }
}

/** @throws WritError `ERR_INVALID_ARGUMENT` naming `parameter` unless `value` is a non-null object. */
export function assertObject(
  value: unknown,
  parameter: string,
): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be an object`, {
      details: { parameter },
    });
  }
}
