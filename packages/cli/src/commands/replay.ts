/**
 * `writ replay TRANSCRIPT --policy PATH [--policy PATH...] [--inputs FILE] [--fail-on KIND[,KIND...]]... [--json]`
 *
 * Re-evaluates every recorded decision from its logged policy input (`policy-inputs.jsonl`
 * beside the entries). Decisions recorded under the loaded policy's digest must reproduce
 * exactly (else: drift); the others are a what-if, grouped by change, tool and reason.
 * Exit codes: 0 replayed, nothing to gate on · 1 drift, a decision without its input or a
 * policy error, or a change named by `--fail-on` · 2 usage (missing or malformed files).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { ENTRIES_FILE, isWritError } from '@writ/core';
import { loadPolicy } from '@writ/policy';
import { EXIT, UsageError, collectRepeated, describeError, isFileError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { entryTexts } from '../lib/entry-texts.ts';
import { POLICY_INPUTS_FILE, decisionKey, readPolicyInputs } from '../lib/policy-input-log.ts';
import { CHANGE_KINDS, decisionOf, replayDecisions } from '../lib/replay-transcript.ts';
import type { ChangeKind, RecordedDecision, ReplayResult, ReplayedDecision } from '../lib/replay-transcript.ts';

/** Options of {@link replayAction}. */
export interface ReplayCommandOptions {
  readonly policy: readonly string[];
  readonly inputs?: string;
  readonly failOn?: readonly string[];
  readonly json?: boolean;
}

const LABEL: Record<ChangeKind, string> = {
  'allow-to-deny': 'allow → deny',
  'allow-to-approval': 'allow → approval (new approvals)',
  'deny-to-allow': 'deny → allow',
  'deny-to-approval': 'deny → approval',
  'approval-to-allow': 'approval → allow',
  'approval-to-deny': 'approval → deny',
  'detail-changed': 'same outcome, different reasons or constraints',
  'policy-error': 'policy failed on the input',
  'no-input': 'no logged input (cannot replay)',
  same: 'unchanged',
};

/** One row of the what-if table: a change, a tool and the reasons behind the new decision. */
export interface ChangeGroup {
  readonly change: ChangeKind;
  readonly tool: string;
  readonly reasons: string;
  readonly count: number;
  readonly examples: readonly { seq: number; sessionId: string; callId: string }[];
}

/** Group changed decisions by change kind, tool and reason codes (most frequent first). */
export function groupChanges(decisions: readonly ReplayedDecision[]): ChangeGroup[] {
  const groups = new Map<string, { change: ChangeKind; tool: string; reasons: string; count: number; examples: { seq: number; sessionId: string; callId: string }[] }>();
  for (const d of decisions) {
    if (d.change === 'same') continue;
    // The reasons of the side that now refuses or asks explain the change best.
    const codes = d.change === 'deny-to-allow' || d.change === 'approval-to-allow' ? d.recorded.reasons : (d.replayed?.reasons ?? d.recorded.reasons);
    const reasons = [...new Set(codes)].join(', ') || '(no reason)';
    const id = `${d.change}\u0000${d.tool}\u0000${reasons}`;
    const group = groups.get(id) ?? { change: d.change, tool: d.tool, reasons, count: 0, examples: [] };
    group.count += 1;
    if (group.examples.length < 3) group.examples.push({ seq: d.seq, sessionId: d.sessionId, callId: d.callId });
    groups.set(id, group);
  }
  const order = (kind: ChangeKind) => CHANGE_KINDS.indexOf(kind);
  return [...groups.values()].sort((a, b) => order(a.change) - order(b.change) || b.count - a.count || a.tool.localeCompare(b.tool));
}

