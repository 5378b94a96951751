/** Bounded JSON bodies: size, syntax and shape are checked before any handler sees them. */
import type { Context } from 'hono';
import { readBodyCapped } from '@writ/core';
import { HttpError, badRequest } from './http-error.ts';

/** A plain JSON object (no arrays, no prototypes). */
export type JsonRecord = Record<string, unknown>;

/** True for a plain object. */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Read the request body as one JSON object of at most `maxBytes`.
 * @throws HttpError 415 `ERR_HTTP_CONTENT_TYPE`, 413 `ERR_HTTP_BODY_TOO_LARGE`, 400 `ERR_HTTP_BAD_JSON`.
 */
export async function readJson(c: Context, maxBytes: number): Promise<JsonRecord> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError({ status: 415, code: 'ERR_HTTP_CONTENT_TYPE', message: 'the body must be application/json' });
  }
  const bytes = await readBody(c, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new HttpError({ status: 400, code: 'ERR_HTTP_BAD_JSON', message: 'the body is not valid UTF-8 JSON' });
  }
  if (!isRecord(value)) throw badRequest('body', 'must be a JSON object');
  return value;
}

/**
 * The request body, at most `maxBytes`: read chunk by chunk and refused as soon as it passes the
 * limit, so a chunked body without a Content-Length (or one that never ends) is never buffered
 * past it.
 * @throws HttpError 413 `ERR_HTTP_BODY_TOO_LARGE`.
 */
export async function readBody(c: Context, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = await readBodyCapped(c.req.raw, maxBytes, c.req.raw.signal);
  if (bytes === undefined) throw tooLarge(maxBytes);
  return bytes;
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError({ status: 413, code: 'ERR_HTTP_BODY_TOO_LARGE', message: `the body exceeds ${maxBytes} bytes` });
}

/** A required string field of at most `max` characters. */
export function stringField(options: { readonly body: JsonRecord; readonly name: string; readonly max?: number }): string {
  const value = options.body[options.name];
  if (typeof value !== 'string' || value === '' || value.length > (options.max ?? 256)) {
    throw badRequest(options.name, `must be a non-empty string of at most ${options.max ?? 256} characters`);
  }
  return value;
}
