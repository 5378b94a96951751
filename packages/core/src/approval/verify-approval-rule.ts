/**
 * The approval-rule verifier: threshold, eligible roles, required roles and separation of
 * duties over a set of approval statements (seed 004 "Multi-party approval").
 */
import type { Digest } from '../crypto/digest.ts';
import { WritError } from '../errors.ts';
import { checkApprovalOptions, verifyCheckedApproval } from './verify-approval.ts';
import type { VerifiedApproval, VerifyApprovalOptions } from './verify-approval.ts';

/**
 * What a rule demands. Structurally compatible with the policy decision's `approval`
 * (`{ rule, roles, threshold, separationOfDuties }`), so a decision can be passed as is.
 */
export interface ApprovalRequirement {
  /** Rule id; statements must name it. */
  readonly rule: string;
  /** Distinct approvers needed. */
  readonly threshold: number;
  /** Roles an approval may be given in (empty or absent: any). */
  readonly roles?: readonly string[];
  /** Roles that must each be covered by a different approver. */
  readonly requiredRoles?: readonly string[];
  /**
   * Counted approvers must be different people (owners) acting in different roles, and
   * none of `excludedOwners` (the principal, the agent) — two approvers of the same role
   * do not satisfy a rule that demands two roles.
   */
  readonly separationOfDuties?: boolean;
  /** Owners who may not approve (e.g. the requesting principal). */
  readonly excludedOwners?: readonly string[];
  /** Default true. */
  readonly reapproveOnPolicyChange?: boolean;
}

/** Options for {@link verifyApprovalRule}: those of `verifyApproval` with the requirement as `rule`. */
export type VerifyApprovalRuleOptions = Omit<VerifyApprovalOptions, 'rule' | 'reapproveOnPolicyChange'> & {
  readonly rule: ApprovalRequirement;
};

/** The approvals that satisfy the rule. */
export interface ApprovalRuleResult {
  readonly approvals: readonly VerifiedApproval[];
  /** Their digests, for the token's `approvals` field. */
  readonly digests: readonly Digest[];
}

const MAX_STATEMENTS = 64;

function checkRequirement(rule: unknown): ApprovalRequirement {
  const r = rule as ApprovalRequirement | null;
  const list = (value: unknown): boolean => value === undefined || (Array.isArray(value) && value.length <= 64 && value.every((item) => typeof item === 'string'));
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.rule !== 'string' ||
    !Number.isSafeInteger(r.threshold) ||
    r.threshold < 1 ||
    !list(r.roles) ||
    !list(r.requiredRoles) ||
    !list(r.excludedOwners)
  ) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'rule must be an approval requirement', { details: { parameter: 'rule' } });
  }
  return r;
}

// Kuhn's augmenting paths: assigns roles (left) to distinct approvers (right). Roles tried
// first stay matched through later augmentations, so required roles go first.
function matchRoles(roles: readonly string[], approvals: readonly VerifiedApproval[], person: (a: VerifiedApproval) => string): Map<string, VerifiedApproval> {
  const byRole = new Map<string, VerifiedApproval[]>();
  for (const approval of approvals) byRole.set(approval.payload.role, [...(byRole.get(approval.payload.role) ?? []), approval]);
  const owner = new Map<string, string>(); // person -> role
  const chosen = new Map<string, VerifiedApproval>(); // role -> approval
  const augment = (role: string, seen: Set<string>): boolean => {
    for (const approval of byRole.get(role) ?? []) {
      const who = person(approval);
      if (seen.has(who)) continue;
      seen.add(who);
      const holder = owner.get(who);
      if (holder === undefined || augment(holder, seen)) {
        owner.set(who, role);
        chosen.set(role, approval);
        return true;
      }
    }
    return false;
  };
  for (const role of roles) augment(role, new Set());
  return chosen;
}

/**
 * Verifies a set of approval statements against a rule. Each statement is verified as by
 * `verifyApproval`; invalid ones do not count. Throws the most precise reason when the
 * rule is not met: a statement's own code when too few are valid, else the rule's.
 * @throws WritError `ERR_INVALID_ARGUMENT`, any `verifyApproval` code, `ERR_APPROVAL_ROLES`
 *   (a required or eligible role is not covered), `ERR_APPROVAL_SEPARATION` (enough
 *   approvals, but not by distinct people in distinct roles), `ERR_APPROVAL_THRESHOLD`.
 * @example
 * ```ts
 * const { digests } = await verifyApprovalRule([financeApproval, securityApproval], {
 *   trustRoot, now, intent, policy,
 *   rule: { rule: 'payments.large', threshold: 2, roles: ['finance', 'security'], separationOfDuties: true },
 * });
 * ```
 */
export async function verifyApprovalRule(statements: readonly unknown[], options: VerifyApprovalRuleOptions): Promise<ApprovalRuleResult> {
  if (!Array.isArray(statements) || statements.length > MAX_STATEMENTS) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'statements must be a list', { details: { parameter: 'statements' } });
  }
  const requirement = checkRequirement(options?.rule);
  const single: VerifyApprovalOptions = { ...options, rule: requirement.rule, reapproveOnPolicyChange: requirement.reapproveOnPolicyChange ?? true };
  const clock = checkApprovalOptions(single);
  const valid: VerifiedApproval[] = [];
  let firstError: WritError | undefined;
  for (const statement of statements) {
    try {
      valid.push(await verifyCheckedApproval(statement, single, clock));
    } catch (error) {
      if (!WritError.isInstance(error)) throw error;
      firstError ??= error;
    }
  }
  const sod = requirement.separationOfDuties === true;
  const roles = requirement.roles ?? [];
  const excluded = new Set(requirement.excludedOwners ?? []);
  const eligible = valid.filter((approval) => (roles.length === 0 || roles.includes(approval.payload.role)) && !(sod && excluded.has(approval.key.owner)));
  const distinctKeys = new Set(eligible.map((approval) => approval.key.keyId));
  if (distinctKeys.size < requirement.threshold) {
    if (firstError) throw firstError;
    throw new WritError(eligible.length < valid.length ? 'ERR_APPROVAL_ROLES' : 'ERR_APPROVAL_THRESHOLD', 'approval rule is not satisfied');
  }
  const required = requirement.requiredRoles ?? [];
  const person = sod ? (approval: VerifiedApproval) => `owner:${approval.key.owner}` : (approval: VerifiedApproval) => `key:${approval.key.keyId}`;
  const otherRoles = [...new Set(eligible.map((approval) => approval.payload.role))].filter((role) => !required.includes(role));
  const matched = matchRoles([...required, ...otherRoles], eligible, person);
  for (const role of required) {
    if (!matched.has(role)) {
      const present = eligible.some((approval) => approval.payload.role === role);
      throw new WritError(present ? 'ERR_APPROVAL_SEPARATION' : 'ERR_APPROVAL_ROLES', 'approval rule is not satisfied');
    }
  }
  // Without separation of duties one role may be served by several approvers.
  const chosen = sod ? [...matched.values()] : [...new Map(eligible.map((approval) => [approval.key.keyId, approval])).values()];
  if (chosen.length < requirement.threshold) throw new WritError('ERR_APPROVAL_SEPARATION', 'approval rule is not satisfied');
  return { approvals: chosen, digests: chosen.map((approval) => approval.digest) };
}
