/**
 * The database of the tests and benchmarks. The stores themselves have no default connection
 * (`connectionStringFromEnv` refuses to guess); the suites default to a local `test` database.
 */
import { isWritError } from '@writ/core';
import { connectionStringFromEnv } from '../connection-options.ts';

/** The tests' database when neither WRIT_PG_URL nor a libpq `PG*` variable names one (the stores have no default). */
const TEST_CONNECTION_STRING = 'postgres://postgres@127.0.0.1:5432/test';

/** The connection string of the test database: the environment's, else {@link TEST_CONNECTION_STRING}. */
export function testConnectionString(): string | undefined {
  try {
    return connectionStringFromEnv();
  } catch (error) {
    // Nothing configured (a WRIT_PG_URL that is not a URL is still refused).
    if (isWritError(error, 'ERR_INVALID_ARGUMENT') && !process.env['WRIT_PG_URL']) return TEST_CONNECTION_STRING;
    throw error;
  }
}
