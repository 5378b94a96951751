/**
 * The C2SP tlog-witness protocol (https://c2sp.org/tlog-witness) from the command line:
 *
 *   writ witness serve --name NAME --state FILE --log VKEY... [--key witness] [--keys-dir .writ]
 *     [--host 127.0.0.1] [--port 7380]
 *   writ witness submit <transcript-dir> --url URL --witness VKEY [--trust-root FILE] [--out FILE]
 *     [--save] [--json]
 *   writ witness log-key --trust-root FILE --origin ORIGIN
 *
 * `serve` runs a standard witness: `POST <url>/add-checkpoint`, consistency-checked against
 * the checkpoint it cosigned last per log (`--state`, the same file `writ witness cosign`
 * keeps, locked while it runs). `submit` gets a transcript's latest checkpoint that verifies
 * against the trust root (`--trust-root`, else the directory's `trust-root.json`; neither is a
 * usage error) cosigned by any tlog-witness and writes the cosigned note — an anchor for
 * `writ verify`; larger notes that do not verify are skipped and named. `log-key`
 * prints the note verifier keys a witness is configured with for a Writ log (one per
 * `ledger` key of its trust root).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Command } from 'commander';
import {
  FileWitnessState,
  TRUST_ROOT_FILE,
  WritError,
  createSigner,
  createWitness,
  formatVerifierKey,
  parseCosignerKey,
  parseVerifierKey,
  submitTranscriptDirectory,
  writeFileDurably,
} from '@writ/core';
import type { PrivateKey, SkippedCheckpoint } from '@writ/core';
import { EXIT, UsageError, collectRepeated, describeError } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { loadKey } from '../lib/key-store.ts';
import { readTrustRootFile } from '../trust-root-file.ts';

/** Default time a request has to arrive whole, headers and body. */
const REQUEST_TIMEOUT_MS = 30_000;
// Strict: replacement characters let bytes that are not UTF-8 through as U+FFFD (stored, or
// verified in place of a U+FFFD the log signed), and a byte-order mark was dropped silently.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Text another party chose (a witness's answer), made safe to print: control and format
 * characters — terminal escape sequences, bidi overrides — are shown as \u escapes.
 */
function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A running witness server. */
export interface RunningWitness {
  readonly url: string;
  readonly vkey: string;
  close(): Promise<void>;
}

/**
 * Start a tlog-witness HTTP server over a state file.
 * @throws `ERR_STORE_LOCKED` (another witness has the state open), `ERR_INVALID_ARGUMENT`.
 */
export async function startWitnessServer(options: {
  readonly name: string;
  readonly key: PrivateKey;
  readonly logs: readonly string[];
  readonly statePath: string;
  readonly host?: string;
  readonly port?: number;
  readonly now?: () => Date;
  /**
   * Time a request has to arrive whole, headers and body (default 30 s). Node's default let a
   * client sending a byte now and then hold a connection, and a shutdown, for 5 minutes.
   */
  readonly requestTimeoutMs?: number;
  /** Told of a request that failed inside the witness (the client gets a bare 500). */
  readonly onError?: (error: unknown) => void;
}): Promise<RunningWitness> {
  const requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  if (!Number.isSafeInteger(requestTimeoutMs) || requestTimeoutMs < 1 || requestTimeoutMs > 2 ** 31 - 1) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'requestTimeoutMs must be a positive integer of milliseconds', { details: { parameter: 'requestTimeoutMs' } });
  }
  const state = await FileWitnessState.open(options.statePath);
  try {
    const witness = createWitness({ name: options.name, signer: createSigner(options.key), logs: options.logs, state, ...(options.now && { now: options.now }) });
    const app = new Hono();
    app.post(
      '/add-checkpoint',
      // The rest of the body is not read: the connection is closed, and said so (it was announced
      // keep-alive, then dropped under a client that sent its next request on it).
      bodyLimit({ maxSize: 1 << 20, onError: (c) => c.text('request body too large\n', 413, { connection: 'close' }) }),
      async (c) => {
        const bytes = await c.req.arrayBuffer();
        let body: string;
        try {
          body = utf8.decode(bytes);
        } catch {
          return c.text('request body is not UTF-8\n', 400);
        }
        const answer = await witness.addCheckpoint(body);
        return c.body(answer.body, answer.status, { 'content-type': answer.contentType });
      },
    );
    app.notFound((c) => c.text('not found: this witness answers POST /add-checkpoint\n', 404));
    app.onError((error, c) => {
      // The client learns nothing; the operator must (a state that cannot be written fails every request).
      options.onError?.(error);
      return c.text('internal error\n', 500);
    });
    const server = await new Promise<Server>((done, fail) => {
      const started = serve(
        {
          fetch: app.fetch,
          hostname: options.host ?? '127.0.0.1',
          port: options.port ?? 7380,
          serverOptions: { requestTimeout: requestTimeoutMs, headersTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.min(30_000, requestTimeoutMs) },
        },
        () => done(started as Server),
      );
      started.once('error', fail);
    });
    const address = server.address() as AddressInfo;
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    let closing: Promise<void> | undefined;
    return {
      url,
      vkey: witness.vkey,
      close() {
        closing ??= (async () => {
          await new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          });
          await state.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await state.close();
    throw error;
  }
}

function port(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/u.test(value) || Number(value) > 65_535) throw new UsageError('--port must be a port number (0..65535)');
  return Number(value);
}

