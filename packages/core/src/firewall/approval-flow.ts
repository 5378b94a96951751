/**
 * Approvals: a signed approval statement for a pending request is verified with the core
 * approval verifiers (signature, approver key valid in the window, role, intent digest,
 * policy digest, rule, expiry) and added to the request; once the statements satisfy the
 * request's rule (threshold, roles, separation of duties) the request is marked approved
 * and the next guard of that intent releases a token bound to the same digest. Changed
 * arguments have another digest, so no approval covers them.
 */
import type { VerifyApprovalRuleOptions } from '../approval/verify-approval-rule.ts';
import { verifyApprovalRule } from '../approval/verify-approval-rule.ts';
import { verifyApproval } from '../approval/verify-approval.ts';
import { isRejectionEnvelope } from '../approval/rejection-statement.ts';
import { verifyRejection } from '../approval/verify-rejection.ts';
import { WritError } from '../errors.ts';
import type { VerifiedApprovalInput } from '../policy-contract/build-policy-input.ts';
import type { ApprovalRecord, JsonObject, Sha256Digest } from '../stores/types.ts';
import type { FirewallContext } from './firewall-context.ts';
import { withTimeout } from './firewall-context.ts';
import type { ApprovalSubmission, DecisionReason } from './types.ts';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The rule stored with a pending request, as the approval-rule verifier takes it. */
function requirement(request: JsonObject): VerifyApprovalRuleOptions['rule'] {
  const rule = (request.rule ?? {}) as Record<string, unknown>;
  const excluded = Array.isArray(request.excludedOwners) ? request.excludedOwners.filter((o): o is string => typeof o === 'string') : [];
  return {
    rule: typeof rule.rule === 'string' && rule.rule !== '' ? rule.rule : 'default',
    threshold: typeof rule.threshold === 'number' ? rule.threshold : 1,
    roles: Array.isArray(rule.roles) ? rule.roles.filter((r): r is string => typeof r === 'string') : [],
    separationOfDuties: rule.separationOfDuties === true,
    excludedOwners: excluded,
  };
}

/** The intent digest a request asks about (the record is keyed by the request id). */
function intentOfRequest(record: ApprovalRecord): Sha256Digest {
  const digest = record.request.intentDigest;
  return (typeof digest === 'string' && DIGEST.test(digest) ? digest : record.intentDigest) as Sha256Digest;
}

function refusal(error: unknown): DecisionReason {
  const code = WritError.isInstance(error) ? error.code : 'ERR_INTERNAL';
  return { code: `approval.${code}`, text: 'the approval does not satisfy the request' };
}

/**
 * Verify the approved statements of `record` again at decision time (they may have
 * expired or the policy may have changed since).
 * @returns the approvals as policy input and their digests for the token, or `undefined`
 *   when they no longer satisfy the rule.
 */
export async function verifiedApprovals(options: {
  readonly context: FirewallContext;
  readonly record: ApprovalRecord;
  readonly now: Date;
}): Promise<{ readonly input: VerifiedApprovalInput[]; readonly digests: Sha256Digest[]; readonly singleUse: boolean[] } | undefined> {
  const { context, record, now } = options;
  try {
    const result = await verifyApprovalRule(record.statements, {
      trustRoot: context.settings.trustRoot,
      now,
      intent: intentOfRequest(record),
      policy: context.settings.policy.digest as Sha256Digest,
      rule: requirement(record.request),
    });
    return {
      input: result.approvals.map((approval) => ({
        approver: approval.key.owner,
        key: approval.key.keyId,
        role: approval.payload.role,
        intent: approval.payload.intent,
        rule: approval.payload.policy.rule,
        issuedAt: new Date(approval.payload.iat * 1000).toISOString(),
        expiresAt: new Date(approval.payload.exp * 1000).toISOString(),
      })),
      digests: [...result.digests],
      // Per statement, in the order of `digests`: whether it may release one call only.
      singleUse: result.approvals.map((approval) => approval.payload.singleUse),
    };
  } catch {
    return undefined;
  }
}

/**
 * A signed rejection: verified like an approval (approver key valid at its `iat`, role held
 * and eligible for the rule, intent, rule, policy digest, window). Recorded as an
 * `approval-rejected` entry, then the request moves to `rejected` and the next guard of the
 * call is refused (`approval.rejected`). The entry is written before the status changes, so a
 * rejected request always has its signed statement in the transcript.
 */
