import { afterEach, expect, it } from 'vitest';
import { GENESIS_HASH, isWritError, sealEntry } from '@writ/core';
import type { EntryDraft, StoredEntry } from '@writ/core';
import { migrate } from './migrate.ts';
import { PostgresLedgerStore } from './postgres-ledger-store.ts';
import {
  createTestSchema,
  describeWithPostgres,
  type TestSchema,
} from './testing/postgres-harness.ts';

const TIME = '2026-11-24T12:00:00.000Z';
const draft = (body: Record<string, unknown>, type = 'test-event'): EntryDraft => ({
  type,
  time: TIME,
  body: body as never,
});
const catching = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

async function collect(iterable: AsyncIterable<StoredEntry>): Promise<StoredEntry[]> {
  const out: StoredEntry[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describeWithPostgres('PostgresLedgerStore', () => {
  let test: TestSchema | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });
  async function open(
    options: { maxBatchEntries?: number; pageSize?: number; ledgerId?: string } = {},
  ): Promise<PostgresLedgerStore> {
    test ??= createTestSchema({ max: 6 });
    await migrate({ pool: test.pool, schema: test.schema });
    return new PostgresLedgerStore({ pool: test.pool, schema: test.schema, ...options });
  }

  it('stores exactly the bytes sealEntry produces, chained from the genesis hash', async () => {
    const store = await open();
    expect(await store.head()).toEqual({ size: 0, hash: GENESIS_HASH });
    const first = await store.append([draft({ b: 2, a: 'é\u0000😀' })]);
    const rest = await store.append([draft({ n: 1 }), draft({ n: 2 }, 'other-event')]);
    const expected0 = sealEntry({
      draft: draft({ b: 2, a: 'é\u0000😀' }),
      seq: 0,
      prev: GENESIS_HASH,
    });
    expect(first).toEqual([expected0]);
    expect(rest[0]).toEqual(sealEntry({ draft: draft({ n: 1 }), seq: 1, prev: expected0.hash }));
    expect(await store.head()).toEqual({ size: 3, hash: rest[1]!.hash });
    expect(await collect(store.read())).toEqual([...first, ...rest]);
    expect(await collect(store.read({ from: 1, to: 2 }))).toEqual([rest[0]]);
    expect(await collect(store.read({ from: 3 }))).toEqual([]);
  });

  it('groups concurrent appends into transactions without reordering or splitting any call', async () => {
    const store = await open({ maxBatchEntries: 7, pageSize: 4 });
    const calls = await Promise.all(
      Array.from({ length: 25 }, (_, call) =>
        store.append(Array.from({ length: 1 + (call % 3) }, (__, index) => draft({ call, index }))),
      ),
    );
    const all = calls.flat().sort((a, b) => a.seq - b.seq);
    expect(all.map((entry) => entry.seq)).toEqual(all.map((_, index) => index));
    for (const entries of calls)
      expect(entries.map((entry) => entry.seq - entries[0]!.seq)).toEqual(
        entries.map((_, index) => index),
      );
    expect(await collect(store.read())).toEqual(all);
  });

  it('keeps one chain when two independent pools append at once', async () => {
    const first = await open();
    const otherTest = createTestSchema({ max: 3 });
    const second = new PostgresLedgerStore({ pool: otherTest.pool, schema: test!.schema });
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? first : second).append([
            draft({ index }),
            draft({ index, more: true }),
          ]),
        ),
      );
      const entries = await collect(first.read());
      expect(entries).toHaveLength(40);
      let prev = GENESIS_HASH;
      for (const entry of entries) {
        expect((JSON.parse(entry.line) as { prev: string }).prev).toBe(prev);
        prev = entry.hash;
      }
    } finally {
      await otherTest.pool.end();
    }
  });

  it('rejects only the call with a bad draft when it shares a transaction with others', async () => {
    const store = await open();
    const results = await Promise.allSettled([
      store.append([draft({ ok: 1 })]),
      store.append([draft({ ok: 2 }), draft({ bad: Number.NaN })]),
      store.append([draft({ ok: 3 })]),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.head()).size).toBe(2);
    expect(
      (await collect(store.read())).map(
        (entry) => (JSON.parse(entry.line) as { body: unknown }).body,
      ),
    ).toEqual([{ ok: 1 }, { ok: 3 }]);
  });

  it('keeps ledgers in one schema apart', async () => {
    const a = await open({ ledgerId: 'a' });
    const b = new PostgresLedgerStore({ pool: test!.pool, schema: test!.schema, ledgerId: 'b' });
    await a.append([draft({ x: 1 })]);
    expect(await b.head()).toEqual({ size: 0, hash: GENESIS_HASH });
    expect((await b.append([draft({ x: 2 })]))[0]!.seq).toBe(0);
  });

  it('stores and reads back a multi-megabyte entry byte for byte', async () => {
    const store = await open();
    const big = draft({ blob: 'é'.repeat(1_500_000), tail: '😀' });
    const [entry] = await store.append([big, draft({ after: true })]);
    const [read] = await collect(store.read({ to: 1 }));
    expect(read).toEqual(entry);
    expect(Buffer.byteLength(read!.line)).toBeGreaterThan(3_000_000);
  });

  it('offers a jsonb view for queries without letting it constrain what can be stored', async () => {
    const store = await open();
    await store.append([
      draft({ tool: 'email.send' }, 'token-issued'),
      draft({ text: 'nul \u0000 inside' }),
    ]);
    const view = `"${test!.schema}".ledger_entries_json`;
    const found = await test!.pool.query(
      `SELECT seq, entry->'body'->>'tool' AS tool FROM ${view} WHERE entry_type = 'token-issued'`,
    );
    expect(found.rows).toEqual([{ seq: '0', tool: 'email.send' }]);
    // jsonb cannot hold \u0000: only a query touching that entry fails, the append did not.
    await expect(test!.pool.query(`SELECT entry FROM ${view} WHERE seq = 1`)).rejects.toMatchObject(
      { code: '22P05' },
    );
  });

  it('lets the database itself refuse a gap or a fork written behind the store', async () => {
    const store = await open();
    const [entry] = await store.append([draft({ n: 0 })]);
    const table = `"${test!.schema}".ledger_entries`;
    const insert = (seq: number, prev: string) =>
      test!.pool.query(
        `INSERT INTO ${table} (ledger_id, seq, hash, prev_hash, entry_type, entry_time, line) VALUES ('default', $1, $2, $3, 't', $4, '\\x7b7d')`,
        [seq, Buffer.alloc(32, 7), Buffer.from(prev.slice(7), 'hex'), TIME],
      );
    await expect(insert(0, GENESIS_HASH)).rejects.toMatchObject({ code: '23505' });
    await expect(insert(2, entry!.hash)).rejects.toMatchObject({ code: '23503' });
    await expect(insert(1, GENESIS_HASH)).rejects.toMatchObject({ code: '23503' });
  });

  it('refuses to update, delete or truncate stored history', async () => {
    const store = await open();
    await store.append([draft({ n: 0 }), draft({ n: 1 })]);
    await store.putCheckpoint({ size: 2, root: `sha256:${'1'.repeat(64)}`, note: 'note\n' });
    for (const table of ['ledger_entries', 'ledger_checkpoints']) {
      const qualified = `"${test!.schema}".${table}`;
      for (const statement of [
        `UPDATE ${qualified} SET ledger_id = ledger_id`,
        `DELETE FROM ${qualified}`,
        `TRUNCATE ${qualified} CASCADE`,
      ]) {
        await expect(test!.pool.query(statement), statement).rejects.toMatchObject({
          code: 'WR001',
        });
      }
    }
    expect((await collect(store.read())).length).toBe(2);
  });

  it('detects stored bytes that no longer match their hash or chain', async () => {
    const store = await open();
    await store.append([draft({ n: 0 }), draft({ n: 1 }), draft({ n: 2 })]);
    // Tampering needs the table owner to switch the append-only trigger off first.
    await test!.pool.query(
      `ALTER TABLE "${test!.schema}".ledger_entries DISABLE TRIGGER append_only`,
    );
    await test!.pool.query(
      `UPDATE "${test!.schema}".ledger_entries SET line = convert_to(replace(convert_from(line, 'UTF8'), '"n":1', '"n":9'), 'UTF8') WHERE seq = 1`,
    );
    const error = await catching(collect(store.read()));
    expect(isWritError(error, 'ERR_STORE_CORRUPT')).toBe(true);
    expect((error as { details: { seq: number } }).details.seq).toBe(1);
    expect(await collect(store.read({ to: 1 }))).toHaveLength(1);
  });

  it('fails an append loudly when its connection dies, stores nothing, and keeps working', async () => {
    const store = await open();
    await store.append([draft({ n: 0 })]);
    const admin = await test!.pool.connect();
    try {
      // Hold the head row so the append blocks inside its transaction, then kill its backend.
      await admin.query('BEGIN');
      await admin.query(
        `SELECT 1 FROM "${test!.schema}".ledgers WHERE ledger_id = 'default' FOR UPDATE`,
      );
      const pending = catching(store.append([draft({ n: 1 })]));
      let pid: number | undefined;
      while (pid === undefined) {
        // Ask from outside the admin transaction: pg_stat_activity is snapshotted per transaction.
        const found = await test!.pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
          [`%"${test!.schema}".ledgers%FOR UPDATE%`],
        );
        pid = found.rows[0]?.pid;
        if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await admin.query('ROLLBACK');
      const error = await pending;
      expect(isWritError(error, 'ERR_STORE_IO')).toBe(true);
      expect((error as { details: { outcome: string } }).details.outcome).toBe('not-stored');
    } finally {
      admin.release();
    }
    expect((await store.head()).size).toBe(1);
    const [next] = await store.append([draft({ n: 2 })]);
    expect(next!.seq).toBe(1);
  });

  it('gives up waiting for the head lock after lockTimeoutMs, loudly and without storing', async () => {
    const store = await open();
    const impatient = new PostgresLedgerStore({
      pool: test!.pool,
      schema: test!.schema,
      lockTimeoutMs: 200,
    });
    await store.append([draft({ n: 0 })]);
    const admin = await test!.pool.connect();
    try {
      await admin.query('BEGIN');
      await admin.query(
        `SELECT 1 FROM "${test!.schema}".ledgers WHERE ledger_id = 'default' FOR UPDATE`,
      );
      const error = await catching(impatient.append([draft({ n: 1 })]));
      expect(isWritError(error, 'ERR_STORE_IO')).toBe(true);
      expect((error as { details: unknown }).details).toMatchObject({
        outcome: 'not-stored',
        sqlState: '55P03',
      });
    } finally {
      await admin.query('ROLLBACK');
      admin.release();
    }
    expect((await impatient.append([draft({ n: 1 })]))[0]!.seq).toBe(1);
    expect(() => new PostgresLedgerStore({ pool: test!.pool, lockTimeoutMs: 0 })).toThrow(
      /lockTimeoutMs/,
    );
  });

  it('stores checkpoints in size order, idempotently, and refuses conflicting ones', async () => {
    const store = await open({ pageSize: 2 });
    await store.append(Array.from({ length: 5 }, (_, n) => draft({ n })));
    const root = (n: number) => `sha256:${String(n).repeat(64)}` as const;
    const at = (size: number, note = `note ${size}\n`) => ({ size, root: root(size), note });
    expect(await store.latestCheckpoint()).toBeUndefined();
    await store.putCheckpoint(at(2));
    await store.putCheckpoint(at(2));
    await store.putCheckpoint(at(3));
    await store.putCheckpoint(at(5));
    for (const bad of [at(2, 'other\n'), at(6), at(4)]) {
      expect(
        isWritError(await catching(store.putCheckpoint(bad)), 'ERR_STORE_CHECKPOINT_CONFLICT'),
      ).toBe(true);
    }
    const all = [];
    for await (const checkpoint of store.checkpoints()) all.push(checkpoint);
    expect(all).toEqual([at(2), at(3), at(5)]);
    expect(await store.latestCheckpoint()).toEqual(at(5));
  });

  it('rejects malformed input naming the parameter', async () => {
    const store = await open();
    for (const drafts of [
      [],
      'x',
      null,
      [null],
      [{ type: 'Bad Type', time: TIME, body: {} }],
      [{ type: 't', time: 'now', body: {} }],
      [{ type: 't', time: TIME, body: [] }],
    ]) {
      expect(
        isWritError(await catching(store.append(drafts as never)), 'ERR_INVALID_ARGUMENT'),
        JSON.stringify(drafts),
      ).toBe(true);
    }
    const proto = JSON.parse(
      '{"type":"t","time":"2026-11-24T12:00:00.000Z","body":{"__proto__":{"x":1}}}',
    );
    const [stored] = await store.append([proto]);
    expect(stored!.line).toContain('"__proto__":{"x":1}');
    for (const range of [{ from: -1 }, { from: 2, to: 1 }, { to: 99 }, { from: 0.5 }, 'x']) {
      expect(
        isWritError(await catching(collect(store.read(range as never))), 'ERR_INVALID_ARGUMENT'),
      ).toBe(true);
    }
    for (const checkpoint of [
      null,
      { size: 0, root: GENESIS_HASH, note: 'n' },
      { size: 1, root: 'sha256:x', note: 'n' },
      { size: 1, root: GENESIS_HASH, note: '' },
    ]) {
      expect(
        isWritError(
          await catching(store.putCheckpoint(checkpoint as never)),
          'ERR_INVALID_ARGUMENT',
        ),
      ).toBe(true);
    }
    expect(() => new PostgresLedgerStore({ pool: test!.pool, schema: 'Bad' })).toThrow(/schema/);
    expect(() => new PostgresLedgerStore({ pool: test!.pool, maxBatchEntries: 0 })).toThrow(
      /maxBatchEntries/,
    );
  });

  it('settles queued appends on close and refuses calls afterwards', async () => {
    const store = await open();
    const queued = [store.append([draft({ n: 0 })]), store.append([draft({ n: 1 })])];
    await store.close();
    expect((await Promise.all(queued)).flat()).toHaveLength(2);
    await store.close();
    expect(isWritError(await catching(store.append([draft({})])), 'ERR_STORE_CLOSED')).toBe(true);
    expect(isWritError(await catching(store.head()), 'ERR_STORE_CLOSED')).toBe(true);
    expect(isWritError(await catching(collect(store.read())), 'ERR_STORE_CLOSED')).toBe(true);
  });
});
