/**
 * The policy input document `writ.input/v1`: everything Rego may reason on for one call.
 * Its JSON Schema is `schemas/writ.input.v1.schema.json` at the repository root; the two
 * are kept in step by a test that validates built documents against the schema.
 */
import type { BasisAuthority, BasisKind, FirewallMode } from '../firewall/types.ts';
import type {
  ActionClassId,
  ArgumentKind,
  Audience,
  EffectClass,
} from '../registry/action-class.ts';
import type { DetectionCode } from '../registry/classify-tool-call.ts';
import type { InternalReason } from '../registry/detect-hosts.ts';
import type { BasisFindingCode, FindingSeverity } from '../basis/basis-report.ts';
import type { JsonObject, Sha256Digest } from '../stores/types.ts';

/** The version tag every input document carries. */
export const POLICY_INPUT_VERSION = 'writ.input/v1';

/** `input.action`: the proposed call, classified. */
export type PolicyInputAction = {
  readonly tool: string;
  /** Tool or action path as the token's `cmd` names it (default: the tool name). */
  readonly cmd: string;
  readonly args: JsonObject;
  /** Digest of the canonical intent. */
  readonly intent: Sha256Digest;
  readonly class: ActionClassId;
  readonly registered: boolean;
  readonly audience: Audience;
  /** Target system (the token's `aud`), when known. */
  readonly target: string | null;
  /** Target object (the token's `resource`), when known. */
  readonly resource: string | null;
  readonly effects: {
    readonly declared: readonly EffectClass[];
    readonly detected: readonly EffectClass[];
  };
  readonly detections: readonly {
    readonly code: DetectionCode;
    readonly effect: EffectClass | null;
    readonly argument: string;
    readonly detail: string;
    readonly confidence: 'high' | 'low';
  }[];
  readonly hosts: readonly {
    readonly host: string;
    readonly argument: string;
    readonly internal: InternalReason | null;
    readonly allowed: boolean;
  }[];
  readonly consequential: readonly { readonly path: string; readonly kind: ArgumentKind }[];
  readonly sensitive: readonly string[];
  readonly scope: number | null;
  /** Tenant the call acts on, when the tool declares a tenant argument. */
  readonly tenant: string | null;
};

/** `input.basis`: the basis report without its prose. */
export type PolicyInputBasis = {
  readonly score: number;
  readonly threshold: number;
  readonly sufficient: boolean;
  readonly digest: Sha256Digest;
  readonly findings: readonly {
    readonly code: BasisFindingCode;
    readonly severity: FindingSeverity;
    readonly item: string | null;
    readonly argument: string | null;
    readonly text: string;
  }[];
  readonly tainted: readonly string[];
  readonly arguments: readonly {
    readonly argument: string;
    readonly kind: ArgumentKind;
    readonly status: 'supported' | 'tainted' | 'unsupported';
    readonly support: BasisAuthority | null;
    readonly sources: readonly {
      readonly id: string;
      readonly kind: BasisKind;
      readonly authority: BasisAuthority;
      readonly usable: boolean;
    }[];
  }[];
  readonly items: readonly {
    readonly id: string;
    readonly kind: BasisKind;
    readonly source: string;
    readonly authority: BasisAuthority;
    readonly effectiveAuthority: BasisAuthority;
    readonly tenant: string | null;
    readonly observedAt: string;
    readonly usable: boolean;
  }[];
};

/** One verified approval (only approvals the approval verifier accepted belong here). */
export type PolicyInputApproval = {
  /** The approving person or service (the approver key's owner in the trust root). */
  readonly approver: string;
  /** Approver key id. */
  readonly key: string | null;
  /** Role at approval time. */
  readonly role: string;
  /** Intent digest the statement names. */
  readonly intent: Sha256Digest;
  /** Approval rule id the statement names. */
  readonly rule: string | null;
  readonly issuedAt: string;
  readonly expiresAt: string | null;
};

/** `input.context.history`: shadow-workflow signals of this session. */
export type PolicyInputHistory = {
  readonly attempts: number;
  readonly recentDenials: readonly {
    readonly tool: string;
    readonly intentDigest: string;
    readonly at: string;
  }[];
  readonly signals: {
    readonly repeatedDenials: number;
    readonly alternateToolAfterDenial: boolean;
    readonly scopeExpansionAfterNarrowing: boolean;
  };
};

/** One capability budget as this call would draw on it. */
export type PolicyInputBudget = {
  readonly id: string;
  readonly limit: number;
  readonly used: number;
  readonly reserved: number;
  readonly requested: number;
  readonly remaining: number;
};

/** The whole input document. */
export type PolicyInput = {
  readonly version: typeof POLICY_INPUT_VERSION;
  readonly action: PolicyInputAction;
  readonly agent: {
    readonly id: string;
    readonly framework: string | null;
    readonly model: string | null;
    readonly environment: Sha256Digest | null;
  };
  readonly principal: {
    readonly id: string;
    readonly roles: readonly string[];
    readonly tenant: string | null;
  };
  readonly basis: PolicyInputBasis;
  readonly approvals: readonly PolicyInputApproval[];
  readonly context: {
    /** RFC 3339 evaluation time. */
    readonly time: string;
    /** The same time in whole seconds since the epoch (for arithmetic in Rego). */
    readonly epochSeconds: number;
    readonly session: string;
    readonly callId: string | null;
    readonly history: PolicyInputHistory;
    readonly budgets: readonly PolicyInputBudget[];
  };
  readonly mode: FirewallMode;
};