/** Options of `writ witness serve`. */
export interface WitnessServeOptions {
  readonly name?: string;
  readonly state?: string;
  readonly log?: readonly string[];
  readonly key?: string;
  readonly keysDir?: string;
  readonly host?: string;
  readonly port?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  readonly until?: Promise<unknown>;
}

/** Run `writ witness serve` until `until` (default: a signal). Sets the exit code. */
export async function witnessServeAction(options: WitnessServeOptions, context: CommandContext): Promise<void> {
  let running: RunningWitness | undefined;
  try {
    const name = options.name;
    if (name === undefined || name.length === 0 || /[\s+]/u.test(name)) throw new UsageError('--name must be the witness name (no spaces or "+"), e.g. witness.example/w1');
    if (options.state === undefined) throw new UsageError('--state FILE is required');
    const logs = options.log ?? [];
    if (logs.length === 0) throw new UsageError('--log VKEY is required (repeat for more logs): the note verifier key of each log this witness accepts; writ witness log-key prints it for a Writ log');
    for (const log of logs) {
      try {
        parseVerifierKey(log);
      } catch {
        throw new UsageError(`--log ${log}: not a note verifier key (origin+keyhash+base64(0x01 || key))`);
      }
    }
    const key = await loadKey({ dir: resolve(context.cwd, options.keysDir ?? '.writ'), name: options.key ?? 'witness', env: options.env ?? process.env });
    running = await startWitnessServer({
      name,
      key,
      logs,
      statePath: resolve(context.cwd, options.state),
      ...(options.host !== undefined && { host: options.host }),
      ...(options.port !== undefined && { port: port(options.port) }),
      onError: (error) => context.stderr(`writ witness serve: add-checkpoint failed — ${describeError(error)}\n`),
    });
    context.stderr(`witness ${name} listening on ${running.url} (POST /add-checkpoint); its verifier key: ${running.vkey}\n`);
    await (options.until ??
      new Promise<void>((done) => {
        process.once('SIGINT', () => done());
        process.once('SIGTERM', () => done());
      }));
    context.setExitCode(EXIT.ok);
  } catch (error) {
    context.stderr(`writ witness serve: ${describeError(error)}\n`);
    context.setExitCode(EXIT.usage);
  } finally {
    await running?.close();
  }
}

/** Options of `writ witness submit`. */
export interface WitnessSubmitOptions {
  readonly url?: string;
  readonly witness?: string;
  /** The log's trust-root document: only a checkpoint one of its ledger keys signed is submitted (default: the directory's trust-root.json). */
  readonly trustRoot?: string;
  readonly out?: string;
  /** Also keep the cosigned note in the transcript's `witnessed/` folder (merged per size). */
  readonly save?: boolean;
  readonly json?: boolean;
  readonly fetch?: typeof fetch;
}

/** One line per checkpoint note `writ witness submit` passed over. */
function skippedLines(skipped: readonly SkippedCheckpoint[]): string {
  return skipped.map((each) => `skipped ${each.path}${each.size === undefined ? '' : ` (size ${each.size})`}: does not verify against the trust root [${each.code}${each.cause === undefined ? '' : `, ${each.cause}`}]\n`).join('');
}

/**
 * Run `writ witness submit`: 0 cosigned · 1 the witness refused or did not answer, no
 * checkpoint verifies, or checkpoints the ledger key signed disagree with the entries or each
 * other (nothing sent) · 2 usage (also: no trust root to check the checkpoints against).
 */
