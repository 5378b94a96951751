import { WritError } from '@writ/core';
import { expectRecord } from './validate.ts';

const LIBPQ_VARIABLES = ['PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGPASSWORD'] as const;

/**
 * Picks the connection string for Writ's PostgreSQL stores from the environment:
 * `WRIT_PG_URL` wins; otherwise, when any libpq variable (`PGHOST`, `PGPORT`, `PGUSER`,
 * `PGDATABASE`, `PGPASSWORD`) is set, `undefined` is returned so `pg` reads them itself.
 * There is no default: with neither, it refuses rather than guess a database (an earlier
 * version answered the local `test` database, where a deployment that forgot its setting
 * then recorded its ledger).
 *
 * @throws WritError `ERR_INVALID_ARGUMENT` when `WRIT_PG_URL` is set but is not a
 *   `postgres://` or `postgresql://` URL, or when nothing is set.
 */
export function connectionStringFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  expectRecord(env, 'env');
  const url = env['WRIT_PG_URL'];
  if (url !== undefined && url !== '') {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      // Never echo the value: it may carry a password.
      throw new WritError(
        'ERR_INVALID_ARGUMENT',
        'WRIT_PG_URL must be a postgres:// or postgresql:// URL',
        {
          details: { parameter: 'WRIT_PG_URL' },
        },
      );
    }
    return url;
  }
  if (LIBPQ_VARIABLES.some((name) => env[name] !== undefined && env[name] !== '')) return undefined;
  throw new WritError(
    'ERR_INVALID_ARGUMENT',
    'no PostgreSQL connection configured: pass options.connectionString (or options.pool), or set WRIT_PG_URL (or libpq\'s PG* variables)',
    { details: { parameter: 'WRIT_PG_URL' } },
  );
}
