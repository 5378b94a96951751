import { afterEach, expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import type { Sha256Digest } from '@writ/core';
import { migrate } from './migrate.ts';
import { PostgresApprovalStore } from './postgres-approval-store.ts';
import {
  createTestSchema,
  describeWithPostgres,
  type TestSchema,
} from './testing/postgres-harness.ts';

const T0 = new Date('2026-11-24T12:00:00.000Z');
const T1 = new Date('2026-11-24T12:05:00.000Z');
const EXPIRES = new Date('2026-11-24T13:00:00.000Z');
const digestOf = (n: number): Sha256Digest => `sha256:${n.toString(16).padStart(64, '0')}`;

describeWithPostgres('PostgresApprovalStore', () => {
  let test: TestSchema | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });
  async function open(pageSize?: number): Promise<PostgresApprovalStore> {
    test = createTestSchema({ max: 8 });
    await migrate({ pool: test.pool, schema: test.schema });
    return new PostgresApprovalStore({ pool: test.pool, schema: test.schema, pageSize });
  }

  it('creates a pending request once and returns it unchanged on a repeat', async () => {
    const store = await open();
    const first = await store.request({
      intentDigest: digestOf(1),
      requestedAt: T0,
      expiresAt: EXPIRES,
      request: { b: 1, a: 'x' },
    });
    expect(first).toEqual({
      intentDigest: digestOf(1),
      status: 'pending',
      requestedAt: T0.toISOString(),
      expiresAt: EXPIRES.toISOString(),
      updatedAt: T0.toISOString(),
      request: { a: 'x', b: 1 },
      statements: [],
    });
    const again = await store.request({
      intentDigest: digestOf(1),
      requestedAt: T1,
      expiresAt: T1,
      request: { other: true },
    });
    expect(again).toEqual(first);
  });

  it('keeps statements in order, deduplicated by canonical content', async () => {
    const store = await open();
    await store.request({
      intentDigest: digestOf(2),
      requestedAt: T0,
      expiresAt: EXPIRES,
      request: {},
    });
    await store.addStatement({ intentDigest: digestOf(2), statement: { sig: 'a', n: 1 } });
    await store.addStatement({ intentDigest: digestOf(2), statement: { sig: 'b' } });
    const record = await store.addStatement({
      intentDigest: digestOf(2),
      statement: { n: 1, sig: 'a' },
    });
    expect(record.statements).toEqual([{ n: 1, sig: 'a' }, { sig: 'b' }]);
  });

  it('lets exactly one of many concurrent callers resolve and then consume', async () => {
    const store = await open();
    await store.request({
      intentDigest: digestOf(3),
      requestedAt: T0,
      expiresAt: EXPIRES,
      request: {},
    });
    const resolutions = await Promise.all(
      (['approved', 'rejected', 'approved', 'expired', 'approved', 'rejected'] as const).map(
        (status) => store.resolve({ intentDigest: digestOf(3), status, at: T1 }),
      ),
    );
    expect(resolutions.filter(Boolean)).toHaveLength(1);
    const resolved = await store.get(digestOf(3));
    expect(resolved?.updatedAt).toBe(T1.toISOString());
    const consumptions = await Promise.all(
      Array.from({ length: 6 }, () => store.consume({ intentDigest: digestOf(3), at: T1 })),
    );
    expect(consumptions.filter(Boolean)).toHaveLength(resolved?.status === 'approved' ? 1 : 0);
  });

  it('refuses statements after rejection and reports unknown requests', async () => {
    const store = await open();
    await store.request({
      intentDigest: digestOf(4),
      requestedAt: T0,
      expiresAt: EXPIRES,
      request: {},
    });
    expect(await store.resolve({ intentDigest: digestOf(4), status: 'rejected', at: T1 })).toBe(
      true,
    );
    const conflict = await store
      .addStatement({ intentDigest: digestOf(4), statement: { s: 1 } })
      .catch((e: unknown) => e);
    expect(isWritError(conflict, 'ERR_STORE_CONFLICT')).toBe(true);
    expect(await store.consume({ intentDigest: digestOf(4), at: T1 })).toBe(false);
    for (const call of [
      () => store.resolve({ intentDigest: digestOf(99), status: 'approved', at: T1 }),
      () => store.consume({ intentDigest: digestOf(99), at: T1 }),
      () => store.addStatement({ intentDigest: digestOf(99), statement: {} }),
    ]) {
      expect(isWritError(await call().catch((e: unknown) => e), 'ERR_STORE_NOT_FOUND')).toBe(true);
    }
    expect(await store.get(digestOf(99))).toBeUndefined();
  });

  it('streams pending requests in requestedAt order across pages', async () => {
    const store = await open(2);
    for (let n = 10; n < 15; n += 1) {
      await store.request({
        intentDigest: digestOf(n),
        requestedAt: new Date(T0.getTime() - n * 1000),
        expiresAt: EXPIRES,
        request: { n },
      });
    }
    await store.resolve({ intentDigest: digestOf(12), status: 'approved', at: T1 });
    const seen: number[] = [];
    for await (const record of store.pending()) seen.push(record.request['n'] as number);
    expect(seen).toEqual([14, 13, 11, 10]);
  });

  it('rejects malformed input naming the parameter', async () => {
    const store = await open();
    const request = { intentDigest: digestOf(5), requestedAt: T0, expiresAt: EXPIRES, request: {} };
    const bad: unknown[] = [
      null,
      { ...request, intentDigest: 'sha256:XYZ' },
      { ...request, requestedAt: 'yesterday' },
      { ...request, request: [] },
      { ...request, request: { n: Number.NaN } },
      { ...request, intentDigest: 7 },
      { ...request, request: { big: 1n } },
    ];
    for (const input of bad) {
      const error = await store.request(input as never).catch((e: unknown) => e);
      expect(isWritError(error, 'ERR_INVALID_ARGUMENT'), String(input)).toBe(true);
    }
    const badStatus = await store
      .resolve({ intentDigest: digestOf(5), status: 'consumed' as never, at: T1 })
      .catch((e: unknown) => e);
    expect(isWritError(badStatus, 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect(() => new PostgresApprovalStore({ pool: test!.pool, pageSize: 0 })).toThrow(/pageSize/);
  });

  it('round-trips __proto__ keys and NUL characters as data', async () => {
    const store = await open();
    const request = JSON.parse('{"__proto__": {"polluted": true}, "text": "a\\u0000b"}');
    const record = await store.request({
      intentDigest: digestOf(6),
      requestedAt: T0,
      expiresAt: EXPIRES,
      request,
    });
    expect(Object.keys(record.request)).toEqual(['__proto__', 'text']);
    expect(record.request['text']).toBe('a\u0000b');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('rejects every call after close', async () => {
    const store = await open();
    await store.close();
    expect(
      isWritError(await store.get(digestOf(1)).catch((e: unknown) => e), 'ERR_STORE_CLOSED'),
    ).toBe(true);
  });
});
