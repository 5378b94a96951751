// How an append reports failures at each step, driven through a scripted stand-in for a
// pg connection so the moment of failure is exact (no PostgreSQL needed). The real-server
// counterpart (a backend killed mid-transaction) is in postgres-ledger-store.test.ts.
import { describe, expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import type { Pool } from 'pg';
import { PostgresLedgerStore } from './postgres-ledger-store.ts';

type Step = 'BEGIN+LOCK' | 'INSERT' | 'COMMIT' | 'ROLLBACK';

function stepOf(text: string): Step {
  if (text.startsWith('WITH inserted')) return 'INSERT';
  if (text.startsWith('BEGIN;')) return 'BEGIN+LOCK';
  return text as Step;
}

function scriptedPool(failAt: Step, error: Error) {
  const seen: Step[] = [];
  const released: unknown[] = [];
  const client = {
    escapeLiteral: (text: string) => `'${text.replaceAll("'", "''")}'`,
    on: () => client,
    off: () => client,
    release: (failure?: unknown) => released.push(failure),
    query: (text: string) => {
      const step = stepOf(text.trim());
      seen.push(step);
      if (step === failAt) return Promise.reject(error);
      // The simple-protocol multi-statement query answers with one result per statement.
      if (step === 'BEGIN+LOCK')
        return Promise.resolve([
          { rows: [] },
          { rows: [{ size: '0', head_hash: Buffer.alloc(32) }] },
        ]);
      return Promise.resolve({ rows: [], rowCount: 1 });
    },
  };
  const pool = {
    connect: () => Promise.resolve(client),
    query: () => Promise.reject(new Error('unused')),
  };
  return { pool: pool as unknown as Pool, seen, released };
}

const drafts = [{ type: 'test-event', time: '2026-11-24T12:00:00.000Z', body: {} }];
const connectionLost = () => new Error('Connection terminated unexpectedly');
const serverError = (code: string) => Object.assign(new Error('server said no'), { code });

async function failureOf(failAt: Step, error: Error) {
  const script = scriptedPool(failAt, error);
  const store = new PostgresLedgerStore({ pool: script.pool });
  const caught = await store.append(drafts).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  return { caught, ...script };
}

describe('PostgresLedgerStore.append failure reporting', () => {
  it('reports outcome unknown when the connection breaks during COMMIT, and discards the connection', async () => {
    const { caught, seen, released } = await failureOf('COMMIT', connectionLost());
    expect(isWritError(caught, 'ERR_STORE_IO')).toBe(true);
    expect((caught as { details: { outcome: string } }).details.outcome).toBe('unknown');
    expect(seen).toEqual(['BEGIN+LOCK', 'INSERT', 'COMMIT']);
    expect(released).toHaveLength(1);
    expect(released[0]).toBeInstanceOf(Error);
  });

  it('reports not-stored when the server refuses the COMMIT with an error response', async () => {
    const { caught } = await failureOf('COMMIT', serverError('40001'));
    expect(isWritError(caught, 'ERR_STORE_IO')).toBe(true);
    expect((caught as { details: { outcome: string; sqlState: string } }).details).toMatchObject({
      outcome: 'not-stored',
      sqlState: '40001',
    });
  });

  it('reports outcome unknown when the server ends the session during COMMIT', async () => {
    const { caught } = await failureOf('COMMIT', serverError('57P01'));
    expect((caught as { details: { outcome: string } }).details.outcome).toBe('unknown');
  });

  it('reports not-stored and rolls back when the connection breaks before COMMIT', async () => {
    const { caught, seen } = await failureOf('INSERT', connectionLost());
    expect((caught as { details: { outcome: string } }).details.outcome).toBe('not-stored');
    expect(seen).toEqual(['BEGIN+LOCK', 'INSERT', 'ROLLBACK']);
  });

  it('reports rows that contradict the head row as corruption, not as I/O', async () => {
    for (const code of ['23505', '23503']) {
      const { caught } = await failureOf('INSERT', serverError(code));
      expect(isWritError(caught, 'ERR_STORE_CORRUPT'), code).toBe(true);
    }
  });

  it('fails every queued append of a failed batch, none silently', async () => {
    const script = scriptedPool('COMMIT', connectionLost());
    const store = new PostgresLedgerStore({ pool: script.pool });
    const results = await Promise.allSettled([
      store.append(drafts),
      store.append(drafts),
      store.append(drafts),
    ]);
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
  });
});
