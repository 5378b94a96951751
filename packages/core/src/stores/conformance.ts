/**
 * The store conformance suite: vitest tests every {@link LedgerStore}, {@link NonceStore}
 * and {@link ApprovalStore} implementation must pass. Import it from
 * `@writ/core/stores/conformance` inside a `*.test.ts` file and call the `describe...`
 * functions with a factory that opens a fresh, empty store.
 *
 * @example
 * ```ts
 * import { describeLedgerStoreConformance } from '@writ/core/stores/conformance';
 * describeLedgerStoreConformance('PostgresLedgerStore', async () => {
 *   const schema = await freshSchema();
 *   return { store: await openLedger(schema), another: () => openLedger(schema), cleanup: () => dropSchema(schema) };
 * });
 * ```
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WritError } from '../errors.ts';
import { GENESIS_HASH, MAX_ENTRY_BYTES, parseEntry, sealEntry } from '../transcript/entry.ts';
import { leafHash } from '../transcript/merkle.ts';
import { hashToDigest } from '../transcript/entry.ts';
import type {
  ApprovalStore,
  EntryDraft,
  LedgerStore,
  NonceStore,
  Sha256Digest,
  StoredEntry,
} from './types.ts';

/** What a factory returns: a fresh store and optional ways to reach the same data again. */
export interface StoreFixture<T> {
  /** A fresh, empty store. */
  readonly store: T;
  /**
   * A second, concurrently open handle on the same data (another pool, another process's
   * view). Omit when the backend allows only one handle (the file ledger's single writer).
   */
  readonly another?: () => Promise<T>;
  /** Open the same data again after `store` was closed (durability). Omit for memory stores. */
  readonly reopen?: () => Promise<T>;
  /** Remove what the fixture created. */
  readonly cleanup?: () => Promise<void>;
}

/** Opens a fresh fixture per test. */
export type StoreFactory<T> = () => Promise<StoreFixture<T>>;

const TIME = '2026-01-01T00:00:00.000Z';
const digestOf = (text: string): Sha256Digest => hashToDigest(leafHash(text));

function draft(n: number): EntryDraft {
  return { type: 'test-entry', time: TIME, body: { n, text: `entry ${n}` } };
}

