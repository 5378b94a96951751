/**
 * `writ verify <transcript-dir|bundle> [--json] [--trust-root FILE] [--allow-unsigned-tail]
 *   [--anchor FILE]... [--witness VKEY]... [--witness-quorum N]
 *   [--witnessed-within DURATION | --witnessed-since TIME]`
 *
 * Verifies a transcript directory (file store) or an evidence bundle offline. Anchors
 * (checkpoints held outside the transcript) apply to directories; witness cosignatures to both
 * (a bundle's one checkpoint must carry them).
 * Exit codes:
 * 0 valid · 1 invalid (the first bad entry or checkpoint and the failed check are named) ·
 * 2 usage (missing path, unreadable or invalid trust root, bad arguments; an `--anchor` or
 * bundle file that is a directory, a FIFO or other non-regular file, or over its limit — 64 KiB
 * for a note, {@link MAX_BUNDLE_BYTES} for a bundle — each with a stable code).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import ms from 'ms';
import type { Command } from 'commander';
import { isUtcTime, openTranscriptDirectory, parseCheckpoint, parseCosignerKey, parseNote, toHex, verifyBundle, verifyTranscript } from '@writ/core';
import type { TranscriptReport, TrustRoot, VerifyTranscriptOptions } from '@writ/core';
import { EXIT, UsageError, collectRepeated, describeError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { MAX_CHECKPOINT_NOTE_BYTES, readNamedEvidenceFile, readTrustRootFile, trustRootFrom } from '../trust-root-file.ts';

/**
 * The most bytes a bundle file is read up to. A bundle is parsed whole (its one checkpoint
 * proves every entry in it), and `writ export` writes it as one JSON string, which V8 caps at
 * 2^29 - 24 characters: a bundle it wrote (ASCII JSON: entries, base64 proofs) is never larger.
 * A larger file is not one of them, and is refused unread instead of filling memory.
 */
export const MAX_BUNDLE_BYTES = 512 * 1024 * 1024;

/** Options of the verify command. */
export interface VerifyCommandOptions {
  readonly json?: boolean;
  readonly trustRoot?: string;
  readonly allowUnsignedTail?: boolean;
  /** Signed checkpoint files the transcript must extend (`--anchor`, repeatable). */
  readonly anchor?: readonly string[];
  /** Witness verifier keys whose cosignatures the latest checkpoint must carry (`--witness`, repeatable). */
  readonly witness?: readonly string[];
  /** How many of the witnesses must have cosigned (default: all). */
  readonly witnessQuorum?: string;
  /** Count only cosignatures made within this duration before now (`24h`, `90m`, `7d`). */
  readonly witnessedWithin?: string;
  /** Count only cosignatures made at or after this RFC 3339 UTC time. */
  readonly witnessedSince?: string;
  /** Clock for `--witnessed-within` (tests). */
  readonly now?: () => Date;
}

/** Human-readable one-line summary of a report. */
export function describeReport(report: TranscriptReport): string {
  if (report.valid) {
    const anchors = report.anchors > 0 ? `, extends ${report.anchors} anchored checkpoint(s)` : '';
    const witnessed = report.witnessed ? `, checkpoint ${report.witnessed.size} cosigned by ${report.witnessed.cosigners.map((c) => `${c.name} (${c.time})`).join(', ')}${report.witnessed.since === undefined ? '' : ` (counted from ${report.witnessed.since})`}` : '';
    const open = report.unfinished?.open ?? 0;
    const unfinished =
      report.unfinished === undefined
        ? ''
        : open > 0
          ? `\nnote: ${open} release(s) left without an outcome by a restart are not resolved — the effect may or may not have happened (${report.unfinished.openTokens.join(', ')}${open > report.unfinished.openTokens.length ? ', …' : ''}); resolve them with writ unfinished resolve or resolveUnfinished`
          : `, ${report.unfinished.flagged} release(s) left without an outcome by a restart, all resolved`;
    return `valid: ${report.entries} entries, ${report.checkpoints} checkpoint(s), signed through ${report.signedSize}, origin ${report.origin ?? '(none)'}, root ${report.root}${anchors}${witnessed}${unfinished}`;
  }
  const failure = report.failure!;
  const where =
    failure.seq !== undefined
      ? `entry ${failure.seq}${failure.entryType ? ` (${failure.entryType})` : ''}`
      : failure.checkpointSize !== undefined
        ? `checkpoint of size ${failure.checkpointSize}`
        : 'transcript';
  const cause = failure.cause ? `, cause ${failure.cause}` : '';
  return `INVALID: ${where}: check ${failure.check} failed — ${failure.message} [${failure.code}${cause}]`;
}

