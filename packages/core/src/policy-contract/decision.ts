/**
 * The decision document `writ.decision/v1` a policy returns at `data.writ.decision`, and
 * its parsed form. JSON Schema: `schemas/writ.decision.v1.schema.json`.
 */
import type { DecisionKind, DecisionReason } from '../firewall/types.ts';
import type { Sha256Digest } from '../stores/types.ts';
import type { ArgumentBound } from '../token/token-payload.ts';

/** The version tag a decision document may carry. */
export const DECISION_VERSION = 'writ.decision/v1';

/**
 * Constraints that go into the action token, named as in the token's `constraints`
 * (`ttlSeconds` becomes `exp` at minting). All optional; an empty object constrains nothing.
 */
export type DecisionConstraints = {
  /** Token lifetime in seconds. */
  readonly ttlSeconds?: number;
  /** Uses before the token is spent (default single use). */
  readonly maxUses?: number;
  readonly rate?: { readonly count: number; readonly perSeconds: number };
  /** Byte limits on the request and the response. */
  readonly bytes?: { readonly request?: number; readonly response?: number };
  /** Argument path → bound (the gateway checks them against the actual call). */
  readonly args?: { readonly [path: string]: ArgumentBound };
  /** Regions the call may run in. */
  readonly region?: readonly string[];
  /** Delegation hops allowed. */
  readonly hops?: number;
  /** Whether the call may touch secrets. */
  readonly secrets?: boolean;
};

/** The approval rule when the decision is `require-approval`. */
export type ApprovalRule = {
  /** Stable rule id; approval statements name it. */
  readonly rule: string;
  /** Roles any of which an approver must hold. */
  readonly roles: readonly string[];
  /** Distinct approvers needed. */
  readonly threshold: number;
  /** Approvers must differ from the principal, the agent and each other. */
  readonly separationOfDuties: boolean;
  /** How long the request (and an approval of it) stays valid. */
  readonly expiresInSeconds: number;
};

/** A decision document as a policy returns it. */
export type DecisionDocument = {
  readonly version?: typeof DECISION_VERSION;
  readonly decision: DecisionKind;
  readonly reasons: readonly DecisionReason[];
  /** 0 (none) … 100 (critical). */
  readonly risk?: number;
  readonly constraints?: DecisionConstraints;
  readonly approval?: ApprovalRule;
  /** Things the application must do alongside (notify, log...); recorded, not enforced. */
  readonly obligations?: readonly string[];
};

/** A checked decision. */
export interface ParsedDecision {
  readonly decision: DecisionKind;
  readonly reasons: readonly DecisionReason[];
  readonly risk: number | undefined;
  /** Empty unless the decision is `allow-with-constraints` (or approvals later release it). */
  readonly constraints: DecisionConstraints;
  /** Present exactly when the decision is `require-approval`. */
  readonly approval: ApprovalRule | undefined;
  readonly obligations: readonly string[];
  /** `sha256:` of the canonical checked document: the decision id bound into the token. */
  readonly id: Sha256Digest;
}
