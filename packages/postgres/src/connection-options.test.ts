import { describe, expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import { connectionStringFromEnv, DEFAULT_CONNECTION_STRING } from './connection-options.ts';

describe('connectionStringFromEnv', () => {
  it('prefers WRIT_PG_URL', () => {
    expect(connectionStringFromEnv({ WRIT_PG_URL: 'postgresql://u@h/db', PGHOST: 'x' })).toBe(
      'postgresql://u@h/db',
    );
  });
  it('defers to pg when any libpq variable is set', () => {
    expect(connectionStringFromEnv({ PGHOST: '/var/run/postgresql' })).toBeUndefined();
  });
  it('falls back to the local test database', () => {
    expect(connectionStringFromEnv({})).toBe(DEFAULT_CONNECTION_STRING);
    expect(connectionStringFromEnv({ WRIT_PG_URL: '', PGUSER: '' })).toBe(
      DEFAULT_CONNECTION_STRING,
    );
  });
  it('refuses a non-postgres URL without echoing it', () => {
    let caught: unknown;
    try {
      connectionStringFromEnv({ WRIT_PG_URL: 'mysql://root:hunter2@h/db' });
    } catch (error) {
      caught = error;
    }
    expect(isWritError(caught, 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect((caught as Error).message).not.toContain('hunter2');
  });
});
