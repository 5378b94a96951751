/**
 * Lineage: a derived item (summary, memory, inference) is at most as authoritative as the
 * weakest item it was derived from, and belongs to every tenant its sources belong to.
 * This is what catches action-basis laundering (TraceScript §5.10): a weak claim that
 * became a summary, then a memory, keeps its weak authority.
 */
import type { BasisAuthority } from '../firewall/types.ts';
import { weakerAuthority } from './authority.ts';
import type { BasisItem } from './basis-item.ts';

/** Lineage facts of one item. */
export interface Lineage {
  /** Declared authority capped by every ancestor's. */
  readonly effective: BasisAuthority;
  /** Tenants of the item and all its ancestors. */
  readonly tenants: ReadonlySet<string>;
  /** An ancestor id that is not in the ledger. */
  readonly missing: string | undefined;
  /** True when the lineage loops back on itself. */
  readonly cycle: boolean;
}

const NO_TENANTS: ReadonlySet<string> = new Set();

/**
 * The resolver behind {@link resolveLineage}: resolves one item against `byId`, memoising
 * in `done`. An item appended to a ledger whose id no earlier item derives from can be
 * resolved alone with the earlier items' `done`: it gets exactly what a full resolution
 * gives it, and the earlier items keep theirs (none of them reaches it).
 */
export function lineageResolver(
  byId: ReadonlyMap<string, BasisItem>,
  done: Map<string, Lineage>,
): (item: BasisItem) => Lineage {
  const visiting = new Set<string>();
  const resolve = (item: BasisItem): Lineage => {
    const known = done.get(item.id);
    if (known) return known;
    if (item.derivedFrom.length === 0) {
      // Most items are primary (a user turn, a tool output): their lineage is themselves.
      const own: Lineage = {
        effective: item.authority,
        tenants: item.tenant === undefined ? NO_TENANTS : new Set([item.tenant]),
        missing: undefined,
        cycle: false,
      };
      done.set(item.id, own);
      return own;
    }
    if (visiting.has(item.id))
      return { effective: 'untrusted', tenants: new Set(), missing: undefined, cycle: true };
    visiting.add(item.id);
    let effective = item.authority;
    const tenants = new Set<string>(item.tenant === undefined ? [] : [item.tenant]);
    let missing: string | undefined;
    let cycle = false;
    for (const parentId of item.derivedFrom) {
      const parent = byId.get(parentId);
      if (!parent) {
        missing ??= parentId;
        effective = 'untrusted';
        continue;
      }
      const lineage = resolve(parent);
      effective = weakerAuthority(effective, lineage.effective);
      for (const tenant of lineage.tenants) tenants.add(tenant);
      missing ??= lineage.missing;
      cycle ||= lineage.cycle;
    }
    if (cycle || missing !== undefined) effective = 'untrusted';
    visiting.delete(item.id);
    const lineage = { effective, tenants, missing, cycle };
    done.set(item.id, lineage);
    return lineage;
  };
  return resolve;
}

/** Resolves the lineage of every item (memoised; cycles and missing parents become untrusted). */
export function resolveLineage(items: readonly BasisItem[]): Map<string, Lineage> {
  const byId = new Map(items.map((item) => [item.id, item]));
  const done = new Map<string, Lineage>();
  const resolve = lineageResolver(byId, done);
  for (const item of items) resolve(item);
  return done;
}
