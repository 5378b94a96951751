/**
 * JSON over HTTP to a Writ authority with a deadline per request. Any failure to get an
 * answer — timeout, refused connection, a body that is not JSON — is an error, so a caller
 * that needs an answer to act fails closed.
 */
import { WritError } from '../errors.ts';
import type { WritErrorCode } from '../errors.ts';

/** Options of {@link RemoteTransport}. */
export interface RemoteTransportOptions {
  /** Base URL of the authority, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  /** The agent's bearer token. */
  readonly token: string;
  /** Deadline per request in milliseconds (default 5000). */
  readonly timeoutMs?: number;
  /** `fetch` to use (default: the global one). */
  readonly fetch?: typeof fetch;
}

// Server codes that keep their meaning on the client; others become the generic codes below.
const KEPT: ReadonlySet<string> = new Set<WritErrorCode>([
  'ERR_FIREWALL_CALL_CONFLICT',
  'ERR_FIREWALL_SESSION_ENDED',
  'ERR_FIREWALL_SESSION_EVICTED',
  'ERR_FIREWALL_APPROVAL_NOT_FOUND',
  'ERR_FIREWALL_TOKEN_UNKNOWN',
  'ERR_FIREWALL_TIMEOUT',
  'ERR_FIREWALL_CLOSED',
  'ERR_BASIS_ITEM_INVALID',
  'ERR_BASIS_ITEM_DUPLICATE',
  'ERR_INVALID_ARGUMENT',
]);

/** One authority endpoint caller. */
export class RemoteTransport {
  readonly #url: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  /** @throws `ERR_INVALID_ARGUMENT` naming `url`, `token` or `timeoutMs`. */
  constructor(options: RemoteTransportOptions) {
    if (typeof options !== 'object' || options === null) throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new WritError('ERR_INVALID_ARGUMENT', 'url must be an http(s) URL', { details: { parameter: 'url' } });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WritError('ERR_INVALID_ARGUMENT', 'url must be an http(s) URL', { details: { parameter: 'url' } });
    if (typeof options.token !== 'string' || !/^[\x21-\x7e]{16,512}$/.test(options.token)) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'token must be 16-512 printable ASCII characters', { details: { parameter: 'token' } });
    }
    const timeoutMs = options.timeoutMs ?? 5000;
    if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'timeoutMs must be an integer within 1..600000', { details: { parameter: 'timeoutMs' } });
    }
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new WritError('ERR_INVALID_ARGUMENT', 'fetch must be a function', { details: { parameter: 'fetch' } });
    this.#url = url.toString().replace(/\/$/, '');
    this.#token = options.token;
    this.#timeoutMs = timeoutMs;
    this.#fetch = options.fetch ?? fetch;
  }

  /**
   * POST `body` as JSON to `path` and return the parsed answer.
   * @throws `ERR_FIREWALL_TIMEOUT` (no answer in time, or unreachable), the server's firewall
   *   codes, `ERR_FIREWALL_SESSION_EVICTED` (the authority no longer holds the session: 410
   *   `ERR_HTTP_SESSION_GONE`), `ERR_INVALID_ARGUMENT` (other 4xx), `ERR_INTERNAL` (other 5xx or
   *   a non-JSON answer).
   */
  async post(path: string, body: unknown): Promise<Record<string, unknown>> {
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(`${this.#url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new WritError('ERR_FIREWALL_TIMEOUT', 'the authority did not answer in time', { cause: error });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new WritError('ERR_INTERNAL', 'the authority answered with something that is not JSON', { details: { httpStatus: response.status } });
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new WritError('ERR_INTERNAL', 'the authority answered with something that is not a JSON object', { details: { httpStatus: response.status } });
    const record = json as Record<string, unknown>;
    // 422 on an approval submission carries a well-formed refusal, not a transport error.
    if (response.ok || (response.status === 422 && record.status === 'refused')) return record;
    const error = (record.error ?? {}) as { code?: unknown; message?: unknown };
    const remoteCode = typeof error.code === 'string' ? error.code : 'unknown';
    const message = typeof error.message === 'string' ? error.message.slice(0, 500) : 'the authority refused the request';
    const code: WritErrorCode = KEPT.has(remoteCode)
      ? (remoteCode as WritErrorCode)
      : // The authority's session table let go of the session (ended, idle, restarted): as in-process.
        remoteCode === 'ERR_HTTP_SESSION_GONE'
        ? 'ERR_FIREWALL_SESSION_EVICTED'
        : response.status >= 500
          ? 'ERR_INTERNAL'
          : 'ERR_INVALID_ARGUMENT';
    throw new WritError(code, message, { details: { httpStatus: response.status, remoteCode } });
  }
}
