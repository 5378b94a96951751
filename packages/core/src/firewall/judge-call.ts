/**
 * Steps 1–6 of the flow for one call: normalize, classify, basis, policy, mode, release.
 * Fail closed: a policy error, a store error or a timeout becomes a `deny` decision with a
 * `firewall.*` reason, and the mode then decides (enforce blocks; shadow and advisory
 * execute and say what enforce would have done).
 */
import { randomUUID } from 'node:crypto';
import type { BasisReport } from '../basis/basis-report.ts';
import { WritError } from '../errors.ts';
import { buildPolicyInput } from '../policy-contract/build-policy-input.ts';
import type { ParsedDecision } from '../policy-contract/decision.ts';
import { parseDecision } from '../policy-contract/parse-decision.ts';
import type { Classification } from '../registry/classify-tool-call.ts';
import type { ApprovalRecord, EntryDraft, JsonObject, Sha256Digest } from '../stores/types.ts';
import { verifiedApprovals } from './approval-flow.ts';
import type { BudgetReservation } from './budgets.ts';
import type { FirewallContext } from './firewall-context.ts';
import { withTimeout } from './firewall-context.ts';
import type { CheckedCall } from './guard-input.ts';
import { resolveMode } from './mode.ts';
import type { ReleasedToken } from './ports.ts';
import { approvalRequestId, denyRelease, intentOf, mintRelease, summarizeIntent } from './ports.ts';
import type { SessionState } from './session-state.ts';
import type { DecisionReason, FirewallMode, GuardResult, PendingApproval } from './types.ts';

/** What a judged call leaves behind for the gateway. */
export interface Release {
  readonly token: ReleasedToken | undefined;
  readonly intentDigest: Sha256Digest;
  readonly reservation: BudgetReservation | undefined;
  readonly classification: Classification;
  readonly mode: FirewallMode;
}

/** Result of judging. */
export interface Judgement {
  readonly result: GuardResult;
  readonly release: Release | undefined;
}

const FAIL_CLOSED_ID: Sha256Digest = `sha256:${'0'.repeat(64)}`;

function failure(error: unknown, what: 'policy' | 'store'): DecisionReason {
  if (WritError.isInstance(error) && (error.code === 'ERR_FIREWALL_TIMEOUT' || (what === 'policy' && error.code === 'ERR_POLICY_TIMEOUT'))) {
    return { code: `firewall.${what}-timeout`, text: `the ${what} did not answer in time` };
  }
  // The error code (never its message, which may carry input) tells an operator which failure it was.
  const code = WritError.isInstance(error) ? ` (${error.code})` : '';
  return { code: `firewall.${what}-error`, text: `${what === 'policy' ? 'the policy could not be evaluated' : 'a firewall store failed'}${code}` };
}

function failClosed(reason: DecisionReason): ParsedDecision {
  return { decision: 'deny', reasons: [reason], risk: undefined, constraints: {}, approval: undefined, obligations: [], id: FAIL_CLOSED_ID };
}

/** Evaluate the policy with a timeout; parse its document (a malformed one throws). */
async function evaluate(context: FirewallContext, input: unknown, now: Date): Promise<ParsedDecision> {
  const { policy, timeoutMs } = context.settings;
  // The policy's clock (time.now_ns) is the decision time recorded in the input, so a
  // replay of the recorded input reproduces the decision.
  const raw = policy.evaluateSync !== undefined ? policy.evaluateSync(input, { now, timeoutMs }) : await withTimeout(policy.evaluate(input, { now, timeoutMs }), timeoutMs);
  return parseDecision(raw);
}

/**
 * Spend each single-use approval statement of a release once (nonce `approval:<digest>`, kept
 * past the statement's expiry): one signed approval releases one call, whichever request it was
 * submitted to. A statement signed with `singleUse: false` is a standing approval of its intent
 * and may release several calls (ARCHITECTURE: reuse is refused when "it was consumed" — only
 * single-use statements are). A store failure counts as used (fail closed).
 */
