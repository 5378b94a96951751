/**
 * The sidecar verifier: a reverse proxy in front of a target that cannot verify tokens.
 * A request is forwarded only when its `Writ-Token` header carries a released action token
 * for exactly this request — tool `sidecar.tool` with arguments `{ method, url, bodyDigest }`
 * — and the gateway consumes its nonce; the outcome receipt is written after the target
 * answers. Anything else is refused before a single byte reaches the target.
 */
import type { Context, Hono } from 'hono';
import { canonicalIntent, digestBytes, fromBase64Url, fromUtf8, readTokenPayload, verifyToken, WritError } from '@writ/core';
import type { JsonObject } from '@writ/core';
import type { AuthorityState } from './authority-state.ts';
import { HttpError } from './http-error.ts';
import { readBody } from './read-json.ts';
import type { AuthorityEnv } from './authority-env.ts';

/** Sidecar settings. */
export interface SidecarConfig {
  /** Base URL of the target, e.g. `http://127.0.0.1:9000`. */
  readonly target: string;
  /** The tool name agents guard for a proxied request (registered like any tool). Default `http_request`. */
  readonly tool: string;
  /** Token audience the firewall mints for. */
  readonly audience: string;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'authorization', 'writ-token', 'te', 'trailer', 'proxy-authorization']);
// The token covers method, URL and body. Of the request's headers only those describing the body
// and the wanted answer go on: any other (X-HTTP-Method-Override, Cookie, X-Forwarded-For...)
// could change what the target does without a token covering it.
const FORWARDED_REQUEST_HEADERS = new Set(['content-type', 'content-language', 'accept', 'accept-language', 'user-agent']);

function refused(code: string, message: string): HttpError {
  return new HttpError({ status: 403, code, message });
}

function tokenOf(header: string | undefined): unknown {
  if (header === undefined || header === '') throw new HttpError({ status: 401, code: 'ERR_SIDECAR_TOKEN_MISSING', message: 'the Writ-Token header is required' });
  if (header.length > 32_768) throw refused('ERR_TOKEN_MALFORMED', 'token is malformed');
  try {
    return JSON.parse(header.trimStart().startsWith('{') ? header : fromUtf8(fromBase64Url(header, 'Writ-Token'))) as unknown;
  } catch {
    throw refused('ERR_TOKEN_MALFORMED', 'token is malformed');
  }
}

/**
 * The URL a proxied request stands for: the target's origin with the path after `/sidecar`.
 * The path is set as a path, never resolved as a reference: `/sidecar//other-host/x` is the
 * path `//other-host/x` on the target, not a request to `other-host`.
 * @throws HttpError 403 `ERR_SIDECAR_OUTSIDE_TARGET` if the URL would leave the target's origin.
 */
export function sidecarUrl(options: { readonly target: string; readonly requestUrl: string }): string {
  const incoming = new URL(options.requestUrl);
  const url = new URL(options.target);
  url.pathname = incoming.pathname.replace(/^\/sidecar/, '') || '/';
  url.search = incoming.search;
  url.hash = '';
  // Fail closed should a URL parser ever disagree: the sidecar speaks to its target only.
  if (url.origin !== new URL(options.target).origin) throw refused('ERR_SIDECAR_OUTSIDE_TARGET', 'the request leaves the sidecar target');
  return url.toString();
}

async function handle(options: { c: Context<AuthorityEnv>; state: AuthorityState; config: SidecarConfig; maxBodyBytes: number }): Promise<Response> {
  const { c, state, config, maxBodyBytes } = options;
  const token = tokenOf(c.req.header('writ-token'));
  const body = await readBody(c, maxBodyBytes);
  const method = c.req.method.toUpperCase();
  const url = sidecarUrl({ target: config.target, requestUrl: c.req.url });
  const args: JsonObject = { method, url, bodyDigest: digestBytes(body) };
  let tokenId: string;
  try {
    tokenId = readTokenPayload(token).payload.id;
  } catch {
    throw refused('ERR_TOKEN_MALFORMED', 'token is malformed');
  }
  const release = await state.releases.forToken(tokenId);
  const entry = release === undefined ? undefined : state.sessions.get(release.sessionId);
  if (release === undefined || entry === undefined) throw refused('ERR_SIDECAR_TOKEN_UNKNOWN', 'the token was not released by this authority');
  const call = { tool: config.tool, args };
  const { intentDigest } = canonicalIntent({ call, principal: entry.principal, audience: config.audience });
  try {
    verifyToken(token, { trustRoot: state.trustRoot, now: state.clock(), audience: config.audience, call: { command: config.tool, intent: intentDigest, args } });
  } catch (error) {
    if (WritError.isInstance(error)) throw refused(error.code, 'the token does not cover this request');
    throw error;
  }
  let response: Response | undefined;
  const result = await entry.session.execute({ ...call, callId: release.callId }, async () => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(c.req.header())) if (FORWARDED_REQUEST_HEADERS.has(name.toLowerCase())) headers.set(name, value);
    const forwarded = await fetch(url, { method, headers, ...(body.length > 0 && method !== 'GET' && method !== 'HEAD' ? { body } : {}), redirect: 'manual' });
    const bytes = new Uint8Array(await forwarded.arrayBuffer());
    const copied = new Headers();
    for (const [name, value] of forwarded.headers) if (!HOP_BY_HOP.has(name) && name !== 'content-encoding') copied.set(name, value);
    response = new Response(bytes, { status: forwarded.status, headers: copied });
    return { status: forwarded.status, bodyDigest: digestBytes(bytes) };
  });
  if (result.status === 'executed' && response !== undefined) {
    response.headers.set('writ-receipt', result.receipt.id);
    return response;
  }
  if (result.status === 'failed') throw new HttpError({ status: 502, code: 'ERR_SIDECAR_TARGET_FAILED', message: 'the target could not be reached' });
  throw refused('ERR_SIDECAR_REFUSED', 'the gateway refused the request');
}

/** Register `/sidecar/*` on `app`. */
export function registerSidecar(options: { readonly app: Hono<AuthorityEnv>; readonly state: AuthorityState; readonly config: SidecarConfig; readonly maxBodyBytes: number }): void {
  const { app, state, config, maxBodyBytes } = options;
  app.all('/sidecar/*', (c) => handle({ c, state, config, maxBodyBytes }));
  app.all('/sidecar', (c) => handle({ c, state, config, maxBodyBytes }));
}
