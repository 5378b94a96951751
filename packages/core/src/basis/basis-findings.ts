/**
 * The findings of single items and the contradiction rule, written once for both scorers:
 * `scoreBasis` (every item, every call) and `BasisScoringState` (kept per-item facts). Their
 * order and text are part of the recorded report, so both must produce them identically.
 */
import type { ActionClassId, BasisAuthority } from '../firewall/types.ts';
import { authorityRank } from './authority.ts';
import type { BasisItem } from './basis-item.ts';
import type { BasisFinding, BasisFindingCode, FindingSeverity } from './basis-report.ts';

/** Records one finding. */
export type NoteFinding = (code: BasisFindingCode, severity: FindingSeverity, about: Omit<BasisFinding, 'code' | 'severity'>) => void;

const RANK_VERIFIED = authorityRank('verified');

/**
 * Lineage (cycle, missing ancestor, laundering), tenant scope, canonicality, supersession and
 * freshness findings of one item, in that order; items that may support nothing go into
 * `excluded`.
 */
export function noteItemFindings(o: {
  readonly item: BasisItem;
  readonly lineage: { readonly cycle: boolean; readonly missing: string | undefined; readonly effective: BasisAuthority };
  /** The item or an ancestor belongs to another tenant. */
  readonly foreign: boolean;
  readonly tenant: string | undefined;
  /** The item is older than its max age at the call's time. */
  readonly stale: boolean;
  /** Rank of the call's action class, and from which rank freshness matters. */
  readonly rank: number;
  readonly freshnessRank: number;
  readonly actionClass: ActionClassId;
  readonly note: NoteFinding;
  readonly excluded: Set<string>;
}): void {
  const { item, lineage, note, excluded } = o;
  if (lineage.cycle)
    note('basis.lineage-cycle', 'warning', {
      item: item.id,
      text: `${item.id} is derived from itself; treated as untrusted`,
    });
  if (lineage.missing !== undefined) {
    note('basis.lineage-missing', 'warning', {
      item: item.id,
      text: `${item.id} is derived from ${lineage.missing}, which is not in the basis; treated as untrusted`,
    });
  } else if (!lineage.cycle && authorityRank(lineage.effective) < authorityRank(item.authority)) {
    note('basis.laundered', 'warning', {
      item: item.id,
      text: `${item.id} claims ${item.authority} authority but derives from ${lineage.effective} content; counted as ${lineage.effective}`,
    });
  }
  if (o.foreign) {
    excluded.add(item.id);
    note('basis.cross-tenant', o.rank >= 3 ? 'blocking' : 'warning', {
      item: item.id,
      text: `${item.id} belongs to another tenant${item.tenant === o.tenant ? ' through its lineage' : ''}; it supports nothing`,
    });
  }
  if ((item.kind === 'policy' || item.kind === 'workflow') && authorityRank(lineage.effective) < RANK_VERIFIED) {
    note('basis.noncanonical', 'warning', {
      item: item.id,
      text: `${item.id} is a ${item.kind} item with ${lineage.effective} authority: it informs but does not authorise`,
    });
  }
  if (item.supersededBy !== undefined) {
    excluded.add(item.id);
    note('basis.superseded', 'info', {
      item: item.id,
      text: `${item.id} was superseded by ${item.supersededBy}; it supports nothing`,
    });
  }
  if (o.stale) {
    const matters = o.rank >= o.freshnessRank;
    if (matters) excluded.add(item.id);
    note('basis.stale', matters ? 'warning' : 'info', {
      item: item.id,
      text: `${item.id} is older than its max age${matters ? ` and cannot support an ${o.actionClass} action` : ''}`,
    });
  }
}

/**
 * Contradiction: the weaker side loses; equals both lose. Decided on the usability before any
 * contradiction (items already in `excluded` take no part); losers go into `excluded`.
 */
export function noteContradictions(o: {
  /** The items that may contradict others, in ledger order. */
  readonly candidates: Iterable<BasisItem>;
  readonly byId: ReadonlyMap<string, BasisItem>;
  readonly effective: (id: string) => BasisAuthority;
  readonly excluded: Set<string>;
  readonly note: NoteFinding;
}): void {
  const { excluded, effective } = o;
  const losers = new Map<string, string>();
  for (const item of o.candidates) {
    if (excluded.has(item.id)) continue;
    for (const otherId of item.contradicts) {
      const other = o.byId.get(otherId);
      if (!other || excluded.has(otherId) || otherId === item.id) continue;
      const mine = authorityRank(effective(item.id));
      const theirs = authorityRank(effective(otherId));
      if (mine >= theirs && !losers.has(otherId)) losers.set(otherId, item.id);
      if (theirs >= mine && !losers.has(item.id)) losers.set(item.id, otherId);
    }
  }
  for (const [loser, winner] of losers) {
    excluded.add(loser);
    o.note('basis.contradicted', 'warning', {
      item: loser,
      text: `${loser} is contradicted by ${winner}, which has equal or higher authority; it supports nothing`,
    });
  }
}
