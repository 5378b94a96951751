/**
 * Releases the authority's firewall found without an outcome when it opened (it stopped
 * between releasing a token and learning what the agent's tool did), for the console's
 * signed-in approvers: `GET /v1/console/unfinished` lists them, `POST
 * /v1/console/unfinished/:tokenId/resolve` records what someone who checked found
 * (`release-resolved`, durable before the answer). The resolver (`by`) is the authenticated
 * approver, never a body field: the transcript names who made the statement.
 */
import type { Hono } from 'hono';
import type { UnfinishedResolution } from '@writ/core';
import type { AuthorityEnv } from './authority-env.ts';
import type { AuthorityState } from './authority-state.ts';
import { badRequest } from './http-error.ts';
import type { Logger } from './logger.ts';
import { readJson } from './read-json.ts';
import { tokenIdOf } from './rollback-routes.ts';

/** Most releases one list answer carries (oldest first); `total` says how many there are. */
export const MAX_UNFINISHED_PAGE = 1000;
/** Core's limit of `resolution.note`, checked here so the refusal names the body's field. */
const MAX_NOTE = 4096;
const OUTCOMES = new Set(['executed', 'not-executed']);
const FIELDS = new Set(['outcome', 'note']);

/** The body's `{ outcome, note? }`, every other field refused (a `by` in particular: it is the signed-in approver). */
function resolutionOf(body: Record<string, unknown>): Omit<UnfinishedResolution, 'by'> {
  const extra = Object.keys(body).find((key) => !FIELDS.has(key));
  if (extra !== undefined) throw badRequest(extra, extra === 'by' ? 'is not accepted: the resolver is the signed-in approver' : 'is not a field of a resolution (outcome, note)');
  const { outcome, note } = body;
  if (typeof outcome !== 'string' || !OUTCOMES.has(outcome)) throw badRequest('outcome', 'must be executed or not-executed');
  if (note !== undefined && (typeof note !== 'string' || note.length > MAX_NOTE)) throw badRequest('note', `must be a string of at most ${MAX_NOTE} characters`);
  return { outcome: outcome as UnfinishedResolution['outcome'], ...(note === undefined ? {} : { note }) };
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
    const resolution = resolutionOf(await readJson(c, maxBodyBytes));
    const approver = c.get('approver');
    // Read before resolving: the release leaves the list when it is resolved.
    const release = state.firewall.unfinished().find((r) => r.tokenId === tokenId);
    await state.firewall.resolveUnfinished(tokenId, { ...resolution, by: `approver:${approver}` });
    // The note is free text about a customer's effect: the transcript keeps it, the log does not.
    logger.info('release resolved', { requestId: c.get('requestId'), approver, tokenId, sessionId: release?.sessionId, callId: release?.callId, tool: release?.tool, outcome: resolution.outcome });
    return c.json({ tokenId, outcome: resolution.outcome, by: `approver:${approver}` });
  });
}
