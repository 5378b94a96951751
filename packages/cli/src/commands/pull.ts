/**
 * `writ pull <postgres-url | authority-url> --out DIR [--schema writ] [--ledger-id default]
 *   [--token-env WRIT_AUTHORITY_TOKEN] [--trust-root FILE] [--json]`
 *
 * Copies a ledger into a transcript directory, entries byte for byte and its checkpoints
 * (`copyLedger`): what `writ verify`, `writ witness submit`, `writ export` and `writ report`
 * read. The source is a PostgreSQL database (`@writ/postgres`, read-only: no migration) or a
 * running authority (`GET /v1/transcript`, an approver's token from an environment variable).
 * Run again, it appends what the ledger gained since, after checking that the directory is
 * still a prefix of it. `@writ/postgres` is loaded only by this command.
 * Exit codes: 0 pulled · 1 refused (the directory is not a copy of that ledger, or the
 * source's entries fail their hash or chain checks) · 2 usage (not a postgres or http(s) URL,
 * no `--out`, or one that is a file or a directory holding other things, `@writ/postgres` not
 * installed, source unreachable or answering more than 64 MiB or no transcript page, no or
 * refused token, bad trust root — or a `--trust-root` or kept `trust-root.json` that is missing,
 * a directory, a FIFO or other non-regular file, or over 4 MiB, each with a stable code —
 * directory locked by a writer).
 */
