/** Health, readiness, the published trust root and checkpoints, the transcript for the console, and the console itself. */
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import type { Hono } from 'hono';
import type { AuthorityEnv } from './authority-env.ts';
import type { AuthorityState } from './authority-state.ts';
import { HttpError, badRequest } from './http-error.ts';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
const MAX_TRANSCRIPT_PAGE = 5000;
/**
 * Most bytes of entries in one transcript page (at least one entry is sent): an entry may be up
 * to 16 MiB (MAX_ENTRY_BYTES), so 5000 of them would not fit in memory, nor in `writ pull`'s
 * 64 MiB answer limit. Readers page until a page is empty, so a short page costs nothing.
 */
export const MAX_TRANSCRIPT_PAGE_BYTES = 8 * 1024 * 1024;
const MAX_CHECKPOINT_PAGE = 1000;

/** Register the public and read-only routes on `app`. */
export function registerPublicRoutes(options: { readonly app: Hono<AuthorityEnv>; readonly state: AuthorityState; readonly ready: () => boolean; readonly consoleDir?: string }): void {
  const { app, state, ready, consoleDir } = options;
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    if (!ready()) return c.json({ status: 'not-ready' }, 503);
    try {
      const head = await state.ledger.head();
      return c.json({ status: 'ready', ledgerSize: head.size });
    } catch {
      return c.json({ status: 'not-ready' }, 503);
    }
  });
  app.get('/v1/trust-root', (c) => c.json(state.trustRoot.toJSON()));
  // Public and unauthenticated: a page at a time (every session end adds a checkpoint, so the
  // whole list grows with use and must not be built for each anonymous request).
  app.get('/v1/checkpoints', async (c) => {
    const fromText = c.req.query('from') ?? '0';
    if (!/^\d{1,12}$/.test(fromText)) throw badRequest('from', 'must be a non-negative integer');
    const from = Number(fromText);
    const notes: string[] = [];
    let index = 0;
    let more = false;
    for await (const checkpoint of state.ledger.checkpoints()) {
      if (index++ < from) continue;
      if (notes.length === MAX_CHECKPOINT_PAGE) {
        more = true;
        break;
      }
      notes.push(checkpoint.note);
    }
    return c.json({ from, checkpoints: notes, ...(more ? { next: from + notes.length } : {}) });
  });
  app.get('/v1/checkpoints/latest', async (c) => {
    const latest = await state.ledger.latestCheckpoint();
    if (latest === undefined) throw new HttpError({ status: 404, code: 'ERR_HTTP_NO_CHECKPOINT', message: 'no checkpoint has been signed yet' });
    return c.text(latest.note);
  });
  app.get('/v1/transcript', async (c) => {
    const fromText = c.req.query('from') ?? '0';
    if (!/^\d{1,12}$/.test(fromText)) throw badRequest('from', 'must be a non-negative integer');
    const from = Number(fromText);
    const entries: string[] = [];
    let bytes = 0;
    for await (const stored of state.ledger.read({ from })) {
      bytes += Buffer.byteLength(stored.line);
      if (entries.length > 0 && bytes > MAX_TRANSCRIPT_PAGE_BYTES) break;
      entries.push(stored.line);
      if (entries.length >= MAX_TRANSCRIPT_PAGE) break;
    }
    // `checkpoints=none`: the entries alone (a reader that pages /v1/checkpoints itself, such as
    // writ pull); by default every checkpoint, as the console reads them.
    const withCheckpoints = c.req.query('checkpoints') ?? 'all';
    if (withCheckpoints !== 'all' && withCheckpoints !== 'none') throw badRequest('checkpoints', 'must be all or none');
    const checkpoints: string[] = [];
    if (withCheckpoints === 'all') for await (const checkpoint of state.ledger.checkpoints()) checkpoints.push(checkpoint.note);
    return c.json({ from, entries, checkpoints, trustRoot: state.trustRoot.toJSON() });
  });
  if (consoleDir !== undefined) {
    app.get('/', (c) => c.redirect('/console/'));
    app.get('/console/*', async (c) => {
      const rest = new URL(c.req.url).pathname.replace(/^\/console\/?/, '') || 'index.html';
      const path = normalize(join(consoleDir, rest));
      const extension = /\.[a-z]+$/.exec(rest)?.[0] ?? '';
      if (!path.startsWith(normalize(consoleDir)) || TYPES[extension] === undefined) throw new HttpError({ status: 404, code: 'ERR_HTTP_NOT_FOUND', message: 'no such file' });
      const bytes = await readFile(path).catch(() => undefined);
      if (bytes === undefined) throw new HttpError({ status: 404, code: 'ERR_HTTP_NOT_FOUND', message: 'no such file' });
      return c.body(bytes, 200, { 'content-type': TYPES[extension], 'cache-control': 'no-store', 'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" });
    });
  }
}
