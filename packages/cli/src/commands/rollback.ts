/**
 * `writ rollback TOKEN-ID --transcript DIR --registry MODULE [--key NAME] [--keys-dir DIR] [--json]`
 *
 * Runs the registered compensation for the effect released by a token, after the process that
 * executed it is gone. The effect is found in the transcript (`effect-executed` with that
 * token), its arguments in the policy-input log (`policy-inputs.jsonl`, see `writ replay`),
 * its compensation in MODULE: an ES module exporting `reconcilers` (or a default export) of
 * the same shape as `createFirewall`'s `reconcilers` option — `{ [tool]: { compensate(ctx) } }`.
 * The outcome is appended as `effect-rolled-back` and a checkpoint signed with the ledger key.
 * Exit codes: 0 compensated · 1 residue remains (partial, not compensable, failed) · 2 usage.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { ENTRIES_FILE, FileLedgerStore, Ledger, createSigner, isWritError } from '@writ/core';
import type { Compensation, JsonObject } from '@writ/core';
import { EXIT, UsageError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { loadKey } from '../lib/key-store.ts';
import { POLICY_INPUTS_FILE, decisionKey, readPolicyInputs } from '../lib/policy-input-log.ts';

/** Options of {@link rollbackAction}. */
export interface RollbackOptions {
  readonly transcript: string;
  readonly registry: string;
  readonly key?: string;
  readonly keysDir?: string;
  readonly json?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => Date;
}

interface Effect {
  sessionId: string;
  callId: string;
  intentDigest: string;
  tool: string;
}

async function findEffect(dir: string, tokenId: string): Promise<Effect> {
  let effect: Effect | undefined;
  let tool: string | undefined;
  // A live or crashed writer's file ends in zeros it wrote ahead (ADR 0028): not lines.
  for (const [index, line] of (await readFile(join(dir, ENTRIES_FILE), 'utf8')).replace(/\0+$/u, '').split('\n').entries()) {
    if (line.trim() === '') continue;
    let entry: { type?: unknown; body?: Record<string, unknown> };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      throw new UsageError(`entry ${index + 1}: not JSON (is this a transcript?)`);
    }
    const body = entry.body ?? {};
    if (body.tokenId !== tokenId) continue;
    if (entry.type === 'token-issued' && typeof body.tool === 'string') tool = body.tool;
    if (entry.type === 'effect-executed' && body.status === 'succeeded') {
      effect = { sessionId: String(body.sessionId), callId: String(body.callId), intentDigest: String(body.intentDigest), tool: tool ?? '' };
    }
    if (entry.type === 'effect-rolled-back') throw new UsageError(`token ${tokenId}: its effect was already rolled back (status ${String(body.status)})`);
  }
  if (effect === undefined) throw new UsageError(`token ${tokenId}: no successful effect-executed entry in this transcript`);
  return effect;
}

async function loadReconcilers(path: string): Promise<Record<string, { compensate?: (ctx: unknown) => unknown }>> {
  let module: { reconcilers?: unknown; default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as typeof module;
  } catch {
    throw new UsageError(`--registry ${path}: cannot import the module`);
  }
  const reconcilers = module.reconcilers ?? module.default;
  if (typeof reconcilers !== 'object' || reconcilers === null) throw new UsageError(`--registry ${path}: export reconcilers (tool → { compensate })`);
  return reconcilers as Record<string, { compensate?: (ctx: unknown) => unknown }>;
}

async function compensate(reconciler: { compensate?: (ctx: unknown) => unknown } | undefined, context: object): Promise<Required<Compensation>> {
  if (typeof reconciler?.compensate !== 'function') return { status: 'not-compensable', residue: ['no compensation registered for this tool; its effect remains'] };
  try {
    const result = (await reconciler.compensate(context)) as Partial<Compensation> | null;
    if (result === null || typeof result !== 'object' || !['compensated', 'partial', 'not-compensable'].includes(String(result.status))) {
      return { status: 'partial', residue: ['compensation returned no valid status'] };
    }
    return { status: result.status!, residue: Array.isArray(result.residue) ? result.residue.map(String) : [] };
  } catch {
    return { status: 'not-compensable', residue: ['the compensation threw; the effect remains'] };
  }
}