async function statementsUnused(
  context: FirewallContext,
  verified: {
    readonly input: readonly { readonly expiresAt?: string }[];
    readonly digests: readonly Sha256Digest[];
    readonly singleUse: readonly boolean[];
  },
): Promise<boolean> {
  const { nonces } = context.settings.stores;
  for (const [i, digest] of verified.digests.entries()) {
    if (verified.singleUse[i] === false) continue;
    const expires = Date.parse(verified.input[i]?.expiresAt ?? '');
    const expiresAt = new Date((Number.isFinite(expires) ? expires : context.now().getTime()) + STATEMENT_NONCE_GRACE_MS);
    const first = await withTimeout(nonces.consume({ id: `approval:${digest}`, expiresAt }), context.settings.timeoutMs).catch(() => false);
    if (!first) return false;
  }
  return true;
}

/** Kept this long past a statement's expiry (beyond the verifiers' clock skew). */
const STATEMENT_NONCE_GRACE_MS = 60 * 60 * 1000;

/** Text the model reads when a call is refused. */
export function refusalText(tool: string, reasons: readonly DecisionReason[]): string {
  const why = reasons.map((r) => r.text).join('; ') || 'no reason given';
  return `Writ refused ${tool}: ${why}.`;
}

/**
 * Judge one call (idempotency is the caller's job).
 *
 * `resume` re-judges a call whose recorded decision (`decisionId`, verdict
 * `approval-required`) is now approved: every check runs again (approvals verified now —
 * expiry, policy digest, intent, roles, rule — basis, policy, budgets), but no second
 * `decision-made` is recorded. The release (`token-issued`) or the refusal
 * (`action-denied`) cites the original decision and carries the re-check as `recheck`;
 * when the approvals no longer satisfy the decision nothing is recorded and the call
 * stays pending.
 */