function describe(result: ReplayResult, groups: readonly ChangeGroup[]): string {
  const total = result.decisions.length;
  const same = result.decisions.filter((d) => d.samePolicy).length;
  const lines = [`replayed ${total} decision(s) under policy ${result.policyDigest}`];
  if (same > 0) lines.push(`  reproduce: ${same} recorded under this policy — ${result.drift === 0 ? 'all reproduced exactly' : `${result.drift} DRIFT`}`);
  if (total - same > 0) lines.push(`  what-if:   ${total - same} recorded under another policy`);
  lines.push('', 'change                                          count');
  for (const kind of CHANGE_KINDS) if (result.counts[kind] > 0) lines.push(`  ${LABEL[kind].padEnd(46)}${String(result.counts[kind]).padStart(5)}`);
  if (groups.length > 0) {
    lines.push('', 'by tool and reason:');
    let current: ChangeKind | undefined;
    for (const g of groups) {
      if (g.change !== current) lines.push(`  ${LABEL[g.change]}`);
      current = g.change;
      const examples = g.examples.map((e) => `#${e.seq} ${e.callId}`).join(', ');
      lines.push(`    ${g.tool.padEnd(22)} ×${String(g.count).padEnd(4)} ${g.reasons}   e.g. ${examples}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The decisions of the transcript at `target`, its entries streamed (an entries file can hold
 * gigabytes; a FIFO planted as entries.jsonl is refused, not waited on): only `decision-made`
 * entries are kept.
 */
async function readDecisions(target: string, cwd: string): Promise<{ dir: string; decisions: RecordedDecision[] }> {
  const dir = resolve(cwd, target);
  if (!existsSync(dir)) throw new UsageError(`${target}: no such file or directory`, 'ENOENT');
  if (!statSync(dir).isDirectory() || !existsSync(join(dir, ENTRIES_FILE))) throw new UsageError(`${target}: not a transcript directory (no ${ENTRIES_FILE})`);
  const decisions: RecordedDecision[] = [];
  let line = 0;
  for await (const text of entryTexts(dir, target)) {
    line += 1;
    const decision = decisionOf(text, line);
    if (decision !== undefined) decisions.push(decision);
  }
  return { dir, decisions };
}

function failOnKinds(values: readonly string[] | undefined): Set<ChangeKind> {
  const kinds = new Set<ChangeKind>();
  for (const value of (values ?? []).flatMap((v) => v.split(','))) {
    if (value === 'any') CHANGE_KINDS.filter((k) => k !== 'same').forEach((k) => kinds.add(k));
    else if ((CHANGE_KINDS as readonly string[]).includes(value) && value !== 'same') kinds.add(value as ChangeKind);
    else throw new UsageError(`--fail-on ${value}: expected any or one of ${CHANGE_KINDS.filter((k) => k !== 'same').join(', ')}`);
  }
  return kinds;
}

/** Run `writ replay`. Sets the exit code; never throws for bad input. */
export async function replayAction(target: string, options: ReplayCommandOptions, context: CommandContext = processContext()): Promise<void> {
  try {
    const failOn = failOnKinds(options.failOn);
    const { dir, decisions } = await readDecisions(target, context.cwd);
    // Only the inputs of these decisions are held; the kept log is refused if a link, a
    // --inputs one the user named is followed.
    const keys = new Set(decisions.map(({ body }) => decisionKey(body)));
    const inputs = await readPolicyInputs(resolve(context.cwd, options.inputs ?? join(dir, POLICY_INPUTS_FILE)), { followLink: options.inputs !== undefined, keep: (key) => keys.has(key) });
    const policy = await loadPolicy({ paths: options.policy, cwd: context.cwd });
    const bar = context.interactive && options.json !== true && decisions.length > 2000 ? new SingleBar({ format: 'replaying [{bar}] {value}/{total} decisions', stream: process.stderr }) : undefined;
    const result = await replayDecisions({
      decisions,
      inputs,
      policy,
      onProgress: (done, total) => (done === 1 ? bar?.start(total, done) : bar?.update(done)),
    });
    bar?.stop();
    const groups = groupChanges(result.decisions);
    const gated = [...failOn].filter((kind) => result.counts[kind] > 0);
    const incomplete = result.counts['no-input'] + result.counts['policy-error'];
    if (options.json === true) {
      context.stdout(`${JSON.stringify({ policyDigest: result.policyDigest, total: result.decisions.length, drift: result.drift, counts: result.counts, groups, failedOn: gated, decisions: result.decisions }, null, 2)}\n`);
    } else {
      context.stdout(describe(result, groups));
      if (gated.length > 0) context.stderr(`writ replay: --fail-on matched: ${gated.join(', ')}\n`);
      if (incomplete > 0) context.stderr(`writ replay: ${incomplete} decision(s) could not be replayed\n`);
    }
    context.setExitCode(result.drift > 0 || gated.length > 0 || incomplete > 0 ? EXIT.invalid : EXIT.ok);
  } catch (error) {
    const usage = error instanceof UsageError || isWritError(error) || isFileError(error);
    context.stderr(`writ replay: ${describeError(error)}\n`);
    context.setExitCode(usage ? EXIT.usage : EXIT.invalid);
  }
}

/** Register `writ replay`. */
export function registerReplayCommand(program: Command, context?: CommandContext): Command {
  return program
    .command('replay')
    .description('re-evaluate every recorded decision: reproduce (drift check) or what-if under a new policy')
    .argument('<transcript>', 'transcript directory (entries.jsonl + policy-inputs.jsonl)')
    .requiredOption('--policy <path>', 'policy directory, Rego files, bundle or wasm to replay under (repeat for more)', collectRepeated)
    .option('--inputs <file>', `policy-input log (default: TRANSCRIPT/${POLICY_INPUTS_FILE})`)
    .option('--fail-on <kinds>', 'exit 1 when any decision changes this way (any, allow-to-deny, allow-to-approval, deny-to-allow, …; comma-separated or repeated)', collectRepeated)
    .option('--json', 'print counts, groups and every replayed decision as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  writ replay out/transcripts/prod --policy npm:@writ/policies --policy policy   # drift check\n  writ replay out/transcripts/shadow --policy npm:@writ/policies --policy policy-next --fail-on allow-to-deny\n  writ replay out/t --policy npm:@writ/policies --policy policy --json | jq .groups\n',
    )
    .action(async (transcript: string, options: ReplayCommandOptions) => {
      await replayAction(transcript, options, context);
    });
}
