/**
 * The agent API: sessions, basis, guard, two-phase execution (the gateway admits the call
 * and consumes the token here; the tool runs in the agent, which reports its result), approvals.
 */
import type { Hono } from 'hono';
import { statusIn } from './pending-index.ts';
import { decideRequest, weakerAuthority } from '@writ/core';
import type { BasisAuthority, BasisItemInput, GuardInput, GuardResult, JsonObject, JsonValue, Sha256Digest } from '@writ/core';
import { ownedSession } from './authority-state.ts';
import type { AuthorityState, InflightCall, PendingDetail, SessionEntry } from './authority-state.ts';
import { HttpError, badRequest } from './http-error.ts';
import { isRecord, readJson, stringField } from './read-json.ts';
import type { AuthorityEnv } from './authority-env.ts';

const ID = /^[A-Za-z0-9._:@-]{1,128}$/;

function checkId(value: string, name: string): string {
  if (!ID.test(value)) throw badRequest(name, 'must be 1-128 characters of [A-Za-z0-9._:@-]');
  return value;
}

function callOf(body: Record<string, unknown>, callId: string): GuardInput {
  const tool = stringField({ body, name: 'tool', max: 128 });
  if (!isRecord(body.args)) throw badRequest('args', 'must be a JSON object');
  const approvals = body.approvals;
  if (approvals !== undefined && (!Array.isArray(approvals) || approvals.length > 16 || !approvals.every(isRecord))) {
    throw badRequest('approvals', 'must be an array of at most 16 approval envelopes');
  }
  return { tool, args: body.args, callId, ...(approvals === undefined ? {} : { approvals: approvals as JsonObject[] }) };
}

function basisOf(body: Record<string, unknown>): { kind: string; item?: BasisItemInput; text?: string; output?: unknown; tool?: string; callId?: string; atMost?: BasisAuthority } {
  const kind = stringField({ body, name: 'kind', max: 32 });
  switch (kind) {
    case 'system-prompt':
    case 'user-turn':
      return { kind, text: stringField({ body, name: 'text', max: 1_000_000 }) };
    case 'tool-output':
      // atMost caps the tool's declared trust (an output found in client-sent history); passed
      // on, never dropped: an unknown value is refused by the session as ERR_INVALID_ARGUMENT.
      return { kind, tool: stringField({ body, name: 'tool', max: 128 }), callId: checkId(stringField({ body, name: 'callId' }), 'callId'), output: body.output, ...(body.atMost !== undefined && { atMost: body.atMost as BasisAuthority }) };
    case 'item':
      if (!isRecord(body.item)) throw badRequest('item', 'must be a basis item object');
      return { kind, item: body.item as unknown as BasisItemInput };
    default:
      throw badRequest('kind', 'must be system-prompt, user-turn, tool-output or item');
  }
}

function sessionTaken(): HttpError {
  return new HttpError({ status: 409, code: 'ERR_HTTP_SESSION_TAKEN', message: 'the session id belongs to another agent' });
}

function approvalUnknown(): HttpError {
  return new HttpError({ status: 404, code: 'ERR_HTTP_APPROVAL_UNKNOWN', message: 'no such approval request for this agent' });
}

/** The basis report the console shows, judged as the firewall judged the call (`null` when it cannot be). */
async function basisReport(options: { state: AuthorityState; entry: SessionEntry; call: GuardInput; agentId: string }): Promise<JsonValue> {
  const { state, entry, call, agentId } = options;
  const decided = await decideRequest({
    policy: state.policy,
    registry: state.registry,
    request: { tool: call.tool, args: call.args as JsonObject, callId: call.callId, principal: entry.principal, agent: { id: agentId }, basis: entry.basis, now: state.clock().toISOString() },
  }).catch(() => undefined);
  return decided === undefined ? null : (JSON.parse(JSON.stringify(decided.basis)) as JsonValue);
}

