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
 * The writer chooses everything in the directory, the log origin included; so the latest
 * checkpoint must not be smaller than the recorded one, the state is locked from read to write
 * (`<state>.lock`) and must lie outside the transcript directory, and the witness key must not
 * be a key of the trust root.
 * Exit codes: 0 cosigned · 1 the transcript does not verify or does not extend what was
 * cosigned before (nothing cosigned, state unchanged) · 2 usage.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { open, readFile, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import {
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
  /** How long to wait for another run's lock on the state (default 60 s; tests). */
  readonly lockWaitMs?: number;
}

/**
 * What the witness remembers: per log origin, the last checkpoint note it cosigned. A Map, not
 * an object: the origin is the writer's choice, and `logs["constructor"]` of a plain object is
 * Object's constructor, not "never cosigned".
 */
type WitnessState = Map<string, string>;

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
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new UsageError(`--state ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--state ${path}: not JSON (a witness state file is ${STATE_TYPE})`);
  }
  const state = parsed as { type?: unknown; logs?: unknown } | null;
  if (typeof state !== 'object' || state === null || state.type !== STATE_TYPE || typeof state.logs !== 'object' || state.logs === null || Array.isArray(state.logs)) {
    throw new UsageError(`--state ${path}: not a ${STATE_TYPE} document`);
  }
  const logs: WitnessState = new Map();
  for (const [origin, note] of Object.entries(state.logs)) {
    // Each record must be a checkpoint of the log it is filed under: it is the anchor the next
    // round of that log is held to.
    let recorded: string | undefined;
    try {
      recorded = typeof note === 'string' ? parseCheckpoint(parseNote(note).text).origin : undefined;
    } catch {
      recorded = undefined;
    }
    if (recorded !== origin) throw new UsageError(`--state ${path}: the record of ${JSON.stringify(origin)} is not a checkpoint of that log`);
    logs.set(origin, note as string);
  }
  return logs;
}

function stateText(logs: WitnessState): string {
  // Object.fromEntries defines own properties, so a log named "__proto__" is kept as a key.
  return `${JSON.stringify({ type: STATE_TYPE, logs: Object.fromEntries(logs) }, null, 2)}\n`;
}

/**
 * Hold `<state>.lock` (created exclusively) while the state is read, the transcript verified
 * and the state written: two runs checked against one state could each cosign a fork of the
 * same log, or the later write drop the other's record. The lock is the one @writ/core's
 * FileWitnessState (`writ witness serve`) takes on the same file, with the same owner record
 * ({ pid, host, since }), so a serving witness and a cosign run exclude each other too. Waits
 * for another run's lock up to `waitMs`; a lock left by a crashed run is reported, never
 * broken here (the operator, or FileWitnessState's stale-lock check, removes it).
 */
async function lockState(path: string, waitMs: number): Promise<() => Promise<void>> {
  const lock = `${path}.lock`;
  const owner = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o644);
      try {
        await handle.writeFile(owner);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return async () => {
        // Remove it only while it is still ours.
        if ((await readFile(lock, 'utf8').catch(() => undefined)) === owner) await rm(lock, { force: true });
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new UsageError(`--state ${path}: cannot create the lock ${lock} (${code ?? 'error'})`);
      if (Date.now() >= deadline) {
        throw new UsageError(`--state ${path} is locked by another witness run (${lock}); if none is running, remove the lock file`);
      }
      await sleep(Math.min(100, Math.max(1, deadline - Date.now())));
    }
  }
}

/** Write `text` to `path` durably: temporary file, fsync, rename, fsync of the directory. */
async function writeDurably(path: string, text: string): Promise<void> {
  // A fresh name, created exclusively: 'w' on a fixed name follows a symlink planted there
  // (writing the state into any file), and two runs in one process shared the name.
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o644);
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
  let unlock: (() => Promise<void>) | undefined;
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
    unlock = await lockState(statePath, options.lockWaitMs ?? 60_000);
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
    const previous = state.get(origin);
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
    await writeDurably(statePath, stateText(new Map(state).set(origin, cosigned)));
    if (outPath !== undefined) await writeDurably(outPath, cosigned);
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
    await unlock?.();
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
