/**
 * `writ report TRANSCRIPT... [--html FILE] [--json]` — the §27 metrics of one or more
 * transcript directories, in the terminal, as JSON, and as one self-contained HTML file.
 * Exit codes: 0 report printed · 2 usage (missing directory, malformed transcript, bad option).
 */
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { ENTRIES_FILE } from '@writ/core';
import { EXIT, UsageError, describeError, fileUsageError, isFileError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { entryTexts } from '../lib/entry-texts.ts';
import { renderReportHtml } from '../lib/report-html.ts';
import { transcriptMetrics } from '../lib/transcript-metrics.ts';
import type { TranscriptMetrics } from '../lib/transcript-metrics.ts';

/** Options of {@link reportAction}. */
export interface ReportCommandOptions {
  readonly html?: string;
  readonly json?: boolean;
  /** Time shown in the HTML (tests pass a fixed one). Default: now. */
  readonly now?: Date;
}

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

/** The terminal form of the metrics. */
export function describeMetrics(m: TranscriptMetrics): string {
  const findings = Object.entries(m.basis.findings).sort((a, b) => b[1] - a[1]);
  const lines = [
    `${m.transcripts} transcript(s), ${m.entries} entries, ${m.sessions} session(s)`,
    `protected actions      ${m.decisions} judged, ${m.consequential} consequential (A2–A5)`,
    `outcomes               released ${m.outcomes.released} · constrained ${m.outcomes.constrained} · approval ${m.outcomes.approval} · blocked ${m.outcomes.blocked}`,
    `enforced verdicts      executed ${m.verdicts.execute} · held for approval ${m.verdicts.approvalRequired} · blocked ${m.verdicts.block}`,
    `shadow would-have      blocked ${m.shadow.wouldHaveBlocked} · asked approval ${m.shadow.wouldHaveAskedApproval} (of ${m.shadow.decisions} shadow/advisory decisions)`,
    `basis failure rate     ${pct(m.basis.rate)} (${m.basis.failed}/${m.consequential}); stopped because the basis failed: ${m.basis.stoppedByBasis}`,
    ...findings.map(([code, count]) => `  ${code.padEnd(30)} ${count}`),
    `taint detections       ${m.taint.arguments} tainted argument(s) in ${m.taint.decisions} decision(s); ${m.taint.detectedEffects} detected effect(s)`,
    `token coverage         ${pct(m.coverage.tokenRate)} (${m.coverage.withToken}/${m.coverage.effects} consequential effects)`,
    `receipt coverage       ${pct(m.coverage.receiptRate)} (${m.coverage.withReceipt}/${m.coverage.effects})`,
    `reconciliation         ${m.reconciliation.total === 0 ? 'none recorded' : `${pct(m.reconciliation.rate)} (${m.reconciliation.reconciled}/${m.reconciliation.total})`}`,
    `approvals / denials    ${m.approvals} approval(s) recorded · ${m.denials} signed denial(s)`,
    `rollbacks              ${m.rollbacks.total} (${m.rollbacks.compensated} compensated, ${m.rollbacks.residue} residue item(s))`,
    `unfinished releases    ${m.unfinished.flagged === 0 ? 'none' : `${m.unfinished.flagged} found without an outcome · resolved executed ${m.unfinished.executed} · not executed ${m.unfinished.notExecuted} · open ${m.unfinished.open} · resolutions signed by an approver ${m.unfinished.signed} · unsigned ${m.unfinished.unsigned}`}`,
    `latency overhead       decision → release p50 ${m.releaseLatencyMs.p50 ?? '—'} ms, p95 ${m.releaseLatencyMs.p95 ?? '—'} ms (${m.releaseLatencyMs.count} releases)`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * A transcript named on the command line, its lines streamed as the metrics read them (an
 * entries file can hold gigabytes: never read whole). Checked up front, so a bad name is
 * reported before any transcript is read; `done` is called once its lines are all read.
 */
function readTranscript(target: string, cwd: string, done: () => void): { name: string; lines: AsyncIterable<string> } {
  const dir = resolve(cwd, target);
  if (!existsSync(dir)) throw new UsageError(`${target}: no such file or directory`, 'ENOENT');
  if (!statSync(dir).isDirectory() || !existsSync(join(dir, ENTRIES_FILE))) throw new UsageError(`${target}: not a transcript directory (no ${ENTRIES_FILE})`);
  async function* lines(): AsyncGenerator<string> {
    // Up to the zeros a live or crashed writer's file ends in (ADR 0028): not lines.
    yield* entryTexts(dir, target);
    done();
  }
  return { name: target, lines: lines() };
}

/** Run `writ report`. Sets the exit code; never throws for bad input. */
export async function reportAction(targets: readonly string[], options: ReportCommandOptions, context: CommandContext = processContext()): Promise<void> {
  try {
    if (targets.length === 0) throw new UsageError('name at least one transcript directory');
    const bar = context.interactive && options.json !== true && targets.length > 3 ? new SingleBar({ format: 'reading [{bar}] {value}/{total} transcripts', stream: process.stderr }) : undefined;
    const transcripts = targets.map((target) => readTranscript(target, context.cwd, () => bar?.increment()));
    bar?.start(targets.length, 0);
    let metrics;
    try {
      metrics = await transcriptMetrics(transcripts);
    } finally {
      bar?.stop();
    }
    if (options.html !== undefined) {
      const html = renderReportHtml(metrics, { sources: targets, generated: (options.now ?? new Date()).toISOString() });
      try {
        await writeFile(resolve(context.cwd, options.html), html);
      } catch (error) {
        throw isFileError(error) ? fileUsageError(`--html ${options.html}: cannot write the file`, error) : error;
      }
    }
    if (options.json === true) context.stdout(`${JSON.stringify(metrics, null, 2)}\n`);
    else context.stdout(describeMetrics(metrics));
    if (options.html !== undefined && options.json !== true) context.stderr(`wrote ${options.html}\n`);
    context.setExitCode(EXIT.ok);
  } catch (error) {
    context.stderr(`writ report: ${describeError(error)}\n`);
    context.setExitCode(error instanceof UsageError || isFileError(error) ? EXIT.usage : EXIT.invalid);
  }
}

/** Register `writ report`. */
export function registerReportCommand(program: Command, context?: CommandContext): Command {
  return program
    .command('report')
    .description('the firewall metrics of one or more transcripts, in the terminal, as JSON or as an HTML page')
    .argument('<transcripts...>', 'transcript directories')
    .option('--html <file>', 'also write a self-contained HTML report with charts')
    .option('--json', 'print the metrics as JSON')
    .addHelpText('after', '\nExamples:\n  writ report out/transcripts/shadow\n  writ report out/t/* --html report.html\n  writ report out/t/prod --json | jq .coverage\n')
    .action(async (transcripts: string[], options: ReportCommandOptions) => {
      await reportAction(transcripts, options, context);
    });
}
