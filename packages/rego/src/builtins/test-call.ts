/**
 * Test support: calls a registered builtin with JSON-ish arguments and a frozen context.
 * Used by the co-located `*.test.ts` files only.
 */
import { RegoError } from '../errors.ts';
import type { Value } from '../value.ts';
import { fromJSON, toJSON } from '../value.ts';
import { builtins } from './index.ts';
import type { BuiltinContext } from './types.ts';

/** A context with a frozen clock (2024-01-02T03:04:05.123456789Z) and a fresh cache. */
export function frozenContext(now = 1704164645123456789n): BuiltinContext {
  return { now: () => now, print: () => undefined, cache: new Map(), strict: true };
}

/** Calls builtin `name` with Rego values; returns the Rego result (undefined = undefined). */
export function callValue(name: string, args: readonly Value[], ctx: BuiltinContext = frozenContext()): Value | undefined {
  const def = builtins.get(name);
  if (def === undefined) throw new Error(`builtin ${name} is not registered`);
  if (def.arity !== args.length) throw new Error(`builtin ${name} takes ${def.arity} operands`);
  return def.fn(args, ctx);
}

/** Calls builtin `name` with JSON arguments and returns the JSON result. */
export function call(name: string, ...args: unknown[]): unknown {
  const result = callValue(name, args.map((a) => fromJSON(a)));
  return result === undefined ? undefined : toJSON(result, { exactIntegers: true });
}

/** Calls builtin `name` and returns the RegoError it throws (code and message). */
export function callError(name: string, ...args: unknown[]): { code: string; message: string } {
  try {
    call(name, ...args);
  } catch (error) {
    if (RegoError.isInstance(error)) return { code: error.code, message: error.detail };
    throw error;
  }
  throw new Error(`builtin ${name} did not fail`);
}
