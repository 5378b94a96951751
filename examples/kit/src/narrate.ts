import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GuardResult } from '@writ/core';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Where an example writes its transcript: `out/transcripts/<example>-<mode>/` at the repository root. */
export function transcriptDir(example: string, mode: string): string {
  return `${repoRoot}out/transcripts/${example}-${mode}`;
}

/** `tool {a: 1, b: "x"}` in one short line. */
export function describeCall(tool: string, args: unknown): string {
  const text = JSON.stringify(args) ?? '';
  return `${tool} ${text.length > 140 ? `${text.slice(0, 137)}...` : text}`;
}

/** What Writ decided, in plain words. */
export function describeVerdict(result: GuardResult): string {
  const why = result.reasons.map((reason) => reason.text).join('; ');
  switch (result.verdict) {
    case 'execute': {
      if (result.wouldHave !== undefined) {
        return `ran (${result.mode} mode) — enforce would have ${result.wouldHave === 'block' ? 'BLOCKED' : 'ASKED FOR APPROVAL'}: ${result.warning ?? why}`;
      }
      return `allowed${result.tokenId === undefined ? ' (observation, no token needed)' : ` — token ${result.tokenId} released`}${why ? `: ${why}` : ''}`;
    }
    case 'block':
      return `BLOCKED — ${result.reason}`;
    case 'approval-required':
      return `NEEDS APPROVAL — ${result.pending.summary}; ${result.pending.policyReason}`;
  }
}

/** Runs `writ verify DIR --trust-root DIR/trust-root.json` and returns its verdict line. */
export function verifyWithCli(dir: string): { readonly ok: boolean; readonly output: string } {
  const cli = fileURLToPath(new URL('../../../packages/cli/bin/writ.js', import.meta.url));
  const child = spawnSync(process.execPath, [cli, 'verify', dir, '--trust-root', `${dir}/trust-root.json`], { encoding: 'utf8' });
  return { ok: child.status === 0, output: `${child.stdout}${child.stderr}`.trim() };
}

/**
 * Reads `--mode shadow|advisory|enforce` (default enforce) from an example's command line; any
 * other value ends the process with a one-line usage error (exit 2), not a stack trace.
 */
export function modeFromArgs(argv: readonly string[], exit: (message: string) => never = usageExit): 'shadow' | 'advisory' | 'enforce' {
  const index = argv.indexOf('--mode');
  const value = index === -1 ? 'enforce' : argv[index + 1];
  if (value !== 'shadow' && value !== 'advisory' && value !== 'enforce') {
    return exit(`--mode must be shadow, advisory or enforce (got ${value === undefined ? 'nothing' : JSON.stringify(value)})`);
  }
  return value;
}

function usageExit(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
