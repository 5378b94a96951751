import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WritError } from '../errors.ts';
import { FileLedgerStore } from './file-ledger-store.ts';
import { LOCK_FILE } from './file-lock.ts';
import type { EntryDraft, StoredEntry } from './types.ts';

const dirs: string[] = [];
const stores: FileLedgerStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function fresh(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'writ-file-ledger-'));
  dirs.push(dir);
  return dir;
}

async function openStore(dir: string, readOnly = false): Promise<FileLedgerStore> {
  const store = await FileLedgerStore.open({ dir, readOnly });
  stores.push(store);
  return store;
}

const draft = (n: number): EntryDraft => ({
  type: 'test-entry',
  time: '2026-01-01T00:00:00.000Z',
  body: { n },
});

async function all(
  store: FileLedgerStore,
  range?: { from?: number; to?: number },
): Promise<StoredEntry[]> {
  const out: StoredEntry[] = [];
  for await (const entry of store.read(range)) out.push(entry);
  return out;
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

describe('FileLedgerStore', () => {
  it('writes exactly the canonical lines, one per entry', async () => {
    const dir = await fresh();
    const store = await openStore(dir);
    const written = await store.append([draft(0), draft(1)]);
    expect(await readFile(join(dir, 'entries.jsonl'), 'utf8')).toBe(
      `${written[0]!.line}\n${written[1]!.line}\n`,
    );
  });

  it('cuts a torn final line on open and continues the chain', async () => {
    const dir = await fresh();
    const store = await openStore(dir);
    const written = await store.append([draft(0), draft(1)]);
    await store.close();
    const before = (await stat(join(dir, 'entries.jsonl'))).size;
    await appendFile(join(dir, 'entries.jsonl'), '{"body":{"n":2},"prev":"sha256:ab');
    const reopened = await openStore(dir);
    expect((await stat(join(dir, 'entries.jsonl'))).size).toBe(before);
    expect(await reopened.head()).toEqual({ size: 2, hash: written[1]!.hash });
    const [next] = await reopened.append([draft(2)]);
    expect(next!.seq).toBe(2);
    expect((await all(reopened)).map((entry) => entry.seq)).toEqual([0, 1, 2]);
  });

  it('leaves a torn tail alone when opened read-only and reads only complete lines', async () => {
    const dir = await fresh();
    const writer = await openStore(dir);
    await writer.append([draft(0)]);
    await writer.close();
    await appendFile(join(dir, 'entries.jsonl'), '{"bo');
    const reader = await openStore(dir, true);
    expect((await reader.head()).size).toBe(1);
    expect(await all(reader)).toHaveLength(1);
    expect(await codeOf(reader.append([draft(1)]))).toBe('ERR_STORE_LOCKED');
    expect((await readFile(join(dir, 'entries.jsonl'), 'utf8')).endsWith('{"bo')).toBe(true);
  });

  it('refuses a second writer with ERR_STORE_LOCKED naming the holder', async () => {
    const dir = await fresh();
    await openStore(dir);
    const error = await FileLedgerStore.open({ dir }).catch((caught: unknown) => caught);
    expect(WritError.isInstance(error) && error.code).toBe('ERR_STORE_LOCKED');
    expect(String((error as Error).message)).toContain(`pid ${process.pid}`);
  });

  it('refuses a writer in another process while the lock is held', async () => {
    const dir = await fresh();
    await openStore(dir);
    const script = `import('${new URL('./file-ledger-store.ts', import.meta.url).href}').then(m => m.FileLedgerStore.open({ dir: process.argv[1] })).then(() => process.exit(0), e => { console.log(e.code); process.exit(3); })`;
    const child = spawnSync(process.execPath, ['--conditions=@writ/source', '-e', script, dir], {
      encoding: 'utf8',
    });
    expect(child.status).toBe(3);
    expect(child.stdout.trim()).toBe('ERR_STORE_LOCKED');
  });

  it('breaks a stale lock left by a dead process on this host', async () => {
    const dir = await fresh();
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
      encoding: 'utf8',
    });
    const pid = Number(dead.stdout.trim());
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' }),
    );
    const store = await openStore(dir);
    await store.append([draft(0)]);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
  });

  it('keeps a lock held by another host', async () => {
    const dir = await fresh();
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({
        pid: 1,
        host: `${hostname()}-elsewhere`,
        since: '2026-01-01T00:00:00.000Z',
      }),
    );
    expect(await codeOf(FileLedgerStore.open({ dir }))).toBe('ERR_STORE_LOCKED');
  });

  it('releases the lock on close so the next writer can open', async () => {
    const dir = await fresh();
    const first = await openStore(dir);
    await first.close();
    await openStore(dir);
  });

  it('reads ranges across the sparse index', async () => {
    const dir = await fresh();
    const store = await openStore(dir);
    await store.append(Array.from({ length: 2500 }, (_, n) => draft(n)));
    await store.close();
    const reopened = await openStore(dir);
    expect((await all(reopened, { from: 1023, to: 1026 })).map((entry) => entry.seq)).toEqual([
      1023, 1024, 1025,
    ]);
    expect((await all(reopened, { from: 2499 })).map((entry) => entry.seq)).toEqual([2499]);
    expect(await all(reopened)).toHaveLength(2500);
  });

  it('group-commits concurrent appends and acknowledges each batch once durable', async () => {
    const dir = await fresh();
    const store = await openStore(dir);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, n) => store.append([draft(n)])),
    );
    expect(results.map((batch) => batch[0]!.seq)).toEqual(Array.from({ length: 200 }, (_, n) => n));
    expect((await readFile(join(dir, 'entries.jsonl'), 'utf8')).split('\n')).toHaveLength(201);
  });

  it('reports a damaged middle entry as ERR_STORE_CORRUPT on read', async () => {
    const dir = await fresh();
    const store = await openStore(dir);
    await store.append([draft(0), draft(1), draft(2)]);
    await store.close();
    const path = join(dir, 'entries.jsonl');
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[1] = lines[1]!.replace('"seq":1', '"seq":7');
    await writeFile(path, lines.join('\n'));
    const reopened = await openStore(dir);
    expect(await codeOf(all(reopened))).toBe('ERR_STORE_CORRUPT');
  });

  it('refuses to open when the last complete line is not an entry', async () => {
    const dir = await fresh();
    await writeFile(join(dir, 'entries.jsonl'), 'garbage\n');
    expect(await codeOf(FileLedgerStore.open({ dir }))).toBe('ERR_STORE_CORRUPT');
  });

  it('rejects malformed options with ERR_INVALID_ARGUMENT', async () => {
    expect(await codeOf(FileLedgerStore.open({ dir: '' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(FileLedgerStore.open({ dir: await fresh(), durableWrite: 'sometimes' as never }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(FileLedgerStore.open(null as never))).toBe('ERR_INVALID_ARGUMENT');
  });
});