/** Run `writ rollback`. Sets the exit code; never throws for bad input. */
export async function rollbackAction(tokenId: string, options: RollbackOptions, context: CommandContext = processContext()): Promise<void> {
  try {
    const dir = resolve(context.cwd, options.transcript);
    if (!existsSync(join(dir, ENTRIES_FILE))) throw new UsageError(`${options.transcript}: not a transcript directory (no ${ENTRIES_FILE})`);
    const effect = await findEffect(dir, tokenId);
    const record = (await readPolicyInputs(join(dir, POLICY_INPUTS_FILE))).get(decisionKey(effect))?.at(-1);
    if (record === undefined) throw new UsageError(`token ${tokenId}: no logged input for call ${effect.callId} (its arguments are needed to compensate)`);
    const args = ((record.input as { action?: { args?: JsonObject } }).action?.args ?? {});
    const reconcilers = await loadReconcilers(resolve(context.cwd, options.registry));
    const signer = createSigner(await loadKey({ dir: resolve(context.cwd, options.keysDir ?? '.writ'), name: options.key ?? 'ledger', env: options.env ?? process.env }));
    const outcome = await compensate(Object.hasOwn(reconcilers, effect.tool) ? reconcilers[effect.tool] : undefined, { tokenId, callId: effect.callId, tool: effect.tool, args, result: null });
    const checkpoints = join(dir, 'checkpoints');
    const last = existsSync(checkpoints) ? (await readdir(checkpoints)).filter((n) => n.endsWith('.json')).sort().at(-1) : undefined;
    const note = last === undefined ? undefined : ((JSON.parse(await readFile(join(checkpoints, last), 'utf8')) as { note?: string }).note ?? '');
    const origin = note?.split('\n')[0] || 'writ/ledger';
    const now = options.now ?? (() => new Date());
    const store = await FileLedgerStore.open({ dir });
    const ledger = await Ledger.open({ store, origin, signer, now });
    try {
      await ledger.append([{ type: 'effect-rolled-back', time: now().toISOString(), body: { tokenId, sessionId: effect.sessionId, callId: effect.callId, status: outcome.status, residue: outcome.residue } }]);
      await ledger.checkpoint();
    } finally {
      await ledger.close();
    }
    const report = { tokenId, tool: effect.tool, callId: effect.callId, ...outcome };
    if (options.json === true) context.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else context.stdout(`${effect.tool} (${effect.callId}) rolled back: ${outcome.status}${outcome.residue.length > 0 ? `\nresidue:\n${outcome.residue.map((r) => `  - ${r}`).join('\n')}` : ', no residue'}\n`);
    context.setExitCode(outcome.status === 'compensated' ? EXIT.ok : EXIT.invalid);
  } catch (error) {
    context.stderr(`writ rollback: ${error instanceof Error ? error.message : 'failed'}${isWritError(error) ? ` (${error.code})` : ''}\n`);
    context.setExitCode(error instanceof UsageError || isWritError(error) ? EXIT.usage : EXIT.invalid);
  }
}

/** Register `writ rollback`. */
export function registerRollbackCommand(program: Command, context?: CommandContext): Command {
  return program
    .command('rollback')
    .description('run the registered compensation for the effect of a token, record it, report residue')
    .argument('<token-id>', 'the action token whose effect to compensate')
    .requiredOption('--transcript <dir>', 'transcript directory holding the effect')
    .requiredOption('--registry <module>', 'ES module exporting reconcilers: { [tool]: { compensate(ctx) } }')
    .option('--key <name>', 'ledger key (file in --keys-dir or WRIT_KEY_<NAME>)', 'ledger')
    .option('--keys-dir <dir>', 'key directory', '.writ')
    .option('--json', 'print the outcome as JSON')
    .addHelpText('after', '\nExamples:\n  writ rollback 2ByVWThlROxpc0QJcWLtDw --transcript out/transcripts/prod --registry ./writ.reconcilers.js\n')
    .action(async (tokenId: string, options: RollbackOptions) => {
      await rollbackAction(tokenId, options, context);
    });
}
