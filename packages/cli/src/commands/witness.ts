/**
 * `writ witness` — act as an independent witness of a transcript (C2SP tlog-cosignature v1).
 *
 *   writ witness vkey --name NAME [--key witness] [--keys-dir .writ] [--generate]
 *   writ witness cosign <transcript-dir> --name NAME --state FILE --trust-root FILE
 *     [--key witness] [--keys-dir .writ] [--out FILE] [--json]
 *
 * `cosign` verifies the transcript against the pinned trust root and against the checkpoint
 * this witness cosigned last for the same log (kept in `--state`): the transcript must extend
 * it. Only then does it cosign the latest checkpoint, record it in the state (written
 * atomically, before anything is printed) and print the cosigned note — which an auditor
 * passes to `writ verify --anchor FILE --witness VKEY`. A writer who later cuts the
 * transcript short or rewrites it cannot get it past that auditor, nor past this witness.
 * Exit codes: 0 cosigned · 1 the transcript does not verify or does not extend what was
 * cosigned before (nothing cosigned, state unchanged) · 2 usage.
 */
import { existsSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  cosignCheckpoint,
  createSigner,
  formatCosignerKey,
  openTranscriptDirectory,
  parseCheckpoint,
  parseNote,
  verifyTranscript,
} from '@writ/core';
import type { PrivateKey } from '@writ/core';
import { EXIT, UsageError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { generateKeyFile, keyEnvName, loadKey } from '../lib/key-store.ts';
import { readTrustRootFile } from '../trust-root-file.ts';
import { describeReport } from './verify.ts';

const STATE_TYPE = 'writ.witness-state/v1';

/** Options shared by the witness subcommands. */
export interface WitnessKeyOptions {
  /** The witness name written on its cosignature lines, e.g. `witness.example/w1`. */
  readonly name?: string;
  readonly key?: string;
  readonly keysDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Options of `writ witness vkey`. */
export interface WitnessVkeyOptions extends WitnessKeyOptions {
  readonly generate?: boolean;
}

/** Options of `writ witness cosign`. */
export interface WitnessCosignOptions extends WitnessKeyOptions {
  readonly state?: string;
  readonly trustRoot?: string;
  readonly out?: string;
  readonly json?: boolean;
  readonly now?: () => Date;
}

/** What the witness remembers: per log origin, the last checkpoint note it cosigned. */
interface WitnessState {
  readonly type: typeof STATE_TYPE;
  readonly logs: Record<string, string>;
}

function witnessName(options: WitnessKeyOptions): string {
  const name = options.name;
  if (name === undefined || name.length === 0 || name.length > 1024 || /[\s+]/u.test(name)) {
    throw new UsageError('--name must be the witness name (no spaces or "+"), e.g. witness.example/w1');
  }
  return name;
}

async function witnessKey(options: WitnessKeyOptions, context: CommandContext, generate = false): Promise<PrivateKey> {
  const dir = resolve(context.cwd, options.keysDir ?? '.writ');
  const name = options.key ?? 'witness';
  const env = options.env ?? process.env;
  if (generate && !existsSync(join(dir, 'keys', `${name}.key`)) && env[keyEnvName(name)] === undefined) {
    return generateKeyFile({ dir, name });
  }
  return loadKey({ dir, name, env });
}

async function readState(path: string): Promise<WitnessState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { type: STATE_TYPE, logs: {} };
    throw new UsageError(`--state ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--state ${path}: not JSON (a witness state file is ${STATE_TYPE})`);
  }
  const state = parsed as Partial<WitnessState> | null;
  if (
    typeof state !== 'object' || state === null || state.type !== STATE_TYPE ||
    typeof state.logs !== 'object' || state.logs === null || Array.isArray(state.logs) ||
    !Object.values(state.logs).every((note) => typeof note === 'string')
  ) {
    throw new UsageError(`--state ${path}: not a ${STATE_TYPE} document`);
  }
  return { type: STATE_TYPE, logs: { ...state.logs } };
}

