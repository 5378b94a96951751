/**
 * Shape check of a (partial) basis report handed to the exported helpers that read one
 * (`explainBasis`, `basisReportDigest`): a malformed report is refused with a WritError
 * naming the field instead of a TypeError from deep inside.
 */
import { invalidArgument } from '../invalid-argument.ts';

/** @throws `ERR_INVALID_ARGUMENT` naming `report` or the malformed field. */
export function assertReportShape(report: unknown, options: { readonly numbers: boolean }): void {
  if (typeof report !== 'object' || report === null) throw invalidArgument('report', 'must be a basis report');
  const fields = report as Record<string, unknown>;
  for (const list of ['items', 'findings', 'arguments'] as const) {
    const value = fields[list];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'object' && item !== null)) {
      throw invalidArgument(`report.${list}`, 'must be an array of objects');
    }
  }
  if (options.numbers) {
    for (const number of ['score', 'threshold'] as const) {
      if (typeof fields[number] !== 'number') throw invalidArgument(`report.${number}`, 'must be a number');
    }
  }
}
