/**
 * Step 3 of the flow ("basis"): scores the basis behind one call with the rules of
 * ARCHITECTURE.md — lineage (laundering), freshness, tenant scope, supersession,
 * contradiction, argument provenance and taint — against a per-class threshold.
 */
import { jcsBoolean, jcsNumber, jcsString, jcsStrings, writtenOr } from '../crypto/canonical-text.ts';
import { digestBytes } from '../crypto/digest.ts';
import { utf8 } from '../crypto/encoding.ts';
import type { Digest } from '../crypto/digest.ts';
import { WritError } from '../errors.ts';
import type { ActionClassId, BasisAuthority } from '../firewall/types.ts';
import { actionClassRank, isActionClass } from '../registry/action-class.ts';
import type { ConsequentialValue } from '../registry/classify-tool-call.ts';
import { AUTHORITY_WEIGHT, authorityRank, isAuthority } from './authority.ts';
import type { BasisItem } from './basis-item.ts';
import { resolveLineage } from './basis-lineage.ts';
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
import { indexOf, needleIn, prepareNeedle, traceableLeaves } from './trace-argument.ts';
import { assertReportShape } from './report-shape.ts';

/** Default score each class requires: observations need none; external effects need user-level support. */
export const DEFAULT_BASIS_THRESHOLDS: Readonly<Record<ActionClassId, number>> = Object.freeze({
  A0: 0,
  A1: 0,
  A2: 0.3,
  A3: 0.6,
  A4: 0.6,
  A5: 0.6,
});

/** Options of {@link scoreBasis}. */
export interface ScoreBasisOptions {
  /** The session's basis items (from a {@link BasisLedger}). */
  readonly items: readonly BasisItem[];
  readonly actionClass: ActionClassId;
  /** Consequential argument values of the call (from the classification). */
  readonly consequential: readonly ConsequentialValue[];
  /** Tenant of the principal; items of other tenants support nothing. */
  readonly tenant?: string;
  readonly now: Date;
  /** Per-class thresholds replacing {@link DEFAULT_BASIS_THRESHOLDS}. */
  readonly thresholds?: Partial<Record<ActionClassId, number>>;
  /** Lowest effective authority that clears a value of taint. Default `user`. */
  readonly trustedAuthority?: BasisAuthority;
  /** Lowest class for which stale items stop supporting. Default `A3`. */
  readonly freshnessFrom?: ActionClassId;
}

function invalid(parameter: string, message: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `${parameter} ${message}`, {
    details: { parameter },
  });
}

function check(options: ScoreBasisOptions): void {
  if (typeof options !== 'object' || options === null)
    throw invalid('options', 'must be an object');
  if (!Array.isArray(options.items))
    throw invalid('options.items', 'must be an array of basis items');
  if (!isActionClass(options.actionClass))
    throw invalid('options.actionClass', 'must be one of A0..A5');
  if (!Array.isArray(options.consequential))
    throw invalid('options.consequential', 'must be an array');
  if (!(options.now instanceof Date) || !Number.isFinite(options.now.getTime()))
    throw invalid('options.now', 'must be a valid Date');
  if (options.trustedAuthority !== undefined && !isAuthority(options.trustedAuthority))
    throw invalid('options.trustedAuthority', 'is not an authority');
  for (const [key, value] of Object.entries(options.thresholds ?? {})) {
    if (!isActionClass(key) || typeof value !== 'number' || !(value >= 0 && value <= 1))
      throw invalid(`options.thresholds.${key}`, 'must be a number in [0, 1]');
  }
}

/**
 * Scores the basis of one call.
 * @throws WritError `ERR_INVALID_ARGUMENT` naming the malformed option.
 * @example
 * ```ts
 * const report = scoreBasis({ items: ledger.items(), actionClass: 'A5', consequential: classification.consequential,
 *                             tenant: 'acme', now: new Date() });
 * report.sufficient; // false when the IBAN came only from an email the agent read
 * ```
 */
