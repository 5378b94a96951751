/**
 * `writ rollback TOKEN-ID --transcript DIR --registry MODULE [--inputs FILE] [--key NAME] [--keys-dir DIR] [--json]`
 *
 * Runs the registered compensation for the effect released by a token, after the process that
 * executed it is gone. The effect is found in the transcript (`effect-executed` with that
 * token), its arguments in the policy-input log (`policy-inputs.jsonl` beside the entries, or
 * `--inputs FILE`; see `writ replay`),
 * its compensation in MODULE: an ES module exporting `reconcilers` (or a default export) of
 * the same shape as `createFirewall`'s `reconcilers` option — `{ [tool]: { compensate(ctx) } }`.
 * The outcome is appended as `effect-rolled-back` and a checkpoint signed with the ledger key.
 * The key is checked first against the transcript's trust root (`--trust-root FILE`, else the
 * directory's `trust-root.json`): one that `writ verify` would refuse for that checkpoint (not
 * listed, no `ledger` role, retired or compromised at the signing time) is refused before the
 * compensation runs and before anything is written.
 * Exit codes: 0 compensated · 1 residue remains (partial, not compensable, failed) · 2 usage.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { ENTRIES_FILE, FileLedgerStore, Ledger, TRUST_ROOT_FILE, createSigner, isWritError, parseCheckpoint, parseNote, readEvidenceFile } from '@writ/core';
import type { Compensation, JsonObject, PrivateKey, TrustRoot } from '@writ/core';
import { EXIT, UsageError, describeError, isFileError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { loadKey } from '../lib/key-store.ts';
import { POLICY_INPUTS_FILE, decisionKey, readPolicyInputs } from '../lib/policy-input-log.ts';
import { entryTexts } from '../lib/entry-texts.ts';
import { evidenceFileError, readTrustRootFile, readTrustRootText, trustRootFrom } from '../trust-root-file.ts';

/** Options of {@link rollbackAction}. */
export interface RollbackOptions {
  readonly transcript: string;
  readonly registry: string;
  /** Policy-input log (default: `DIR/policy-inputs.jsonl`). */
  readonly inputs?: string;
  readonly key?: string;
  readonly keysDir?: string;
  /** Trust-root document the transcript is verified against (default: `DIR/trust-root.json`). */
  readonly trustRoot?: string;
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

/** The effect of `tokenId`, and the latest entry time of the transcript (the ledger signs no earlier). */
async function findEffect(dir: string, tokenId: string): Promise<{ effect: Effect; latestEntryTime: string | undefined }> {
  let effect: Effect | undefined;
  let tool: string | undefined;
  let latestEntryTime: string | undefined;
  // Streamed (an entries file can hold gigabytes), up to the zeros a live or crashed writer
  // wrote ahead (ADR 0028); a FIFO planted as entries.jsonl is refused, not waited on.
  let index = -1;
  for await (const line of entryTexts(dir, dir)) {
    index += 1;
    if (line.trim() === '') continue;
    let entry: { type?: unknown; time?: unknown; body?: Record<string, unknown> };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      throw new UsageError(`entry ${index + 1}: not JSON (is this a transcript?)`);
    }
    if (typeof entry.time === 'string' && (latestEntryTime === undefined || Date.parse(entry.time) > Date.parse(latestEntryTime))) latestEntryTime = entry.time;
    const body = entry.body ?? {};
    if (body.tokenId !== tokenId) continue;
    if (entry.type === 'token-issued' && typeof body.tool === 'string') tool = body.tool;
    if (entry.type === 'effect-executed' && body.status === 'succeeded') {
      effect = { sessionId: String(body.sessionId), callId: String(body.callId), intentDigest: String(body.intentDigest), tool: tool ?? '' };
    }
    if (entry.type === 'effect-rolled-back') throw new UsageError(`token ${tokenId}: its effect was already rolled back (status ${String(body.status)})`);
  }
  if (effect === undefined) throw new UsageError(`token ${tokenId}: no successful effect-executed entry in this transcript`);
  return { effect, latestEntryTime };
}

/**
 * The most bytes a checkpoint file is read up to: as core's `openTranscriptDirectory` reads one
 * (a note is a few KiB; a larger file is not a checkpoint, and is not read whole).
 */
