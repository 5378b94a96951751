/**
 * Incremental basis scoring: what `scoreBasis` derives from each item alone (lineage,
 * tenant scope, the findings that need no clock, its searchable index, its summary and its
 * commitment line) kept per item as the session's basis grows, so a call pays for its
 * consequential values, the items that may be excluded and one hash over the commitment
 * text — not for re-deriving every item. The report is byte for byte `scoreBasis`'s
 * (property-tested against it, see basis-scoring-state.property.test.ts).
 *
 * The state is valid for one list of items. Appending an item keeps it valid unless an
 * earlier item derives from the new item's id (its lineage was "missing" and would change)
 * or the new item contradicts an earlier item that was counted as never excluded; those,
 * and any replaced item (a supersession), need a state built afresh ({@link
 * BasisScoringState.extend} says so by returning `false`). Anything that depends on the
 * clock or the call — staleness, the severity of tenant and staleness findings, exclusion,
 * contradiction, provenance — is computed per call, over the items that can be affected.
 */
import { jcsBoolean, jcsNumber, jcsString, jcsStrings } from '../crypto/canonical-text.ts';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { digestBytes } from '../crypto/digest.ts';
import type { Digest } from '../crypto/digest.ts';
import { toHex, utf8 } from '../crypto/encoding.ts';
import { nodeCrypto } from '../crypto/node-crypto.ts';
import type { ActionClassId, BasisAuthority } from '../firewall/types.ts';
import { actionClassRank } from '../registry/action-class.ts';
import type { ConsequentialValue } from '../registry/classify-tool-call.ts';
import { AUTHORITY_WEIGHT, authorityRank } from './authority.ts';
import type { BasisItem } from './basis-item.ts';
import type { Lineage } from './basis-lineage.ts';
import { lineageResolver } from './basis-lineage.ts';
import type {
  ArgumentProvenance,
  BasisFinding,
  BasisFindingCode,
  BasisItemSummary,
  BasisReport,
  FindingSeverity,
} from './basis-report.ts';
import { noteContradictions, noteItemFindings } from './basis-findings.ts';
import { explainBasis } from './explain-basis.ts';
import type { PolicyBasisItem } from '../policy-contract/kept-basis-lists.ts';
import { keepPolicyItems, keepSources, policyBasisItem } from '../policy-contract/kept-basis-lists.ts';
import { basisReportDigest, DEFAULT_BASIS_THRESHOLDS, reportBody } from './score-basis.ts';
import type { ItemIndex } from './trace-argument.ts';
import { indexOf, needleIn, prepareNeedle, traceableLeaves } from './trace-argument.ts';

/** What one item contributes to every report, whatever the call and the clock. */
interface ItemFacts {
  readonly item: BasisItem;
  readonly lineage: Lineage;
  readonly effective: BasisAuthority;
  /** `authorityRank(effective)`. */
  readonly rank: number;
  readonly foreign: boolean;
  /** Observation time in ms (for items with a max age). */
  readonly at: number;
  /** Summary and commitment line (JCS text) when not usable; built on first use. */
  excludedSummary: BasisItemSummary | undefined;
  excludedLine: string | undefined;
  /** The item as a provenance source, usable / not usable; built on first use. */
  usableSource: Source | undefined;
  excludedSource: Source | undefined;
  /** Policy form of the excluded summary; built on first use. */
  excludedPolicyItem: PolicyBasisItem | undefined;
}

type Source = ArgumentProvenance['sources'][number];

const RANK_VERIFIED = authorityRank('verified');

