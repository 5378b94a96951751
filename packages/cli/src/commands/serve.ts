/**
 * `writ serve [--config FILE]` — start the Writ authority (apps/authority): it holds the
 * authority key, judges agents' action requests over HTTP, collects signed approvals,
 * serves the console, and stops cleanly on SIGINT/SIGTERM. `writ serve --hash-token TOKEN`
 * prints the digest to put in the config's `agents`/`approvers` (tokens are stored hashed).
 *
 * The authority is a separate package (`@writ/authority`), loaded only by this command.
 * Exit codes: 0 stopped cleanly · 1 stopped with an error · 2 could not start (config, key, stores).
 */
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { EXIT, describeError, processContext } from '../cli-context.ts';
import type { CommandContext } from '../cli-context.ts';

/** The part of `@writ/authority` this command uses. */
interface AuthorityModule {
  loadConfig(options: { file?: string; env: NodeJS.ProcessEnv; cwd: string }): Promise<unknown>;
  openAuthority(options: { config: unknown; env: NodeJS.ProcessEnv }): Promise<{ url: string; close(): Promise<void> }>;
}

/** Options of the serve command. */
export interface ServeCommandOptions {
  readonly config?: string;
  readonly hashToken?: string;
}

const AUTHORITY_PACKAGE = '@writ/authority';

/** Run `writ serve`; resolves with the running authority's `close` (tests stop it themselves). */
export async function serveAction(options: ServeCommandOptions, context: CommandContext = processContext()): Promise<(() => Promise<void>) | undefined> {
  if (options.hashToken !== undefined) {
    // The authority accepts only `Authorization: Bearer <16–512 printable ASCII, no spaces>`: a
    // digest of any other token would sit in the config and never let anyone in.
    if (!/^[\x21-\x7e]{16,512}$/.test(options.hashToken)) {
      context.stderr('writ serve: --hash-token: a bearer token is 16 to 512 printable ASCII characters without spaces (the authority refuses any other); e.g. openssl rand -base64 32 [ERR_USAGE]\n');
      context.setExitCode(EXIT.usage);
      return undefined;
    }
    context.stdout(`${createHash('sha256').update(options.hashToken, 'utf8').digest('hex')}\n`);
    return undefined;
  }
  let authority: AuthorityModule;
  try {
    authority = (await import(AUTHORITY_PACKAGE)) as AuthorityModule;
  } catch {
    // apps/* are private workspace packages: an npm-installed writ has no authority to start.
    context.stderr(`writ serve: ${AUTHORITY_PACKAGE} is not installed next to @writ/cli; it is a private package of the Writ repository, so run writ serve from a checkout (./run writ serve) [ERR_USAGE]\n`);
    context.setExitCode(EXIT.usage);
    return undefined;
  }
  try {
    // The authority reads the key (authorityKey, or authorityKeyFile as a { keyId, seed } key file
    // or a bare seed) and refuses a bad one.
    const config = await authority.loadConfig({ ...(options.config === undefined ? {} : { file: options.config }), env: process.env, cwd: context.cwd });
    const running = await authority.openAuthority({ config, env: process.env });
    context.stderr(`writ authority listening on ${running.url} (console: ${running.url}/console/)\n`);
    return () => running.close();
  } catch (error) {
    // describeError: a WritError's code, or the system's (EADDRINUSE for a taken port, EACCES ...).
    context.stderr(`writ serve: cannot start: ${describeError(error)}\n`);
    context.setExitCode(EXIT.usage);
    return undefined;
  }
}

/** Register `writ serve` on `program`. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the Writ authority (HTTP API, approvals console, sidecar verifier)')
    .option('-c, --config <file>', 'config file (default: $WRIT_AUTHORITY_CONFIG or ./writ-authority.json)')
    .option('--hash-token <token>', 'print the sha256 of a bearer token for the config and exit')
    .action(async (options: ServeCommandOptions) => {
      const close = await serveAction(options);
      if (close === undefined) return;
      // One stop for any number of signals: a second one (Ctrl-C reaches both this process and
      // the dev launcher, which forwards it) must not kill the process halfway through close.
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