const MAX_CHECKPOINT_FILE_BYTES = 64 * 1024;

/** The note of the checkpoint file at `path`, read bounded and only if a regular file (a FIFO hung a plain readFile). */
async function latestNote(path: string): Promise<string> {
  const what = `${path}: cannot read the latest checkpoint`;
  let text: string;
  try {
    text = await readEvidenceFile(path, { maxBytes: MAX_CHECKPOINT_FILE_BYTES });
  } catch (error) {
    throw evidenceFileError(error, what, `larger than ${MAX_CHECKPOINT_FILE_BYTES} bytes, more than any checkpoint holds`);
  }
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    throw new UsageError(`${path}: not a checkpoint (is this a transcript?)`);
  }
  const note = (record as { note?: unknown } | null)?.note;
  return typeof note === 'string' ? note : '';
}

async function loadReconcilers(path: string): Promise<Record<string, { compensate?: (ctx: unknown) => unknown }>> {
  let module: { reconcilers?: unknown; default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as typeof module;
  } catch (error) {
    // Say why (missing file, syntax error, an exception at load): the module is the user's own code.
    const reason = isFileError(error) || (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' ? 'no such file' : error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
    throw new UsageError(`--registry ${path}: cannot import the module (${reason})`);
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

/** The trust root `writ verify` would check this transcript against: `--trust-root`, else the directory's. */
async function transcriptTrustRoot(dir: string, options: RollbackOptions, context: CommandContext): Promise<{ trustRoot: TrustRoot; source: string }> {
  if (options.trustRoot !== undefined) return { trustRoot: (await readTrustRootFile(options.trustRoot, context.cwd)).trustRoot, source: options.trustRoot };
  const path = join(dir, TRUST_ROOT_FILE);
  if (!existsSync(path)) throw new UsageError(`no trust root to check the ledger key against: pass --trust-root FILE (the one writ verify pins) or keep ${TRUST_ROOT_FILE} in the transcript directory`);
  // Bounded, and refused unless a regular file: a FIFO planted here blocked a plain readFile forever.
  const text = await readTrustRootText(path, `${path}: cannot read the kept trust root`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new UsageError(`${path}: not JSON`);
  }
  return { trustRoot: trustRootFrom(document, path), source: path };
}

/**
 * Refuse a ledger key whose checkpoint `writ verify` would reject: checked at the time the
 * checkpoint will carry, before anything runs or is written.
 */
function checkLedgerKey(signing: { key: PrivateKey; name: string; at: string }, root: { trustRoot: TrustRoot; source: string }): void {
  const { key, name, at } = signing;
  const which = `ledger key ${key.keyId} (--key ${name})`;
  const where = `the trust root ${root.source} (version ${root.trustRoot.version})`;
  try {
    root.trustRoot.checkKey({ keyId: key.keyId, role: 'ledger', at });
  } catch (error) {
    const record = root.trustRoot.key(key.keyId);
    const code = isWritError(error) ? error.code : '';
    const why =
      code === 'ERR_KEY_UNKNOWN' ? `is not in ${where}`
      : code === 'ERR_KEY_ROLE_MISMATCH' ? `does not hold the ledger role in ${where} (roles: ${record?.roles.join(', ')})`
      : code === 'ERR_KEY_COMPROMISED' ? `is marked compromised since ${record?.since} in ${where}`
      : record?.status === 'retired' ? `was retired at ${record.since} in ${where}`
      : `is not valid at ${at} in ${where} (valid from ${record?.validFrom}${record?.validUntil === undefined ? '' : ` until ${record.validUntil}`})`;
    throw new UsageError(`refused: ${which} ${why}; writ verify would reject the checkpoint it signs. Nothing was run or written`, code === '' ? undefined : code);
  }
}

/** Run `writ rollback`. Sets the exit code; never throws for bad input. */
export async function rollbackAction(tokenId: string, options: RollbackOptions, context: CommandContext = processContext()): Promise<void> {
  try {
    const dir = resolve(context.cwd, options.transcript);
    if (!existsSync(join(dir, ENTRIES_FILE))) throw new UsageError(`${options.transcript}: not a transcript directory (no ${ENTRIES_FILE})`);
    const { effect, latestEntryTime } = await findEffect(dir, tokenId);
    // Streamed, holding only this decision's records (a log holds every evaluated input); the
    // kept log is refused if a link, a --inputs one the user named is followed.
    const effectKey = decisionKey(effect);
    const inputs = await readPolicyInputs(resolve(context.cwd, options.inputs ?? join(dir, POLICY_INPUTS_FILE)), { followLink: options.inputs !== undefined, keep: (id) => id === effectKey });
    const record = inputs.get(effectKey)?.at(-1);
    if (record === undefined) throw new UsageError(`token ${tokenId}: no logged input for call ${effect.callId} (its arguments are needed to compensate)`);
    const args = ((record.input as { action?: { args?: JsonObject } }).action?.args ?? {});
    const reconcilers = await loadReconcilers(resolve(context.cwd, options.registry));
    const keyName = options.key ?? 'ledger';
    const key = await loadKey({ dir: resolve(context.cwd, options.keysDir ?? '.writ'), name: keyName, env: options.env ?? process.env });
    const checkpoints = join(dir, 'checkpoints');
    const last = existsSync(checkpoints) ? (await readdir(checkpoints)).filter((n) => n.endsWith('.json')).sort().at(-1) : undefined;
    const note = last === undefined ? undefined : await latestNote(join(checkpoints, last));
    const origin = note?.split('\n')[0] || 'writ/ledger';
    const now = options.now ?? (() => new Date());
    // The checkpoint's signing time: now, unless an entry or the latest checkpoint is later (the
    // ledger never signs before them). The key is checked at that time, and the ledger signs at it.
    const entryTime = now().toISOString();
    let latestTime: string | undefined;
    try {
      latestTime = note === undefined ? undefined : parseCheckpoint(parseNote(note).text).time;
    } catch {
      throw new UsageError(`${join(checkpoints, last!)}: not a checkpoint (is this a transcript?)`);
    }
    const signingTime = [latestTime, latestEntryTime].reduce<string>((max, time) => (time !== undefined && Date.parse(time) > Date.parse(max) ? time : max), entryTime);
    checkLedgerKey({ key, name: keyName, at: signingTime }, await transcriptTrustRoot(dir, options, context));
    const outcome = await compensate(Object.hasOwn(reconcilers, effect.tool) ? reconcilers[effect.tool] : undefined, { tokenId, callId: effect.callId, tool: effect.tool, args, result: null });
    const store = await FileLedgerStore.open({ dir });
    const ledger = await Ledger.open({ store, origin, signer: createSigner(key), now: () => new Date(signingTime) });
    try {
      await ledger.append([{ type: 'effect-rolled-back', time: entryTime, body: { tokenId, sessionId: effect.sessionId, callId: effect.callId, status: outcome.status, residue: outcome.residue } }]);
      await ledger.checkpoint();
    } finally {
      await ledger.close();
    }
    const report = { tokenId, tool: effect.tool, callId: effect.callId, ...outcome };
    if (options.json === true) context.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else context.stdout(`${effect.tool} (${effect.callId}) rolled back: ${outcome.status}${outcome.residue.length > 0 ? `\nresidue:\n${outcome.residue.map((r) => `  - ${r}`).join('\n')}` : ', no residue'}\n`);
    context.setExitCode(outcome.status === 'compensated' ? EXIT.ok : EXIT.invalid);
  } catch (error) {
    context.stderr(`writ rollback: ${describeError(error)}\n`);
    context.setExitCode(error instanceof UsageError || isWritError(error) || isFileError(error) ? EXIT.usage : EXIT.invalid);
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
    .option('--inputs <file>', `policy-input log holding the effect's arguments (default: DIR/${POLICY_INPUTS_FILE})`)
    .option('--key <name>', 'ledger key (file in --keys-dir or WRIT_KEY_<NAME>)', 'ledger')
    .option('--keys-dir <dir>', 'key directory', '.writ')
    .option('--trust-root <file>', 'trust root the transcript is verified against; the ledger key must hold the ledger role in it (default: trust-root.json in the transcript directory)')
    .option('--json', 'print the outcome as JSON')
    .addHelpText('after', '\nExamples:\n  writ rollback 2ByVWThlROxpc0QJcWLtDw --transcript out/transcripts/prod --registry ./writ.reconcilers.js\n')
    .action(async (tokenId: string, options: RollbackOptions) => {
      await rollbackAction(tokenId, options, context);
    });
}
