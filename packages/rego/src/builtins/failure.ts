/**
 * Errors raised inside builtin implementations. The registry wrapper (see `define.ts`)
 * turns them into `RegoError`s prefixed with the builtin's name, exactly the shape OPA
 * reports: `NAME: operand 1 must be string but got number` (`eval_type_error`) or
 * `NAME: <message>` (`eval_builtin_error`).
 */

/** A builtin failed for a reason other than operand types (`eval_builtin_error`). */
export class BuiltinFailure extends Error {
  override readonly name = 'BuiltinFailure';
}

/** An operand had the wrong type or shape (`eval_type_error`). */
export class OperandError extends Error {
  override readonly name = 'OperandError';
}

/**
 * Throws a {@link BuiltinFailure} with `message`.
 * @throws BuiltinFailure always
 */
export function fail(message: string): never {
  throw new BuiltinFailure(message);
}