/** Whether `agentId` has `limit` requests waiting for approval (unexpired, still pending) in the inbox. */
async function pendingLimitReached(options: { state: AuthorityState; agentId: string; limit: number }): Promise<boolean> {
  const { state, agentId, limit } = options;
  let open = 0;
  for await (const _ of state.pending.undecided({ now: state.clock().getTime(), statusOf: statusIn(state.approvals), filter: (detail) => detail.agentId === agentId })) {
    if (++open >= limit) return true;
  }
  return false;
}

/**
 * Keep what the console shows for a call that waits for approval: durably, before the agent hears of it.
 * @throws HttpError 429 `ERR_HTTP_PENDING_LIMIT` when the agent has `limit` requests waiting already:
 *   the call does not run, and the request is kept when it is guarded again after some are decided.
 */
async function rememberPending(options: { state: AuthorityState; entry: SessionEntry; call: GuardInput; guard: GuardResult; limit: number }): Promise<void> {
  const { state, entry, call, guard, limit } = options;
  if (guard.verdict !== 'approval-required' || state.pending.has(guard.pending.id)) return;
  // Kept already and decided or expired since (a call guarded again replays its request): not
  // counted towards the limit, and not held in memory again.
  if ((await state.pending.find(guard.pending.id)) !== undefined) return;
  // An agent must not fill the inbox (burying one request under thousands) nor the authority's memory.
  if (await pendingLimitReached({ state, agentId: entry.agentId, limit })) {
    throw new HttpError({ status: 429, code: 'ERR_HTTP_PENDING_LIMIT', message: `${limit} requests of this agent wait for approval already` });
  }
  const detail: PendingDetail = {
    pending: guard.pending,
    sessionId: entry.session.id,
    callId: call.callId,
    agentId: entry.agentId,
    tool: call.tool,
    args: call.args as JsonObject,
    reasons: guard.reasons.map((r) => ({ code: r.code, text: r.text })),
    basis: await basisReport({ state, entry, call, agentId: entry.agentId }),
  };
  await state.pendingStore.put(detail);
  state.pending.add(detail);
}

/**
 * Approvals collected by the authority (signed in the console) for this call, attached to a
 * guard that brings none: the firewall replays a recorded verdict unless approvals come with
 * the guard, and the agent never holds statements the approver sent here.
 */
async function withCollectedApprovals(options: { state: AuthorityState; sessionId: string; call: GuardInput }): Promise<GuardInput> {
  const { state, sessionId, call } = options;
  if (call.approvals !== undefined && call.approvals.length > 0) return call;
  for (const detail of state.pending.forCall(sessionId, call.callId)) {
    const record = await state.approvals.get(detail.pending.id as Sha256Digest);
    if (record !== undefined && record.statements.length > 0 && record.status === 'approved') return { ...call, approvals: record.statements };
  }
  return call;
}

