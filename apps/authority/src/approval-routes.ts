/**
 * The approver API: pending requests with their canonical summary, policy reason, intent
 * digest, arguments (sensitive ones as commitments) and basis report; submission of a
 * statement (approval or rejection) the approver signed with their own key; status. The server verifies the
 * statement against the trust root (through the firewall) and never signs for anyone.
 */
import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { commitment, decideRequest, selectArgumentValues, summarizeIntent } from '@writ/core';
import type { JsonObject, JsonValue, Sha256Digest } from '@writ/core';
import type { AuthorityState, PendingDetail } from './authority-state.ts';
import { HttpError, badRequest } from './http-error.ts';
import { statusIn } from './pending-index.ts';
import { isRecord, readJson } from './read-json.ts';
import type { AuthorityEnv } from './authority-env.ts';

const REQUEST_ID = /^sha256:[0-9a-f]{64}$/;

function requestIdOf(value: string): Sha256Digest {
  if (!REQUEST_ID.test(value)) throw badRequest('id', 'must be a sha256:<64 hex> request id');
  return value as Sha256Digest;
}

/**
 * Arguments with the tool's sensitive paths replaced by commitments, and the keys replaced.
 * Only the authority says which keys are commitments: an agent can send any value, also one
 * shaped like `{ commitment }`, and that must be shown as sent.
 */
function maskedArgs(state: AuthorityState, detail: PendingDetail): { args: JsonObject; committed: string[] } {
  const sensitive = state.registry.get(detail.tool)?.sensitive ?? [];
  const copy = structuredClone(detail.args) as Record<string, JsonValue>;
  // A top-level argument is committed when any sensitive pattern reaches into it, whatever the
  // pattern's shape (`note`, `payment.iban`, `items.*.card`, `*.diagnosis`).
  const committed = Object.keys(copy).filter((key) => sensitive.some((pattern) => selectArgumentValues({ [key]: detail.args[key] }, pattern).length > 0));
  for (const key of committed) copy[key] = { commitment: commitment(copy[key]!, randomBytes(16).toString('hex')) };
  return { args: copy, committed };
}

// Bidirectional controls and invisible characters: in a line read by a person they reorder or
// hide text (`pay \u202Eevil` shows reversed), so a summary spells them out as `\uXXXX`.
const INVISIBLE = /[\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

/** One line for people: the committed arguments appear as `<sensitive>`, every other as sent. */
function maskedSummary(detail: PendingDetail, committed: readonly string[]): string {
  const line = summarizeIntent({ tool: detail.tool, args: detail.args, sensitive: committed });
  return line.replace(INVISIBLE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

async function describe(state: AuthorityState, detail: PendingDetail): Promise<JsonObject> {
  // The basis report judged with the request (kept across restarts); older details recompute it.
  let basis: JsonValue = detail.basis ?? null;
  const session = state.sessions.get(detail.sessionId);
  if (detail.basis === undefined && session !== undefined) {
    const decided = await decideRequest({
      policy: state.policy,
      registry: state.registry,
      request: { tool: detail.tool, args: detail.args, callId: detail.callId, principal: session.principal, agent: { id: detail.agentId }, basis: session.basis, now: state.clock().toISOString() },
    }).catch(() => undefined);
    basis = decided === undefined ? null : (JSON.parse(JSON.stringify(decided.basis)) as JsonValue);
  }
  const record = await state.approvals.get(detail.pending.id as Sha256Digest);
  const { args, committed } = maskedArgs(state, detail);
  return {
    id: detail.pending.id,
    status: record?.status ?? 'pending',
    // The firewall's summary quotes every argument; the console's quotes the masked ones.
    summary: maskedSummary(detail, committed),
    policyReason: detail.pending.policyReason,
    intentDigest: detail.pending.intentDigest,
    policyDigest: detail.pending.policyDigest,
    rule: detail.pending.rule,
    requestedAt: detail.pending.requestedAt,
    expiresAt: detail.pending.expiresAt,
    tool: detail.tool,
    agent: detail.agentId,
    // The intent the approver signs names the principal and tenant too: show them.
    principal: typeof detail.pending.intent?.principal === 'string' ? detail.pending.intent.principal : null,
    tenant: typeof detail.pending.intent?.tenant === 'string' ? detail.pending.intent.tenant : null,
    sessionId: detail.sessionId,
    callId: detail.callId,
    args,
    // The argument keys shown as commitments (the tool's sensitive ones); any other value is as the agent sent it.
    committed,
    reasons: detail.reasons.map((r) => ({ code: r.code, text: r.text })),
    basis,
    statements: record?.statements.length ?? 0,
  };
}

/** The request's detail, held in memory or read from the pending store (a decided one that left memory). */
async function detailOf(state: AuthorityState, id: string): Promise<PendingDetail> {
  const detail = await state.pending.find(requestIdOf(id));
  if (detail === undefined) throw new HttpError({ status: 404, code: 'ERR_HTTP_APPROVAL_UNKNOWN', message: 'no such approval request' });
  return detail;
}

/** Register `/v1/approvals/*` on `app`. */
export function registerApprovalRoutes(options: { readonly app: Hono<AuthorityEnv>; readonly state: AuthorityState; readonly maxBodyBytes: number }): void {
  const { app, state, maxBodyBytes } = options;

  app.get('/v1/approvals', async (c) => {
    const items: JsonObject[] = [];
    for await (const detail of state.pending.undecided({ now: state.clock().getTime(), statusOf: statusIn(state.approvals) })) {
      items.push({ id: detail.pending.id, summary: maskedSummary(detail, maskedArgs(state, detail).committed), policyReason: detail.pending.policyReason, tool: detail.tool, agent: detail.agentId, requestedAt: detail.pending.requestedAt });
    }
    return c.json({ approvals: items });
  });

  app.get('/v1/approvals/:id', async (c) => c.json(await describe(state, await detailOf(state, c.req.param('id')))));

  app.get('/v1/approvals/:id/status', async (c) => {
    const detail = await detailOf(state, c.req.param('id'));
    const record = await state.approvals.get(detail.pending.id as Sha256Digest);
    return c.json({ id: detail.pending.id, status: record?.status ?? 'pending', statements: record?.statements.length ?? 0 });
  });

  app.post('/v1/approvals/:id', async (c) => {
    const body = await readJson(c, maxBodyBytes);
    const detail = await detailOf(state, c.req.param('id'));
    if (!isRecord(body.statement)) throw badRequest('statement', 'must be a DSSE approval or rejection envelope signed by the approver');
    const submission = await state.firewall.submitApproval({ requestId: detail.pending.id, statement: body.statement as JsonObject });
    const status = submission.status === 'refused' ? 422 : 200;
    return c.json(submission, status);
  });
}
