/**
 * `writ pull <postgres-url> --out DIR [--schema writ] [--ledger-id default] [--trust-root FILE] [--json]`
 *
 * Copies a ledger kept in PostgreSQL (`@writ/postgres`) into a transcript directory, entries
 * byte for byte and its checkpoints (`copyLedger`): what `writ verify`, `writ witness submit`,
 * `writ export` and `writ report` read. Run again, it appends what the ledger gained since,
 * after checking that the directory is still a prefix of it. Read-only on the database (no
 * migration). `@writ/postgres` is loaded only by this command.
 * Exit codes: 0 pulled · 1 refused (the directory is not a copy of that ledger, or the
 * database's entries fail their hash or chain checks) · 2 usage (not a postgres URL, no
 * `--out`, `@writ/postgres` not installed, database unreachable, bad trust root, directory
 * locked by a writer).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { FileLedgerStore, TRUST_ROOT_FILE, canonicalize, copyLedger, isWritError } from '@writ/core';
import type { CopyLedgerResult, LedgerStore, TrustRootDocument } from '@writ/core';
import { EXIT, UsageError, describeError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { readTrustRootFile } from '../trust-root-file.ts';

/** Options of `writ pull`. */
export interface PullCommandOptions {
  readonly out?: string;
  readonly schema?: string;
  readonly ledgerId?: string;
  readonly trustRoot?: string;
  readonly json?: boolean;
}

/** The part of `@writ/postgres` this command uses. */
interface PostgresModule {
  openPostgresStores(options: { connectionString: string; schema?: string; ledgerId?: string; migrate: false; maxConnections: number }): Promise<{ ledger: LedgerStore; close(): Promise<void> }>;
}

const POSTGRES_PACKAGE = '@writ/postgres';

/** The URL without its password, for messages. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

// Findings about the evidence (exit 1), as opposed to how the command was invoked (exit 2).
const REFUSALS = new Set(['ERR_STORE_CONFLICT', 'ERR_STORE_CORRUPT', 'ERR_TRANSCRIPT_MALFORMED', 'ERR_TRANSCRIPT_SEQUENCE', 'ERR_TRANSCRIPT_CHAIN', 'ERR_STORE_CHECKPOINT_CONFLICT']);

/** Keep the trust root beside the entries; a kept one that differs is refused. */
async function keepTrustRoot(dir: string, document: TrustRootDocument, file: string): Promise<void> {
  const path = join(dir, TRUST_ROOT_FILE);
  let kept: string | undefined;
  try {
    kept = await readFile(path, 'utf8');
  } catch {
    kept = undefined;
  }
  if (kept === undefined) {
    await writeFile(path, `${JSON.stringify(document, null, 2)}\n`, { flag: 'wx' });
    return;
  }
  let same = false;
  try {
    same = canonicalize(JSON.parse(kept)) === canonicalize(document);
  } catch {
    same = false;
  }
  if (!same) throw new UsageError(`${path} holds another trust root than --trust-root ${file}`);
}

/** A first failure to read the database, in words: no such schema, or no database reachable. */
function explainSourceError(error: unknown, source: string, schema: string): unknown {
  if (!isWritError(error) || error.code !== 'ERR_STORE_IO') return error;
  const state = (error.details as { sqlState?: unknown } | undefined)?.sqlState;
  if (state === '42P01' || state === '3F000') {
    return new UsageError(`schema ${schema} holds no Writ ledger tables at ${shown(source)} (check --schema; writ pull never creates them)`, 'ERR_STORE_NOT_FOUND');
  }
  const cause = (error.cause as { code?: unknown } | undefined)?.code;
  const why = typeof cause === 'string' ? (/^[0-9A-Z]{5}$/u.test(cause) ? `SQLSTATE ${cause}` : cause) : typeof state === 'string' ? `SQLSTATE ${state}` : undefined;
  return new UsageError(`cannot read the ledger at ${shown(source)}${why === undefined ? '' : ` (${why})`}`, 'ERR_STORE_IO');
}

