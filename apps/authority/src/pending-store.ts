/**
 * Where the authority keeps what the console shows for a pending approval request (the
 * call's tool and arguments, its session and agent, the policy's reasons and the basis report
 * as judged when the request was made), so the inbox survives a restart. The approval store
 * keeps the request's status and statements; this keeps its description. File by default (one
 * JSON file per request, written to a temporary name, flushed, then renamed), PostgreSQL
 * when configured (one table in the stores' schema), memory for tests.
 */
import { mkdir, open, opendir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { WritError, readEvidenceFile } from '@writ/core';
import type { JsonObject, JsonValue, PendingApproval } from '@writ/core';

/**
 * The largest detail file read (32 MiB): a request's arguments are at most 1 Mi characters
 * (up to 4 MiB of UTF-8, escaped in JSON up to ~6x) beside its basis report; anything larger was
 * not written by this store.
 */
const MAX_DETAIL_FILE_BYTES = 32 * 1024 * 1024;

/** A pending request as the console shows it. */
export interface PendingDetail {
  readonly pending: PendingApproval;
  readonly sessionId: string;
  readonly callId: string;
  readonly agentId: string;
  readonly tool: string;
  readonly args: JsonObject;
  readonly reasons: readonly { readonly code: string; readonly text: string }[];
  /** The basis report judged with the request (`null` when none could be computed). */
  readonly basis?: JsonValue;
}

/**
 * Which details the authority loads at start: every one unexpired at `now` (ms) — any of them
 * may still be undecided — and the `latestExpired` latest requests of those expired by then.
 * Whether a request was decided is the approval store's to say, so unexpired decided ones come
 * too; the authority drops them from memory once it read their status.
 */
export interface PendingRetention {
  readonly now: number;
  readonly latestExpired: number;
}

/** Durable pending-request details, keyed by request id. The first detail stored for an id wins. */
export interface PendingDetailStore {
  /** Store `detail` unless one is stored for its id already. Durable when it resolves. */
  put(detail: PendingDetail): Promise<void>;
  /** The detail stored for request `id` (`sha256:<64 hex>`); undefined when none is, or `id` is not a request id. */
  get(id: string): Promise<PendingDetail | undefined>;
  /** Every stored detail, or with `retention` the ones it names; oldest request first. */
  list(retention?: PendingRetention): Promise<PendingDetail[]>;
  close(): Promise<void>;
}

const ID = /^sha256:([0-9a-f]{64})$/;

function idOf(detail: PendingDetail): string {
  const match = ID.exec(detail.pending?.id ?? '');
  if (match === null) throw new WritError('ERR_INVALID_ARGUMENT', 'pending detail needs a sha256 request id', { details: { parameter: 'detail' } });
  return match[1]!;
}

/** Request order: request time, then id (as the PostgreSQL store orders its rows). */
function compareRequests(a: PendingDetail, b: PendingDetail): number {
  if (a.pending.requestedAt !== b.pending.requestedAt) return a.pending.requestedAt < b.pending.requestedAt ? -1 : 1;
  return a.pending.id < b.pending.id ? -1 : a.pending.id > b.pending.id ? 1 : 0;
}

function oldestFirst(details: PendingDetail[]): PendingDetail[] {
  return details.sort(compareRequests);
}

/** Expired at `now` as the authority's index counts it; an unreadable time never expires. */
function expiredAt(detail: PendingDetail, now: number): boolean {
  return Date.parse(detail.pending.expiresAt) <= now;
}

/**
 * Picks the details a {@link PendingRetention} names from a stream of details, holding at most
 * the unexpired ones and twice `latestExpired` of the others at any time.
 */
class RetainedDetails {
  readonly #retention: PendingRetention | undefined;
  readonly #kept: PendingDetail[] = [];
  #expired: PendingDetail[] = [];

  constructor(retention: PendingRetention | undefined) {
    this.#retention = retention;
  }

  offer(detail: PendingDetail): void {
    const retention = this.#retention;
    if (retention === undefined || !expiredAt(detail, retention.now)) {
      this.#kept.push(detail);
      return;
    }
    this.#expired.push(detail);
    if (this.#expired.length >= 2 * retention.latestExpired + 64) this.#trim(retention.latestExpired);
  }

  #trim(latest: number): void {
    this.#expired = this.#expired.sort(compareRequests).slice(Math.max(0, this.#expired.length - latest));
  }

  result(): PendingDetail[] {
    if (this.#retention !== undefined) this.#trim(this.#retention.latestExpired);
    return oldestFirst([...this.#kept, ...this.#expired]);
  }
}

/** In memory (tests, or an authority that may forget its inbox). */
export class MemoryPendingStore implements PendingDetailStore {
  readonly #details = new Map<string, PendingDetail>();

  async put(detail: PendingDetail): Promise<void> {
    const id = idOf(detail);
    if (!this.#details.has(id)) this.#details.set(id, structuredClone(detail));
    await Promise.resolve();
  }

  get(id: string): Promise<PendingDetail | undefined> {
    const match = ID.exec(id);
    const detail = match === null ? undefined : this.#details.get(match[1]!);
    return Promise.resolve(detail === undefined ? undefined : structuredClone(detail));
  }

  list(retention?: PendingRetention): Promise<PendingDetail[]> {
    const retained = new RetainedDetails(retention);
    for (const detail of this.#details.values()) retained.offer(detail);
    return Promise.resolve(retained.result().map((d) => structuredClone(d)));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** One file per request in `dir`; a file is complete or absent (flushed, then renamed into place). */
export class FilePendingStore implements PendingDetailStore {
  readonly #dir: string;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  static async open(options: { readonly dir: string }): Promise<FilePendingStore> {
    await mkdir(options.dir, { recursive: true });
    return new FilePendingStore(options.dir);
  }

  async put(detail: PendingDetail): Promise<void> {
    const id = idOf(detail);
    const final = join(this.#dir, `${id}.json`);
    const exists = await open(final, 'r').then(
      async (handle) => (await handle.close(), true),
      () => false,
    );
    if (exists) return;
    const temporary = join(this.#dir, `.${id}.${process.pid}.${Date.now()}.tmp`);
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(JSON.stringify(detail));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, final);
    const directory = await open(this.#dir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  async get(id: string): Promise<PendingDetail | undefined> {
    const match = ID.exec(id);
    return match === null ? undefined : this.#read(match[1]!);
  }

  /**
   * One file per request, named by its id, says nothing of its time without being read: every
   * file is read, one at a time, and only what `retention` names is held.
   */
  async list(retention?: PendingRetention): Promise<PendingDetail[]> {
    const retained = new RetainedDetails(retention);
    for await (const entry of await opendir(this.#dir)) {
      if (!/^[0-9a-f]{64}\.json$/.test(entry.name)) continue;
      const detail = await this.#read(entry.name.slice(0, 64));
      if (detail !== undefined) retained.offer(detail);
    }
    return retained.result();
  }

  async #read(hex: string): Promise<PendingDetail | undefined> {
    try {
      // Read while serving requests: a FIFO put in its place would hang the route (and a start's
      // list) for good, and a huge file would be read whole — only a regular file of a request's
      // size is read (core's bounded evidence reader; no link followed).
      const detail = JSON.parse(await readEvidenceFile(join(this.#dir, `${hex}.json`), { maxBytes: MAX_DETAIL_FILE_BYTES })) as PendingDetail;
      return `sha256:${hex}` === detail.pending?.id ? detail : undefined;
    } catch {
      // Absent, or damaged: it describes nothing; the approval store still holds the request itself.
      return undefined;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A request's expiry in a row of `authority_pending`. */
const EXPIRES_AT = `(detail->'pending'->>'expiresAt')`;

function detailOf(row: Record<string, unknown>): PendingDetail {
  return (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as PendingDetail;
}

/** What the PostgreSQL store needs of a `pg` pool. */
export interface QueryablePool {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** One row per request in `<schema>.authority_pending` (created when absent). */
export class PostgresPendingStore implements PendingDetailStore {
  readonly #pool: QueryablePool;
  readonly #table: string;

  private constructor(pool: QueryablePool, table: string) {
    this.#pool = pool;
    this.#table = table;
  }

  static async open(options: { readonly pool: QueryablePool; readonly schema: string }): Promise<PostgresPendingStore> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) throw new WritError('ERR_INVALID_ARGUMENT', 'schema must be a lowercase SQL identifier', { details: { parameter: 'schema' } });
    const table = `"${options.schema}".authority_pending`;
    await options.pool.query(`CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, requested_at text NOT NULL, detail jsonb NOT NULL)`);
    // What a start loads (PendingRetention) without reading every row: the latest expired
    // requests, and the unexpired ones.
    await options.pool.query(`CREATE INDEX IF NOT EXISTS authority_pending_requested ON ${table} (requested_at, id)`);
    await options.pool.query(`CREATE INDEX IF NOT EXISTS authority_pending_expires ON ${table} ((${EXPIRES_AT}))`);
    return new PostgresPendingStore(options.pool, table);
  }

  async put(detail: PendingDetail): Promise<void> {
    const id = idOf(detail);
    await this.#pool.query(`INSERT INTO ${this.#table} (id, requested_at, detail) VALUES ($1, $2, $3::jsonb) ON CONFLICT (id) DO NOTHING`, [id, detail.pending.requestedAt, JSON.stringify(detail)]);
  }

  async get(id: string): Promise<PendingDetail | undefined> {
    const match = ID.exec(id);
    if (match === null) return undefined;
    const { rows } = await this.#pool.query(`SELECT detail FROM ${this.#table} WHERE id = $1`, [match[1]]);
    return rows.length === 0 ? undefined : detailOf(rows[0]!);
  }

  async list(retention?: PendingRetention): Promise<PendingDetail[]> {
    if (retention === undefined) return (await this.#pool.query(`SELECT detail FROM ${this.#table} ORDER BY requested_at, id`)).rows.map(detailOf);
    // Times are compared as the ISO 8601 UTC text core writes (`toISOString`), which sorts as time does.
    const now = new Date(retention.now).toISOString();
    const { rows } = await this.#pool.query(
      `(SELECT detail, requested_at, id FROM ${this.#table} WHERE ${EXPIRES_AT} > $1)
       UNION ALL
       (SELECT detail, requested_at, id FROM ${this.#table} WHERE NOT (COALESCE(${EXPIRES_AT}, '') > $1) ORDER BY requested_at DESC, id DESC LIMIT $2)
       ORDER BY requested_at, id`,
      [now, retention.latestExpired],
    );
    return rows.map(detailOf);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
