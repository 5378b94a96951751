import { WritError } from '@writ/core';
import { expectRecord } from './validate.ts';

/** Used when neither `WRIT_PG_URL` nor any libpq `PG*` variable is set. */
export const DEFAULT_CONNECTION_STRING = 'postgres://postgres@127.0.0.1:5432/test';

const LIBPQ_VARIABLES = ['PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGPASSWORD'] as const;

/**
 * Picks the connection string for Writ's PostgreSQL stores from the environment:
 * `WRIT_PG_URL` wins; otherwise, when any libpq variable (`PGHOST`, `PGPORT`, `PGUSER`,
 * `PGDATABASE`, `PGPASSWORD`) is set, `undefined` is returned so `pg` reads them itself;
 * otherwise {@link DEFAULT_CONNECTION_STRING}.
 *
 * @throws WritError `ERR_INVALID_ARGUMENT` when `WRIT_PG_URL` is set but is not a
 *   `postgres://` or `postgresql://` URL.
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
  return DEFAULT_CONNECTION_STRING;
}
