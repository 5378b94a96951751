/**
 * `writ export <transcript-dir> --out FILE [--from N] [--to M] [--trust-root FILE] [--checkpoint FILE]`
 *
 * Writes a self-contained evidence bundle: entries `[from, to)`, an inclusion proof of
 * each to the latest checkpoint (or to `--checkpoint FILE`, e.g. one a witness cosigned), that
 * checkpoint, and the trust root (from `--trust-root`, else the directory's
 * `trust-root.json`). `writ verify FILE` accepts it on any machine.
 * Exit codes: 0 written · 1 the transcript cannot back the bundle (no checkpoint, entries of the
 * range past the latest checkpoint, corrupt store) · 2 usage (missing `--out`, a malformed
 * `--from`/`--to`, `--to` not above `--from`, a range past the last entry, bad trust root, a
 * `--checkpoint` file that is a directory, a FIFO or other non-regular file, or over 64 KiB).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { FileLedgerStore, TRUST_ROOT_FILE, exportBundle } from '@writ/core';
import type { TrustRootDocument } from '@writ/core';
import { EXIT, UsageError, describeError, fileUsageError, isFileError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { MAX_CHECKPOINT_NOTE_BYTES, readNamedEvidenceFile, readTrustRootFile, readTrustRootText, trustRootFrom } from '../trust-root-file.ts';

/** Options of the export command. */
export interface ExportCommandOptions {
  readonly out?: string;
  readonly from?: string;
  readonly to?: string;
  readonly trustRoot?: string;
  /** A signed checkpoint note to prove against instead of the latest (e.g. witness-cosigned). */
  readonly checkpoint?: string;
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new UsageError(`${name} must be a non-negative integer`);
  return Number(value);
}

async function trustRootDocument(
  dir: string,
  options: ExportCommandOptions,
  context: CommandContext,
): Promise<TrustRootDocument> {
  if (options.trustRoot !== undefined)
    return (await readTrustRootFile(options.trustRoot, context.cwd)).document;
  const path = join(dir, TRUST_ROOT_FILE);
  if (!existsSync(path))
    throw new UsageError(
      `no trust root: pass --trust-root FILE or keep ${TRUST_ROOT_FILE} in the transcript directory`,
    );
  // Bounded, and refused unless a regular file: a FIFO planted here blocked a plain readFile forever.
  const text = await readTrustRootText(path, `${path}: cannot read the kept trust root`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new UsageError(`${path}: not JSON`);
  }
  trustRootFrom(document, path);
  return document as TrustRootDocument;
}

/**
 * The evidence cannot back the bundle (exit 1): the transcript is fine to read, but no checkpoint
 * signs the entries asked for. Decided here, from the store, so `exportBundle`'s own
 * `ERR_INVALID_ARGUMENT` stays what it is: a bad argument.
 */
class CannotBackError extends Error {
  override readonly name = 'CannotBackError';
  /** What `writ verify` reports for entries no checkpoint signs. */
  readonly code = 'ERR_TRANSCRIPT_UNSIGNED_TAIL';
}

/**
 * Check `[from, to)` against the store before exporting: a range past the last entry is a usage
 * error; a range of existing entries that the latest checkpoint does not cover (or no
 * checkpoint at all) is evidence that cannot back a bundle.
 */
async function checkRange(
  store: FileLedgerStore,
  from: number | undefined,
  to: number | undefined,
): Promise<void> {
  if (from !== undefined && to !== undefined && to <= from)
    throw new UsageError(`--to ${to} must be above --from ${from}`);
  const { size } = await store.head();
  const entries = `the transcript has ${size} entr${size === 1 ? 'y' : 'ies'}`;
  if (to !== undefined && to > size) throw new UsageError(`--to ${to} is past the end: ${entries}`);
  if (from !== undefined && from >= size)
    throw new UsageError(`--from ${from} is past the end: ${entries}`);
  const checkpoint = await store.latestCheckpoint();
  if (checkpoint === undefined)
    throw new CannotBackError(
      `no checkpoint: ${entries} but none is signed, so nothing proves them (wait for the ledger's next checkpoint)`,
    );
  const covered = `the latest checkpoint signs entries 0..${checkpoint.size - 1}`;
  if (to !== undefined && to > checkpoint.size)
    throw new CannotBackError(`entries up to ${to - 1} are not signed yet: ${covered}`);
  if (from !== undefined && from >= checkpoint.size)
    throw new CannotBackError(`entries from ${from} on are not signed yet: ${covered}`);
}