export async function witnessSubmitAction(target: string, options: WitnessSubmitOptions, context: CommandContext): Promise<void> {
  try {
    if (options.url === undefined || !/^https?:\/\/\S+$/u.test(options.url)) throw new UsageError('--url must be the witness\'s http(s) submission prefix');
    if (options.witness === undefined) throw new UsageError('--witness VKEY is required: the witness\'s cosignature/v1 verifier key');
    try {
      parseCosignerKey(options.witness);
    } catch {
      throw new UsageError(`--witness ${options.witness}: not a witness verifier key (C2SP cosignature/v1, type 0x04)`);
    }
    const dir = resolve(context.cwd, target);
    if (!existsSync(dir)) throw new UsageError(`${target}: no such directory`);
    const trustRoot = options.trustRoot === undefined ? undefined : (await readTrustRootFile(options.trustRoot, context.cwd)).trustRoot;
    let result;
    try {
      result = await submitTranscriptDirectory(dir, { url: options.url, witness: options.witness, save: options.save === true, ...(trustRoot && { trustRoot }), ...(options.fetch && { fetch: options.fetch }) });
    } catch (error) {
      if (WritError.isInstance(error) && error.code === 'ERR_TRANSCRIPT_CHECKPOINT_BEYOND_END') {
        context.stderr(`INVALID: ${error.message}\n`);
        context.setExitCode(EXIT.invalid);
        return;
      }
      // A checkpoint the ledger key signed that disagrees with the entries or another one: not
      // routed around (it is evidence of the key's misuse); the notes are named for someone to look at.
      if (WritError.isInstance(error) && (error.code === 'ERR_TRANSCRIPT_ROOT_MISMATCH' || error.code === 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT')) {
        const details = error.details as { skipped?: readonly SkippedCheckpoint[]; paths?: readonly string[] } | undefined;
        context.stderr(`${skippedLines(details?.skipped ?? [])}INVALID: ${error.message}${(details?.paths ?? []).map((path) => `\n  ${path}`).join('')}\n(writ verify ${target} reports the same) [${error.code}]\n`);
        context.setExitCode(EXIT.invalid);
        return;
      }
      if (WritError.isInstance(error) && error.code === 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE') {
        const skipped = (error.details as { skipped?: readonly SkippedCheckpoint[] } | undefined)?.skipped ?? [];
        context.stderr(`${skippedLines(skipped)}INVALID: ${error.message} [${error.code}]\n`);
        context.setExitCode(EXIT.invalid);
        return;
      }
      const parameter = WritError.isInstance(error) ? (error.details as { parameter?: unknown } | undefined)?.parameter : undefined;
      if (WritError.isInstance(error) && error.code === 'ERR_INVALID_ARGUMENT' && parameter === 'dir') {
        throw new UsageError(`${target}: ${error.message}`);
      }
      // No silent unverified choice: without a trust root nothing says which checkpoint is the log's.
      if (WritError.isInstance(error) && error.code === 'ERR_INVALID_ARGUMENT' && parameter === 'options.trustRoot') {
        throw new UsageError(`no trust root to check the checkpoints against: pass --trust-root FILE (the log's trust-root document) or keep ${TRUST_ROOT_FILE} in the transcript directory`);
      }
      if (WritError.isInstance(error) && error.code === 'ERR_TRUST_ROOT_INVALID') {
        throw new UsageError(`${join(target, TRUST_ROOT_FILE)}: not a valid trust root; pass --trust-root FILE`, error.code);
      }
      throw error;
    }
    const latest = { size: result.size };
    if (options.out !== undefined) await writeFileDurably(resolve(context.cwd, options.out), result.note);
    const saved = result.saved;
    // Passed over, not repaired: writ verify still fails on them until someone removes them.
    if (!options.json) context.stderr(skippedLines(result.skipped));
    if (saved !== undefined && !options.json) context.stderr(`kept in ${saved}: writ verify ${target} --witness VKEY counts it\n`);
    if (options.json) context.stdout(`${JSON.stringify({ size: latest.size, previousSize: result.oldSize, timestamp: result.timestamp, cosigned: result.note, ...(saved !== undefined && { saved }), skipped: result.skipped }, null, 2)}\n`);
    else if (options.out === undefined && saved === undefined) context.stdout(result.note);
    else context.stdout(`checkpoint ${latest.size} cosigned by the witness (it held ${result.oldSize})${options.out === undefined ? '' : ` → ${options.out}`}\n`);
    context.setExitCode(EXIT.ok);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof UsageError || code === 'ERR_INVALID_ARGUMENT') {
      context.stderr(`writ witness submit: ${describeError(error)}\n`);
      context.setExitCode(EXIT.usage);
      return;
    }
    const details = (error as { details?: { status?: unknown; answer?: unknown; size?: unknown } }).details;
    const text = typeof details?.answer === 'string' ? details.answer.trim() : '';
    const answer =
      details?.status === 409 && /^\d+$/u.test(text)
        ? `: the witness holds a checkpoint of size ${text} of this log, which this transcript's latest (size ${String(details.size)}) does not extend`
        : text.length > 0
          ? `: ${printable(text)}`
          : '';
    context.stderr(`not cosigned — ${(error as Error).message}${answer}${typeof code === 'string' ? ` [${code}]` : ''}\n`);
    context.setExitCode(EXIT.invalid);
  }
}

