/**
 * `writ decide --policy PATH [--policy PATH...] [--tools FILE] [--json] REQUEST.json` — print the decision (and
 * the basis report) a policy gives one action request, for policy authors and tests.
 * Nothing is signed, stored or executed.
 *
 * REQUEST.json: `{ tool, args, principal?, agent?, basis?: [items], mode?, now?, history?, budgets? }`
 * (see `decideRequest` in @writ/core). Exit codes: 0 a decision was printed (whatever it
 * is) · 1 the policy failed (evaluation error, malformed decision document) · 2 the command
 * could not run (missing or malformed file, bad arguments).
 */
import type { Command } from 'commander';
import { createToolRegistry, decideRequest, isWritError, parseToolRegistry } from '@writ/core';
import type { DecideResult } from '@writ/core';
import { loadPolicy } from '@writ/policy';
import type { CommandContext } from '../cli-context.ts';
import { EXIT, UsageError, collectRepeated, describeError, isFileError, processContext } from '../cli-context.ts';
import { readNamedEvidenceFile } from '../trust-root-file.ts';

/** Options of {@link decideAction}. */
export interface DecideCommandOptions {
  /** Policy directory, files, bundle or wasm (as `loadPolicy` takes them). */
  readonly policy: readonly string[];
  /** Tools file: `{ tools: [...], egressAllowlist?: [...] }` or an array of declarations. */
  readonly tools?: string;
  readonly json?: boolean;
}

// The request's or the files' fault (exit 2). ERR_POLICY_INPUT_INVALID: the policy input built
// from the request is malformed (a budget without a limit, non-canonical arguments).
const USAGE_CODES = new Set(['ERR_INVALID_ARGUMENT', 'ERR_TOOL_DECLARATION_INVALID', 'ERR_BASIS_ITEM_INVALID', 'ERR_BASIS_ITEM_DUPLICATE', 'ERR_POLICY_NOT_FOUND', 'ERR_POLICY_INPUT_INVALID']);

/**
 * The most bytes a request or tools file is read up to (32 MiB). A request's arguments are at
 * most 1 Mi characters (up to 4 MiB of UTF-8, up to ~6x that escaped in JSON) beside its basis
 * items and history; a tool registry is far smaller. A larger file is refused unread.
 */
export const MAX_DECIDE_FILE_BYTES = 32 * 1024 * 1024;

async function readJson(path: string, context: CommandContext, what: string): Promise<unknown> {
  // Bounded, and refused unless a regular file (a link named is followed): a FIFO named here
  // blocked a plain readFile forever, and a huge file was read whole.
  const text = await readNamedEvidenceFile({ path, cwd: context.cwd, maxBytes: MAX_DECIDE_FILE_BYTES, what: `cannot read ${what} ${path}`, tooLarge: `larger than ${MAX_DECIDE_FILE_BYTES} bytes, more than any ${what} holds` });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${what} ${path} is not JSON`);
  }
}

/** The tool registry of `--tools FILE`; a malformed one is a usage error naming the file. */
function toolRegistryFrom(document: unknown, path: string): ReturnType<typeof parseToolRegistry> {
  try {
    return parseToolRegistry(document);
  } catch (error) {
    // parseToolRegistry names its parameter (`options.tools`); here that is the file's `tools`.
    if (isWritError(error)) throw new UsageError(`tools file ${path}: ${error.message.replace(/^options\./u, '')}`, error.code);
    throw error;
  }
}

function describe(result: DecideResult): string {
  const { decision, basis, classification } = result;
  const lines = [
    `decision: ${decision.decision}${decision.risk === undefined ? '' : ` (risk ${decision.risk})`}`,
    ...decision.reasons.map((r) => `  - ${r.code}: ${r.text}`),
    `action: ${classification.tool} class ${classification.actionClass}; effects declared [${classification.declaredEffects.join(', ')}] detected [${classification.detectedEffects.join(', ')}]`,
    `basis: score ${basis.score} / ${basis.threshold} (${basis.sufficient ? 'sufficient' : 'insufficient'})${basis.tainted.length > 0 ? `; tainted: ${basis.tainted.join(', ')}` : ''}`,
    ...basis.findings.map((f) => `  - ${f.code}: ${f.text}`),
  ];
  if (decision.approval !== undefined) {
    lines.push(`approval: rule ${decision.approval.rule}, ${decision.approval.threshold} of [${decision.approval.roles.join(', ')}]${decision.approval.separationOfDuties ? ', separation of duties' : ''}`);
  }
  lines.push(`intent: ${result.intentDigest}`, `policy: ${result.policyDigest}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Run `writ decide` for `requestPath`.
 * @returns nothing; the exit code goes through `context.setExitCode`.
 */
export async function decideAction(requestPath: string, options: DecideCommandOptions, context: CommandContext = processContext()): Promise<void> {
  try {
    if (options.policy.length === 0) throw new UsageError('--policy is required');
    const request = await readJson(requestPath, context, 'request');
    const registry = options.tools === undefined ? createToolRegistry({ tools: [] }) : toolRegistryFrom(await readJson(options.tools, context, 'tools file'), options.tools);
    const policy = await loadPolicy({ paths: options.policy, cwd: context.cwd });
    const result = await decideRequest({ policy, registry, request });
    if (options.json === true) {
      const { decision, basis, classification, intentDigest, policyDigest } = result;
      context.stdout(`${JSON.stringify({ decision, basis, classification, intentDigest, policyDigest }, null, 2)}\n`);
    } else {
      context.stdout(describe(result));
    }
    context.setExitCode(EXIT.ok);
  } catch (error) {
    const usage = error instanceof UsageError || isFileError(error) || (isWritError(error) && USAGE_CODES.has(error.code));
    context.stderr(`writ decide: ${describeError(error)}\n`);
    context.setExitCode(usage ? EXIT.usage : EXIT.invalid);
  }
}

/** Register `writ decide`. */
export function registerDecideCommand(program: Command, context?: CommandContext): Command {
  return program
    .command('decide')
    .description('print the decision and basis report a policy gives one action request')
    .argument('<request>', 'action request JSON file')
    .requiredOption('--policy <path>', 'policy directory, Rego files, bundle or wasm (repeat for more: --policy DIR --policy data.json)', collectRepeated)
    .option('--tools <file>', 'tool registry JSON file')
    .option('--json', 'print the decision, basis report and classification as JSON')
    .action(async (request: string, options: { policy: string[]; tools?: string; json?: boolean }) => {
      await decideAction(request, options, context);
    });
}
