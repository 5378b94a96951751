/**
 * `writ unfinished list --url URL [--token-env NAME] [--json]`
 * `writ unfinished resolve TOKEN_ID --url URL --outcome executed|not-executed [--note TEXT]
 *   --key FILE --role ROLE [--token-env NAME] [--json]`
 *
 * Releases an authority found without an outcome after a crash (`release-unfinished`), from the
 * terminal instead of the console: `list` shows `GET /v1/console/unfinished`; `resolve` signs a
 * resolution with the approver's own key file (`signResolution`, ADR 0039) and posts it to
 * `POST /v1/console/unfinished/:tokenId/resolve`, which verifies it against the trust root and
 * records `release-resolved`. The approver's bearer token comes from an environment variable only.
 * Exit codes: 0 listed / recorded · 1 the authority refused the statement (422, with its code) or
 * knows no such unfinished release (404 `ERR_FIREWALL_TOKEN_UNKNOWN`) · 2 usage (bad options, a key
 * file that cannot be read or is not one, no token or one refused, the authority unreachable or
 * answering something else than the route gives: `ERR_STORE_IO`, as for `writ pull`).
 */
import type { Command } from 'commander';
import { createSigner, isWritError, signResolution } from '@writ/core';
import type { ResolutionOutcome, Signer, UnfinishedRelease } from '@writ/core';
import { EXIT, UsageError, describeError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';
import { DEFAULT_TOKEN_ENV, answerCode, approverToken, authorityBaseUrl, callAuthority, cleartextToken } from '../lib/authority-client.ts';
import { acceptDashIds } from '../lib/dash-ids.ts';
import { readKeyFile } from '../lib/key-store.ts';

/** Options shared by `writ unfinished list` and `resolve`. */
export interface UnfinishedCommonOptions {
  readonly url?: string;
  /** Environment variable holding an approver's token (default WRIT_AUTHORITY_TOKEN). */
  readonly tokenEnv?: string;
  readonly json?: boolean;
  /** Environment (tests; default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** fetch (tests). */
  readonly fetch?: typeof fetch;
}

/** Options of `writ unfinished resolve`. */
export interface ResolveUnfinishedOptions extends UnfinishedCommonOptions {
  readonly outcome?: string;
  readonly note?: string;
  /** The approver's private key file (`{ keyId, seed }`, as `writ keys generate` writes it). */
  readonly key?: string;
  /** The approval role the key holds in the trust root, which the resolution is signed in. */
  readonly role?: string;
}

/** A refusal of the authority about the release or the statement (exit 1), as opposed to the invocation (exit 2). */
class Refused extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

// The route's own token-id rule (1-128 of [A-Za-z0-9._:-]): checked here so a typo is a usage error.
const TOKEN_ID = /^[A-Za-z0-9._:-]{1,128}$/u;
const OUTCOMES: readonly ResolutionOutcome[] = ['executed', 'not-executed'];

// What each refusal of a statement means for someone at a terminal (the code is printed too).
const STATEMENT_REFUSALS: Readonly<Record<string, string>> = {
  ERR_APPROVAL_SIGNER_INVALID: 'the key is not an active approver key with that --role in the authority\'s trust root',
  ERR_APPROVAL_EXPIRED: 'the statement is outside its 15-minute window at the authority\'s clock (check this machine\'s clock)',
  ERR_APPROVAL_NOT_YET_VALID: 'the statement is dated after the authority\'s clock (check this machine\'s clock)',
};

/** Strings of the authority shown on a terminal: control and bidirectional characters as `\uXXXX`. */
function shown(text: string): string {
  return text.replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function parseList(json: unknown): { unfinished: UnfinishedRelease[]; total: number } {
  const page = json as { unfinished?: unknown; total?: unknown } | null;
  const items = typeof page === 'object' && page !== null && Array.isArray(page.unfinished) ? (page.unfinished as unknown[]) : undefined;
  const total = page?.total;
  const valid = (item: unknown): item is UnfinishedRelease => {
    const r = item as Partial<Record<keyof UnfinishedRelease, unknown>> | null;
    return typeof r === 'object' && r !== null && isText(r.tokenId) && isText(r.callId) && isText(r.sessionId) && isText(r.tool) && Number.isSafeInteger(r.releasedSeq);
  };
  if (items === undefined || !items.every(valid) || !Number.isSafeInteger(total) || (total as number) < items.length) {
    throw new UsageError("the authority's answer is not a list of unfinished releases", 'ERR_STORE_IO');
  }
  return { unfinished: items.map(({ tokenId, callId, sessionId, tool, releasedSeq }) => ({ tokenId, callId, sessionId, tool, releasedSeq })), total: total as number };
}

/** The authority to call, and its token; warns when the token would cross the network in clear. */
function connection(options: UnfinishedCommonOptions, context: CommandContext, name: string): { url: string; token: string } {
  const url = authorityBaseUrl(options.url);
  const token = approverToken({ tokenEnv: options.tokenEnv, env: options.env ?? process.env, use: 'the console routes need one' });
  if (cleartextToken(url)) context.stderr(`writ unfinished ${name}: warning: ${url} is plain http to another machine — the approver's token (which can read the transcript) crosses the network unencrypted; use https\n`);
  return { url, token };
}

/** Print the error as one line; exit 1 for a refusal of the authority, 2 otherwise. */
function fail(error: unknown, context: CommandContext, name: string): void {
  context.stderr(`writ unfinished ${name}: ${describeError(error)}\n`);
  context.setExitCode(error instanceof Refused ? EXIT.invalid : EXIT.usage);
}

/** Run `writ unfinished list`. */
export async function listUnfinishedAction(options: UnfinishedCommonOptions, context: CommandContext = processContext()): Promise<void> {
  try {
    const { url, token } = connection(options, context, 'list');
    const answer = await callAuthority({ url, token, method: 'GET', path: '/v1/console/unfinished', ...(options.fetch && { fetch: options.fetch }) });
    if (answer.status !== 200) throw new UsageError(`the authority answered HTTP ${answer.status} for /v1/console/unfinished`, answerCode(answer.json) ?? 'ERR_STORE_IO');
    const page = parseList(answer.json);
    if (options.json) context.stdout(`${JSON.stringify(page, null, 2)}\n`);
    else if (page.total === 0) context.stdout(`no unfinished releases at ${url}\n`);
    else {
      const more = page.total > page.unfinished.length ? ` (the oldest ${page.unfinished.length} shown)` : '';
      context.stdout(`${page.total} unfinished release(s) at ${url}, oldest first${more}:\n`);
      for (const r of page.unfinished) context.stdout(`  ${shown(r.tokenId)}  tool ${shown(r.tool)}  session ${shown(r.sessionId)}  call ${shown(r.callId)}  released at entry ${r.releasedSeq}\n`);
      context.stderr('once the target is checked: writ unfinished resolve TOKEN_ID --url URL --outcome executed|not-executed --key FILE --role ROLE\n');
    }
    context.setExitCode(EXIT.ok);
  } catch (error) {
    fail(error, context, 'list');
  }
}

/** The checked options of `resolve`, before anything is read or sent. */
function checkResolveOptions(tokenId: string, options: ResolveUnfinishedOptions): { outcome: ResolutionOutcome; key: string; role: string } {
  if (!TOKEN_ID.test(tokenId)) throw new UsageError('TOKEN_ID: expected 1-128 characters of [A-Za-z0-9._:-] (a tokenId writ unfinished list shows)');
  const outcome = options.outcome as ResolutionOutcome | undefined;
  if (outcome === undefined || !OUTCOMES.includes(outcome)) throw new UsageError('--outcome: expected executed or not-executed (what checking the target showed)');
  if (options.key === undefined || options.key === '') throw new UsageError('--key FILE is required (the approver\'s private key file, as writ keys generate writes it)');
  if (options.role === undefined || options.role === '') throw new UsageError('--role ROLE is required (the approval role the key holds in the trust root)');
  if (options.note === '') throw new UsageError('--note: give what was checked, or leave the option out');
  return { outcome, key: options.key, role: options.role };
}

function sign(options: { tokenId: string; outcome: ResolutionOutcome; note: string | undefined; role: string; signer: Signer }) {
  try {
    return signResolution({ signer: options.signer, role: options.role, tokenId: options.tokenId, outcome: options.outcome, ...(options.note !== undefined && { note: options.note }) });
  } catch (error) {
    if (!isWritError(error, 'ERR_INVALID_ARGUMENT')) throw error;
    const field = (error.details as { field?: unknown } | undefined)?.field;
    const option = field === 'note' ? '--note: at most 4096 characters' : field === 'role' ? '--role: at most 256 characters' : 'an option is invalid';
    throw new UsageError(`cannot sign the resolution: ${option}`);
  }
}

/** Run `writ unfinished resolve`. */
export async function resolveUnfinishedAction(tokenId: string, options: ResolveUnfinishedOptions, context: CommandContext = processContext()): Promise<void> {
  try {
    const checked = checkResolveOptions(tokenId, options);
    const { url, token } = connection(options, context, 'resolve');
    const signer = createSigner(await readKeyFile({ path: checked.key, cwd: context.cwd, option: '--key' }));
    const resolution = sign({ tokenId, outcome: checked.outcome, note: options.note, role: checked.role, signer });
    const path = `/v1/console/unfinished/${encodeURIComponent(tokenId)}/resolve`;
    const answer = await callAuthority({ url, token, method: 'POST', path, body: { statement: resolution.envelope }, ...(options.fetch && { fetch: options.fetch }) });
    const code = answerCode(answer.json);
    if (answer.status === 422 && code !== undefined) {
      throw new Refused(`the authority refused the resolution: ${STATEMENT_REFUSALS[code] ?? 'the statement does not verify'}`, code);
    }
    if (answer.status === 404 && code === 'ERR_FIREWALL_TOKEN_UNKNOWN') {
      throw new Refused(`${tokenId} is no unfinished release of the authority (never one, or resolved already)`, code);
    }
    if (answer.status !== 200) throw new UsageError(`the authority answered HTTP ${answer.status} for ${path}`, code ?? 'ERR_STORE_IO');
    const recorded = answer.json as { tokenId?: unknown; outcome?: unknown; by?: unknown } | null;
    if (typeof recorded !== 'object' || recorded === null || recorded.tokenId !== tokenId || recorded.outcome !== checked.outcome || !isText(recorded.by)) {
      throw new UsageError("the authority's answer is not the resolution it recorded", 'ERR_STORE_IO');
    }
    const result = { tokenId, outcome: checked.outcome, by: recorded.by };
    if (options.json) context.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else context.stdout(`recorded: ${tokenId} ${result.outcome}, resolved by ${shown(result.by)}\n`);
    context.setExitCode(EXIT.ok);
  } catch (error) {
    fail(error, context, 'resolve');
  }
}

/**
 * Register `writ unfinished list` and `writ unfinished resolve` on `program`.
 * @example `WRIT_AUTHORITY_TOKEN=… writ unfinished resolve Qm1u3Xq0b2vYk9sT4hJd2w --url https://authority.example --outcome not-executed --key .writ/keys/approver-ops.key --role ops`
 */
export function registerUnfinishedCommand(program: Command, overrides: Partial<CommandContext> = {}): Command {
  const context = { ...processContext(), ...overrides };
  const tokenEnv = `the environment variable holding an approver's token of the authority (default ${DEFAULT_TOKEN_ENV}; never on the command line)`;
  const unfinished = program
    .command('unfinished')
    .description('list and resolve releases an authority found without an outcome after a crash (exit 0 done, 1 refused by the authority, 2 usage)');
  unfinished
    .command('list')
    .description('list the releases without an outcome (GET /v1/console/unfinished)')
    .option('--url <url>', 'the authority (https://authority.example)')
    .option('--token-env <name>', tokenEnv)
    .option('--json', 'print { unfinished, total } as JSON')
    .action((options: UnfinishedCommonOptions) => listUnfinishedAction(options, context));
  // Token ids are base64url: one in 64 starts with '-' and is taken as it is (acceptDashIds).
  acceptDashIds(unfinished.command('resolve'))
    .description('record what checking the target showed, signed with your approver key (exit 0 recorded, 1 refused or unknown release, 2 usage)')
    .argument('<tokenId>', 'the release, as writ unfinished list shows it')
    .option('--url <url>', 'the authority (https://authority.example)')
    .option('--outcome <outcome>', 'executed or not-executed (not-executed frees the budget it held)')
    .option('--note <text>', 'what was checked (a payment reference, "no email in the outbox"); at most 4096 characters')
    .option('--key <file>', "your approver key file ({ keyId, seed }, as writ keys generate writes it); never printed")
    .option('--role <role>', 'the approval role your key holds in the trust root')
    .option('--token-env <name>', tokenEnv)
    .option('--json', 'print { tokenId, outcome, by } as JSON')
    .addHelpText('after', '\nExample:\n  WRIT_AUTHORITY_TOKEN=… writ unfinished resolve Qm1u3Xq0b2vYk9sT4hJd2w --url https://authority.example \\\n    --outcome not-executed --note "no refund at the bank" --key .writ/keys/approver-ops.key --role ops\nA token id that starts with a dash is given as it is, like -qVxjDHrnQKWHdY5Q54iLg.\n')
    .action((id: string, options: ResolveUnfinishedOptions) => resolveUnfinishedAction(id, options, context));
  return program;
}