/** Register `/v1/sessions/*` on `app`. */
export function registerAgentRoutes(options: { readonly app: Hono<AuthorityEnv>; readonly state: AuthorityState; readonly maxBodyBytes: number; readonly executeTimeoutMs: number; readonly maxPendingPerAgent: number }): void {
  const { app, state, maxBodyBytes, executeTimeoutMs, maxPendingPerAgent } = options;

  app.post('/v1/sessions', async (c) => {
    const agentId = c.get('agentId');
    const body = await readJson(c, maxBodyBytes);
    if (!isRecord(body.principal)) throw badRequest('principal', 'must be an object with an id');
    const principal = body.principal;
    stringField({ body: principal, name: 'id' });
    if (body.sessionId !== undefined) checkId(stringField({ body, name: 'sessionId' }), 'sessionId');
    if (typeof body.sessionId === 'string') {
      const sessionId = body.sessionId;
      // Who opened this id before, also before a restart: the ledger's session-started entries
      // and the kept pending requests. The claim is made before the session opens, with no await
      // between check and claim, so two agents racing for one id cannot both get it.
      await state.releases.refresh();
      const kept = state.pending.agentOfSession(sessionId);
      if (kept !== undefined) state.releases.claimSession({ sessionId, agentId: kept });
      if (!state.releases.claimSession({ sessionId, agentId })) throw sessionTaken();
    }
    const agent = isRecord(body.agent) ? body.agent : {};
    const session = await state.firewall.openSession({
      ...(typeof body.sessionId === 'string' ? { sessionId: body.sessionId } : {}),
      principal: principal as never,
      // The agent id is the authenticated one, whatever the body says.
      agent: { ...(agent as object), id: agentId },
      ...(isRecord(body.environment) ? { environment: body.environment as JsonObject } : {}),
    });
    // A generated id is claimed once it exists (no agent can have guessed it).
    if (!state.releases.claimSession({ sessionId: session.id, agentId })) throw sessionTaken();
    // Kept unless the table holds this very session already: an entry for another (an evicted
    // session put back by a reopen racing its eviction) would answer 410 however often the agent
    // reopened the id.
    if (state.sessions.get(session.id)?.session !== session) state.sessions.set(session.id, { session, agentId, principal: principal as never, basis: [] });
    return c.json({ sessionId: session.id }, 201);
  });

  app.post('/v1/sessions/:sessionId/basis', async (c) => {
    const entry = ownedSession({ state, sessionId: c.req.param('sessionId'), agentId: c.get('agentId') });
    const input = basisOf(await readJson(c, maxBodyBytes));
    let ref;
    if (input.kind === 'system-prompt') ref = await entry.session.addSystemPrompt(input.text!);
    else if (input.kind === 'user-turn') ref = await entry.session.addUserTurn(input.text!);
    else if (input.kind === 'tool-output') ref = await entry.session.addToolOutput({ tool: input.tool!, callId: input.callId!, output: input.output as never, ...(input.atMost !== undefined && { atMost: input.atMost }) });
    else ref = await entry.session.addBasis(input.item!);
    if (input.kind === 'item') entry.basis.push(input.item!);
    else if (input.kind === 'tool-output') {
      const declared = state.registry.get(input.tool!)?.trust ?? 'untrusted';
      entry.basis.push({ kind: 'tool-output', content: input.output as never, source: `tool:${input.tool!}#${input.callId!}`, authority: input.atMost === undefined ? declared : weakerAuthority(declared, input.atMost) });
    }
    else entry.basis.push({ kind: 'instruction', content: input.text!, source: input.kind, authority: input.kind === 'system-prompt' ? 'verified' : 'user' });
    return c.json(ref, 201);
  });

  app.post('/v1/sessions/:sessionId/calls/:callId/guard', async (c) => {
    const entry = ownedSession({ state, sessionId: c.req.param('sessionId'), agentId: c.get('agentId') });
    const callId = checkId(c.req.param('callId'), 'callId');
    const call = await withCollectedApprovals({ state, sessionId: entry.session.id, call: callOf(await readJson(c, maxBodyBytes), callId) });
    const guard = await entry.session.guard(call);
    await rememberPending({ state, entry, call, guard, limit: maxPendingPerAgent });
    const release = guard.verdict === 'execute' && guard.tokenId !== undefined ? await state.releases.forCall({ sessionId: entry.session.id, callId }) : undefined;
    return c.json({ guard, token: release?.token ?? null });
  });

  app.post('/v1/sessions/:sessionId/calls/:callId/start', async (c) => {
    const agentId = c.get('agentId');
    const entry = ownedSession({ state, sessionId: c.req.param('sessionId'), agentId });
    const callId = checkId(c.req.param('callId'), 'callId');
    const call = callOf(await readJson(c, maxBodyBytes), callId);
    const key = `${entry.session.id}\u0000${callId}`;
    if (state.inflight.has(key)) throw new HttpError({ status: 409, code: 'ERR_HTTP_CALL_RUNNING', message: 'the call is already running' });
    let admitted!: () => void;
    const ran = new Promise<void>((resolve) => (admitted = resolve));
    let report!: InflightCall['report'];
    const reported = new Promise<Parameters<InflightCall['report']>[0]>((resolve) => (report = resolve));
    const done = entry.session.execute({ tool: call.tool, args: call.args, callId }, async () => {
      admitted();
      // The agent reports the result, or the wait fails closed and the receipt says so.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the agent did not report the tool result in time')), executeTimeoutMs);
      });
      try {
        const outcome = await Promise.race([reported, timeout]);
        if ('error' in outcome) throw Object.assign(new Error(outcome.error.message), { name: outcome.error.name });
        return outcome.result;
      } finally {
        clearTimeout(timer);
        state.inflight.delete(key);
      }
    });
    const first = await Promise.race([ran.then(() => 'run' as const), done.then(() => 'done' as const)]);
    if (first === 'done') {
      const result = await done;
      if (result.status === 'approval-required') await rememberPending({ state, entry, call, guard: result.guard, limit: maxPendingPerAgent });
      return c.json({ phase: 'done', result });
    }
    state.inflight.set(key, { agentId, report, done });
    const release = await state.releases.forCall({ sessionId: entry.session.id, callId });
    return c.json({ phase: 'run', args: call.args, token: release?.token ?? null });
  });

  app.post('/v1/sessions/:sessionId/calls/:callId/finish', async (c) => {
    const agentId = c.get('agentId');
    const entry = ownedSession({ state, sessionId: c.req.param('sessionId'), agentId });
    const callId = checkId(c.req.param('callId'), 'callId');
    const body = await readJson(c, maxBodyBytes);
    const inflight = state.inflight.get(`${entry.session.id}\u0000${callId}`);
    if (inflight === undefined || inflight.agentId !== agentId) throw new HttpError({ status: 404, code: 'ERR_HTTP_CALL_NOT_RUNNING', message: 'no running call with this id' });
    if (isRecord(body.error)) {
      const { name, message } = body.error;
      inflight.report({ error: { name: typeof name === 'string' ? name.slice(0, 128) : 'Error', message: typeof message === 'string' ? message.slice(0, 1024) : '' } });
    } else if ('result' in body) {
      inflight.report({ result: body.result });
    } else {
      throw badRequest('body', 'must carry result or error');
    }
    const result = (await inflight.done) as { status: string; error?: unknown };
    // The tool's error is the agent's own; only its receipt travels back.
    const { error: _error, ...rest } = result;
    return c.json(rest);
  });

  app.post('/v1/sessions/:sessionId/approvals', async (c) => {
    const entry = ownedSession({ state, sessionId: c.req.param('sessionId'), agentId: c.get('agentId') });
    const body = await readJson(c, maxBodyBytes);
    const requestId = stringField({ body, name: 'requestId', max: 80 });
    if (!isRecord(body.statement)) throw badRequest('statement', 'must be a DSSE approval envelope');
    // Only this session's own requests, as on /v1/agent/approvals: unknown and another's are alike.
    const detail = await state.pending.find(requestId);
    if (detail === undefined || detail.sessionId !== entry.session.id || detail.agentId !== entry.agentId) throw approvalUnknown();
    return c.json(await entry.session.submitApproval({ requestId, statement: body.statement as JsonObject }));
  });

  app.post('/v1/agent/approvals', async (c) => {
    const body = await readJson(c, maxBodyBytes);
    const requestId = stringField({ body, name: 'requestId', max: 80 });
    if (!isRecord(body.statement)) throw badRequest('statement', 'must be a DSSE approval envelope');
    const detail = await state.pending.find(requestId);
    // An agent may forward statements only for its own requests.
    if (detail === undefined || detail.agentId !== c.get('agentId')) throw approvalUnknown();
    return c.json(await state.firewall.submitApproval({ requestId, statement: body.statement as JsonObject }));
  });

  app.post('/v1/sessions/:sessionId/end', async (c) => {
    const sessionId = c.req.param('sessionId');
    const entry = ownedSession({ state, sessionId, agentId: c.get('agentId') });
    await readJson(c, maxBodyBytes);
    const summary = await entry.session.end();
    // Ended: out of memory (the firewall refuses its id from now on).
    state.releases.markEnded(sessionId);
    if (state.sessions.get(sessionId) === entry) state.sessions.delete(sessionId);
    return c.json(summary);
  });
}