/** Per-item scoring facts of a growing item list (tenant fixed). */
export class BasisScoringState {
  readonly #tenant: string | undefined;
  readonly #items: BasisItem[] = [];
  readonly #facts: ItemFacts[] = [];
  readonly #indexes: ItemIndex[] = [];
  readonly #byId = new Map<string, BasisItem>();
  readonly #position = new Map<string, number>();
  readonly #lineage = new Map<string, Lineage>();
  /** Ids any item derives from / contradicts (present or not). */
  readonly #derivedRefs = new Set<string>();
  readonly #contradictRefs = new Set<string>();
  /** Items with a finding or an exclusion that needs no contradiction (in order). */
  readonly #notable: ItemFacts[] = [];
  /** Items that contradict another (in order). */
  readonly #contradictors: BasisItem[] = [];
  /** Items that some call may exclude (notable or in a contradiction). */
  readonly #volatile = new Set<string>();
  /** Best weight among items no call excludes. */
  #stableWeight = 0;
  /** Positions of the items whose index holds each email. */
  readonly #emails = new Map<string, number[]>();
  /** Summaries of every item as usable, and their commitment lines joined with commas. */
  readonly #usableSummaries: BasisItemSummary[] = [];
  readonly #usableLines: string[] = [];
  readonly #usablePolicyItems: PolicyBasisItem[] = [];
  /** UTF-8 of the usable lines joined with commas (`#usableBytes[0, #usableByteLength)`). */
  #usableBytes = new Uint8Array(4096);
  #usableByteLength = 0;
  /** False when a commitment line is outside the fast writer's shape (the report's digest is then computed by `basisReportDigest`'s path). */
  #plain = true;

