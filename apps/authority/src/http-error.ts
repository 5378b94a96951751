/** Errors the HTTP layer answers with: a status, a stable code and a fixed message. */
import { WritError } from '@writ/core';

/** The JSON error body every endpoint returns: `{ error: { code, message } }`. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly parameter?: string };
}

/** An error with an HTTP status and a stable code (`ERR_HTTP_*` or a core `ERR_*`). */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly parameter: string | undefined;
  constructor(options: { status: number; code: string; message: string; parameter?: string }) {
    super(options.message);
    this.name = 'HttpError';
    this.status = options.status;
    this.code = options.code;
    this.parameter = options.parameter;
  }
}

/** 400 naming the offending parameter. */
export function badRequest(parameter: string, message: string): HttpError {
  return new HttpError({ status: 400, code: 'ERR_HTTP_BAD_REQUEST', message: `${parameter} ${message}`, parameter });
}

const STATUS_BY_PREFIX: ReadonlyArray<readonly [string, number]> = [
  ['ERR_INVALID_ARGUMENT', 400],
  ['ERR_BASIS_ITEM', 400],
  // The session's basis holds its maximum of items: the agent's doing, not the authority's failure.
  ['ERR_BASIS_LEDGER_FULL', 409],
  ['ERR_TOOL_DECLARATION', 400],
  ['ERR_CANONICAL', 400],
  ['ERR_ENCODING', 400],
  ['ERR_APPROVAL_', 422],
  ['ERR_TOKEN_', 403],
  ['ERR_ENVELOPE_', 422],
  ['ERR_KEY_', 422],
  ['ERR_SIGNATURE_', 422],
  ['ERR_FIREWALL_APPROVAL_NOT_FOUND', 404],
  ['ERR_FIREWALL_TOKEN_UNKNOWN', 404],
  ['ERR_FIREWALL_CALL_CONFLICT', 409],
  ['ERR_FIREWALL_SESSION_ENDED', 409],
  ['ERR_FIREWALL_SESSION_EVICTED', 410],
  ['ERR_FIREWALL_CLOSED', 503],
  ['ERR_FIREWALL_TIMEOUT', 503],
  ['ERR_STORE_NOT_FOUND', 404],
  ['ERR_STORE_CONFLICT', 409],
  ['ERR_STORE_', 503],
];

/** Maps any thrown value to a status and body; unknown errors become a generic 500. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof HttpError) {
    const parameter = error.parameter === undefined ? {} : { parameter: error.parameter };
    return { status: error.status, body: { error: { code: error.code, message: error.message, ...parameter } } };
  }
  if (WritError.isInstance(error)) {
    const status = STATUS_BY_PREFIX.find(([prefix]) => error.code.startsWith(prefix))?.[1] ?? 500;
    const detail = (error as { details?: { parameter?: unknown } }).details?.parameter;
    const parameter = typeof detail === 'string' ? { parameter: detail } : {};
    // Store and internal failures keep their code but not their message (paths, hosts).
    const message = status >= 500 ? 'the authority could not complete the request' : error.message;
    return { status, body: { error: { code: error.code, message, ...parameter } } };
  }
  return { status: 500, body: { error: { code: 'ERR_INTERNAL', message: 'the authority could not complete the request' } } };
}
