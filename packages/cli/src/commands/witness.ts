/**
 * `writ witness` — act as an independent witness of a transcript (C2SP tlog-cosignature v1).
 *
 *   writ witness vkey --name NAME [--key witness] [--keys-dir .writ] [--generate]
 *   writ witness cosign <transcript-dir> --name NAME --state FILE --trust-root FILE
 *     [--key witness] [--keys-dir .writ] [--out FILE] [--json]
 *   writ witness serve | submit | log-key   (the C2SP tlog-witness protocol: witness-protocol.ts)
 *
 * `cosign` verifies the transcript against the pinned trust root and against the checkpoint
 * this witness cosigned last for the same log (kept in `--state`): the transcript must extend
 * it. Only then does it cosign the latest checkpoint, record it in the state (written
 * atomically, before anything is printed) and print the cosigned note — which an auditor
 * passes to `writ verify --anchor FILE --witness VKEY`. A writer who later cuts the
 * transcript short or rewrites it cannot get it past that auditor, nor past this witness.
 * The writer chooses everything in the directory, the log origin included; so the latest
 * checkpoint must not be smaller than the recorded one, the state is locked from read to write
 * (`<state>.lock`) and must lie outside the transcript directory, and the witness key must not
 * be a key of the trust root.
 * Exit codes: 0 cosigned · 1 the transcript does not verify or does not extend what was
 * cosigned before (nothing cosigned, state unchanged) · 2 usage.
 */
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  FileWitnessState,
  WritError,
  writeFileDurably,
  cosignCheckpoint,
  cosignerKeyHash,
  createSigner,
  formatCosignerKey,
  openTranscriptDirectory,
  parseCheckpoint,
  parseNote,
  toHex,
  verifyTranscript,
} from '@writ/core';
import type { PrivateKey } from '@writ/core';
import { EXIT, UsageError, describeError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { generateKeyFile, keyEnvName, loadKey } from '../lib/key-store.ts';
import { readTrustRootFile } from '../trust-root-file.ts';
import { describeReport } from './verify.ts';
import { addWitnessProtocolCommands } from './witness-protocol.ts';

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
  /** How long to wait for another run's lock on the state (default 60 s; tests). */
  readonly lockWaitMs?: number;
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

function usage(context: CommandContext, error: unknown, command: string): boolean {
  if (error instanceof UsageError || (error as { code?: unknown }).code === 'ERR_INVALID_ARGUMENT') {
    context.stderr(`writ witness ${command}: ${describeError(error)}\n`);
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

// The state file must not be where the writer can reach it: inside the transcript directory it
// could swap the state (and with it what this witness cosigned) for its own.
async function assertStateOutside(statePath: string, dir: string): Promise<void> {
  let parent: string;
  try {
    parent = await realpath(dirname(statePath));
  } catch {
    throw new UsageError(`--state ${statePath}: its directory does not exist`);
  }
  const inside = relative(await realpath(dir), join(parent, basename(statePath)));
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
    throw new UsageError(`--state ${statePath} is inside the transcript directory: keep the witness state where the log's writer cannot change it`);
  }
}

// The note without signature lines of this witness (name and key ID): ones the writer put there
// would make the cosigned note fail for every auditor; an earlier cosignature of ours is
// superseded by the new one.
function withoutOwnLines(note: string, name: string, keyHash: number): string {
  const split = note.lastIndexOf('\n\n');
  const lines = note.slice(split + 2, -1).split('\n');
  const { signatures } = parseNote(note);
  const kept = lines.filter((_, i) => !(signatures[i]!.name === name && signatures[i]!.keyHash === keyHash));
  return `${note.slice(0, split + 2)}${kept.join('\n')}\n`;
}

/** Run `writ witness cosign`. Sets the exit code; never throws for bad input. */
export async function witnessCosignAction(target: string, options: WitnessCosignOptions, context: CommandContext): Promise<void> {
  let state: FileWitnessState | undefined;
  try {
    const name = witnessName(options);
    if (options.state === undefined) throw new UsageError('--state FILE is required: the witness remembers what it cosigned there');
    if (options.trustRoot === undefined) {
      throw new UsageError('--trust-root FILE is required: a witness pins the log\'s trust root (the copy in the transcript directory is the writer\'s)');
    }
    const dir = resolve(context.cwd, target);
    if (!existsSync(dir)) throw new UsageError(`${target}: no such directory`);
    const statePath = resolve(context.cwd, options.state);
    const outPath = options.out === undefined ? undefined : resolve(context.cwd, options.out);
    if (outPath !== undefined && (outPath === statePath || outPath === `${statePath}.lock`)) {
      throw new UsageError('--out must not name the --state file (the cosigned note would replace what the witness remembers)');
    }
    await assertStateOutside(statePath, dir);
    const { trustRoot } = await readTrustRootFile(options.trustRoot, context.cwd);
    const key = await witnessKey(options, context);
    // A key of the log's trust root is the log's, not a witness's: cosigning with the ledger
    // key would let the writer's own key count as an independent witness.
    const keyHex = toHex(key.publicKey);
    if (trustRoot.keys().some((trusted) => toHex(trusted.publicKeyBytes) === keyHex)) {
      throw new UsageError(`witness key ${options.key ?? 'witness'} is a key of the trust root: a witness must be independent of the log it witnesses`);
    }
    // Held from read to write (`<state>.lock`, the lock `writ witness serve` takes too): two runs
    // checked against one state could each cosign a fork of the same log, or the later write
    // drop the other's record. A lock left by a dead process on this host is broken safely.
    try {
      state = await FileWitnessState.open(statePath, { waitMs: options.lockWaitMs ?? 60_000 });
    } catch (error) {
      if (WritError.isInstance(error) && error.code === 'ERR_STORE_LOCKED') {
        throw new UsageError(`--state ${statePath} is locked by another witness run (${statePath}.lock); if none is running, remove the lock file`);
      }
      if (WritError.isInstance(error) && error.code === 'ERR_STORE_CORRUPT') {
        const reason = (error.details as { reason?: unknown } | undefined)?.reason;
        throw new UsageError(`--state ${statePath}: ${reason === 'not JSON' ? 'not JSON (a witness state file is writ.witness-state/v1)' : `not a writ.witness-state/v1 document${typeof reason === 'string' && reason !== 'type' && reason !== 'logs' ? ` (${reason})` : ''}`}`);
      }
      throw error;
    }
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
    const previous = await state.latest(origin);
    const previousSize = previous === undefined ? undefined : parseCheckpoint(parseNote(previous).text).size;
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
    // The entries may extend the recorded checkpoint while the checkpoints above a smaller one
    // were removed: cosigning that one would say "the largest tree I saw" of a smaller tree,
    // and recording it would let a fork from there be cosigned next (a split view).
    if (previousSize !== undefined && latest.checkpoint.size < previousSize) {
      context.stderr(`not cosigned: the latest checkpoint (size ${latest.checkpoint.size}) is smaller than the checkpoint this witness cosigned for ${origin} (size ${previousSize})\n`);
      context.setExitCode(EXIT.invalid);
      return;
    }
    const note = withoutOwnLines(latest.note, name, cosignerKeyHash(name, key.publicKey));
    const cosigned = cosignCheckpoint({ note, name, signer: createSigner(key), time: (options.now ?? (() => new Date()))() });
    // Remember before telling anyone: a witness never vouches for what it did not record.
    if (!(await state.replace(origin, previous, cosigned))) throw new WritError('ERR_INTERNAL', 'witness state changed while it was locked');
    if (outPath !== undefined) await writeFileDurably(outPath, cosigned);
    if (options.json) {
      context.stdout(`${JSON.stringify({ origin, size: latest.checkpoint.size, previousSize: previousSize ?? null, witness: formatCosignerKey(name, key.publicKey), cosigned }, null, 2)}\n`);
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
  } finally {
    await state?.close();
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
    .description('witness transcripts (C2SP tlog-cosignature / tlog-witness): cosign a verified transcript, serve the witness protocol, or submit to a witness');
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
  addWitnessProtocolCommands(witness, context);
  return program;
}
