/** The authority's HTTP application: middleware (request id, logs, authentication, rate limits) and routes. */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { registerAgentRoutes } from './agent-routes.ts';
import { registerApprovalRoutes } from './approval-routes.ts';
import type { AuthorityEnv } from './authority-env.ts';
import type { AuthorityState } from './authority-state.ts';
import type { CredentialTable } from './credentials.ts';
import { HttpError, toErrorResponse } from './http-error.ts';
import type { Logger } from './logger.ts';
import { registerPublicRoutes } from './public-routes.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { registerRollbackRoutes } from './rollback-routes.ts';
import { registerSidecar } from './sidecar.ts';
import type { SidecarConfig } from './sidecar.ts';
import { registerUnfinishedRoutes } from './unfinished-routes.ts';

/** Everything {@link createApp} wires together. */
export interface AppOptions {
  readonly state: AuthorityState;
  readonly agents: CredentialTable;
  readonly approvers: CredentialTable;
  readonly limiter: RateLimiter;
  readonly logger: Logger;
  readonly limits: { readonly maxBodyBytes: number; readonly ratePerMinute: number; readonly executeTimeoutMs: number; readonly maxPendingPerAgent: number };
  readonly sidecar?: SidecarConfig;
  /** Directory of the built console (index.html, app.js); absent: no console. */
  readonly consoleDir?: string;
  /** Readiness: false while starting or draining. */
  readonly ready: () => boolean;
}

/** Build the Hono app. */
export function createApp(options: AppOptions): Hono<AuthorityEnv> {
  const { state, agents, approvers, limiter, logger, limits } = options;
  const app = new Hono<AuthorityEnv>();

  app.use('*', async (c, next) => {
    const requestId = randomUUID();
    c.set('requestId', requestId);
    const started = performance.now();
    await next();
    const path = new URL(c.req.url).pathname;
    logger.info('request', { requestId, method: c.req.method, path: path.length > 200 ? `${path.slice(0, 200)}...` : path, status: c.res.status, ms: Math.round(performance.now() - started), agent: c.get('agentId'), approver: c.get('approver') });
  });

  // The authority's own answers (not the sidecar's, which are the target's): never cached (the
  // inbox and transcript carry arguments), never sniffed into another type, never framed (the
  // console signs approvals on a click), no referrer to follow a link out of the console.
  app.use('*', async (c, next) => {
    await next();
    if (new URL(c.req.url).pathname.startsWith('/sidecar')) return;
    const headers = c.res.headers;
    if (!headers.has('cache-control')) headers.set('cache-control', 'no-store');
    headers.set('x-content-type-options', 'nosniff');
    headers.set('x-frame-options', 'DENY');
    headers.set('referrer-policy', 'no-referrer');
  });

  for (const path of ['/v1/sessions', '/v1/sessions/*', '/v1/agent/*']) {
    app.use(path, async (c, next) => {
      const agent = agents.authenticate(c.req.header('authorization'));
      // Agents and approvers in separate key spaces: an agent named `approver:maria` has its own bucket.
      limiter.take({ key: `agent:${agent.id}`, perMinute: agent.ratePerMinute ?? limits.ratePerMinute });
      c.set('agentId', agent.id);
      await next();
    });
  }
  // The console's routes: the inbox, the transcript, and the releases left without an outcome.
  for (const path of ['/v1/approvals', '/v1/approvals/*', '/v1/transcript', '/v1/console/*']) {
    app.use(path, async (c, next) => {
      const approver = approvers.authenticate(c.req.header('authorization'));
      limiter.take({ key: `approver:${approver.id}`, perMinute: approver.ratePerMinute ?? limits.ratePerMinute });
      c.set('approver', approver.id);
      await next();
    });
  }

  registerAgentRoutes({ app, state, maxBodyBytes: limits.maxBodyBytes, executeTimeoutMs: limits.executeTimeoutMs, maxPendingPerAgent: limits.maxPendingPerAgent });
  registerApprovalRoutes({ app, state, maxBodyBytes: limits.maxBodyBytes });
  registerRollbackRoutes({ app, state, maxBodyBytes: limits.maxBodyBytes });
  registerUnfinishedRoutes({ app, state, maxBodyBytes: limits.maxBodyBytes, logger });
  registerPublicRoutes({ app, state, ready: options.ready, ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }) });
  if (options.sidecar !== undefined) registerSidecar({ app, state, config: options.sidecar, maxBodyBytes: limits.maxBodyBytes });

  // Answered, not thrown: Hono runs the not-found handler outside the middleware's error
  // handling, so a throw here skipped the headers and the log line above.
  app.notFound((c) => {
    const { body } = toErrorResponse(new HttpError({ status: 404, code: 'ERR_HTTP_NOT_FOUND', message: 'no such endpoint' }));
    return c.json(body, 404);
  });
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    if (status >= 500) logger.error('request failed', { requestId: c.get('requestId'), code: body.error.code, error: error instanceof Error ? error.message : String(error) });
    return c.json(body, status as 500);
  });
  return app;
}