/**
 * Where the trust root a verification used came from: `pinned` (`--trust-root FILE`) or the
 * document found beside the evidence (`embedded`), which whoever wrote the evidence also
 * wrote — it proves consistency, not origin. Part of the `--json` report, so a script can
 * refuse unpinned results.
 */
export interface TrustRootUsed {
  readonly pinned: boolean;
  readonly source: string;
  readonly digest: string;
}

async function pinnedTrustRoot(
  options: VerifyCommandOptions,
  context: CommandContext,
  embedded: { document: unknown; source: string },
): Promise<{ trustRoot: TrustRoot; used: TrustRootUsed }> {
  if (options.trustRoot !== undefined) {
    const trustRoot = (await readTrustRootFile(options.trustRoot, context.cwd)).trustRoot;
    return { trustRoot, used: { pinned: true, source: resolve(context.cwd, options.trustRoot), digest: trustRoot.digest } };
  }
  if (embedded.document === undefined) {
    throw new UsageError(
      'no trust root: pass --trust-root FILE (the trust-root document you trust)',
    );
  }
  const trustRoot = trustRootFrom(embedded.document, embedded.source);
  // On stderr in every mode: with --json, stdout stays the report alone.
  context.stderr(
    `warning: using the trust root found in ${embedded.source} (${trustRoot.digest}); pin the one you trust with --trust-root FILE\n`,
  );
  return { trustRoot, used: { pinned: false, source: embedded.source, digest: trustRoot.digest } };
}

interface Verified {
  readonly report: TranscriptReport;
  /** Undefined when the evidence could not be read far enough to pick a trust root. */
  readonly trustRoot: TrustRootUsed | undefined;
}

/** The anchors and witness policy the options ask for (files read, numbers checked). */
async function anchorsAndWitnesses(
  options: VerifyCommandOptions,
  context: CommandContext,
): Promise<Pick<VerifyTranscriptOptions, 'anchors' | 'witnesses'>> {
  const anchors: string[] = [];
  for (const file of options.anchor ?? []) {
    // Bounded, and refused unless a regular file: a FIFO named here blocked a plain readFile forever.
    anchors.push(
      await readNamedEvidenceFile({ path: file, cwd: context.cwd, maxBytes: MAX_CHECKPOINT_NOTE_BYTES, what: `--anchor ${file}: cannot read the checkpoint note`, tooLarge: `larger than ${MAX_CHECKPOINT_NOTE_BYTES} bytes, more than any checkpoint note holds` }),
    );
    try {
      parseCheckpoint(parseNote(anchors.at(-1)).text);
    } catch (error) {
      const reason = (error as { details?: { reason?: unknown } }).details?.reason;
      throw new UsageError(`--anchor ${file}: not a signed checkpoint note${typeof reason === 'string' ? ` (${reason})` : ''}`);
    }
  }
  const keys = options.witness ?? [];
  if (options.witnessQuorum !== undefined && keys.length === 0) throw new UsageError('--witness-quorum needs at least one --witness');
  let quorum: number | undefined;
  if (options.witnessQuorum !== undefined) {
    quorum = /^[1-9]\d{0,5}$/u.test(options.witnessQuorum) ? Number(options.witnessQuorum) : Number.NaN;
    if (!(quorum <= keys.length)) throw new UsageError(`--witness-quorum must be an integer from 1 to ${keys.length} (the number of --witness keys)`);
  }
  for (const key of keys) {
    try {
      parseCosignerKey(key);
    } catch (error) {
      const reason = (error as { details?: { reason?: unknown } }).details?.reason;
      throw new UsageError(`--witness ${key}: not a witness verifier key (C2SP cosignature/v1, type 0x04)${typeof reason === 'string' ? `: ${reason}` : ''}`);
    }
  }
  const since = witnessedSince(options, keys.length);
  return {
    ...(anchors.length > 0 && { anchors }),
    ...(keys.length > 0 && { witnesses: { keys, ...(quorum !== undefined && { quorum }), ...(since !== undefined && { since }) } }),
  };
}