async function submitRejection(options: {
  readonly context: FirewallContext;
  readonly key: Sha256Digest;
  readonly record: ApprovalRecord;
  readonly statement: JsonObject;
  readonly now: Date;
}): Promise<ApprovalSubmission> {
  const { context, key, record, statement, now } = options;
  const { stores, timeoutMs, trustRoot, policy } = context.settings;
  const intentDigest = intentOfRequest(record);
  const rule = requirement(record.request);
  let verified;
  try {
    verified = await verifyRejection(statement, { trustRoot, now, intent: intentDigest, policy: policy.digest as Sha256Digest, rule: rule.rule, roles: rule.roles ?? [] });
  } catch (error) {
    return { status: 'refused', requestId: key, reasons: [refusal(error)] };
  }
  if (rule.separationOfDuties === true && (rule.excludedOwners ?? []).includes(verified.key.owner)) {
    return { status: 'refused', requestId: key, reasons: [{ code: 'approval.ERR_APPROVAL_SEPARATION', text: 'the requester may not decide this request' }] };
  }
  const sessionId = typeof record.request.sessionId === 'string' ? record.request.sessionId : '';
  await context.recorder.write(
    [{ type: 'approval-rejected', time: now.toISOString(), body: { sessionId, requestId: key, intentDigest, rejectionId: verified.payload.id, statement } }],
    'sync',
  );
  const changed = await withTimeout(stores.approvals.resolve({ intentDigest: key, status: 'rejected', at: now }), timeoutMs);
  if (!changed) {
    const current = await withTimeout(stores.approvals.get(key), timeoutMs);
    if (current?.status !== 'rejected') {
      return { status: 'refused', requestId: key, reasons: [{ code: `approval.${current?.status ?? 'unknown'}`, text: `the request is ${current?.status ?? 'gone'}` }] };
    }
  }
  return { status: 'rejected', requestId: key, reasons: [{ code: 'approval.rejected', text: 'an approver rejected this request' }] };
}

/**
 * Submit a signed approval or rejection statement for request `requestId` (the intent digest).
 * @throws `ERR_INVALID_ARGUMENT` (malformed input), `ERR_FIREWALL_APPROVAL_NOT_FOUND`,
 *   store errors (`ERR_STORE_*`, `ERR_FIREWALL_TIMEOUT`).
 */
export async function submitApproval(options: {
  readonly context: FirewallContext;
  readonly requestId: unknown;
  readonly statement: unknown;
}): Promise<ApprovalSubmission> {
  const { context, requestId, statement } = options;
  if (typeof requestId !== 'string' || !DIGEST.test(requestId)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'requestId must be the sha256 intent digest of a pending request', { details: { parameter: 'requestId' } });
  }
  if (typeof statement !== 'object' || statement === null || Array.isArray(statement)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'statement must be a DSSE envelope object', { details: { parameter: 'statement' } });
  }
  const { stores, timeoutMs, trustRoot, policy } = context.settings;
  const key = requestId as Sha256Digest;
  const record = await withTimeout(stores.approvals.get(key), timeoutMs);
  if (record === undefined) throw new WritError('ERR_FIREWALL_APPROVAL_NOT_FOUND', 'no approval request with this id');
  const intentDigest = intentOfRequest(record);
  const now = context.now();
  const rejecting = isRejectionEnvelope(statement);
  if (record.status === 'approved' && !rejecting) return { status: 'approved', requestId, reasons: [] };
  if (record.status !== 'pending') {
    return { status: 'refused', requestId, reasons: [{ code: `approval.${record.status}`, text: `the request is ${record.status}` }] };
  }
  if (Date.parse(record.expiresAt) <= now.getTime()) {
    await withTimeout(stores.approvals.resolve({ intentDigest: key, status: 'expired', at: now }), timeoutMs);
    return { status: 'refused', requestId, reasons: [{ code: 'approval.expired', text: 'the request expired' }] };
  }
  if (rejecting) return submitRejection({ context, key, record, statement: statement as JsonObject, now });
  const rule = requirement(record.request);
  try {
    await verifyApproval(statement, { trustRoot, now, intent: intentDigest, policy: policy.digest as Sha256Digest, rule: rule.rule });
  } catch (error) {
    return { status: 'refused', requestId, reasons: [refusal(error)] };
  }
  const updated = await withTimeout(stores.approvals.addStatement({ intentDigest: key, statement: statement as JsonObject }), timeoutMs);
  const sessionId = typeof record.request.sessionId === 'string' ? record.request.sessionId : '';
  await context.recorder.write(
    [{ type: 'approval-recorded', time: now.toISOString(), body: { sessionId, requestId, intentDigest, statement: statement as JsonObject } }],
    'sync',
  );
  try {
    await verifyApprovalRule(updated.statements, { trustRoot, now, intent: intentDigest, policy: policy.digest as Sha256Digest, rule });
  } catch (error) {
    return { status: 'pending', requestId, reasons: [refusal(error)] };
  }
  await withTimeout(stores.approvals.resolve({ intentDigest: key, status: 'approved', at: now }), timeoutMs);
  return { status: 'approved', requestId, reasons: [] };
}