export async function judgeCall(options: {
  readonly context: FirewallContext;
  readonly session: SessionState;
  readonly call: CheckedCall;
  readonly resume?: { readonly decisionId: string };
}): Promise<Judgement> {
  const { context, session, call, resume } = options;
  const { settings } = context;
  const now = context.now();
  const time = now.toISOString();

  // 1 normalize, 2 classify
  const classification = settings.registry.classify({ tool: call.tool, args: call.args });
  const summarized = { ...call, sensitive: classification.sensitive };
  const { intent, intentDigest } = intentOf({ call, principal: session.principal, audience: settings.audience });
  const mode = resolveMode(settings.modes, { tool: call.tool, actionClass: classification.actionClass });

  // 3 basis, shadow-workflow history, budgets
  const basis: BasisReport = session.basis.report({ classification, now });
  const effects = [...classification.declaredEffects, ...classification.detectedEffects];
  const history = session.history.view({ at: now.getTime(), tool: call.tool, intentDigest, effects, args: call.args, scope: classification.scope });
  const party = { tool: call.tool, args: call.args, principal: session.principal.id, agent: session.agent.id, session: session.id };
  const budgets = context.budgets.view(party, now);

  // 4 policy — fail closed: a store or policy failure becomes a deny with its reason
  const requestId = approvalRequestId({ sessionId: session.id, callId: call.callId, intentDigest });
  let record: ApprovalRecord | undefined;
  let decision: ParsedDecision | undefined;
  try {
    record = await withTimeout(settings.stores.approvals.get(requestId), settings.timeoutMs);
  } catch (error) {
    decision = failClosed(failure(error, 'store'));
  }
  // Approvals count only when they still verify now (expiry, policy digest, rule).
  const verified = record?.status === 'approved' ? await verifiedApprovals({ context, record, now }) : undefined;
  const approved = verified !== undefined;
  if (decision === undefined) {
    try {
      const input = buildPolicyInput({
        request: { tool: call.tool, args: call.args, intentDigest, callId: call.callId, target: settings.audience },
        classification,
        basisReport: basis,
        principal: session.principal,
        agent: { ...session.agent, environment: session.environmentDigest },
        approvals: verified?.input ?? [],
        context: { now, session: session.id, history, budgets },
        mode,
      });
      decision = await evaluate(context, input, now);
    } catch (error) {
      decision = failClosed(failure(error, 'policy'));
    }
  }

  // 5 mode: what enforce would do, then what this mode does
  let reasons = decision.reasons;
  let enforced: GuardResult['verdict'] =
    decision.decision === 'deny' ? 'block' : decision.decision === 'require-approval' && !approved ? 'approval-required' : 'execute';
  if (enforced === 'approval-required' && record?.status === 'rejected') {
    // An approver signed a rejection of this request (recorded as `approval-rejected`).
    reasons = [...reasons, { code: 'approval.rejected', text: 'an approver rejected this request' }];
    enforced = 'block';
  }
  const executes = enforced === 'execute' || mode !== 'enforce';

  // 6 release: budget reservation, approval consumption, then token / denial / pending request
  let reservation: BudgetReservation | undefined;
  if (executes) {
    try {
      reservation = context.budgets.reserve(party, now);
    } catch (error) {
      if (!WritError.isInstance(error) || error.code !== 'ERR_FIREWALL_BUDGET_EXCEEDED') throw error;
      reasons = [...reasons, { code: 'budget.exceeded', text: error.message }];
      enforced = 'block';
    }
  }
  const usesApproval = enforced === 'execute' && approved;
  if (usesApproval && mode === 'enforce') {
    const consumed = await withTimeout(settings.stores.approvals.consume({ intentDigest: requestId, at: now }), settings.timeoutMs).catch(() => false);
    if (!consumed) {
      reasons = [...reasons, { code: 'approval.consumed', text: 'the approval was already used' }];
      enforced = 'block';
    } else if (verified !== undefined && !(await statementsUnused(context, verified))) {
      // A statement signs an intent, not a call: the same arguments under another call id
      // have the same intent, so a statement submitted there too would release a second run.
      reasons = [...reasons, { code: 'approval.statement-used', text: 'an approval statement was already used to release another call' }];
      enforced = 'block';
    }
  }
  const verdict: GuardResult['verdict'] = mode === 'enforce' ? enforced : 'execute';
  if (verdict !== 'execute') {
    reservation?.settle(false);
    reservation = undefined;
  }

  const decisionId = resume?.decisionId ?? `dec_${randomUUID()}`;
  const entries: EntryDraft[] = [];
  // What the release reserved, on its release entry (token-issued, or the decision of a
  // token-free release): a restart rebuilds the budgets from these (recovery.ts).
  const tokenFree = settings.tokenFreeClasses.has(classification.actionClass);
  const held: JsonObject | undefined = reservation === undefined ? undefined : { budgets: reservation.records as unknown as JsonObject[] };
  // On resume the re-check rides the release or refusal of the original decision.
  const recheck: JsonObject | undefined =
    resume === undefined
      ? undefined
      : {
          policyDecisionId: decision.id,
          decision: decision.decision,
          verdict,
          reasons: reasons.map((r) => ({ code: r.code, text: r.text })),
          approvals: [...(verified?.digests ?? [])],
          basis: { digest: basis.digest, score: basis.score, sufficient: basis.sufficient, findings: basis.findings.map((f) => f.code) },
        };
  if (resume === undefined) entries.push(
    {
      type: 'decision-made',
      time,
      body: {
        sessionId: session.id,
        callId: call.callId,
        decisionId,
        tool: call.tool,
        intentDigest,
        argsDigest: call.argsDigest,
        policyDigest: settings.policy.digest,
        policyDecisionId: decision.id,
        decision: decision.decision,
        mode,
        verdict,
        ...(enforced === verdict ? {} : { wouldHave: enforced }),
        reasons: reasons.map((r) => ({ code: r.code, text: r.text })),
        ...(decision.risk === undefined ? {} : { risk: decision.risk }),
        actionClass: classification.actionClass,
        effects: { declared: [...classification.declaredEffects], detected: [...classification.detectedEffects] },
        basis: { digest: basis.digest, score: basis.score, sufficient: basis.sufficient, findings: basis.findings.map((f) => f.code) },
        ...(tokenFree && held !== undefined ? held : {}),
      } satisfies JsonObject,
    },
  );

  let token: ReleasedToken | undefined;
  let pending: PendingApproval | undefined;
  let denialId = '';
  if (verdict === 'execute' && !tokenFree) {
    const approvals = usesApproval && verified !== undefined ? verified.digests : [];
    token = mintRelease({ context, session, call: summarized, intentDigest, basis, decision, decisionId, approvals, now });
    // Unused past its token's expiry (with the nonce store's margin) the release can never run:
    // its reservation stops counting then (a token-free release never expires; see session end).
    reservation?.expiresAt(token.expiresAt);
    entries.push({
      type: 'token-issued',
      time,
      body: { sessionId: session.id, callId: call.callId, decisionId, tool: call.tool, tokenId: token.id, token: token.token.envelope as unknown as JsonObject, ...(recheck === undefined ? {} : { recheck }), ...held },
    });
  } else if (verdict === 'block') {
    const denial = denyRelease({ context, session, call: summarized, intentDigest, stage: decision.id === FAIL_CLOSED_ID ? 'firewall' : 'policy', reasons, policy: { decisionId }, basis, now });
    denialId = denial.payload.id;
    entries.push({
      type: 'action-denied',
      time,
      body: { sessionId: session.id, callId: call.callId, decisionId, denialId, denial: denial.envelope as unknown as JsonObject, ...(recheck === undefined ? {} : { recheck }) },
    });
  } else if (verdict === 'approval-required') {
    pending = await requestApproval({ context, session, call: summarized, intent, intentDigest, requestId, decision, now });
    session.awaitingApproval.set(call.callId, decisionId);
    session.approvalsUntil = Math.max(session.approvalsUntil, Date.parse(pending.expiresAt) || 0);
  }

  // Write-ahead: the release is recorded before the tool can run (durable for `sync` classes).
  const durability = settings.durability.forClass(classification.actionClass);
  const write = entries.length === 0 ? Promise.resolve() : context.recorder.write(entries, durability);
  if (durability === 'batched') {
    write.catch(() => undefined);
  } else {
    try {
      await write;
    } catch (error) {
      reservation?.settle(false);
      throw error;
    }
  }
  if (resume === undefined) session.history.record({ at: now.getTime(), tool: call.tool, actionClass: classification.actionClass, intentDigest, decision: decision.decision, effects, args: call.args, scope: classification.scope });

  const base = { callId: call.callId, mode, decision: decision.decision, reasons, actionClass: classification.actionClass, intentDigest, replayed: false };
  let result: GuardResult;
  if (verdict === 'block') {
    result = { ...base, verdict, reason: refusalText(call.tool, reasons), denialId };
  } else if (verdict === 'approval-required') {
    result = { ...base, verdict, pending: pending!, reason: `Writ needs a signed approval before ${call.tool} can run: ${pending!.policyReason}` };
  } else {
    const wouldHave = enforced === 'execute' ? undefined : enforced;
    const text = wouldHave === 'approval-required' ? 'require approval for' : 'block';
    result = {
      ...base,
      verdict,
      tokenId: token?.id,
      ...(wouldHave === undefined ? {} : { wouldHave, warning: `[${mode}] enforce would ${text} this call: ${reasons.map((r) => r.text).join('; ')}` }),
    };
  }
  const release = verdict === 'execute' ? { token, intentDigest, reservation, classification, mode } : undefined;
  return { result, release };
}

