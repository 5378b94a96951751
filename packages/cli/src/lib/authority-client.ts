/**
 * The authority's approver routes, called from the terminal (`writ unfinished`): the URL checked
 * as `writ pull` checks it, the approver's bearer token taken from an environment variable (never
 * from argv, where other users of the machine could read it), no redirect followed (the token goes
 * to that URL only), the answer read up to a bound. Nothing the authority answers is printed but
 * its stable error code: an error body could echo anything.
 */
import { readBodyCapped } from '@writ/core';
import { UsageError } from '../cli-context.ts';

/** The environment variable an approver's token is read from unless `--token-env` names another. */
export const DEFAULT_TOKEN_ENV = 'WRIT_AUTHORITY_TOKEN';

/** The authority's code for a request whose credentials it refused, used for 401/403 here too (as `writ pull`: exit 2). */
const TOKEN_REFUSED = 'ERR_INVALID_ARGUMENT';
/** As `writ pull` classifies an authority it cannot reach or whose answer is not what the route gives. */
const UNREACHABLE = 'ERR_STORE_IO';

/**
 * The approver's token from the variable `tokenEnv` names (default {@link DEFAULT_TOKEN_ENV}).
 * @param use what the token is for, ending the message when it is missing.
 * @throws UsageError `ERR_USAGE`: not a variable name, or unset/empty.
 */
export function approverToken(options: { tokenEnv: string | undefined; env: Readonly<Record<string, string | undefined>>; use: string }): string {
  const name = options.tokenEnv ?? DEFAULT_TOKEN_ENV;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/u.test(name)) throw new UsageError(`--token-env ${name}: not an environment variable name`);
  const token = options.env[name];
  if (token === undefined || token === '') throw new UsageError(`set ${name} to an approver's token of the authority (${options.use})`);
  return token;
}

/** True for an http:// URL to another machine: the approver token would cross the network in clear. */
export function cleartextToken(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:') return false;
  const host = parsed.hostname.replace(/^\[|\]$/gu, '');
  return !(host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/u.test(host));
}

/**
 * The authority's base URL without a trailing slash: http(s), without credentials, query or fragment.
 * @throws UsageError `ERR_USAGE` naming `--url`.
 */
export function authorityBaseUrl(url: string | undefined): string {
  if (url === undefined || url === '') throw new UsageError('--url URL is required (the authority, https://authority.example)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('--url: not a URL (the authority, https://authority.example)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('--url: the authority URL must be http(s)');
  if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '') {
    throw new UsageError('--url: the authority URL must not carry credentials, a query or a fragment');
  }
  return parsed.toString().replace(/\/$/u, '');
}

/** What the authority answered: its status, and its JSON (`undefined` for no JSON on an error status). */
export interface AuthorityAnswer {
  readonly status: number;
  readonly json: unknown;
}

/** Options of {@link callAuthority}. */
export interface CallAuthorityOptions {
  /** Base URL from {@link authorityBaseUrl}. */
  readonly url: string;
  readonly token: string;
  readonly method: 'GET' | 'POST';
  /** Path from the base URL, `/v1/...`, its parameters already encoded. */
  readonly path: string;
  readonly body?: unknown;
  readonly fetch?: typeof fetch;
  /** Deadline of the request (default 30 s). */
  readonly timeoutMs?: number;
  /** Largest answer read (default 4 MiB: a page of 1000 unfinished releases is far less). */
  readonly maxBytes?: number;
}

/**
 * One request to the authority with the approver's token.
 * @returns the status and JSON of any answer that is not a refusal of the token; JSON is required
 *   for a 2xx answer.
 * @throws UsageError `ERR_STORE_IO` (no answer: refused, timed out, a redirect; larger than
 *   `maxBytes`; not UTF-8 JSON where JSON is due), `ERR_INVALID_ARGUMENT` (401/403: the token).
 */
export async function callAuthority(options: CallAuthorityOptions): Promise<AuthorityAnswer> {
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  let response: Response;
  let bytes: Uint8Array | undefined;
  try {
    response = await (options.fetch ?? fetch)(`${options.url}${options.path}`, {
      method: options.method,
      headers: {
        authorization: `Bearer ${options.token}`,
        accept: 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      redirect: 'error',
      signal,
    });
    bytes = await readBodyCapped(response, maxBytes, signal);
  } catch (error) {
    // fetch names a bad header value (a token with a newline) in its message: print only the cause's code.
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    throw new UsageError(`cannot reach the authority at ${options.url}${typeof code === 'string' && /^[A-Z_]+$/u.test(code) ? ` (${code})` : ''}`, UNREACHABLE);
  }
  if (response.status === 401 || response.status === 403) {
    throw new UsageError(`the authority refused the token (HTTP ${response.status}): an approver's token is needed`, TOKEN_REFUSED);
  }
  if (bytes === undefined) throw new UsageError(`the authority's answer is larger than ${maxBytes} bytes`, UNREACHABLE);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    if (response.ok) throw new UsageError(`the authority's answer for ${options.url}${options.path} is not JSON`, UNREACHABLE);
    json = undefined;
  }
  return { status: response.status, json };
}

/** The stable code of an error answer `{ error: { code } }`, or undefined when it has none shaped like one. */
export function answerCode(json: unknown): string | undefined {
  const code = (json as { error?: { code?: unknown } } | null | undefined)?.error?.code;
  return typeof code === 'string' && /^ERR_[A-Z0-9_]{1,64}$/u.test(code) ? code : undefined;
}