/** Run `writ export` with a context. Sets the exit code; never throws for bad input. */
export async function exportAction(
  target: string,
  options: ExportCommandOptions,
  context: CommandContext,
): Promise<void> {
  try {
    if (options.out === undefined) throw new UsageError('--out FILE is required');
    const dir = resolve(context.cwd, target);
    if (!existsSync(join(dir, 'entries.jsonl')))
      throw new UsageError(`${target}: not a transcript directory`);
    const from = integer(options.from, '--from');
    const to = integer(options.to, '--to');
    const document = await trustRootDocument(dir, options, context);
    let checkpoint: string | undefined;
    if (options.checkpoint !== undefined) {
      // Bounded, and refused unless a regular file: a FIFO named here blocked a plain readFile forever.
      checkpoint = await readNamedEvidenceFile({ path: options.checkpoint, cwd: context.cwd, maxBytes: MAX_CHECKPOINT_NOTE_BYTES, what: `--checkpoint ${options.checkpoint}: cannot read the checkpoint note`, tooLarge: `larger than ${MAX_CHECKPOINT_NOTE_BYTES} bytes, more than any checkpoint note holds` });
    }
    const store = await FileLedgerStore.open({ dir, readOnly: true });
    let bundle;
    try {
      await checkRange(store, from, to);
      bundle = await exportBundle({
        store,
        trustRoot: document,
        ...(from !== undefined && { from }),
        ...(to !== undefined && { to }),
        ...(checkpoint !== undefined && { checkpoint }),
      });
    } finally {
      await store.close();
    }
    const out = resolve(context.cwd, options.out);
    try {
      await writeFile(out, `${JSON.stringify(bundle)}\n`);
    } catch (error) {
      throw isFileError(error) ? fileUsageError(`--out ${options.out}: cannot write the bundle`, error) : error;
    }
    context.stdout(
      `wrote ${bundle.entries.length} entries (${bundle.from}..${bundle.from + bundle.entries.length - 1}) with inclusion proofs to ${out}\n`,
    );
    context.setExitCode(EXIT.ok);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // ERR_INVALID_ARGUMENT from exportBundle: an argument checkRange let through (a usage error).
    const usage = error instanceof UsageError || code === 'ERR_INVALID_ARGUMENT';
    context.stderr(`writ export: ${describeError(error)}\n`);
    context.setExitCode(usage ? EXIT.usage : EXIT.invalid);
  }
}

/** Register `writ export` on `program`. */
export function registerExportCommand(
  program: Command,
  overrides: Partial<CommandContext> = {},
): Command {
  const context = { ...processContext(), ...overrides };
  program
    .command('export')
    .description(
      'write an evidence bundle (entries, inclusion proofs, checkpoint, trust root) that writ verify accepts anywhere',
    )
    .argument('<transcript-dir>', 'transcript directory (file store)')
    .option('--out <file>', 'bundle file to write')
    .option('--from <n>', 'first entry (default 0)')
    .option('--to <n>', 'one past the last entry (default: the latest checkpoint size)')
    .option(
      '--trust-root <file>',
      'trust-root document to embed (default: the directory trust-root.json)',
    )
    .option('--checkpoint <file>', 'signed checkpoint to prove against instead of the latest, e.g. one a witness cosigned (writ witness cosign --out)')
    .action((target: string, options: ExportCommandOptions) =>
      exportAction(target, options, context),
    );
  return program;
}