import { existsSync } from 'node:fs';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CHECKPOINTS_DIR, ENTRIES_FILE, FileLedgerStore, TRUST_ROOT_FILE, WITNESSED_DIR, canonicalize, copyLedger, isWritError } from '@writ/core';
import type { CopyLedgerResult, LedgerStore, TrustRootDocument } from '@writ/core';
import { EXIT, UsageError, describeError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { DEFAULT_TOKEN_ENV, approverToken, cleartextToken } from '../lib/authority-client.ts';
import { AuthorityLedgerSource } from '../lib/authority-ledger-source.ts';
import { readTrustRootFile, readTrustRootText } from '../trust-root-file.ts';

/** Options of `writ pull`. */
export interface PullCommandOptions {
  readonly out?: string;
  readonly schema?: string;
  readonly ledgerId?: string;
  readonly trustRoot?: string;
  /** Environment variable holding an approver's token, for an authority source (default WRIT_AUTHORITY_TOKEN). */
  readonly tokenEnv?: string;
  readonly json?: boolean;
  /** Environment (tests; default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** fetch for an authority source (tests). */
  readonly fetch?: typeof fetch;
}

/** Where `writ pull` reads from: a database or an authority, and how to show it. */
interface Source {
  readonly ledger: Pick<LedgerStore, 'read' | 'head' | 'checkpoints'>;
  readonly where: Record<string, string>;
  readonly label: string;
  close(): Promise<void>;
}

/** The part of `@writ/postgres` this command uses. */
interface PostgresModule {
  openPostgresStores(options: { connectionString: string; schema?: string; ledgerId?: string; migrate: false; maxConnections: number }): Promise<{ ledger: LedgerStore; close(): Promise<void> }>;
}

const POSTGRES_PACKAGE = '@writ/postgres';

// Query parameters libpq and pg read a secret from (`?password=`, `?sslpassword=`, ...).
const SECRET_PARAMETER = /pass|secret|token|key/iu;

/** The URL without its password (in the user part or the query), for messages. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    for (const name of [...parsed.searchParams.keys()]) if (SECRET_PARAMETER.test(name)) parsed.searchParams.set(name, '***');
    return parsed.toString().replaceAll('%2A%2A%2A', '***');
  } catch {
    return '(unparseable URL)';
  }
}

// What a transcript directory may hold before its first pull: `writ pull` never turns a
// directory that holds anything else (`--out .` for `--out audit`) into one.
const TRANSCRIPT_NAMES = new Set([ENTRIES_FILE, CHECKPOINTS_DIR, WITNESSED_DIR, TRUST_ROOT_FILE, 'writer.lock']);

async function assertOutDirectory(dir: string, out: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UsageError(`--out ${out}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!isDirectory) throw new UsageError(`--out ${out}: not a directory`);
  if (existsSync(join(dir, ENTRIES_FILE))) return;
  const other = (await readdir(dir)).filter((name) => !TRANSCRIPT_NAMES.has(name));
  if (other.length > 0) throw new UsageError(`--out ${out}: not a transcript directory (no ${ENTRIES_FILE}) and not empty; name a new or empty directory`);
}

// Findings about the evidence (exit 1), as opposed to how the command was invoked (exit 2).
const REFUSALS = new Set(['ERR_STORE_CONFLICT', 'ERR_STORE_CORRUPT', 'ERR_TRANSCRIPT_MALFORMED', 'ERR_TRANSCRIPT_SEQUENCE', 'ERR_TRANSCRIPT_CHAIN', 'ERR_STORE_CHECKPOINT_CONFLICT', 'ERR_NOTE_MALFORMED', 'ERR_CHECKPOINT_MALFORMED']);

/**
 * Keep the trust root beside the entries; a kept one that differs is refused. The kept file is
 * read bounded and only if a regular file (a FIFO planted there blocked a plain readFile forever).
 */
async function keepTrustRoot(dir: string, document: TrustRootDocument, file: string): Promise<void> {
  const path = join(dir, TRUST_ROOT_FILE);
  const kept = await readTrustRootText(path, `${path}: cannot read the kept trust root`, 'undefined');
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

async function openDatabase(source: string, options: PullCommandOptions): Promise<Source> {
  let postgres: PostgresModule;
  try {
    postgres = (await import(POSTGRES_PACKAGE)) as PostgresModule;
  } catch {
    throw new UsageError(`${POSTGRES_PACKAGE} is not installed (add it and pg next to @writ/cli)`);
  }
  const schema = options.schema ?? 'writ';
  const ledgerId = options.ledgerId ?? 'default';
  const stores = await postgres.openPostgresStores({
    connectionString: source,
    migrate: false,
    maxConnections: 2,
    ...(options.schema !== undefined && { schema: options.schema }),
    ...(options.ledgerId !== undefined && { ledgerId: options.ledgerId }),
  });
  return { ledger: stores.ledger, where: { source: shown(source), schema, ledgerId }, label: `${shown(source)} (schema ${schema}, ledger ${ledgerId})`, close: () => stores.close() };
}

function openAuthority(source: string, options: PullCommandOptions, known: number): Source {
  if (options.schema !== undefined || options.ledgerId !== undefined) throw new UsageError('--schema and --ledger-id apply to a PostgreSQL source');
  const token = approverToken({ tokenEnv: options.tokenEnv, env: options.env ?? process.env, use: 'the transcript is read with it' });
  let ledger: AuthorityLedgerSource;
  try {
    ledger = new AuthorityLedgerSource({ url: source, token, known, ...(options.fetch && { fetch: options.fetch }) });
  } catch (error) {
    throw new UsageError(`${shown(source)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const url = shown(source);
  return { ledger, where: { source: url }, label: url, close: () => Promise.resolve() };
}

/** How many entries a transcript directory holds already (0 when there is none). */
async function entriesHeld(dir: string): Promise<number> {
  if (!existsSync(join(dir, ENTRIES_FILE))) return 0;
  const store = await FileLedgerStore.open({ dir, readOnly: true });
  try {
    return (await store.head()).size;
  } finally {
    await store.close();
  }
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
  // A directory this run created, removed again if the run fails before any entry is in it.
  let created: string | undefined;
  let succeeded = false;
  try {
    const database = /^postgres(ql)?:\/\//iu.test(source);
    if (!database && !/^https?:\/\//iu.test(source)) {
      throw new UsageError(`${shown(source)}: the source must be a PostgreSQL URL (postgres://user@host:5432/db) or an authority URL (https://authority.example)`);
    }
    if (options.out === undefined || options.out === '') throw new UsageError('--out DIR is required (the transcript directory to write)');
    const dir = resolve(context.cwd, options.out);
    await assertOutDirectory(dir, options.out);
    const trustRoot = options.trustRoot === undefined ? undefined : (await readTrustRootFile(options.trustRoot, context.cwd)).document;
    const from = database ? await openDatabase(source, options) : openAuthority(source, options, await entriesHeld(dir));
    if (!database && cleartextToken(source)) context.stderr(`writ pull: warning: ${shown(source)} is plain http to another machine — the approver's token (which can approve actions) crosses the network unencrypted; use https\n`);
    close = () => from.close();
    let sourceHead;
    try {
      sourceHead = await from.ledger.head();
    } catch (error) {
      throw database ? explainSourceError(error, source, from.where.schema!) : error;
    }
    // Nothing to copy is most often a mistyped source: say so, create nothing.
    if (sourceHead.size === 0) throw new UsageError(`${from.label} has no entries${database ? ' (check --ledger-id and --schema)' : ''}`);
    if (!existsSync(dir)) created = dir;
    target = await FileLedgerStore.open({ dir });
    if (trustRoot !== undefined) await keepTrustRoot(dir, trustRoot, options.trustRoot!);
    const result: CopyLedgerResult = await copyLedger({ from: from.ledger, to: target });
    await target.close();
    target = undefined;
    if (options.json) context.stdout(`${JSON.stringify({ ...from.where, dir, ...result }, null, 2)}\n`);
    else {
      context.stdout(`pulled ${result.size - result.from} entries (${result.from} → ${result.size}) and ${result.checkpoints} checkpoint(s) from ${from.label} into ${dir}\n`);
      context.stderr(`check it: writ verify ${options.out} --trust-root FILE\n`);
    }
    context.setExitCode(EXIT.ok);
    succeeded = true;
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
    const held = target === undefined ? undefined : await target.head().then((head) => head.size, () => undefined);
    await target?.close().catch(() => undefined);
    await close?.().catch(() => undefined);
    // Leave no empty transcript behind a refused first pull (a later one would take it as a
    // copy); a copy that holds entries is kept: the next run continues it.
    if (!succeeded && created !== undefined && (held ?? (await entriesHeld(created).catch(() => 1))) === 0) {
      await rm(created, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/** Register `writ pull` on `program`. */
export function registerPullCommand(program: Command, overrides: Partial<CommandContext> = {}): Command {
  const context = { ...processContext(), ...overrides };
  program
    .command('pull')
    .description('copy a ledger from PostgreSQL or a running authority into a transcript directory, or bring a copy up to date (exit 0 pulled, 1 refused, 2 usage)')
    .argument('<source>', 'postgres://user@host:5432/db (the database holding the ledger) or https://authority.example (a running authority)')
    .option('--out <dir>', 'the transcript directory to create or bring up to date')
    .option('--schema <name>', "schema of Writ's tables (default writ)")
    .option('--ledger-id <id>', 'which ledger in the schema (default default)')
    .option('--token-env <name>', `authority source: the environment variable holding an approver's token (default ${DEFAULT_TOKEN_ENV})`)
    .option('--trust-root <file>', 'keep this trust-root document beside the entries (a different kept one is refused)')
    .option('--json', 'print what was pulled as JSON')
    .action((source: string, options: PullCommandOptions) => pullAction(source, options, context));
  return program;
}
