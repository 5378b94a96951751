import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
  it('writes exactly the canonical lines, one per entry, and truncates the zeros written ahead on close', async () => {
    const dir = await fresh();
    const store = await openStore(dir);
    const written = await store.append([draft(0), draft(1)]);
    const lines = `${written[0]!.line}\n${written[1]!.line}\n`;
    const live = await readFile(join(dir, 'entries.jsonl'));
    expect(live.subarray(0, lines.length).toString('utf8')).toBe(lines);
    expect(live.length).toBeGreaterThan(lines.length);
    expect(live.subarray(lines.length).every((byte) => byte === 0)).toBe(true);
    await store.close();
    expect(await readFile(join(dir, 'entries.jsonl'), 'utf8')).toBe(lines);
  });

  it('cuts a torn final line on open and continues the chain', async () => {
    const dir = await fresh();
    const store = await openStore(dir);
    const written = await store.append([draft(0), draft(1)]);
    await store.close();
    const before = (await stat(join(dir, 'entries.jsonl'))).size;
    await appendFile(join(dir, 'entries.jsonl'), '{"body":{"n":2},"prev":"sha256:ab');
    const reopened = await openStore(dir);
    expect(await reopened.head()).toEqual({ size: 2, hash: written[1]!.hash });
    const [next] = await reopened.append([draft(2)]);
    expect(next!.seq).toBe(2);
    expect((await all(reopened)).map((entry) => entry.seq)).toEqual([0, 1, 2]);
    await reopened.close();
    expect((await stat(join(dir, 'entries.jsonl'))).size).toBe(before + next!.line.length + 1);
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

describe('FileLedgerStore pre-written space (ADR 0028)', () => {
  const path = (dir: string): string => join(dir, 'entries.jsonl');

  // Lines of `count` entries as a closed store leaves them.
  async function linesOf(dir: string, count: number): Promise<Buffer> {
    const store = await FileLedgerStore.open({ dir });
    await store.append(Array.from({ length: count }, (_, n) => draft(n)));
    await store.close();
    return readFile(path(dir));
  }

  async function seqs(dir: string): Promise<number[]> {
    const store = await openStore(dir, true);
    return (await all(store)).map((entry) => entry.seq);
  }

  it('opens a file ending in zeros (a crashed writer) at the last line and appends there', async () => {
    const dir = await fresh();
    const lines = await linesOf(dir, 3);
    await writeFile(path(dir), Buffer.concat([lines, Buffer.alloc(3 << 20)]));
    const store = await openStore(dir);
    expect((await store.head()).size).toBe(3);
    const [next] = await store.append([draft(3)]);
    expect(next!.seq).toBe(3);
    // Written over the zeros, not after them.
    expect((await readFile(path(dir))).subarray(lines.length, lines.length + next!.line.length).toString()).toBe(next!.line);
    await store.close();
    expect(await readFile(path(dir), 'utf8')).toBe(`${lines.toString()}${next!.line}\n`);
  });

  it('reads a live writer’s directory read-only: the zero tail is unwritten space', async () => {
    const dir = await fresh();
    const writer = await openStore(dir);
    await writer.append([draft(0), draft(1)]);
    expect((await stat(path(dir))).size).toBeGreaterThan(1 << 20);
    const reader = await openStore(dir, true);
    expect((await reader.head()).size).toBe(2);
    expect(await all(reader)).toHaveLength(2);
  });

  it('cuts a torn write over zeros, even one whose later block landed before its first', async () => {
    const dir = await fresh();
    const lines = await linesOf(dir, 2);
    const torn = Buffer.from('{"body":{"n":2},"prev":"sha256:ab');
    // A partial first line, then a zero block where the write did not land, then a later
    // block that did (with a complete line in it), then the space written ahead.
    const later = Buffer.from('"seq":3,"time":"x","type":"t"}\n{"body":{"n":4}');
    await writeFile(path(dir), Buffer.concat([lines, torn, Buffer.alloc(4096), later, Buffer.alloc(1 << 20)]));
    const store = await openStore(dir);
    expect((await store.head()).size).toBe(2);
    const [next] = await store.append([draft(2)]);
    expect(next!.seq).toBe(2);
    await store.close();
    expect(await readFile(path(dir), 'utf8')).toBe(`${lines.toString()}${next!.line}\n`);
  });

  it('reports data after zeros as corrupt to a reader, and to a writer when no torn write explains it', async () => {
    const dir = await fresh();
    const lines = await linesOf(dir, 2);
    const damaged = Buffer.concat([lines, Buffer.alloc(4096), Buffer.from('x\n'), Buffer.alloc(100)]);
    await writeFile(path(dir), damaged);
    // A reader (export) never repairs and cannot tell a torn write from tampering.
    expect(await codeOf(FileLedgerStore.open({ dir, readOnly: true }))).toBe('ERR_STORE_CORRUPT');
    // Data more than one write (1 MiB) past the last line: no crash leaves that.
    await writeFile(path(dir), Buffer.concat([lines, Buffer.alloc(2 << 20), Buffer.from('x\n')]));
    expect(await codeOf(FileLedgerStore.open({ dir }))).toBe('ERR_STORE_CORRUPT');
    expect((await readFile(path(dir))).length).toBe(lines.length + (2 << 20) + 2);
  });

  it('refuses to cut entries a checkpoint covers, whatever follows them', async () => {
    const dir = await fresh();
    const store = await openStore(dir);
    const written = await store.append([draft(0), draft(1), draft(2)]);
    await store.putCheckpoint({ size: 3, root: written[2]!.hash, note: 'note\n' });
    await store.close();
    const bytes = await readFile(path(dir));
    // A NUL inside entry 1: only tampering (or a failing disk) puts it below a checkpoint.
    bytes[written[0]!.line.length + 5] = 0;
    await writeFile(path(dir), bytes);
    expect(await codeOf(FileLedgerStore.open({ dir }))).toBe('ERR_STORE_CORRUPT');
    expect((await readFile(path(dir))).equals(bytes)).toBe(true);
  });

  it('extends the file itself when a commit runs past the pre-written space', async () => {
    const dir = await fresh();
    const store = await FileLedgerStore.open({ dir, preallocate: 4096 });
    stores.push(store);
    // One batch of ~1.7 MiB: past the 4 KiB ahead, and written as two durable writes.
    const big = { type: 'test-entry', time: '2026-01-01T00:00:00.000Z', body: { pad: 'p'.repeat(1 << 16) } };
    await store.append(Array.from({ length: 26 }, () => big));
    const results = await Promise.all(Array.from({ length: 300 }, (_, n) => store.append([draft(n)])));
    expect(results.at(-1)![0]!.seq).toBe(325);
    expect(await seqs(dir)).toHaveLength(326);
    await store.close();
    const text = await readFile(path(dir), 'utf8');
    expect(text.includes('\0')).toBe(false);
    expect(text.split('\n')).toHaveLength(327);
    expect(await seqs(dir)).toHaveLength(326);
  });

  it('writes no new zeros after a commit of 32 KiB or more, and resumes after a smaller one', async () => {
    const dir = await fresh();
    const store = await FileLedgerStore.open({ dir, preallocate: 256 << 10 });
    stores.push(store);
    // Every write of the store goes through FileHandle#write; a piece of zeros is the only one
    // without a newline (a commit's bytes end with one).
    const probe = await open(join(dir, 'probe'), 'w');
    const handleProto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => unknown };
    await probe.close();
    const write = vi.spyOn(handleProto, 'write');
    const zeroWrites = () => write.mock.calls.filter(([data]) => Buffer.isBuffer(data) && !data.includes(10)).length;
    try {
      const bulk = (n: number): EntryDraft => ({ type: 'test-entry', time: '2026-01-01T00:00:00.000Z', body: { n, pad: 'p'.repeat(40 << 10) } });
      // 5 × ~40 KiB: less than half of the 256 KiB ahead is left, which would start a refill.
      for (let n = 0; n < 5; n++) await store.append([bulk(n)]);
      expect(zeroWrites()).toBe(0);
      expect((await stat(path(dir))).size).toBe(256 << 10);
      // Past the pre-written space: the commits extend the file, no zeros follow them.
      for (let n = 5; n < 8; n++) await store.append([bulk(n)]);
      const logical = (await readFile(path(dir))).length;
      expect(zeroWrites()).toBe(0);
      expect(logical).toBeGreaterThan(256 << 10);
      // A small commit: pre-writing resumes.
      await store.append([draft(8)]);
      expect(zeroWrites()).toBeGreaterThan(0);
      await vi.waitFor(async () => expect((await stat(path(dir))).size).toBeGreaterThan(logical + 1024), { timeout: 10_000 });
    } finally {
      write.mockRestore();
    }
    expect((await all(store)).map((entry) => entry.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('with preallocate 0 appends as before: no zeros while open, a zero tail cut on open', async () => {
    const dir = await fresh();
    const lines = await linesOf(dir, 2);
    await writeFile(path(dir), Buffer.concat([lines, Buffer.alloc(8192)]));
    const store = await FileLedgerStore.open({ dir, preallocate: 0 });
    stores.push(store);
    expect((await stat(path(dir))).size).toBe(lines.length);
    const [next] = await store.append([draft(2)]);
    expect(await readFile(path(dir), 'utf8')).toBe(`${lines.toString()}${next!.line}\n`);
  });

  it('rejects a malformed preallocate with ERR_INVALID_ARGUMENT', async () => {
    for (const preallocate of [-1, 1.5, Number.NaN, '4096' as never])
      expect(await codeOf(FileLedgerStore.open({ dir: await fresh(), preallocate }))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('FileLedgerStore after SIGKILL', () => {
  const child = new URL('./file-ledger-crash-child.fixture.ts', import.meta.url);

  // Run the child until it has acknowledged `acks` appends (or `afterOpenMs` after it opened),
  // kill it, and return the highest acknowledged seq.
  async function killed(dir: string, options: { preallocate: number; acks?: number; afterOpenMs?: number }): Promise<number> {
    const { spawn } = await import('node:child_process');
    const process_ = spawn(process.execPath, ['--conditions=@writ/source', new URL(child).pathname, dir, String(options.preallocate)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acked = -1;
    let count = 0;
    let buffered = '';
    await new Promise<void>((resolve) => {
      process_.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          if (line === 'open') {
            if (options.afterOpenMs !== undefined) setTimeout(() => process_.kill('SIGKILL'), options.afterOpenMs);
            continue;
          }
          acked = Math.max(acked, Number(line));
          count += 1;
          if (options.acks !== undefined && count === options.acks) process_.kill('SIGKILL');
        }
      });
      process_.on('exit', () => resolve());
    });
    expect(process_.signalCode).toBe('SIGKILL');
    return acked;
  }

  async function check(dir: string, acked: number): Promise<void> {
    const store = await openStore(dir);
    const { size } = await store.head();
    // Every acknowledged entry survived, and the chain reads whole.
    expect(size).toBeGreaterThan(acked);
    expect((await all(store)).map((entry) => entry.seq)).toEqual(Array.from({ length: size }, (_, n) => n));
    const [next] = await store.append([draft(size)]);
    expect(next!.seq).toBe(size);
    await store.close();
    const text = await readFile(join(dir, 'entries.jsonl'), 'utf8');
    expect(text.includes('\0')).toBe(false);
    expect(text.split('\n')).toHaveLength(size + 2);
  }

  it('keeps every acknowledged append of a writer killed while appending in a loop', async () => {
    const dir = await fresh();
    // Small pre-written space: refills, and commits past it, happen all through the loop.
    for (let round = 0; round < 3; round++) await check(dir, await killed(dir, { preallocate: 8192, acks: 150 + 40 * round }));
  });

  it('recovers a writer killed while pre-writing zeros', async () => {
    const dir = await fresh();
    // 64 MiB ahead: the child is still writing its pieces when it dies, right after open.
    const acked = await killed(dir, { preallocate: 64 << 20, afterOpenMs: 5 });
    // Killed mid-way: more than the first piece written, less than the 64 MiB asked for.
    const size = (await stat(join(dir, 'entries.jsonl'))).size;
    expect(size).toBeGreaterThan(1 << 20);
    expect(size).toBeLessThan(64 << 20);
    await check(dir, acked);
    await check(dir, await killed(dir, { preallocate: 64 << 20, acks: 20 }));
  });
});
