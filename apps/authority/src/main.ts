/** `pnpm --filter @writ/authority start [config.json]`: load the config, start, stop cleanly on SIGINT/SIGTERM. */
import { isWritError } from '@writ/core';
import { loadConfig } from './load-config.ts';
import { createLogger } from './logger.ts';
import { openAuthority } from './open-authority.ts';

const logger = createLogger();
// `pnpm --filter @writ/authority start cfg.json` runs this in apps/authority: a relative config
// path is the caller's, which pnpm (like npm) passes as INIT_CWD.
const cwd = process.env.INIT_CWD ?? process.cwd();
try {
  const config = await loadConfig({ ...(process.argv[2] === undefined ? {} : { file: process.argv[2] }), env: process.env, cwd });
  const authority = await openAuthority({ config, logger, env: process.env });
  const stop = (signal: string) => {
    logger.info('shutting down', { signal });
    authority.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  logger.error('cannot start', { code: isWritError(error) ? error.code : 'ERR_INTERNAL', error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 2;
}
