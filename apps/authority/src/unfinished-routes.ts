/**
 * Releases the authority's firewall found without an outcome when it opened (it stopped
 * between releasing a token and learning what the agent's tool did), for the console's
 * signed-in approvers: `GET /v1/console/unfinished` lists them, `POST
 * /v1/console/unfinished/:tokenId/resolve` records what someone who checked found
 * (`release-resolved`, durable before the answer). The body is `{ statement }`: a resolution the
 * approver signed with their own key (`signResolution`), verified by the firewall against the
 * trust root — as an approval is. A bearer token alone (a leaked console token) can free budgets
 * and close evidence no more than it can approve an action (ADR 0039). The resolver recorded is
 * the verified key and role, never a body field.
 */
import type { Hono } from 'hono';
import type { JsonObject } from '@writ/core';
import type { AuthorityEnv } from './authority-env.ts';
import type { AuthorityState } from './authority-state.ts';
import { badRequest } from './http-error.ts';
import type { Logger } from './logger.ts';
import { isRecord, readJson } from './read-json.ts';
import { tokenIdOf } from './rollback-routes.ts';

/** Most releases one list answer carries (oldest first); `total` says how many there are. */
export const MAX_UNFINISHED_PAGE = 1000;

/** The body's signed `statement`, every other field refused (outcome, note and resolver come from the statement). */
function statementOf(body: Record<string, unknown>): JsonObject {
  if (!Object.hasOwn(body, 'statement')) throw badRequest('statement', 'is required: a resolution signed with the approver\'s own key (signResolution), as approvals are');
  const extra = Object.keys(body).find((key) => key !== 'statement');
  if (extra !== undefined) throw badRequest(extra, 'is not accepted: outcome, note and resolver come from the signed statement');
  if (!isRecord(body.statement)) throw badRequest('statement', 'must be a DSSE resolution envelope signed by the approver');
  return body.statement as JsonObject;
}

/** Register `/v1/console/unfinished*` on `app` (behind the approvers' authentication). */
export function registerUnfinishedRoutes(options: { readonly app: Hono<AuthorityEnv>; readonly state: AuthorityState; readonly maxBodyBytes: number; readonly logger: Logger }): void {
  const { app, state, maxBodyBytes, logger } = options;

  app.get('/v1/console/unfinished', (c) => {
    const releases = state.firewall.unfinished();
    const page = releases.slice(0, MAX_UNFINISHED_PAGE).map((r) => ({ tokenId: r.tokenId, callId: r.callId, sessionId: r.sessionId, tool: r.tool, releasedSeq: r.releasedSeq }));
    return c.json({ unfinished: page, total: releases.length });
  });

  app.post('/v1/console/unfinished/:tokenId/resolve', async (c) => {
    const tokenId = tokenIdOf(c.req.param('tokenId'));
    const statement = statementOf(await readJson(c, maxBodyBytes));
    const approver = c.get('approver');
    // Read before resolving: the release leaves the list when it is resolved.
    const release = state.firewall.unfinished().find((r) => r.tokenId === tokenId);
    // The firewall verifies the statement (key, role, window, token) before it records anything.
    const recorded = await state.firewall.resolveUnfinished(tokenId, { statement });
    // The note is free text about a customer's effect: the transcript keeps it, the log does not.
    logger.info('release resolved', { requestId: c.get('requestId'), approver, by: recorded.by, tokenId, sessionId: release?.sessionId, callId: release?.callId, tool: release?.tool, outcome: recorded.outcome });
    return c.json({ tokenId, outcome: recorded.outcome, by: recorded.by });
  });
}
