/**
 * Policy forms of the basis lists an incremental scorer keeps (basis/basis-scoring-state.ts).
 * A report's item list and each argument's source list are copied into the policy input
 * per call; with a basis that grows by an item per call, that copy is work per item per
 * call. A scorer that keeps each item's summary, source and policy form registers the
 * frozen lists of a report here, and `buildPolicyInput` takes them as they are: the same
 * values, built once per item instead of per call, and shared only while frozen.
 */
import type { BasisItemSummary } from '../basis/basis-report.ts';
import type { PolicyInput } from './policy-input.ts';

/** One basis item as the policy input carries it (its summary without the digest). */
export type PolicyBasisItem = PolicyInput['basis']['items'][number];
/** One source of an argument as the policy input carries it. */
export type PolicyBasisSource = PolicyInput['basis']['arguments'][number]['sources'][number];

const items = new WeakMap<readonly BasisItemSummary[], readonly PolicyBasisItem[]>();
const sources = new WeakSet<readonly PolicyBasisSource[]>();

/** The policy form of a summary, frozen (what `buildPolicyInput` copies it into). */
export function policyBasisItem(summary: BasisItemSummary): PolicyBasisItem {
  const { digest: _digest, ...item } = summary;
  return Object.freeze(item);
}

/**
 * Registers `policy` as the policy form of `summaries`. Both lists and every element must
 * be frozen, and `policy[i]` must be `policyBasisItem(summaries[i])`'s value.
 * @throws TypeError when a list or an element is not frozen.
 */
export function keepPolicyItems(
  summaries: readonly BasisItemSummary[],
  policy: readonly PolicyBasisItem[],
): void {
  if (!Object.isFrozen(summaries) || !Object.isFrozen(policy) || summaries.length !== policy.length)
    throw new TypeError('kept basis lists must be frozen and of equal length');
  items.set(summaries, policy);
}

/** The registered policy form of `summaries`, if any. */
export function keptPolicyItems(
  summaries: readonly BasisItemSummary[],
): readonly PolicyBasisItem[] | undefined {
  return items.get(summaries);
}

/**
 * Registers a frozen list of frozen sources: the policy input may carry it as it is.
 * @throws TypeError when the list is not frozen.
 */
export function keepSources(list: readonly PolicyBasisSource[]): void {
  if (!Object.isFrozen(list)) throw new TypeError('kept basis lists must be frozen');
  sources.add(list);
}

/** True when `list` was registered by {@link keepSources}. */
export function isKeptSources(list: readonly PolicyBasisSource[]): boolean {
  return sources.has(list);
}