  constructor(options: { readonly items: readonly BasisItem[]; readonly tenant: string | undefined }) {
    this.#tenant = options.tenant;
    const { items } = options;
    for (const item of items) {
      this.#byId.set(item.id, item);
      for (const id of item.derivedFrom) this.#derivedRefs.add(id);
      for (const id of item.contradicts) this.#contradictRefs.add(id);
    }
    const resolve = lineageResolver(this.#byId, this.#lineage);
    for (const item of items) resolve(item);
    for (const item of items) this.#append(item);
  }

  /** Number of items. */
  get size(): number {
    return this.#items.length;
  }

  /** The item at `position`. */
  itemAt(position: number): BasisItem | undefined {
    return this.#items[position];
  }

  /**
   * Appends `item` when the state stays exactly what a fresh state over the longer list
   * would be; `false` (nothing changed) when it needs building afresh.
   */
  extend(item: BasisItem): boolean {
    if (this.#byId.has(item.id) || this.#derivedRefs.has(item.id)) return false;
    // A contradiction names an earlier item counted as never excluded: rebuild.
    for (const id of item.contradicts) if (this.#byId.has(id) && !this.#volatile.has(id)) return false;
    this.#byId.set(item.id, item);
    for (const id of item.derivedFrom) this.#derivedRefs.add(id);
    for (const id of item.contradicts) this.#contradictRefs.add(id);
    lineageResolver(this.#byId, this.#lineage)(item);
    this.#append(item);
    return true;
  }

  #append(item: BasisItem): void {
    const position = this.#items.length;
    const lineage = this.#lineage.get(item.id) as Lineage;
    const tenant = this.#tenant;
    let foreign = false;
    if (tenant !== undefined) for (const t of lineage.tenants) foreign ||= t !== tenant;
    const laundered =
      lineage.missing === undefined && !lineage.cycle && authorityRank(lineage.effective) < authorityRank(item.authority);
    const noncanonical =
      (item.kind === 'policy' || item.kind === 'workflow') && authorityRank(lineage.effective) < RANK_VERIFIED;
    const facts: ItemFacts = {
      item,
      lineage,
      effective: lineage.effective,
      rank: authorityRank(lineage.effective),
      foreign,
      at: item.maxAgeMs === undefined ? 0 : Date.parse(item.observedAt),
      excludedSummary: undefined,
      excludedLine: undefined,
      usableSource: undefined,
      excludedSource: undefined,
      excludedPolicyItem: undefined,
    };
    this.#items.push(item);
    this.#facts.push(facts);
    this.#position.set(item.id, position);
    const index = indexOf(item);
    this.#indexes.push(index);
    for (const email of index.emails) {
      const list = this.#emails.get(email);
      if (list === undefined) this.#emails.set(email, [position]);
      else list.push(position);
    }
    const notable =
      lineage.cycle ||
      lineage.missing !== undefined ||
      laundered ||
      foreign ||
      noncanonical ||
      item.supersededBy !== undefined ||
      item.maxAgeMs !== undefined;
    if (notable) this.#notable.push(facts);
    if (item.contradicts.length > 0) this.#contradictors.push(item);
    if (notable || item.contradicts.length > 0 || this.#contradictRefs.has(item.id)) this.#volatile.add(item.id);
    else this.#stableWeight = Math.max(this.#stableWeight, AUTHORITY_WEIGHT[lineage.effective]);
    const summary = summaryOf(facts, true);
    this.#usableSummaries.push(summary);
    this.#usablePolicyItems.push(policyBasisItem(summary));
    const line = this.#line(facts, true);
    this.#usableLines.push(line);
    this.#appendBytes(position === 0 ? line : `,${line}`);
  }

  #appendBytes(text: string): void {
    const bytes = utf8(text);
    const need = this.#usableByteLength + bytes.length;
    if (need > this.#usableBytes.length) {
      const grown = new Uint8Array(Math.max(need, this.#usableBytes.length * 2));
      grown.set(this.#usableBytes.subarray(0, this.#usableByteLength));
      this.#usableBytes = grown;
    }
    this.#usableBytes.set(bytes, this.#usableByteLength);
    this.#usableByteLength = need;
  }

  #line(facts: ItemFacts, usable: boolean): string {
    const text = `${facts.item.id} ${facts.item.digest} ${facts.effective} ${usable ? 1 : 0}`;
    try {
      return jcsString(text);
    } catch {
      this.#plain = false;
      return '';
    }
  }

  /** The items, in order (a copy). */
  items(): BasisItem[] {
    return [...this.#items];
  }

  /**
   * Exactly `scoreBasis({ items, actionClass, consequential, tenant, now })` for this
   * state's items and tenant, with the default thresholds, trusted authority and freshness
   * class. The caller checks the options as `scoreBasis` would (a valid class and date, an
   * array of consequential values).
   */
  score(options: {
    readonly actionClass: ActionClassId;
    readonly consequential: readonly ConsequentialValue[];
    readonly now: Date;
  }): BasisReport {
    const { actionClass, now } = options;
    const tenant = this.#tenant;
    const items = this.#items;
    const rank = actionClassRank(actionClass);
    const trustedRank = authorityRank('user');
    const freshnessRank = actionClassRank('A3');
    const threshold = DEFAULT_BASIS_THRESHOLDS[actionClass];
    const findings: BasisFinding[] = [];
    const note = (
      code: BasisFindingCode,
      severity: FindingSeverity,
      about: Omit<BasisFinding, 'code' | 'severity'>,
    ): void => {
      findings.push({ code, severity, ...about });
    };
    const excluded = new Set<string>();
    const time = now.getTime();

    for (const facts of this.#notable) {
      const { item, lineage } = facts;
      const stale = item.maxAgeMs !== undefined && time - facts.at > item.maxAgeMs;
      noteItemFindings({ item, lineage, foreign: facts.foreign, tenant, stale, rank, freshnessRank, actionClass, note, excluded });
    }

    const effective = (id: string): BasisAuthority => this.#lineage.get(id)?.effective ?? 'untrusted';

    // Contradiction, as scoreBasis decides it (only contradicting items can take part).
    noteContradictions({ candidates: this.#contradictors, byId: this.#byId, effective, excluded, note });

    const provenance: ArgumentProvenance[] = [];
    let weakest: number | undefined;
    for (const { path, kind, value } of options.consequential) {
      const leaves = traceableLeaves(value);
      if (leaves.length === 0) continue;
      let status: ArgumentProvenance['status'] = 'supported';
      let argumentSupport = 1;
      // scoreBasis's sources map, usable filter, best weight, trusted, low and support, in
      // one pass: an item found by several leaves is listed once, where it was first found
      // (with the same usability, the same source object).
      const sources: Source[] = [];
      const listed = leaves.length > 1 ? new Set<string>() : undefined;
      let support: BasisAuthority | null = null;
      let supportRank = -1;
      for (const leaf of leaves) {
        const containing = this.#containing(prepareNeedle(kind, leaf));
        let best = 0;
        let trusted = false;
        let low = false;
        for (const facts of containing) {
          const id = facts.item.id;
          const usable = excluded.size === 0 || !excluded.has(id);
          const source = usable
            ? (facts.usableSource ??= sourceOf(facts, true))
            : (facts.excludedSource ??= sourceOf(facts, false));
          if (listed === undefined) sources.push(source);
          else if (!listed.has(id)) {
            listed.add(id);
            sources.push(source);
          }
          if (usable) {
            best = Math.max(best, AUTHORITY_WEIGHT[facts.effective]);
            trusted ||= facts.rank >= trustedRank;
            if (facts.rank > supportRank) {
              supportRank = facts.rank;
              support = facts.effective;
            }
          }
          low ||= facts.rank < trustedRank;
        }
        argumentSupport = Math.min(argumentSupport, best);
        const leafStatus = trusted ? 'supported' : low ? 'tainted' : 'unsupported';
        if (leafStatus === 'tainted' || (leafStatus === 'unsupported' && status === 'supported'))
          status = leafStatus;
      }
      weakest = Math.min(weakest ?? 1, argumentSupport);
      provenance.push({ argument: path, kind, status, support, sources });
      const severity: FindingSeverity = rank >= 3 ? 'blocking' : rank === 2 ? 'warning' : 'info';
      // Written only for a finding that quotes it (scoreBasis writes it for every argument).
      const where = (): string =>
        sources
          .map((s) => `${s.id} (${s.kind} from ${this.#byId.get(s.id)?.source ?? '?'}, ${s.authority})`)
          .join(', ');
      if (status === 'tainted') {
        note('basis.tainted-argument', severity, {
          argument: path,
          text: `argument ${path} appears only in low-authority content: ${where()}`,
        });
      } else if (status === 'unsupported') {
        const text = where();
        note('basis.unsupported-argument', severity, {
          argument: path,
          text: `argument ${path} appears in no usable basis item${text === '' ? '' : ` (only in ${text})`}`,
        });
      }
    }

    if (items.length === 0)
      note('basis.empty', rank >= 2 ? 'blocking' : 'info', {
        text: 'no basis item stands behind this call',
      });
    let best = this.#stableWeight;
    if (weakest === undefined)
      for (const id of this.#volatile) if (!excluded.has(id)) best = Math.max(best, AUTHORITY_WEIGHT[effective(id)]);
    const score = Math.round((weakest ?? best) * 100) / 100;
    if (score < threshold)
      note('basis.insufficient', 'blocking', {
        text: `basis score ${score.toFixed(2)} is below the ${threshold.toFixed(2)} an ${actionClass} action requires`,
      });
    const sufficient =
      score >= threshold && !findings.some((finding) => finding.severity === 'blocking');

    const summaries = this.#usableSummaries.slice();
    const policyItems = this.#usablePolicyItems.slice();
    let joined: string | undefined;
    if (excluded.size > 0) {
      const lines = this.#usableLines.slice();
      for (const id of excluded) {
        const position = this.#position.get(id) as number;
        const facts = this.#facts[position] as ItemFacts;
        facts.excludedSummary ??= summaryOf(facts, false);
        facts.excludedLine ??= this.#line(facts, false);
        summaries[position] = facts.excludedSummary;
        policyItems[position] = facts.excludedPolicyItem ??= policyBasisItem(facts.excludedSummary);
        lines[position] = facts.excludedLine;
      }
      joined = lines.join(',');
    }
    // Frozen and registered: buildPolicyInput carries these lists as they are.
    keepPolicyItems(Object.freeze(summaries), Object.freeze(policyItems));
    for (const entry of provenance) keepSources(Object.freeze(entry.sources as Source[]));
    const body = reportBody({ actionClass, score, threshold, sufficient, findings, provenance, summaries });
    return { ...body, explanation: explainBasis(body), digest: this.#digest(body, joined) };
  }

  /** The items whose index holds `needle`, in order. */
  #containing(needle: ReturnType<typeof prepareNeedle>): ItemFacts[] {
    const found: ItemFacts[] = [];
    if (needle.mode === 'email') {
      // Every item holding all the needle's emails holds its first: search those only.
      const first = needle.emails[0];
      if (first === undefined) return found;
      const one = needle.emails.length === 1;
      for (const position of this.#emails.get(first) ?? []) {
        // Listed under its only email: the item holds it.
        if (one || needleIn(this.#indexes[position] as ItemIndex, needle)) found.push(this.#facts[position] as ItemFacts);
      }
      return found;
    }
    for (let position = 0; position < this.#items.length; position++) {
      if (needleIn(this.#indexes[position] as ItemIndex, needle)) found.push(this.#facts[position] as ItemFacts);
    }
    return found;
  }

  /**
   * `basisReportDigest(body)`: the same commitment text, with its items' part taken from
   * the kept lines — as UTF-8 kept per item when every item is usable (no text is
   * re-encoded), else joined from the kept lines with the excluded items' lines swapped in.
   */
  #digest(body: Omit<BasisReport, 'explanation' | 'digest'>, joined: string | undefined): BasisReport['digest'] {
    if (!this.#plain) return basisReportDigest(body);
    const findings = body.findings.map((f) => `${f.code} ${f.item ?? '-'} ${f.argument ?? '-'}`);
    const args = body.arguments.map((a) => `${a.argument} ${a.status} ${a.support ?? '-'}`);
    let head: string;
    let tail: string;
    try {
      head = `{"actionClass":${jcsString(body.actionClass)},"arguments":${jcsStrings(args)},"findings":${jcsStrings(findings)},"items":[`;
      tail = `],"score":${jcsNumber(body.score)},"sufficient":${jcsBoolean(body.sufficient)},"threshold":${jcsNumber(body.threshold)},"version":${jcsString(body.version)}}`;
    } catch {
      // Outside the fixed shape: the generic canonical text, as commitmentText falls back.
      return basisReportDigest(body);
    }
    if (joined !== undefined) return digestBytes(utf8(head + joined + tail));
    // The same bytes hashed in three parts (no copy of the items' part).
    return digestOfParts([utf8(head), this.#usableBytes.subarray(0, this.#usableByteLength), utf8(tail)]);
  }
}

/** `digestBytes` of the concatenation of `parts`, hashed part by part. */
export function digestOfParts(parts: readonly Uint8Array[]): Digest {
  const node = nodeCrypto();
  if (node) {
    const hash = node.createHash('sha256');
    for (const part of parts) hash.update(part);
    return `sha256:${hash.digest('hex')}`;
  }
  const hash = nobleSha256.create();
  for (const part of parts) hash.update(part);
  return `sha256:${toHex(hash.digest())}`;
}

function sourceOf(facts: ItemFacts, usable: boolean): Source {
  return Object.freeze({ id: facts.item.id, kind: facts.item.kind, authority: facts.effective, usable });
}

function summaryOf(facts: ItemFacts, usable: boolean): BasisItemSummary {
  const { item } = facts;
  return Object.freeze({
    id: item.id,
    kind: item.kind,
    source: item.source,
    authority: item.authority,
    effectiveAuthority: facts.effective,
    tenant: item.tenant ?? null,
    observedAt: item.observedAt,
    digest: item.digest,
    usable,
  });
}
