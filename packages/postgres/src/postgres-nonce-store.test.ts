import { afterEach, expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import { migrate } from './migrate.ts';
import { PostgresNonceStore } from './postgres-nonce-store.ts';
import {
  createTestSchema,
  describeWithPostgres,
  type TestSchema,
} from './testing/postgres-harness.ts';

const LATER = new Date('2030-01-01T00:00:00.000Z');

describeWithPostgres('PostgresNonceStore', () => {
  let test: TestSchema | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });
  async function open(
    options: { namespace?: string; max?: number } = {},
  ): Promise<PostgresNonceStore> {
    test ??= createTestSchema({ max: options.max ?? 4 });
    await migrate({ pool: test.pool, schema: test.schema });
    return new PostgresNonceStore({
      pool: test.pool,
      schema: test.schema,
      namespace: options.namespace,
    });
  }

  it('accepts a nonce once and refuses it afterwards', async () => {
    const store = await open();
    expect(await store.consume({ id: 'tok-1', expiresAt: LATER })).toBe(true);
    expect(await store.consume({ id: 'tok-1', expiresAt: LATER })).toBe(false);
    expect(await store.consume({ id: 'tok-2', expiresAt: LATER })).toBe(true);
  });

  it('accepts each nonce exactly once among concurrent callers on separate connections', async () => {
    const store = await open({ max: 10 });
    const ids = Array.from({ length: 20 }, (_, index) => `race-${index}`);
    const attempts = ids.flatMap((id) =>
      Array.from({ length: 5 }, () => store.consume({ id, expiresAt: LATER })),
    );
    const results = await Promise.all(attempts);
    expect(results.filter(Boolean)).toHaveLength(ids.length);
    for (let index = 0; index < ids.length; index += 1) {
      expect(results.slice(index * 5, index * 5 + 5).filter(Boolean)).toHaveLength(1);
    }
  });

  it('accepts a nonce with maxUses N exactly N times among N + k concurrent presenters on separate connections', async () => {
    const store = await open({ max: 10 });
    const cases = [1, 2, 3, 7];
    const attempts = cases.flatMap((maxUses) =>
      Array.from({ length: maxUses + 12 }, () =>
        store.consume({ id: `counted-${maxUses}`, expiresAt: LATER, maxUses }),
      ),
    );
    const results = await Promise.all(attempts);
    let offset = 0;
    for (const maxUses of cases) {
      expect(results.slice(offset, offset + maxUses + 12).filter(Boolean)).toHaveLength(maxUses);
      offset += maxUses + 12;
    }
    const rows = await test!.pool.query<{ id: string; uses: string }>(
      `SELECT id, uses::text FROM ${test!.schema}.nonces WHERE id LIKE 'counted-%' ORDER BY id`,
    );
    expect(rows.rows).toEqual(cases.map((n) => ({ id: `counted-${n}`, uses: String(n) })));
  });

  it('keeps namespaces independent', async () => {
    const first = await open({ namespace: 'a' });
    const second = new PostgresNonceStore({
      pool: test!.pool,
      schema: test!.schema,
      namespace: 'b',
    });
    expect(await first.consume({ id: 'same', expiresAt: LATER })).toBe(true);
    expect(await second.consume({ id: 'same', expiresAt: LATER })).toBe(true);
    expect(await second.consume({ id: 'same', expiresAt: LATER })).toBe(false);
  });

  it('purges only records that expired strictly before now, and still refuses unpurged ones', async () => {
    const store = await open();
    const expiry = new Date('2026-01-01T00:00:00.000Z');
    await store.consume({ id: 'old', expiresAt: expiry });
    await store.consume({ id: 'new', expiresAt: LATER });
    expect(await store.consume({ id: 'old', expiresAt: expiry })).toBe(false);
    expect(await store.purgeExpired(expiry)).toBe(0);
    expect(await store.purgeExpired(new Date(expiry.getTime() + 1))).toBe(1);
    expect(await store.consume({ id: 'new', expiresAt: LATER })).toBe(false);
  });

  it('rejects malformed input naming the parameter', async () => {
    const store = await open();
    const bad: unknown[] = [
      undefined,
      null,
      'tok',
      { id: '', expiresAt: LATER },
      { id: 42, expiresAt: LATER },
      { id: 'x'.repeat(513), expiresAt: LATER },
      { id: 'nul\u0000', expiresAt: LATER },
      { id: 'lone\uD800', expiresAt: LATER },
      { id: 'tok', expiresAt: '2030-01-01' },
      { id: 'tok', expiresAt: new Date(Number.NaN) },
      JSON.parse('{"__proto__": {"id": "x"}, "expiresAt": 1}'),
    ];
    for (const input of bad) {
      const error = await store.consume(input as never).catch((caught: unknown) => caught);
      expect(isWritError(error, 'ERR_INVALID_ARGUMENT'), JSON.stringify(input)).toBe(true);
    }
    const error = await store.purgeExpired('now' as never).catch((caught: unknown) => caught);
    expect(isWritError(error, 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect(() => new PostgresNonceStore({ pool: {} as never })).toThrow(/options.pool/);
  });

  it('rejects every call after close', async () => {
    const store = await open();
    await store.close();
    await store.close();
    const error = await store
      .consume({ id: 'tok', expiresAt: LATER })
      .catch((caught: unknown) => caught);
    expect(isWritError(error, 'ERR_STORE_CLOSED')).toBe(true);
  });

  it('fails loudly with ERR_STORE_IO when the database refuses', async () => {
    test = createTestSchema();
    // No migrate(): the table does not exist.
    const store = new PostgresNonceStore({ pool: test.pool, schema: test.schema });
    const error = await store
      .consume({ id: 'tok', expiresAt: LATER })
      .catch((caught: unknown) => caught);
    expect(isWritError(error, 'ERR_STORE_IO')).toBe(true);
  });
});