export function scoreBasis(options: ScoreBasisOptions): BasisReport {
  check(options);
  const { items, actionClass, tenant, now } = options;
  const rank = actionClassRank(actionClass);
  const trustedRank = authorityRank(options.trustedAuthority ?? 'user');
  const freshnessRank = actionClassRank(options.freshnessFrom ?? 'A3');
  const threshold = options.thresholds?.[actionClass] ?? DEFAULT_BASIS_THRESHOLDS[actionClass];
  const findings: BasisFinding[] = [];
  const note = (
    code: BasisFindingCode,
    severity: FindingSeverity,
    about: Omit<BasisFinding, 'code' | 'severity'>,
  ): void => {
    findings.push({ code, severity, ...about });
  };
  const byId = new Map(items.map((item) => [item.id, item]));
  const lineage = resolveLineage(items);
  const excluded = new Set<string>();

  for (const item of items) {
    const facts = lineage.get(item.id);
    if (!facts) continue;
    let foreign = false;
    if (tenant !== undefined) for (const t of facts.tenants) foreign ||= t !== tenant;
    const stale = item.maxAgeMs !== undefined && now.getTime() - Date.parse(item.observedAt) > item.maxAgeMs;
    noteItemFindings({ item, lineage: facts, foreign, tenant, stale, rank, freshnessRank, actionClass, note, excluded });
  }

  const effective = (id: string): BasisAuthority => lineage.get(id)?.effective ?? 'untrusted';
  noteContradictions({ candidates: items, byId, effective, excluded, note });

  const provenance: ArgumentProvenance[] = [];
  let weakest: number | undefined;
  for (const { path, kind, value } of options.consequential) {
    const leaves = traceableLeaves(value);
    if (leaves.length === 0) continue;
    let status: ArgumentProvenance['status'] = 'supported';
    let argumentSupport = 1;
    const sources = new Map<string, ArgumentProvenance['sources'][number]>();
    for (const leaf of leaves) {
      const needle = prepareNeedle(kind, leaf);
      const containing = items.filter((item) => needleIn(indexOf(item), needle));
      for (const item of containing)
        sources.set(item.id, {
          id: item.id,
          kind: item.kind,
          authority: effective(item.id),
          usable: !excluded.has(item.id),
        });
      const usable = containing.filter((item) => !excluded.has(item.id));
      const best = Math.max(0, ...usable.map((item) => AUTHORITY_WEIGHT[effective(item.id)]));
      argumentSupport = Math.min(argumentSupport, best);
      const trusted = usable.some((item) => authorityRank(effective(item.id)) >= trustedRank);
      const low = containing.some((item) => authorityRank(effective(item.id)) < trustedRank);
      const leafStatus = trusted ? 'supported' : low ? 'tainted' : 'unsupported';
      if (leafStatus === 'tainted' || (leafStatus === 'unsupported' && status === 'supported'))
        status = leafStatus;
    }
    weakest = Math.min(weakest ?? 1, argumentSupport);
    const usableSources = [...sources.values()].filter((source) => source.usable);
    const support =
      usableSources.length === 0
        ? null
        : usableSources.reduce((a, b) =>
            authorityRank(b.authority) > authorityRank(a.authority) ? b : a,
          ).authority;
    provenance.push({ argument: path, kind, status, support, sources: [...sources.values()] });
    const severity: FindingSeverity = rank >= 3 ? 'blocking' : rank === 2 ? 'warning' : 'info';
    const where = [...sources.values()]
      .map((s) => `${s.id} (${s.kind} from ${byId.get(s.id)?.source ?? '?'}, ${s.authority})`)
      .join(', ');
    if (status === 'tainted') {
      note('basis.tainted-argument', severity, {
        argument: path,
        text: `argument ${path} appears only in low-authority content: ${where}`,
      });
    } else if (status === 'unsupported') {
      note('basis.unsupported-argument', severity, {
        argument: path,
        text: `argument ${path} appears in no usable basis item${where === '' ? '' : ` (only in ${where})`}`,
      });
    }
  }

  const usableItems = items.filter((item) => !excluded.has(item.id));
  if (items.length === 0)
    note('basis.empty', rank >= 2 ? 'blocking' : 'info', {
      text: 'no basis item stands behind this call',
    });
  const score =
    Math.round(
      (weakest ?? Math.max(0, ...usableItems.map((item) => AUTHORITY_WEIGHT[effective(item.id)]))) *
        100,
    ) / 100;
  if (score < threshold)
    note('basis.insufficient', 'blocking', {
      text: `basis score ${score.toFixed(2)} is below the ${threshold.toFixed(2)} an ${actionClass} action requires`,
    });
  const sufficient =
    score >= threshold && !findings.some((finding) => finding.severity === 'blocking');

  const summaries: BasisItemSummary[] = items.map((item) => ({
    id: item.id,
    kind: item.kind,
    source: item.source,
    authority: item.authority,
    effectiveAuthority: effective(item.id),
    tenant: item.tenant ?? null,
    observedAt: item.observedAt,
    digest: item.digest,
    usable: !excluded.has(item.id),
  }));
  const body = reportBody({ actionClass, score, threshold, sufficient, findings, provenance, summaries });
  return { ...body, explanation: explainBasis(body), digest: basisReportDigest(body) };
}

