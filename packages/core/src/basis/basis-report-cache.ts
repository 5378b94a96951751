/**
 * The basis report of a call, remembered per session: a report depends only on the
 * session's basis items, the call's action class and consequential values, the tenant and —
 * through the freshness rule alone — the time. The firewall scores every call, while items
 * change only when one is added or superseded; an observation, or a repeated call with the
 * same consequential values, gets the report already computed.
 *
 * A remembered report is answered only when it is the report `scoreBasis` would give now:
 * the ledger's revision is unchanged (no item added or superseded since), the key (class,
 * consequential paths, kinds and string values) is the same, and every item with a max age
 * is stale now exactly when it was stale at the time the report was computed. A call whose
 * values the key cannot name (a number, an array) is scored by the incremental state and not
 * remembered; malformed options (an invalid date or class, a malformed value entry) go to
 * `scoreBasis`, which refuses them.
 *
 * One report object serves several calls, so no reader may change it: the firewall only
 * reads it (digest, score, findings' codes). Its item and source lists are frozen, their
 * elements built once per item by the incremental state (basis-scoring-state.ts), and
 * `buildPolicyInput` carries them into the policy input as they are.
 */
import type { ActionClassId } from '../firewall/types.ts';
import type { ConsequentialValue } from '../registry/classify-tool-call.ts';
import type { BasisItem } from './basis-item.ts';
import type { BasisLedger } from './basis-ledger.ts';
import type { BasisReport } from './basis-report.ts';
import { BasisScoringState } from './basis-scoring-state.ts';
import { scoreBasis } from './score-basis.ts';
import { isActionClass } from '../registry/action-class.ts';

/** Most remembered reports per revision of the item set (one per distinct call shape). */
const MAX_ENTRIES = 64;

interface Entry {
  readonly report: BasisReport;
  /** Per aged item (in `#aged` order): stale when the report was computed. */
  readonly stale: readonly boolean[];
}

/** Scores calls against one ledger, remembering reports until the item set changes. */
export class BasisReportCache {
  readonly #ledger: BasisLedger;
  readonly #tenant: string | undefined;
  #revision = -1;
  /** Per-item scoring facts of the ledger's items at `#revision`, extended as items are added. */
  #state: BasisScoringState | undefined;
  /** Items with a max age at `#revision`: observation time (ms) and max age. */
  #aged: { readonly at: number; readonly maxAgeMs: number }[] = [];
  readonly #entries = new Map<string, Entry>();
  /** Keys requested once at `#revision` (a report is kept from the second request on). */
  readonly #requested = new Set<string>();

  constructor(options: { readonly ledger: BasisLedger; readonly tenant: string | undefined }) {
    this.#ledger = options.ledger;
    this.#tenant = options.tenant;
  }

  /** The report of `scoreBasis` over the ledger's items now, computed or remembered. */
  report(options: {
    readonly actionClass: ActionClassId;
    readonly consequential: readonly ConsequentialValue[];
    readonly now: Date;
  }): BasisReport {
    const { actionClass, consequential, now } = options;
    const fresh = (items: readonly BasisItem[]): BasisReport =>
      scoreBasis({
        items,
        actionClass,
        consequential,
        ...(this.#tenant === undefined ? {} : { tenant: this.#tenant }),
        now,
      });
    const key = keyOf(actionClass, consequential);
    const time = now instanceof Date ? now.getTime() : Number.NaN;
    // scoreBasis refuses an invalid date (and a malformed class); let it say so.
    if (!Number.isFinite(time) || !isActionClass(actionClass) || !scorable(consequential)) return fresh(this.#ledger.items());
    if (this.#ledger.revision !== this.#revision) {
      this.#revision = this.#ledger.revision;
      this.#entries.clear();
      this.#requested.clear();
      const items = this.#ledger.items();
      if (this.#state === undefined || !extended(this.#state, items))
        this.#state = new BasisScoringState({ items, tenant: this.#tenant });
      this.#aged = [];
      for (const item of items) {
        if (item.maxAgeMs !== undefined) this.#aged.push({ at: Date.parse(item.observedAt), maxAgeMs: item.maxAgeMs });
      }
    }
    const state = this.#state as BasisScoringState;
    // A value the key cannot name (a number, an array): scored incrementally, not remembered.
    if (key === undefined) return state.score({ actionClass, consequential, now });
    const stale = this.#aged.map((a) => time - a.at > a.maxAgeMs);
    const hit = this.#entries.get(key);
    if (hit !== undefined && sameFlags(hit.stale, stale)) return hit.report;
    const report = state.score({ actionClass, consequential, now });
    // Kept from the second request on: a report held past its call (a large basis's report
    // is large) costs more in the collector than scoring saves when the item set changes
    // after every call — an adapter adding each tool output — so a first request keeps
    // nothing but its key.
    if (!this.#requested.has(key)) {
      if (this.#requested.size >= MAX_ENTRIES) this.#requested.clear();
      this.#requested.add(key);
      return report;
    }
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(key, { report, stale });
    return report;
  }
}

/** Extends `state` to `items` when they are its items plus new ones at the end; false when it must be built afresh. */
function extended(state: BasisScoringState, items: readonly BasisItem[]): boolean {
  if (items.length < state.size) return false;
  // A supersession replaces an item object in place: anything but the same objects rebuilds.
  for (let i = 0; i < state.size; i++) if (items[i] !== state.itemAt(i)) return false;
  for (let i = state.size; i < items.length; i++) if (!state.extend(items[i] as BasisItem)) return false;
  return true;
}

function sameFlags(a: readonly boolean[], b: readonly boolean[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Consequential values the incremental scorer takes as `scoreBasis` does (any other input is `scoreBasis`'s to refuse). */
function scorable(consequential: readonly ConsequentialValue[]): boolean {
  if (!Array.isArray(consequential)) return false;
  const list: readonly unknown[] = consequential;
  for (const entry of list) {
    const c = entry as Partial<ConsequentialValue> | null;
    if (typeof c !== 'object' || c === null || typeof c.path !== 'string' || typeof c.kind !== 'string') return false;
  }
  return true;
}

/**
 * A key naming the call's part of the report's inputs, or `undefined` when a value is not
 * a string (the key must tell apart every two inputs that could score differently; JSON text
 * of strings does, and other values are rare enough to score afresh).
 */
function keyOf(actionClass: ActionClassId, consequential: readonly ConsequentialValue[]): string | undefined {
  if (!Array.isArray(consequential)) return undefined;
  const list: readonly unknown[] = consequential;
  let key: string = actionClass;
  for (const entry of list) {
    const c = entry as Partial<ConsequentialValue> | null;
    if (typeof c !== 'object' || c === null || typeof c.value !== 'string' || typeof c.path !== 'string' || typeof c.kind !== 'string') return undefined;
    key += `\u0000${JSON.stringify(c.path)}${JSON.stringify(c.kind)}${JSON.stringify(c.value)}`;
  }
  return key;
}