/** Write `text` to `path` durably: temporary file, fsync, rename, fsync of the directory. */
async function writeDurably(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

function usage(context: CommandContext, error: unknown, command: string): boolean {
  if (error instanceof UsageError || (error as { code?: unknown }).code === 'ERR_INVALID_ARGUMENT') {
    context.stderr(`writ witness ${command}: ${(error as Error).message}\n`);
    context.setExitCode(EXIT.usage);
    return true;
  }
  return false;
}

/** Run `writ witness vkey`: print the witness verifier key (generating the key with `--generate`). */
export async function witnessVkeyAction(options: WitnessVkeyOptions, context: CommandContext): Promise<void> {
  try {
    const name = witnessName(options);
    const key = await witnessKey(options, context, options.generate === true);
    context.stdout(`${formatCosignerKey(name, key.publicKey)}\n`);
    context.setExitCode(EXIT.ok);
  } catch (error) {
    if (!usage(context, error, 'vkey')) throw error;
  }
}

/** Run `writ witness cosign`. Sets the exit code; never throws for bad input. */
export async function witnessCosignAction(target: string, options: WitnessCosignOptions, context: CommandContext): Promise<void> {
  try {
    const name = witnessName(options);
    if (options.state === undefined) throw new UsageError('--state FILE is required: the witness remembers what it cosigned there');
    if (options.trustRoot === undefined) {
      throw new UsageError('--trust-root FILE is required: a witness pins the log\'s trust root (the copy in the transcript directory is the writer\'s)');
    }
    const dir = resolve(context.cwd, target);
    if (!existsSync(dir)) throw new UsageError(`${target}: no such directory`);
    const statePath = resolve(context.cwd, options.state);
    const { trustRoot } = await readTrustRootFile(options.trustRoot, context.cwd);
    const key = await witnessKey(options, context);
    const state = await readState(statePath);
    const directory = await openTranscriptDirectory(dir);
    const notes = directory.checkpoints;
    if (notes.length === 0) {
      context.stderr('INVALID: the transcript has no checkpoint to cosign\n');
      context.setExitCode(EXIT.invalid);
      return;
    }
    const sized = notes.map((note) => ({ note, checkpoint: parseCheckpoint(parseNote(note).text) }));
    const latest = sized.reduce((a, b) => (b.checkpoint.size > a.checkpoint.size ? b : a));
    const origin = latest.checkpoint.origin;
    const previous = state.logs[origin];
    const report = await verifyTranscript({
      entries: directory.entries,
      checkpoints: notes,
      trustRoot,
      origin,
      // The witness cosigns checkpoints; entries after the latest are for a later round.
      allowUnsignedTail: true,
      ...(previous !== undefined && { anchors: [previous] }),
    });
    if (!report.valid) {
      context.stderr(`${describeReport(report)}\nnot cosigned${report.failure?.check === 'checkpoint-anchor' ? `: the transcript does not extend the checkpoint this witness cosigned for ${origin}` : ''}\n`);
      context.setExitCode(EXIT.invalid);
      return;
    }
    const cosigned = cosignCheckpoint({ note: latest.note, name, signer: createSigner(key), time: (options.now ?? (() => new Date()))() });
    // Remember before telling anyone: a witness never vouches for what it did not record.
    await writeDurably(statePath, `${JSON.stringify({ type: STATE_TYPE, logs: { ...state.logs, [origin]: cosigned } }, null, 2)}\n`);
    if (options.out !== undefined) await writeDurably(resolve(context.cwd, options.out), cosigned);
    if (options.json) {
      context.stdout(`${JSON.stringify({ origin, size: latest.checkpoint.size, previousSize: previous === undefined ? null : parseCheckpoint(parseNote(previous).text).size, witness: formatCosignerKey(name, key.publicKey), cosigned }, null, 2)}\n`);
    } else if (options.out === undefined) {
      context.stdout(cosigned);
    } else {
      context.stdout(`cosigned checkpoint ${latest.checkpoint.size} of ${origin} → ${options.out}\n`);
    }
    context.setExitCode(EXIT.ok);
  } catch (error) {
    if (usage(context, error, 'cosign')) return;
    const code = (error as { code?: unknown }).code;
    context.stderr(`INVALID: transcript cannot be read — ${(error as Error).message}${typeof code === 'string' ? ` [${code}]` : ''}\n`);
    context.setExitCode(EXIT.invalid);
  }
}

/**
 * Register `writ witness` on `program`.
 * @example
 * ```ts
 * registerWitnessCommand(new Command('writ'));
 * ```
 */
export function registerWitnessCommand(program: Command, overrides: Partial<CommandContext> = {}): Command {
  const context = { ...processContext(), ...overrides };
  const witness = program
    .command('witness')
    .description('witness a transcript: cosign its latest checkpoint once it verifies and extends what this witness cosigned before (C2SP tlog-cosignature)');
  witness
    .command('vkey')
    .description('print the witness verifier key auditors pass to writ verify --witness')
    .requiredOption('--name <name>', 'witness name, e.g. witness.example/w1')
    .option('--key <name>', 'witness key (file in --keys-dir or WRIT_KEY_<NAME>)', 'witness')
    .option('--keys-dir <dir>', 'key directory', '.writ')
    .option('--generate', 'create the key file when it does not exist')
    .action((options: WitnessVkeyOptions) => witnessVkeyAction(options, context));
  witness
    .command('cosign')
    .description('verify a transcript directory and cosign its latest checkpoint (exit 0 cosigned, 1 refused, 2 usage)')
    .argument('<transcript-dir>', 'transcript directory (file store)')
    .requiredOption('--name <name>', 'witness name, e.g. witness.example/w1')
    .requiredOption('--state <file>', 'witness state: the last checkpoint cosigned per log (created when missing)')
    .requiredOption('--trust-root <file>', 'the log\'s trust-root document, pinned')
    .option('--key <name>', 'witness key (file in --keys-dir or WRIT_KEY_<NAME>)', 'witness')
    .option('--keys-dir <dir>', 'key directory', '.writ')
    .option('--out <file>', 'write the cosigned checkpoint note here (default: stdout)')
    .option('--json', 'print origin, sizes, the witness key and the cosigned note as JSON')
    .action((target: string, options: WitnessCosignOptions) => witnessCosignAction(target, options, context));
  return program;
}