/** Run `writ witness log-key`: the note verifier keys of a Writ log, one per ledger key. */
export async function witnessLogKeyAction(options: { readonly trustRoot?: string; readonly origin?: string }, context: CommandContext): Promise<void> {
  try {
    if (options.trustRoot === undefined) throw new UsageError('--trust-root FILE is required');
    // No control characters either: a signed note holds none, so no checkpoint could carry that origin.
    if (options.origin === undefined || options.origin.length === 0 || /[\s+\p{Cc}]/u.test(options.origin)) throw new UsageError('--origin must be the log origin (the first line of its checkpoints)');
    const { trustRoot } = await readTrustRootFile(options.trustRoot, context.cwd);
    const keys = trustRoot.keys('ledger');
    if (keys.length === 0) throw new UsageError(`${options.trustRoot}: no ledger key`);
    for (const key of keys) context.stdout(`${formatVerifierKey(options.origin, key.publicKeyBytes)}\n`);
    context.setExitCode(EXIT.ok);
  } catch (error) {
    context.stderr(`writ witness log-key: ${describeError(error)}\n`);
    context.setExitCode(EXIT.usage);
  }
}

/** Add `serve`, `submit` and `log-key` to the `witness` command. */
export function addWitnessProtocolCommands(witness: Command, context: CommandContext): void {
  witness
    .command('serve')
    .description('run a C2SP tlog-witness: POST /add-checkpoint, consistency-checked against --state')
    .requiredOption('--name <name>', 'witness name, e.g. witness.example/w1')
    .requiredOption('--state <file>', 'witness state (the last checkpoint cosigned per log; locked while serving)')
    .requiredOption('--log <vkey>', 'note verifier key of a log to witness (origin+keyhash+key); repeat for more', collectRepeated)
    .option('--key <name>', 'witness key (file in --keys-dir or WRIT_KEY_<NAME>)', 'witness')
    .option('--keys-dir <dir>', 'key directory', '.writ')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '7380')
    .action((options: WitnessServeOptions) => witnessServeAction(options, context));
  witness
    .command('submit')
    .description('have the latest checkpoint of a transcript that verifies against its trust root cosigned by a tlog-witness (exit 0 cosigned, 1 refused, unreachable, or no checkpoint fit to send, 2 usage)')
    .argument('<transcript-dir>', 'transcript directory (file store)')
    .requiredOption('--url <url>', 'the witness\'s submission prefix (…/add-checkpoint is appended)')
    .requiredOption('--witness <vkey>', 'the witness\'s cosignature/v1 verifier key')
    .option('--trust-root <file>', 'the log\'s trust-root document: the latest checkpoint one of its ledger keys signed is submitted (default: trust-root.json in the directory)')
    .option('--out <file>', 'write the cosigned checkpoint note here (default: stdout)')
    .option('--save', 'keep the cosigned note in the transcript directory (witnessed/<size>.note), where writ verify --witness finds it')
    .option('--json', 'print sizes, the cosignature time and the cosigned note as JSON')
    .action((target: string, options: WitnessSubmitOptions) => witnessSubmitAction(target, options, context));
  witness
    .command('log-key')
    .description('print the note verifier keys a witness needs for a Writ log (one per ledger key)')
    .requiredOption('--trust-root <file>', 'the log\'s trust-root document')
    .requiredOption('--origin <origin>', 'the log origin (first line of its checkpoints)')
    .action((options: { trustRoot?: string; origin?: string }) => witnessLogKeyAction(options, context));
}
