/**
 * Errors raised by the Rego engine. Codes follow OPA's where OPA has one
 * (`rego_parse_error`, `eval_type_error`, ...); the `eval_*_limit_error` codes are Writ's own
 * for the evaluation budgets. Rego has no dependency on `@writ/core`, but follows the same
 * pattern: a stable string `code` and a static `isInstance` that survives two copies of the package.
 *
 * @packageDocumentation
 */

/** Stable error codes raised by `@writ/rego`. */
export type RegoErrorCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_type_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error'
  | 'eval_type_error'
  | 'eval_builtin_error'
  | 'eval_conflict_error'
  /** The configured step budget (`limits.maxSteps`) was exhausted. */
  | 'eval_step_limit_error'
  /** The configured wall-clock budget (`limits.timeoutMs`) was exceeded. */
  | 'eval_time_limit_error'
  /** The configured call depth (`limits.maxDepth`) was exceeded. */
  | 'eval_depth_limit_error'
  /** A public API was called with an invalid argument (the message names the parameter). */
  | 'invalid_argument';

/** A position in a policy source. Lines and columns are 1-based. */
export interface RegoLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

const BRAND = Symbol.for('@writ/rego.RegoError');

/**
 * The single error class of `@writ/rego`.
 *
 * `message` is prefixed with `file:line:col: code:` (parse/compile errors) or `file:line: code:`
 * (runtime errors, exactly like OPA) when a location is known; `detail` is the bare message without the prefix.
 */
export class RegoError extends Error {
  /** Stable machine-readable code. */
  readonly code: RegoErrorCode;
  /** Where the error was raised, when known. */
  readonly location: RegoLocation | undefined;
  /** The message without location and code prefix. */
  readonly detail: string;

  /**
   * @param code - stable error code
   * @param detail - human-readable message (never contains secrets)
   * @param location - source position, when known
   */
  constructor(code: RegoErrorCode, detail: string, location?: RegoLocation) {
    super(RegoError.format(code, detail, location));
    this.name = 'RegoError';
    this.code = code;
    this.detail = detail;
    this.location = location;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** Formats `file:line:col: code: detail` (location omitted when unknown). */
  static format(code: RegoErrorCode, detail: string, location?: RegoLocation): string {
    // OPA prints runtime errors as `file:row: code: message`; parse/compile errors also carry
    // the column here
    const where = !location
      ? ''
      : code.startsWith('rego_')
        ? `${location.file}:${location.line}:${location.col}: `
        : `${location.file}:${location.line}: `;
    return `${where}${code}: ${detail}`;
  }

  /** True for any `RegoError`, including one created by another copy of this package. */
  static isInstance(value: unknown): value is RegoError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** Returns a copy of this error with `location` set, unless it already has one. */
  withLocation(location: RegoLocation | undefined): RegoError {
    if (this.location || !location) return this;
    return new RegoError(this.code, this.detail, location);
  }
}
