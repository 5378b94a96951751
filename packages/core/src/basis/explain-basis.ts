/**
 * The basis report in words: one headline and one line per finding that matters, written
 * for an approver or auditor who has never seen Rego.
 */
import type { BasisReport } from './basis-report.ts';
import { assertReportShape } from './report-shape.ts';

const ORDER = { blocking: 0, warning: 1, info: 2 } as const;

/** A readable explanation of a (partial) basis report. */
export function explainBasis(report: Omit<BasisReport, 'explanation' | 'digest'>): string {
  assertReportShape(report, { numbers: true });
  const verdict = report.sufficient ? 'sufficient' : 'insufficient';
  const headline = `Basis ${verdict} for an ${report.actionClass} action: score ${report.score.toFixed(2)} (required ${report.threshold.toFixed(2)}), ${report.items.length} item${report.items.length === 1 ? '' : 's'}.`;
  const lines = [...report.findings]
    .sort((a, b) => ORDER[a.severity] - ORDER[b.severity])
    .map((finding) => `- [${finding.severity}] ${finding.text} (${finding.code})`);
  const supported = report.arguments
    .filter((a) => a.status === 'supported')
    .map((a) => `${a.argument} (${a.support ?? 'none'})`);
  if (supported.length > 0) lines.push(`- supported arguments: ${supported.join(', ')}`);
  return [headline, ...lines].join('\n');
}
