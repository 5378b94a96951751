/**
 * The contract between the evaluator and the builtin functions.
 *
 * @packageDocumentation
 */
import type { Value } from '../value.ts';

/** Per-evaluation services a builtin may use. */
export interface BuiltinContext {
  /** Nanoseconds since the Unix epoch, frozen for the whole evaluation (`time.now_ns`). */
  now(): bigint;
  /** Emits one `print` line made of already-formatted parts. */
  print(...parts: string[]): void;
  /** Per-evaluation cache (e.g. `uuid.rfc4122` answers stay stable within one evaluation). */
  cache: Map<string, unknown>;
  /** Strict builtin errors: when false, evaluators may treat `eval_builtin_error` as undefined. */
  strict: boolean;
}

/** One builtin function, keyed by its full dotted name in {@link builtins}. */
export interface BuiltinDef {
  /** Full dotted name, e.g. `io.jwt.decode_verify`. */
  name: string;
  /** Number of operands (the output operand not counted). */
  arity: number;
  /**
   * Computes the result. Returns undefined when the call is undefined.
   * @throws RegoError `eval_type_error` for operands of the wrong type, `eval_builtin_error` otherwise
   */
  fn(args: readonly Value[], ctx: BuiltinContext): Value | undefined;
  /**
   * True if the result depends on the operands only (not on the clock, randomness or other
   * per-evaluation state): rules that call only such builtins may be cached across evaluations.
   */
  readonly pure?: boolean;
}
