/**
 * Where the authority keeps what the console shows for a pending approval request (the
 * call's tool and arguments, its session and agent, the policy's reasons and the basis report
 * as judged when the request was made), so the inbox survives a restart. The approval store
 * keeps the request's status and statements; this keeps its description. File by default (one
 * JSON file per request, written to a temporary name, flushed, then renamed), PostgreSQL
 * when configured (one table in the stores' schema), memory for tests.
 */
import { mkdir, open, readFile, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { WritError } from '@writ/core';
import type { JsonObject, JsonValue, PendingApproval } from '@writ/core';

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

/** Durable pending-request details, keyed by request id. The first detail stored for an id wins. */
export interface PendingDetailStore {
  /** Store `detail` unless one is stored for its id already. Durable when it resolves. */
  put(detail: PendingDetail): Promise<void>;
  /** Every stored detail, oldest request first. */
  list(): Promise<PendingDetail[]>;
  close(): Promise<void>;
}

const ID = /^sha256:([0-9a-f]{64})$/;

function idOf(detail: PendingDetail): string {
  const match = ID.exec(detail.pending?.id ?? '');
  if (match === null) throw new WritError('ERR_INVALID_ARGUMENT', 'pending detail needs a sha256 request id', { details: { parameter: 'detail' } });
  return match[1]!;
}

function oldestFirst(details: PendingDetail[]): PendingDetail[] {
  return details.sort((a, b) => (a.pending.requestedAt < b.pending.requestedAt ? -1 : a.pending.requestedAt > b.pending.requestedAt ? 1 : 0));
}

/** In memory (tests, or an authority that may forget its inbox). */
export class MemoryPendingStore implements PendingDetailStore {
  readonly #details = new Map<string, PendingDetail>();

  async put(detail: PendingDetail): Promise<void> {
    const id = idOf(detail);
    if (!this.#details.has(id)) this.#details.set(id, structuredClone(detail));
    await Promise.resolve();
  }

  list(): Promise<PendingDetail[]> {
    return Promise.resolve(oldestFirst([...this.#details.values()].map((d) => structuredClone(d))));
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

  async list(): Promise<PendingDetail[]> {
    const out: PendingDetail[] = [];
    for (const name of await readdir(this.#dir)) {
      if (!/^[0-9a-f]{64}\.json$/.test(name)) continue;
      try {
        const detail = JSON.parse(await readFile(join(this.#dir, name), 'utf8')) as PendingDetail;
        if (`sha256:${name.slice(0, 64)}` === detail.pending?.id) out.push(detail);
      } catch {
        // A damaged file describes nothing; the approval store still holds the request itself.
      }
    }
    return oldestFirst(out);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
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
    return new PostgresPendingStore(options.pool, table);
  }

  async put(detail: PendingDetail): Promise<void> {
    const id = idOf(detail);
    await this.#pool.query(`INSERT INTO ${this.#table} (id, requested_at, detail) VALUES ($1, $2, $3::jsonb) ON CONFLICT (id) DO NOTHING`, [id, detail.pending.requestedAt, JSON.stringify(detail)]);
  }

  async list(): Promise<PendingDetail[]> {
    const { rows } = await this.#pool.query(`SELECT detail FROM ${this.#table} ORDER BY requested_at, id`);
    return rows.map((row) => (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as PendingDetail);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
