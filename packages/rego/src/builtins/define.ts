/**
 * Wraps builtin implementations so every failure leaves as a `RegoError` with OPA's
 * shape: `NAME: operand 1 must be ...` (`eval_type_error`) or `NAME: message`
 * (`eval_builtin_error`). No raw `TypeError` escapes a builtin.
 */
import { RegoError } from '../errors.ts';
import type { Value } from '../value.ts';
import { BuiltinFailure, OperandError } from './failure.ts';
import type { BuiltinContext, BuiltinDef } from './types.ts';

/** An implementation before wrapping. */
export type BuiltinImpl = (args: readonly Value[], ctx: BuiltinContext) => Value | undefined;

/** Translates anything thrown by a builtin into a `RegoError`. */
export function toRegoError(name: string, error: unknown): RegoError {
  if (RegoError.isInstance(error)) {
    // Evaluation errors keep their code; anything else (e.g. invalid_argument from value
    // conversion of a too-deep document) is a failure of this builtin.
    const code = error.code === 'eval_type_error' || error.code === 'eval_builtin_error' ? error.code : 'eval_builtin_error';
    if (code === error.code && (error.detail.startsWith(`${name}:`) || error.location !== undefined)) return error;
    return new RegoError(code, error.detail.startsWith(`${name}:`) ? error.detail : `${name}: ${error.detail}`);
  }
  if (error instanceof OperandError) return new RegoError('eval_type_error', `${name}: ${error.message}`);
  if (error instanceof BuiltinFailure) return new RegoError('eval_builtin_error', `${name}: ${error.message}`);
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new RegoError('eval_builtin_error', `${name}: value nested too deeply`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new RegoError('eval_builtin_error', `${name}: ${message}`);
}

/** Builds a {@link BuiltinDef} whose failures are OPA-shaped `RegoError`s. */
export function defineBuiltin(name: string, arity: number, impl: BuiltinImpl): BuiltinDef {
  return {
    name,
    arity,
    // an implementation that does not take the evaluation context cannot see the clock,
    // the random source or the per-evaluation caches
    pure: impl.length < 2,
    fn(args, ctx) {
      try {
        return impl(args, ctx);
      } catch (error) {
        throw toRegoError(name, error);
      }
    },
  };
}

/** A family's table: name → [arity, implementation]. */
export type BuiltinTable = Readonly<Record<string, readonly [number, BuiltinImpl]>>;

/** Turns a family table into {@link BuiltinDef}s. */
export function defineAll(table: BuiltinTable): BuiltinDef[] {
  return Object.entries(table).map(([name, [arity, impl]]) => defineBuiltin(name, arity, impl));
}