/** A draft whose line at `seq` is exactly `bytes` bytes long (ASCII padding; `prev` is always 71 characters). */
function draftOfLineBytes(seq: number, bytes: number): EntryDraft {
  const base = sealEntry({ draft: { type: 'test-entry', time: TIME, body: { pad: '' } }, seq, prev: GENESIS_HASH }).line.length;
  return { type: 'test-entry', time: TIME, body: { pad: 'x'.repeat(bytes - base) } };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (WritError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function assertChained(entries: readonly StoredEntry[]): void {
  let prev = GENESIS_HASH;
  entries.forEach((entry, index) => {
    expect(entry.seq).toBe(index);
    const parsed = parseEntry(entry.line);
    expect(parsed.seq).toBe(index);
    expect(parsed.prev).toBe(prev);
    expect(entry.hash).toBe(hashToDigest(leafHash(entry.line)));
    prev = entry.hash;
  });
}

function useFixtures<T extends { close(): Promise<void> }>(
  factory: StoreFactory<T>,
): () => Promise<StoreFixture<T>> {
  const open: { fixture: StoreFixture<T>; extra: T[] }[] = [];
  afterEach(async () => {
    for (const { fixture, extra } of open.splice(0)) {
      for (const store of [fixture.store, ...extra]) await store.close();
      await fixture.cleanup?.();
    }
  });
  return async () => {
    const fixture = await factory();
    const extra: T[] = [];
    const tracked: StoreFixture<T> = {
      store: fixture.store,
      ...(fixture.another && {
        another: async () => {
          const store = await fixture.another!();
          extra.push(store);
          return store;
        },
      }),
      ...(fixture.reopen && {
        reopen: async () => {
          const store = await fixture.reopen!();
          extra.push(store);
          return store;
        },
      }),
    };
    open.push({ fixture, extra });
    return tracked;
  };
}

/** Register the {@link LedgerStore} conformance tests. */
export function describeLedgerStoreConformance(
  name: string,
  factory: StoreFactory<LedgerStore>,
): void {
  describe(`${name} — LedgerStore conformance`, () => {
    const fresh = useFixtures(factory);

    it('starts empty at the genesis hash', async () => {
      const { store } = await fresh();
      expect(await store.head()).toEqual({ size: 0, hash: GENESIS_HASH });
      expect(await collect(store.read())).toEqual([]);
      expect(await store.latestCheckpoint()).toBeUndefined();
    });

    it('assigns consecutive seq and chains prev hashes across batches', async () => {
      const { store } = await fresh();
      const first = await store.append([draft(0)]);
      const second = await store.append([draft(1), draft(2), draft(3)]);
      expect([...first, ...second].map((entry) => entry.seq)).toEqual([0, 1, 2, 3]);
      const all = await collect(store.read());
      assertChained(all);
      expect(all).toEqual([...first, ...second]);
      expect(await store.head()).toEqual({ size: 4, hash: second[2]!.hash });
    });

    it('writes the same bytes for the same drafts (deterministic sealing)', async () => {
      const a = (await fresh()).store;
      const b = (await fresh()).store;
      const one = await a.append([draft(0), draft(1)]);
      const two = await b.append([draft(0), draft(1)]);
      expect(one).toEqual(two);
    });

    it('reads sub-ranges and refuses ranges beyond the head', async () => {
      const { store } = await fresh();
      await store.append([0, 1, 2, 3, 4].map(draft));
      expect((await collect(store.read({ from: 1, to: 3 }))).map((entry) => entry.seq)).toEqual([
        1, 2,
      ]);
      expect((await collect(store.read({ from: 3 }))).map((entry) => entry.seq)).toEqual([3, 4]);
      expect(await collect(store.read({ from: 5, to: 5 }))).toEqual([]);
      expect(await codeOf(collect(store.read({ from: 0, to: 6 })))).toBe('ERR_INVALID_ARGUMENT');
      expect(await codeOf(collect(store.read({ from: 3, to: 2 })))).toBe('ERR_INVALID_ARGUMENT');
      expect(await codeOf(collect(store.read({ from: -1 })))).toBe('ERR_INVALID_ARGUMENT');
    });

    it('stores a batch atomically: one malformed draft stores nothing', async () => {
      const { store } = await fresh();
      await store.append([draft(0)]);
      const bad = { type: 'Not A Type', time: TIME, body: {} };
      expect(await codeOf(store.append([draft(1), bad]))).toBe('ERR_INVALID_ARGUMENT');
      expect(
        await codeOf(store.append([draft(1), { type: 'x', time: 'yesterday', body: {} }])),
      ).toBe('ERR_INVALID_ARGUMENT');
      expect(
        await codeOf(store.append([draft(1), { type: 'x', time: TIME, body: { n: Number.NaN } }])),
      ).toBeDefined();
      expect(await codeOf(store.append([]))).toBe('ERR_INVALID_ARGUMENT');
      expect(await codeOf(store.append('x' as never))).toBe('ERR_INVALID_ARGUMENT');
      expect((await store.head()).size).toBe(1);
      await store.append([draft(1)]);
      assertChained(await collect(store.read()));
    });

    it('keeps a __proto__ key in a body as plain data', async () => {
      const { store } = await fresh();
      const body = JSON.parse('{"__proto__":{"polluted":true},"ok":1}') as EntryDraft['body'];
      const [entry] = await store.append([{ type: 'test-entry', time: TIME, body }]);
      expect(entry!.line).toContain('"__proto__":{"polluted":true}');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    // GAP: an entry of any size was accepted, and broke readers and verifiers later.
    it(`accepts an entry line of exactly MAX_ENTRY_BYTES (${MAX_ENTRY_BYTES}) and refuses one byte more with ERR_TRANSCRIPT_ENTRY_TOO_LARGE, storing nothing`, async () => {
      const { store } = await fresh();
      await store.append([draft(0)]);
      const refusal = await store.append([draftOfLineBytes(1, MAX_ENTRY_BYTES + 1)]).catch((error: unknown) => error);
      expect(refusal).toMatchObject({ code: 'ERR_TRANSCRIPT_ENTRY_TOO_LARGE', details: { seq: 1, limit: MAX_ENTRY_BYTES } });
      // In a batch too: the batch is refused whole.
      expect(await codeOf(store.append([draft(1), draftOfLineBytes(2, MAX_ENTRY_BYTES + 1)]))).toBe('ERR_TRANSCRIPT_ENTRY_TOO_LARGE');
      expect((await store.head()).size).toBe(1);
      const [largest] = await store.append([draftOfLineBytes(1, MAX_ENTRY_BYTES)]);
      expect(Buffer.byteLength(largest!.line)).toBe(MAX_ENTRY_BYTES);
      const all = await collect(store.read());
      assertChained(all);
      expect(all[1]!.line).toBe(largest!.line);
    }, 60_000);

    it('serializes concurrent appends without gaps or forks', async () => {
      const fixture = await fresh();
      const handles = [fixture.store];
      if (fixture.another) handles.push(await fixture.another(), await fixture.another());
      const batches = Array.from({ length: 24 }, (_, i) =>
        handles[i % handles.length]!.append([draft(i * 2), draft(i * 2 + 1)]),
      );
      const results = await Promise.all(batches);
      for (const batch of results) expect(batch[1]!.seq).toBe(batch[0]!.seq + 1);
      const all = await collect(fixture.store.read());
      expect(all).toHaveLength(48);
      assertChained(all);
      const seen = new Set(all.map((entry) => (parseEntry(entry.line).body as { n: number }).n));
      expect(seen.size).toBe(48);
    });

    it('stores checkpoints in size order, idempotently, refusing conflicts', async () => {
      const { store } = await fresh();
      await store.append([0, 1, 2, 3].map(draft));
      const c2 = { size: 2, root: digestOf('r2'), note: 'note 2\n' };
      const c4 = { size: 4, root: digestOf('r4'), note: 'note 4\n' };
      await store.putCheckpoint(c2);
      await store.putCheckpoint(c2);
      await store.putCheckpoint(c4);
      expect(await collect(store.checkpoints())).toEqual([c2, c4]);
      expect(await store.latestCheckpoint()).toEqual(c4);
      expect(await codeOf(store.putCheckpoint({ ...c4, root: digestOf('other') }))).toBe(
        'ERR_STORE_CHECKPOINT_CONFLICT',
      );
      expect(await codeOf(store.putCheckpoint({ ...c2, note: 'other\n' }))).toBe(
        'ERR_STORE_CHECKPOINT_CONFLICT',
      );
      expect(
        await codeOf(store.putCheckpoint({ size: 3, root: digestOf('r3'), note: 'n\n' })),
      ).toBe('ERR_STORE_CHECKPOINT_CONFLICT');
      expect(
        await codeOf(store.putCheckpoint({ size: 5, root: digestOf('r5'), note: 'n\n' })),
      ).toBe('ERR_STORE_CHECKPOINT_CONFLICT');
      expect(await codeOf(store.putCheckpoint({ size: 0, root: digestOf('r'), note: 'n\n' }))).toBe(
        'ERR_INVALID_ARGUMENT',
      );
      expect(await codeOf(store.putCheckpoint({ size: 4, root: 'sha256:xyz', note: 'n\n' }))).toBe(
        'ERR_INVALID_ARGUMENT',
      );
      expect(await codeOf(store.putCheckpoint(null as never))).toBe('ERR_INVALID_ARGUMENT');
    });

    it('rejects every method with ERR_STORE_CLOSED after close, and close is idempotent', async () => {
      const { store } = await fresh();
      await store.append([draft(0)]);
      await store.close();
      await store.close();
      expect(await codeOf(store.append([draft(1)]))).toBe('ERR_STORE_CLOSED');
      expect(await codeOf(store.head())).toBe('ERR_STORE_CLOSED');
      expect(await codeOf(collect(store.read()))).toBe('ERR_STORE_CLOSED');
      expect(await codeOf(store.latestCheckpoint())).toBe('ERR_STORE_CLOSED');
      expect(await codeOf(collect(store.checkpoints()))).toBe('ERR_STORE_CLOSED');
      expect(await codeOf(store.putCheckpoint({ size: 1, root: digestOf('r'), note: 'n\n' }))).toBe(
        'ERR_STORE_CLOSED',
      );
    });

    it('keeps acknowledged entries and checkpoints across reopen', async (context) => {
      const fixture = await fresh();
      if (!fixture.reopen) {
        context.skip('backend has no durable reopen');
        return;
      }
      const written = await fixture.store.append([0, 1, 2].map(draft));
      await fixture.store.putCheckpoint({ size: 3, root: digestOf('r'), note: 'n\n' });
      await fixture.store.close();
      const again = await fixture.reopen();
      expect(await collect(again.read())).toEqual(written);
      expect(await again.latestCheckpoint()).toEqual({ size: 3, root: digestOf('r'), note: 'n\n' });
      const [next] = await again.append([draft(3)]);
      expect(next!.seq).toBe(3);
      assertChained(await collect(again.read()));
    });
  });
}

/** Register the {@link NonceStore} conformance tests. */
export function describeNonceStoreConformance(
  name: string,
  factory: StoreFactory<NonceStore>,
): void {
  describe(`${name} — NonceStore conformance`, () => {
    const fresh = useFixtures(factory);
    const later = new Date('2030-01-01T00:00:00.000Z');

    it('accepts a nonce exactly once', async () => {
      const { store } = await fresh();
      expect(await store.consume({ id: 'n1', expiresAt: later })).toBe(true);
      expect(await store.consume({ id: 'n1', expiresAt: later })).toBe(false);
      expect(await store.consume({ id: 'n2', expiresAt: later })).toBe(true);
    });

    it('accepts a nonce once among many concurrent callers and handles', async () => {
      const fixture = await fresh();
      const handles = [fixture.store];
      if (fixture.another) handles.push(await fixture.another(), await fixture.another());
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          handles[i % handles.length]!.consume({ id: 'race', expiresAt: later }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('accepts a nonce with maxUses N exactly N times, then refuses it', async () => {
      const { store } = await fresh();
      const results: boolean[] = [];
      for (let i = 0; i < 5; i++) results.push(await store.consume({ id: 'multi', expiresAt: later, maxUses: 3 }));
      expect(results).toEqual([true, true, true, false, false]);
      // Counted per id; maxUses: 1 behaves as the default.
      expect(await store.consume({ id: 'single', expiresAt: later, maxUses: 1 })).toBe(true);
      expect(await store.consume({ id: 'single', expiresAt: later })).toBe(false);
      // A large limit is counted, not enumerated.
      for (let i = 0; i < 4; i++) expect(await store.consume({ id: 'big', expiresAt: later, maxUses: 1_000_000 })).toBe(true);
    });

    it('accepts a nonce with maxUses N exactly N times among N + k concurrent callers and handles', async () => {
      const fixture = await fresh();
      const handles = [fixture.store];
      if (fixture.another) handles.push(await fixture.another(), await fixture.another());
      for (const maxUses of [2, 5]) {
        const results = await Promise.all(
          Array.from({ length: maxUses + 25 }, (_, i) =>
            handles[i % handles.length]!.consume({ id: `race-${maxUses}`, expiresAt: later, maxUses }),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(maxUses);
      }
    });

    it('rejects a maxUses that is not a positive safe integer with ERR_INVALID_ARGUMENT', async () => {
      const { store } = await fresh();
      for (const maxUses of [0, -1, 1.5, Number.NaN, Infinity, 2 ** 53, '2', null]) {
        expect(await codeOf(store.consume({ id: 'x', expiresAt: later, maxUses: maxUses as never }))).toBe('ERR_INVALID_ARGUMENT');
      }
      // Nothing was recorded by the refused calls.
      expect(await store.consume({ id: 'x', expiresAt: later })).toBe(true);
    });

    it('purges only records that expired before now, and still refuses unexpired ones', async () => {
      const { store } = await fresh();
      await store.consume({ id: 'old', expiresAt: new Date('2026-01-01T00:00:00.000Z') });
      await store.consume({ id: 'new', expiresAt: later });
      expect(await store.purgeExpired(new Date('2027-01-01T00:00:00.000Z'))).toBe(1);
      expect(await store.consume({ id: 'new', expiresAt: later })).toBe(false);
    });

    it('treats ids as opaque strings, including __proto__ and non-ASCII', async () => {
      const { store } = await fresh();
      for (const id of ['__proto__', 'constructor', 'ünï/../cøde', 'a'.repeat(512)]) {
        expect(await store.consume({ id, expiresAt: later })).toBe(true);
        expect(await store.consume({ id, expiresAt: later })).toBe(false);
      }
    });

    it('rejects malformed input with ERR_INVALID_ARGUMENT', async () => {
      const { store } = await fresh();
      expect(await codeOf(store.consume({ id: '', expiresAt: later }))).toBe(
        'ERR_INVALID_ARGUMENT',
      );
      expect(await codeOf(store.consume({ id: 'x'.repeat(513), expiresAt: later }))).toBe(
        'ERR_INVALID_ARGUMENT',
      );
      expect(await codeOf(store.consume({ id: 7 as never, expiresAt: later }))).toBe(
        'ERR_INVALID_ARGUMENT',
      );
      expect(await codeOf(store.consume({ id: 'x', expiresAt: new Date(Number.NaN) }))).toBe(
        'ERR_INVALID_ARGUMENT',
      );
      expect(await codeOf(store.consume(null as never))).toBe('ERR_INVALID_ARGUMENT');
      expect(await codeOf(store.purgeExpired('now' as never))).toBe('ERR_INVALID_ARGUMENT');
    });

    it('rejects with ERR_STORE_CLOSED after close', async () => {
      const { store } = await fresh();
      await store.close();
      expect(await codeOf(store.consume({ id: 'x', expiresAt: later }))).toBe('ERR_STORE_CLOSED');
    });

    it('remembers consumed nonces across reopen', async (context) => {
      const fixture = await fresh();
      if (!fixture.reopen) {
        context.skip('backend has no durable reopen');
        return;
      }
      await fixture.store.consume({ id: 'kept', expiresAt: later });
      await fixture.store.consume({ id: 'counted', expiresAt: later, maxUses: 3 });
      await fixture.store.consume({ id: 'counted', expiresAt: later, maxUses: 3 });
      await fixture.store.close();
      const reopened = await fixture.reopen();
      expect(await reopened.consume({ id: 'kept', expiresAt: later })).toBe(false);
      expect(await reopened.consume({ id: 'counted', expiresAt: later, maxUses: 3 })).toBe(true);
      expect(await reopened.consume({ id: 'counted', expiresAt: later, maxUses: 3 })).toBe(false);
    });
  });
}

/** Register the {@link ApprovalStore} conformance tests. */
export function describeApprovalStoreConformance(
  name: string,
  factory: StoreFactory<ApprovalStore>,
): void {
  describe(`${name} — ApprovalStore conformance`, () => {
    const fresh = useFixtures(factory);
    const intent = digestOf('intent');
    const at = new Date('2026-01-01T00:00:00.000Z');
    const expires = new Date('2026-01-01T01:00:00.000Z');
    const open = (store: ApprovalStore, request = { summary: 'pay 10 EUR' }) =>
      store.request({ intentDigest: intent, requestedAt: at, expiresAt: expires, request });

    it('creates a pending request once and returns it unchanged on repeat', async () => {
      const { store } = await fresh();
      const first = await open(store);
      expect(first).toMatchObject({
        intentDigest: intent,
        status: 'pending',
        requestedAt: at.toISOString(),
        expiresAt: expires.toISOString(),
        statements: [],
      });
      expect(await open(store, { summary: 'different' })).toEqual(first);
      expect(await store.get(intent)).toEqual(first);
      expect(await store.get(digestOf('unknown'))).toBeUndefined();
    });

    it('adds statements once each, in order', async () => {
      const { store } = await fresh();
      await open(store);
      await store.addStatement({ intentDigest: intent, statement: { a: 1, b: 2 } });
      await store.addStatement({ intentDigest: intent, statement: { b: 2, a: 1 } });
      const record = await store.addStatement({ intentDigest: intent, statement: { c: 3 } });
      expect(record.statements).toEqual([{ a: 1, b: 2 }, { c: 3 }]);
      expect(
        await codeOf(store.addStatement({ intentDigest: digestOf('none'), statement: {} })),
      ).toBe('ERR_STORE_NOT_FOUND');
    });

    it('resolves a pending request exactly once among concurrent callers', async () => {
      const fixture = await fresh();
      await open(fixture.store);
      const handles = [fixture.store];
      if (fixture.another) handles.push(await fixture.another());
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          handles[i % handles.length]!.resolve({
            intentDigest: intent,
            status: i % 2 ? 'approved' : 'rejected',
            at,
          }),
        ),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect((await fixture.store.get(intent))!.status).not.toBe('pending');
    });

    it('consumes an approved request exactly once', async () => {
      const fixture = await fresh();
      await open(fixture.store);
      expect(await fixture.store.consume({ intentDigest: intent, at })).toBe(false);
      expect(await fixture.store.resolve({ intentDigest: intent, status: 'approved', at })).toBe(
        true,
      );
      const handles = [fixture.store];
      if (fixture.another) handles.push(await fixture.another());
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          handles[i % handles.length]!.consume({ intentDigest: intent, at }),
        ),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect((await fixture.store.get(intent))!.status).toBe('consumed');
      expect(
        await codeOf(
          fixture.store.addStatement({ intentDigest: intent, statement: { late: true } }),
        ),
      ).toBe('ERR_STORE_CONFLICT');
      expect(await codeOf(fixture.store.consume({ intentDigest: digestOf('none'), at }))).toBe(
        'ERR_STORE_NOT_FOUND',
      );
    });

    it('lists only pending requests, oldest first', async () => {
      const { store } = await fresh();
      const second = digestOf('second');
      await store.request({
        intentDigest: second,
        requestedAt: new Date('2026-01-01T00:00:05.000Z'),
        expiresAt: expires,
        request: {},
      });
      await open(store);
      const third = digestOf('third');
      await store.request({
        intentDigest: third,
        requestedAt: at,
        expiresAt: expires,
        request: {},
      });
      await store.resolve({ intentDigest: third, status: 'expired', at });
      expect((await collect(store.pending())).map((record) => record.intentDigest)).toEqual([
        intent,
        second,
      ]);
    });

    it('rejects malformed input with ERR_INVALID_ARGUMENT', async () => {
      const { store } = await fresh();
      expect(
        await codeOf(
          store.request({
            intentDigest: 'nope' as Sha256Digest,
            requestedAt: at,
            expiresAt: expires,
            request: {},
          }),
        ),
      ).toBe('ERR_INVALID_ARGUMENT');
      expect(
        await codeOf(
          store.request({
            intentDigest: intent,
            requestedAt: 'now' as never,
            expiresAt: expires,
            request: {},
          }),
        ),
      ).toBe('ERR_INVALID_ARGUMENT');
      expect(
        await codeOf(
          store.request({
            intentDigest: intent,
            requestedAt: at,
            expiresAt: expires,
            request: [] as never,
          }),
        ),
      ).toBe('ERR_INVALID_ARGUMENT');
      expect(await codeOf(store.request(null as never))).toBe('ERR_INVALID_ARGUMENT');
      await open(store);
      expect(
        await codeOf(store.resolve({ intentDigest: intent, status: 'consumed' as never, at })),
      ).toBe('ERR_INVALID_ARGUMENT');
      expect(await codeOf(store.get(42 as never))).toBe('ERR_INVALID_ARGUMENT');
    });

    it('keeps requests across reopen', async (context) => {
      const fixture = await fresh();
      if (!fixture.reopen) {
        context.skip('backend has no durable reopen');
        return;
      }
      await open(fixture.store);
      await fixture.store.resolve({ intentDigest: intent, status: 'approved', at });
      await fixture.store.close();
      const again = await fixture.reopen();
      expect((await again.get(intent))!.status).toBe('approved');
      expect(await again.consume({ intentDigest: intent, at })).toBe(true);
    });
  });
}