// The bound on cosignature times the options ask for (an RFC 3339 UTC time), if any.
function witnessedSince(options: VerifyCommandOptions, keys: number): string | undefined {
  const { witnessedWithin: within, witnessedSince: since } = options;
  if (within === undefined && since === undefined) return undefined;
  const flag = within === undefined ? '--witnessed-since' : '--witnessed-within';
  if (keys === 0) throw new UsageError(`${flag} needs at least one --witness`);
  if (within !== undefined && since !== undefined) throw new UsageError('use one of --witnessed-within and --witnessed-since');
  if (since !== undefined) {
    if (!isUtcTime(since)) throw new UsageError('--witnessed-since must be an RFC 3339 UTC time, e.g. 2026-01-01T00:00:00Z');
    return since;
  }
  // A unit is required: `ms` reads a bare number as milliseconds, which nobody means here.
  const duration = /^\s*\d+(\.\d+)?\s*[a-z]+\s*$/iu.test(within!) ? ms(within as ms.StringValue) : undefined;
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration <= 0) {
    throw new UsageError(`--witnessed-within must be a duration with a unit, e.g. 30m, 24h or 7d (got ${JSON.stringify(within)})`);
  }
  const now = (options.now ?? (() => new Date()))().getTime();
  const bound = new Date(now - duration);
  if (Number.isNaN(bound.getTime()) || bound.getTime() < 0) throw new UsageError(`--witnessed-within ${within} reaches before 1970`);
  return bound.toISOString();
}

async function verifyDirectory(
  path: string,
  options: VerifyCommandOptions,
  context: CommandContext,
): Promise<Verified> {
  const extra = await anchorsAndWitnesses(options, context);
  const directory = await openTranscriptDirectory(path);
  const { trustRoot, used } = await pinnedTrustRoot(options, context, {
    document: directory.trustRootDocument,
    source: `${path}/trust-root.json`,
  });
  const bar =
    context.interactive && !options.json && directory.bytes > 1 << 20
      ? new SingleBar({
          format: 'verifying [{bar}] {percentage}% | {value}/{total} bytes',
          stream: process.stderr,
        })
      : undefined;
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const line of directory.entries) {
      bytes += line.length + 1;
      yield line;
    }
  }
  bar?.start(directory.bytes, 0);
  try {
    const report = await verifyTranscript({
      entries: counted(),
      checkpoints: directory.checkpoints,
      trustRoot,
      allowUnsignedTail: options.allowUnsignedTail === true,
      ...extra,
      onProgress: () => bar?.update(bytes),
      progressEvery: 50_000,
    });
    return { report, trustRoot: used };
  } finally {
    bar?.update(bytes);
    bar?.stop();
  }
}

async function verifyBundleFile(
  path: string,
  options: VerifyCommandOptions,
  context: CommandContext,
): Promise<Verified> {
  if ((options.anchor ?? []).length > 0) {
    throw new UsageError('--anchor applies to transcript directories; a bundle proves its slice against its one checkpoint (export it against the anchored one: writ export --checkpoint FILE)');
  }
  const { witnesses } = await anchorsAndWitnesses(options, context);
  // Bounded, and refused unless a regular file: a FIFO named as the bundle blocked a plain
  // readFile forever, and a huge file was read whole before anything was reported.
  const text = await readNamedEvidenceFile({ path, cwd: context.cwd, maxBytes: MAX_BUNDLE_BYTES, what: `${path}: cannot read the bundle`, tooLarge: `larger than ${MAX_BUNDLE_BYTES} bytes, more than writ export writes` });
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch {
    return {
      report: {
        valid: false,
        entries: 0,
        checkpoints: 0,
        signedSize: 0,
        origin: undefined,
        root: '',
        anchors: 0,
        failure: {
          check: 'entry-format',
          code: 'ERR_BUNDLE_MALFORMED',
          message: 'bundle is not JSON',
        },
      },
      trustRoot: undefined,
    };
  }
  const embedded =
    typeof bundle === 'object' && bundle !== null
      ? (bundle as { trustRoot?: unknown }).trustRoot
      : undefined;
  const { trustRoot, used } = await pinnedTrustRoot(options, context, {
    document: embedded,
    source: `${path} (bundle)`,
  });
  // A key of the trust root is the log's own, not a witness: whoever holds the ledger key would
  // cosign its own checkpoint. verifyTranscript refuses it; verifyBundle does not check it, so
  // the bundle path does here.
  const own = new Set(trustRoot.keys().map((key) => toHex(key.publicKeyBytes)));
  for (const key of options.witness ?? []) {
    if (own.has(toHex(parseCosignerKey(key).publicKey))) {
      throw new UsageError(`--witness ${key}: a key of the trust root, not an independent witness`);
    }
  }
  return { report: verifyBundle({ bundle, trustRoot, ...(witnesses !== undefined && { witnesses }) }), trustRoot: used };
}