/** A report without its explanation and digest, from its parts (both scorers build it so). */
export function reportBody(parts: {
  readonly actionClass: ActionClassId;
  readonly score: number;
  readonly threshold: number;
  readonly sufficient: boolean;
  readonly findings: BasisFinding[];
  readonly provenance: ArgumentProvenance[];
  readonly summaries: BasisItemSummary[];
}): Omit<BasisReport, 'explanation' | 'digest'> {
  const { provenance } = parts;
  return {
    version: 'writ.basis/v1',
    actionClass: parts.actionClass,
    score: parts.score,
    threshold: parts.threshold,
    sufficient: parts.sufficient,
    findings: parts.findings,
    arguments: provenance,
    tainted: provenance.filter((p) => p.status === 'tainted').map((p) => p.argument),
    items: parts.summaries,
  };
}

/**
 * The digest bound into the action token as `basis.digest`: SHA-256 over the canonical
 * *commitment form* of a report — version, class, score, threshold, verdict, each item as
 * `id digest effectiveAuthority usable`, each finding as `code item argument`, each argument
 * as `path status support`. Texts and the explanation are derived from these and are left
 * out, which keeps the digest cheap (a handful of strings per item) and stable across
 * wording changes. Recompute it from a stored report to check the binding.
 */
export function basisReportDigest(report: Omit<BasisReport, 'explanation' | 'digest'>): Digest {
  assertReportShape(report, { numbers: false });
  return digestBytes(utf8(commitmentText(basisCommitment(report))));
}

/** The commitment form of a report (what {@link basisReportDigest} hashes). */
export function basisCommitment(report: Omit<BasisReport, 'explanation' | 'digest'>): BasisCommitment {
  return {
    version: report.version,
    actionClass: report.actionClass,
    score: report.score,
    threshold: report.threshold,
    sufficient: report.sufficient,
    items: report.items.map(
      (i) => `${i.id} ${i.digest} ${i.effectiveAuthority} ${i.usable ? 1 : 0}`,
    ),
    findings: report.findings.map((f) => `${f.code} ${f.item ?? '-'} ${f.argument ?? '-'}`),
    arguments: report.arguments.map((a) => `${a.argument} ${a.status} ${a.support ?? '-'}`),
  };
}

/** The commitment form of a basis report. */
export interface BasisCommitment {
  readonly version: unknown;
  readonly actionClass: unknown;
  readonly score: unknown;
  readonly threshold: unknown;
  readonly sufficient: unknown;
  readonly items: readonly string[];
  readonly findings: readonly string[];
  readonly arguments: readonly string[];
}

/**
 * RFC 8785 text of the commitment form, written for its fixed shape (keys in sorted order);
 * anything outside it (a stored report with a non-finite score, say) goes through the
 * generic canonicalizer. Property-tested equal to `canonicalize`.
 */
export function commitmentText(c: BasisCommitment): string {
  return writtenOr(
    () =>
      `{"actionClass":${jcsString(c.actionClass)},"arguments":${jcsStrings(c.arguments)},"findings":${jcsStrings(c.findings)},"items":${jcsStrings(c.items)},` +
      `"score":${jcsNumber(c.score)},"sufficient":${jcsBoolean(c.sufficient)},"threshold":${jcsNumber(c.threshold)},"version":${jcsString(c.version)}}`,
    () => c,
  );
}
