import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStores } from '@writ/postgres';
import { AGENT_TOKEN, APPROVER_TOKEN, skipWithoutPostgres, startHarness } from './test-harness.ts';
import type { Harness } from './test-harness.ts';

// The stores have no default database: the local one the PostgreSQL tests use (skipWithoutPostgres probes it).
const TEST_PG_URL = process.env.WRIT_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

const skip = await skipWithoutPostgres('authority PostgreSQL test');

describe.skipIf(skip)('authority on the PostgreSQL stores', () => {
  let h: Harness;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const schema = `writ_authority_${Date.now()}_${process.pid}`;
    const stores = await openPostgresStores({ connectionString: TEST_PG_URL, schema });
    close = async () => {
      await stores.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await stores.close();
    };
    h = await startHarness({ stores: { ledger: stores.ledger, nonces: stores.nonces, approvals: stores.approvals } });
  });
  afterAll(async () => {
    await h?.authority.close();
    await close?.();
  });

  it('judges, records and serves the transcript from PostgreSQL', async () => {
    const id = (await h.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { principal: { id: 'user:dana', tenant: 'acme' } } })).json.sessionId as string;
    const guarded = await h.call({ path: `/v1/sessions/${id}/calls/r1/guard`, token: AGENT_TOKEN, body: { tool: 'tickets_read', args: { id: 'T-1' } } });
    expect((guarded.json.guard as { verdict: string }).verdict).toBe('execute');
    await h.call({ path: `/v1/sessions/${id}/end`, token: AGENT_TOKEN, body: {} });
    const transcript = await h.call({ method: 'GET', path: '/v1/transcript', token: APPROVER_TOKEN });
    expect((transcript.json.entries as string[]).some((line) => line.includes('"decision-made"'))).toBe(true);
    expect((await h.call({ method: 'GET', path: '/readyz' })).json).toMatchObject({ status: 'ready' });
  });
});