/** Run `writ verify` with a context. Sets the exit code; never throws for bad input. */
export async function verifyAction(
  target: string,
  options: VerifyCommandOptions,
  context: CommandContext,
): Promise<void> {
  try {
    const path = resolve(context.cwd, target);
    if (!existsSync(path)) throw new UsageError(`${target}: no such file or directory`, 'ENOENT');
    const { report, trustRoot } = statSync(path).isDirectory()
      ? await verifyDirectory(path, options, context)
      : await verifyBundleFile(path, options, context);
    if (options.json) context.stdout(`${JSON.stringify(trustRoot === undefined ? report : { ...report, trustRoot }, null, 2)}\n`);
    else (report.valid ? context.stdout : context.stderr)(`${describeReport(report)}\n`);
    context.setExitCode(report.valid ? EXIT.ok : EXIT.invalid);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: unknown }).code === 'ERR_INVALID_ARGUMENT'
    ) {
      context.stderr(`writ verify: ${describeError(error)}\n`);
      context.setExitCode(EXIT.usage);
      return;
    }
    // Anything else (unreadable store, corrupt checkpoint file) means the evidence does not verify.
    const code = (error as { code?: unknown }).code;
    if (options.json)
      context.stdout(
        `${JSON.stringify({ valid: false, error: { code: typeof code === 'string' ? code : 'ERR_INTERNAL', message: (error as Error).message } }, null, 2)}\n`,
      );
    context.stderr(
      `INVALID: transcript cannot be read — ${(error as Error).message}${typeof code === 'string' ? ` [${code}]` : ''}\n`,
    );
    context.setExitCode(EXIT.invalid);
  }
}

/**
 * Register `writ verify` on `program`.
 * @example
 * ```ts
 * registerVerifyCommand(new Command('writ'));
 * ```
 */
export function registerVerifyCommand(
  program: Command,
  overrides: Partial<CommandContext> = {},
): Command {
  const context = { ...processContext(), ...overrides };
  program
    .command('verify')
    .description(
      'verify a transcript directory or evidence bundle offline (exit 0 valid, 1 invalid, 2 usage)',
    )
    .argument('<path>', 'transcript directory or evidence bundle file')
    .option('--json', 'print the verification report as JSON')
    .option('--trust-root <file>', 'trust-root document to verify against (pin it!)')
    .option('--allow-unsigned-tail', 'accept entries after the last checkpoint (a live transcript)')
    .option('--anchor <file>', 'a signed checkpoint you hold (from a witness or an earlier audit): the transcript must extend it; repeat for more', collectRepeated)
    .option('--witness <vkey>', 'witness verifier key (cosignature/v1) whose cosignature the latest checkpoint (a bundle\'s checkpoint) must carry; repeat for more', collectRepeated)
    .option('--witness-quorum <n>', 'how many of the --witness keys must have cosigned (default: all)')
    .option('--witnessed-within <duration>', 'count only cosignatures made within this long before now (30m, 24h, 7d): a transcript cut back to an older cosigned checkpoint fails')
    .option('--witnessed-since <time>', 'count only cosignatures made at or after this RFC 3339 UTC time')
    .action((target: string, options: VerifyCommandOptions) =>
      verifyAction(target, options, context),
    );
  return program;
}
