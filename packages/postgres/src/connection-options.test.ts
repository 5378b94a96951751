import { describe, expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import { connectionStringFromEnv } from './connection-options.ts';

describe('connectionStringFromEnv', () => {
  it('prefers WRIT_PG_URL', () => {
    expect(connectionStringFromEnv({ WRIT_PG_URL: 'postgresql://u@h/db', PGHOST: 'x' })).toBe(
      'postgresql://u@h/db',
    );
  });
  it('defers to pg when any libpq variable is set', () => {
    expect(connectionStringFromEnv({ PGHOST: '/var/run/postgresql' })).toBeUndefined();
  });
  // GAP: with nothing configured it answered postgres://postgres@127.0.0.1:5432/test, so a
  // deployment that forgot its connection string recorded its ledger in a local test database.
  it('refuses to guess when nothing is configured, naming what to set', () => {
    for (const env of [{}, { WRIT_PG_URL: '', PGUSER: '' }]) {
      let caught: unknown;
      try {
        connectionStringFromEnv(env);
      } catch (error) {
        caught = error;
      }
      expect(isWritError(caught, 'ERR_INVALID_ARGUMENT')).toBe(true);
      expect((caught as Error).message).toMatch(/WRIT_PG_URL/u);
    }
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
