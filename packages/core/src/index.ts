// @writ/core public API — a flat list of named exports, grouped by capability.

// errors
export { WritError, isWritError } from './errors.ts';
export type { WritErrorCode, WritErrorOptions } from './errors.ts';