/** Run `writ pull`. */
export async function pullAction(source: string, options: PullCommandOptions, context: CommandContext = processContext()): Promise<void> {
  let close: (() => Promise<void>) | undefined;
  let target: FileLedgerStore | undefined;
  try {
    if (!/^postgres(ql)?:\/\//iu.test(source)) throw new UsageError(`${source}: the source must be a PostgreSQL URL (postgres://user@host:5432/db)`);
    if (options.out === undefined || options.out === '') throw new UsageError('--out DIR is required (the transcript directory to write)');
    const dir = resolve(context.cwd, options.out);
    const trustRoot = options.trustRoot === undefined ? undefined : (await readTrustRootFile(options.trustRoot, context.cwd)).document;
    let postgres: PostgresModule;
    try {
      postgres = (await import(POSTGRES_PACKAGE)) as PostgresModule;
    } catch {
      throw new UsageError(`${POSTGRES_PACKAGE} is not installed (add it and pg next to @writ/cli)`);
    }
    const from = await postgres.openPostgresStores({
      connectionString: source,
      migrate: false,
      maxConnections: 2,
      ...(options.schema !== undefined && { schema: options.schema }),
      ...(options.ledgerId !== undefined && { ledgerId: options.ledgerId }),
    });
    close = () => from.close();
    const schema = options.schema ?? 'writ';
    const ledgerId = options.ledgerId ?? 'default';
    let sourceHead;
    try {
      sourceHead = await from.ledger.head();
    } catch (error) {
      throw explainSourceError(error, source, schema);
    }
    // Nothing to copy is most often a mistyped --ledger-id or --schema: say so, create nothing.
    if (sourceHead.size === 0) throw new UsageError(`ledger ${ledgerId} in schema ${schema} has no entries (check --ledger-id and --schema)`);
    target = await FileLedgerStore.open({ dir });
    if (trustRoot !== undefined) await keepTrustRoot(dir, trustRoot, options.trustRoot!);
    const result: CopyLedgerResult = await copyLedger({ from: from.ledger, to: target });
    await target.close();
    target = undefined;
    const where = { source: shown(source), schema, ledgerId, dir };
    if (options.json) context.stdout(`${JSON.stringify({ ...where, ...result }, null, 2)}\n`);
    else {
      context.stdout(`pulled ${result.size - result.from} entries (${result.from} → ${result.size}) and ${result.checkpoints} checkpoint(s) from ${where.source} (schema ${where.schema}, ledger ${where.ledgerId}) into ${dir}\n`);
      context.stderr(`check it: writ verify ${options.out} --trust-root FILE\n`);
    }
    context.setExitCode(EXIT.ok);
  } catch (error) {
    const code = isWritError(error) ? error.code : undefined;
    if (code !== undefined && REFUSALS.has(code)) {
      context.stderr(`INVALID: ${describeError(error)}\n`);
      context.setExitCode(EXIT.invalid);
    } else {
      context.stderr(`writ pull: ${describeError(error)}\n`);
      context.setExitCode(EXIT.usage);
    }
  } finally {
    await target?.close().catch(() => undefined);
    await close?.().catch(() => undefined);
  }
}

/** Register `writ pull` on `program`. */
export function registerPullCommand(program: Command, overrides: Partial<CommandContext> = {}): Command {
  const context = { ...processContext(), ...overrides };
  program
    .command('pull')
    .description('copy a ledger kept in PostgreSQL into a transcript directory, or bring a copy up to date (exit 0 pulled, 1 refused, 2 usage)')
    .argument('<source>', 'PostgreSQL URL of the database holding the ledger (postgres://user@host:5432/db)')
    .option('--out <dir>', 'the transcript directory to create or bring up to date')
    .option('--schema <name>', "schema of Writ's tables (default writ)")
    .option('--ledger-id <id>', 'which ledger in the schema (default default)')
    .option('--trust-root <file>', 'keep this trust-root document beside the entries (a different kept one is refused)')
    .option('--json', 'print what was pulled as JSON')
    .action((source: string, options: PullCommandOptions) => pullAction(source, options, context));
  return program;
}
