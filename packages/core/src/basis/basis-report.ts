/**
 * The basis report: what step 3 of the flow hands to policy. Findings carry stable codes
 * so Rego can reason on them; `explanation` is the same content in words for a person.
 */
import type { Digest } from '../crypto/digest.ts';
import type { ActionClassId, BasisAuthority, BasisKind } from '../firewall/types.ts';
import type { ArgumentKind } from '../registry/action-class.ts';

/** Stable codes of basis findings. Codes are API: never rename one. */
export type BasisFindingCode =
  /** No basis item at all stands behind the call. */
  | 'basis.empty'
  /** An item claims more authority than its lineage allows (TraceScript §5.10). */
  | 'basis.laundered'
  /** An item is derived from an id not in the ledger; treated as untrusted. */
  | 'basis.lineage-missing'
  /** An item's lineage is circular; treated as untrusted. */
  | 'basis.lineage-cycle'
  /** An item is past its max age (it no longer supports A3+ actions). */
  | 'basis.stale'
  /** An item belongs to another tenant (directly or through its lineage); it supports nothing. */
  | 'basis.cross-tenant'
  /** An item was superseded by a newer one; it supports nothing. */
  | 'basis.superseded'
  /** A policy or workflow item below `verified` authority: relevant, not authoritative (§5.2, §22.6). */
  | 'basis.noncanonical'
  /** An item is contradicted by an item of equal or higher authority; it supports nothing. */
  | 'basis.contradicted'
  /** A consequential argument value is found only in items below the trusted authority. */
  | 'basis.tainted-argument'
  /** A consequential argument value is found in no usable item. */
  | 'basis.unsupported-argument'
  /** The score is below the threshold of the action class. */
  | 'basis.insufficient';

/** Every finding code, for schemas and exhaustive tests. */
export const BASIS_FINDING_CODES: readonly BasisFindingCode[] = [
  'basis.empty',
  'basis.laundered',
  'basis.lineage-missing',
  'basis.lineage-cycle',
  'basis.stale',
  'basis.cross-tenant',
  'basis.superseded',
  'basis.noncanonical',
  'basis.contradicted',
  'basis.tainted-argument',
  'basis.unsupported-argument',
  'basis.insufficient',
];

/** How much a finding matters for the action class at hand. */
export type FindingSeverity = 'info' | 'warning' | 'blocking';

/** One finding. `item` / `argument` name what it is about. */
export interface BasisFinding {
  readonly code: BasisFindingCode;
  readonly severity: FindingSeverity;
  readonly item?: string;
  readonly argument?: string;
  readonly text: string;
}

/** Where one consequential argument value came from. */
export interface ArgumentProvenance {
  readonly argument: string;
  readonly kind: ArgumentKind;
  /** `supported`: in a usable trusted item · `tainted`: only in low-authority items · `unsupported`: in no usable item. */
  readonly status: 'supported' | 'tainted' | 'unsupported';
  /** Best effective authority among the usable items containing it, or null. */
  readonly support: BasisAuthority | null;
  /** Every item containing it (usable or not), with its effective authority. */
  readonly sources: readonly {
    readonly id: string;
    readonly kind: BasisKind;
    readonly authority: BasisAuthority;
    readonly usable: boolean;
  }[];
}

/** What policy sees of one basis item (never its content). */
export interface BasisItemSummary {
  readonly id: string;
  readonly kind: BasisKind;
  readonly source: string;
  readonly authority: BasisAuthority;
  /** Authority after lineage (laundering) is applied. */
  readonly effectiveAuthority: BasisAuthority;
  readonly tenant: string | null;
  readonly observedAt: string;
  readonly digest: Digest;
  /** False when a finding excludes it from supporting this call. */
  readonly usable: boolean;
}

/** The result of scoring a basis for one call. */
export interface BasisReport {
  readonly version: 'writ.basis/v1';
  readonly actionClass: ActionClassId;
  /** 0…1: the weakest support among consequential arguments (or the best usable item when none). */
  readonly score: number;
  /** Score the action class requires. */
  readonly threshold: number;
  /** Score at or above threshold and no blocking finding. */
  readonly sufficient: boolean;
  readonly findings: readonly BasisFinding[];
  readonly arguments: readonly ArgumentProvenance[];
  /** Paths of tainted consequential arguments. */
  readonly tainted: readonly string[];
  readonly items: readonly BasisItemSummary[];
  /** The report in words, for people (approvers, auditors, the model). */
  readonly explanation: string;
  /** `sha256:` of the report's commitment form (see `basisReportDigest`). */
  readonly digest: Digest;
}
