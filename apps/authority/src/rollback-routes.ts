/**
 * Rollback through the authority, two-phase like execution: the effect's record (arguments,
 * result, token) lives in the authority's firewall, the compensation function in the agent
 * that ran the tool. `POST /v1/agent/rollbacks/:tokenId/start` starts the firewall's
 * `rollback`; when it asks for the tool's compensation the agent gets the effect to undo;
 * `.../finish` carries the agent's compensation result back, and the firewall records
 * `effect-rolled-back` with the residue. Only the agent whose session released the token may
 * roll it back.
 */
import type { Hono } from 'hono';
import type { EffectContext, JsonObject, ToolReconciler } from '@writ/core';
import type { AuthorityState, RollbackWaiter } from './authority-state.ts';
import type { AuthorityEnv } from './authority-env.ts';
import { HttpError, badRequest } from './http-error.ts';
import { readJson } from './read-json.ts';

const TOKEN_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const COMPENSATIONS = new Set(['compensated', 'partial', 'not-compensable']);

/**
 * Reconcilers for the authority's firewall: each tool's compensation is delegated to the agent
 * waiting on the rollback route. A rollback nobody waits for (no agent connected) is reported
 * as not compensable by the firewall's own rules: the compensation throws, the residue says why.
 */
export function remoteCompensations(options: { readonly state: () => AuthorityState; readonly tools: readonly string[]; readonly timeoutMs: number }): Record<string, ToolReconciler> {
  const compensate = async (context: EffectContext): Promise<{ status: 'compensated' | 'partial' | 'not-compensable'; residue: string[] }> => {
    const waiter = options.state().rollbacks.get(context.tokenId);
    if (waiter === undefined) throw new Error('no agent is connected to run the compensation');
    waiter.admit(context);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the agent did not report the compensation in time')), options.timeoutMs);
    });
    try {
      return await Promise.race([waiter.reported, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  return Object.fromEntries(options.tools.map((tool) => [tool, { compensate }]));
}

/**
 * A token id from a route path (what `newTokenId` makes, and room for others).
 * @throws HttpError 400 `ERR_HTTP_BAD_REQUEST` naming `tokenId`.
 */
export function tokenIdOf(value: string): string {
  if (!TOKEN_ID.test(value)) throw badRequest('tokenId', 'must be 1-128 characters of [A-Za-z0-9._:-]');
  return value;
}

/** Register `/v1/agent/rollbacks/*` on `app`. */
export function registerRollbackRoutes(options: { readonly app: Hono<AuthorityEnv>; readonly state: AuthorityState; readonly maxBodyBytes: number }): void {
  const { app, state, maxBodyBytes } = options;

  app.post('/v1/agent/rollbacks/:tokenId/start', async (c) => {
    const agentId = c.get('agentId');
    const tokenId = tokenIdOf(c.req.param('tokenId'));
    await readJson(c, maxBodyBytes);
    const release = await state.releases.forToken(tokenId);
    // Unknown, or released to another agent's session: indistinguishable.
    // Ownership per the ledger: the session may have ended or left memory since the effect.
    if (release === undefined || !state.releases.owns({ sessionId: release.sessionId, agentId })) {
      throw new HttpError({ status: 404, code: 'ERR_FIREWALL_TOKEN_UNKNOWN', message: 'no effect was performed under this token for this agent' });
    }
    if (state.rollbacks.has(tokenId)) throw new HttpError({ status: 409, code: 'ERR_HTTP_ROLLBACK_RUNNING', message: 'a rollback of this token is running' });
    let admit!: (context: EffectContext) => void;
    const admitted = new Promise<EffectContext>((resolve) => (admit = resolve));
    let report!: RollbackWaiter['report'];
    const reported = new Promise<{ status: 'compensated' | 'partial' | 'not-compensable'; residue: string[] }>((resolve) => (report = resolve));
    const waiter: RollbackWaiter = { agentId, admit, report, reported, done: undefined };
    state.rollbacks.set(tokenId, waiter);
    const done = state.firewall.rollback(tokenId).finally(() => state.rollbacks.delete(tokenId));
    waiter.done = done;
    const first = await Promise.race([admitted.then((context) => ({ phase: 'run' as const, context })), done.then((report) => ({ phase: 'done' as const, report }))]);
    if (first.phase === 'done') return c.json({ phase: 'done', report: first.report });
    const { context } = first;
    return c.json({ phase: 'run', effect: { tokenId: context.tokenId, callId: context.callId, tool: context.tool, args: context.args, result: context.result } });
  });

  app.post('/v1/agent/rollbacks/:tokenId/finish', async (c) => {
    const agentId = c.get('agentId');
    const tokenId = tokenIdOf(c.req.param('tokenId'));
    const body = await readJson(c, maxBodyBytes);
    const waiter = state.rollbacks.get(tokenId);
    if (waiter === undefined || waiter.agentId !== agentId) throw new HttpError({ status: 404, code: 'ERR_HTTP_ROLLBACK_NOT_RUNNING', message: 'no running rollback of this token' });
    if (typeof body.status !== 'string' || !COMPENSATIONS.has(body.status)) throw badRequest('status', 'must be compensated, partial or not-compensable');
    const residue = body.residue === undefined ? [] : body.residue;
    if (!Array.isArray(residue) || residue.length > 64 || !residue.every((r) => typeof r === 'string' && r.length <= 1024)) throw badRequest('residue', 'must be at most 64 strings of at most 1024 characters');
    waiter.report({ status: body.status as 'compensated' | 'partial' | 'not-compensable', residue: residue as string[] });
    return c.json({ report: (await waiter.done) as JsonObject });
  });
}