async function requestApproval(options: {
  readonly context: FirewallContext;
  readonly session: SessionState;
  readonly call: CheckedCall;
  readonly intent: JsonObject;
  readonly intentDigest: Sha256Digest;
  readonly requestId: Sha256Digest;
  readonly decision: ParsedDecision;
  readonly now: Date;
}): Promise<PendingApproval> {
  const { context, session, call, intent, intentDigest, requestId, decision, now } = options;
  const { settings } = context;
  const ttlMs = decision.approval === undefined ? settings.approvalTtlMs : decision.approval.expiresInSeconds * 1000;
  const request: PendingApproval = {
    id: requestId,
    summary: summarizeIntent(call),
    intent,
    intentDigest,
    policyDigest: settings.policy.digest as Sha256Digest,
    policyReason: decision.reasons.map((r) => r.text).join('; ') || 'the policy requires approval',
    rule: decision.approval ?? {},
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
  };
  const record = await withTimeout(
    settings.stores.approvals.request({
      intentDigest: requestId,
      requestedAt: now,
      expiresAt: new Date(request.expiresAt),
      // Separation of duties: neither the requesting principal nor the agent may approve.
      request: { ...(request as unknown as JsonObject), sessionId: session.id, excludedOwners: [session.principal.id, session.agent.id] },
    }),
    settings.timeoutMs,
  );
  // A request made earlier (another call id, a resume) keeps its original times and rule.
  return record.request as unknown as PendingApproval;
}
