/**
 * Adversarial review of `writ pull` (pull.ts, AuthorityLedgerSource). Attackers: an authority (or
 * whatever answers at its URL) sending any status, headers and body at any size; and a careless
 * user — a password in the PostgreSQL URL, `--out` at an odd place, two pulls at once. The copy
 * must only ever be a chain-checked prefix of what was served, memory must stay bounded by one
 * page, and neither the approver token nor a database password may appear in any output or
 * reach another host.
 *
 * Cases marked GAP were accepted (or leaked) before the fix they name; the rest were refused
 * already and stay as regression tests.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRIES_FILE, MemoryLedgerStore } from '@writ/core';
import { writeSampleTranscript } from '@writ/core/transcript';
import type { CommandContext } from '../cli-context.ts';
import { AuthorityLedgerSource } from '../lib/authority-ledger-source.ts';
import { runCommand } from '../test-support/run-command.ts';
import type { CommandRun } from '../test-support/run-command.ts';
import { pullAction } from './pull.ts';

const TOKEN = 'approver-token-secret-4242';
const env = { WRIT_AUTHORITY_TOKEN: TOKEN };
let dir: string;
let served: { lines: string[]; notes: string[] };
const run = (action: (context: CommandContext) => Promise<void>): Promise<CommandRun> => runCommand(dir, action);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'writ-cli-pull-adversarial-'));
  const store = new MemoryLedgerStore();
  await writeSampleTranscript({ store, calls: 3, policy: { everyEntries: 4 } });
  served = { lines: [], notes: [] };
  for await (const entry of store.read()) served.lines.push(entry.line);
  for await (const checkpoint of store.checkpoints()) served.notes.push(checkpoint.note);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Answer = (from: number) => Response | Promise<Response>;
function authority(answer: Answer): typeof fetch {
  // Headers built as fetch builds them: it refuses (and names) a value that is no header value.
  return (async (input: string, init: { headers: Record<string, string> }) => {
    new Headers(init.headers);
    return answer(Number(new URL(input).searchParams.get('from')));
  }) as unknown as typeof fetch;
}
const page = (from: number, entries: readonly string[], notes: readonly string[] = served.notes): Response =>
  new Response(JSON.stringify({ from, entries, checkpoints: notes }), { status: 200 });
const honest = (size = 4): Answer => (from) => page(from, served.lines.slice(from, from + size));

describe('writ pull against a malicious authority', () => {
  it('stops reading an answer without Content-Length once it passes the limit', async () => {
    // GAP: only a declared Content-Length was checked before `response.text()` read the whole
    // body, so a chunked answer (or one whose Content-Length lies) of any size was held in
    // memory before being refused — and the limit counted UTF-16 units, not bytes.
    let pulled = 0;
    const chunk = new Uint8Array(1000).fill(0x20);
    const endless = (): Response => new Response(new ReadableStream({
      pull(controller) {
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
        if (pulled >= 1_000_000) controller.close();
      },
    }), { status: 200, headers: { 'content-length': '10' } });
    const source = new AuthorityLedgerSource({ url: 'https://authority.test', token: TOKEN, maxBytes: 10_000, fetch: authority(endless) });
    await expect(source.head()).rejects.toMatchObject({ code: 'ERR_STORE_IO', message: 'the authority\'s answer is larger than 10000 bytes' });
    expect(pulled).toBeLessThan(50_000);
    // Bytes, not UTF-16 units: 4000 three-byte characters are 12000 bytes.
    const wide = new AuthorityLedgerSource({ url: 'https://authority.test', token: TOKEN, maxBytes: 10_000, fetch: authority(() => new Response(JSON.stringify({ from: 0, entries: ['\u20ac'.repeat(4000)], checkpoints: [] }))) });
    await expect(wide.head()).rejects.toMatchObject({ code: 'ERR_STORE_IO' });
  });

  it('gives up on an answer that trickles forever, within the request deadline', async () => {
    const trickle = (): Response => new Response(new ReadableStream({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        controller.enqueue(new Uint8Array([0x20]));
      },
    }), { status: 200 });
    const source = new AuthorityLedgerSource({ url: 'https://authority.test', token: TOKEN, timeoutMs: 200, fetch: authority(trickle) });
    await expect(source.head()).rejects.toMatchObject({ code: 'ERR_STORE_IO' });
  });

  it('refuses an answer that is not UTF-8 instead of replacing its bytes', async () => {
    // GAP: `response.text()` replaced invalid bytes with U+FFFD, so the lines hashed were not the
    // bytes served; the chain check caught it as a chain error, naming the wrong cause.
    const bytes = Buffer.concat([Buffer.from('{"from":0,"entries":["'), Buffer.from([0xff, 0xfe]), Buffer.from('"],"checkpoints":[]}')]);
    const source = new AuthorityLedgerSource({ url: 'https://authority.test', token: TOKEN, fetch: authority(() => new Response(bytes)) });
    await expect(source.head()).rejects.toMatchObject({ code: 'ERR_STORE_IO', message: expect.stringMatching(/not UTF-8/u) as string });
  });

  it('refuses pages whose from lies, duplicated or reordered pages, and pages that stop short', async () => {
    // GAP ('page repeated'): the head scan counted entries without reading them, so an authority
    // answering every page with the same entries kept `writ pull` requesting pages forever (the
    // size it computed growing without end). The scan now checks each entry's seq and link.
    const cases: [string, Answer, number][] = [
      ['from lies', (from) => page(from === 0 ? 0 : from + 1, served.lines.slice(from, from + 4)), 2],
      ['page repeated', (from) => page(from, served.lines.slice(0, 4)), 1],
      ['entries reordered', (from) => page(from, served.lines.slice(from, from + 4).reverse()), 1],
      ['one entry dropped', (from) => page(from, served.lines.slice(from, from + 4).filter((_, i) => from + i !== 5)), 1],
      // Answers the head scan in full, then ends the read early.
      ['short reads', (() => {
        let scans = 0;
        return (from: number) => (from === 0 && scans++ > 0 ? page(0, []) : page(from, served.lines.slice(from, from + 4)));
      })(), 1],
      ['not strings', (from) => new Response(JSON.stringify({ from, entries: [{ seq: 0 }], checkpoints: [] })), 2],
    ];
    for (const [name, answer, code] of cases) {
      const out = `lies-${name.replaceAll(' ', '-')}`;
      const result = await run((context) => pullAction('https://authority.test', { out, env, fetch: authority(answer) }, context));
      expect(result.code, `${name}: ${result.stderr}`).toBe(code);
      if (existsSync(join(dir, out, ENTRIES_FILE))) {
        const held = await readFile(join(dir, out, ENTRIES_FILE), 'utf8');
        expect(served.lines.join('\n').startsWith(held.trimEnd()), name).toBe(true);
      }
    }
  });

  it('refuses an authority that now serves fewer entries than the copy holds (rolled back), keeping the copy', async () => {
    const first = await run((context) => pullAction('https://authority.test', { out: 'rolled', env, fetch: authority(honest()) }, context));
    expect(first.code, first.stderr).toBe(0);
    const before = await readFile(join(dir, 'rolled', ENTRIES_FILE), 'utf8');
    const shorter = served.lines.slice(0, 8);
    const notes = served.notes.filter((note) => Number(note.split('\n')[1]) <= 8);
    const result = await run((context) => pullAction('https://authority.test', { out: 'rolled', env, fetch: authority((from) => page(from, shorter.slice(from, from + 4), notes)) }, context));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^INVALID: the copy is not a prefix of the source ledger: it holds \d+ entries, the source 8 \[ERR_STORE_CONFLICT\]/u);
    expect(await readFile(join(dir, 'rolled', ENTRIES_FILE), 'utf8')).toBe(before);
  });

  it('never follows a redirect, so the token reaches no other host', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const other = await listen(createServer((request, response) => {
      seen.push(request.headers);
      response.end(JSON.stringify({ from: 0, entries: served.lines, checkpoints: served.notes }));
    }));
    const redirecting = await listen(createServer((_, response) => {
      response.writeHead(307, { location: `${urlOf(other)}/v1/transcript?from=0` }).end();
    }));
    try {
      const result = await run((context) => pullAction(urlOf(redirecting), { out: 'redirected', env }, context));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/cannot read the transcript from http:\/\/127\.0\.0\.1:\d+ .*\[ERR_STORE_IO\]/u);
      expect(seen).toEqual([]);
    } finally {
      redirecting.close();
      other.close();
    }
  });

  it('prints neither the token nor anything the authority answered with it', async () => {
    const cases: [Record<string, string>, Answer][] = [
      // A token that is no valid header value: fetch names the value in its own error.
      [{ WRIT_AUTHORITY_TOKEN: `${TOKEN.slice(0, 8)}\n${TOKEN.slice(8)}` }, honest()],
      [env, () => new Response(`no: ${TOKEN}`, { status: 500 })],
      [env, () => new Response(`{"error":"${TOKEN}"}`, { status: 401 })],
      [env, () => new Response(`${TOKEN}`, { status: 200 })],
    ];
    for (const [environment, answer] of cases) {
      for (const json of [false, true]) {
        const result = await run((context) => pullAction('https://authority.test', { out: 'never', env: environment, fetch: authority(answer), json }, context));
        expect(result.code).toBe(2);
        expect(`${result.stdout}${result.stderr}`).not.toContain(TOKEN.slice(8));
      }
    }
  });
});

describe('writ pull, careless use', () => {
  it('warns when the approver token would cross the network over plain http', async () => {
    // GAP: `writ pull http://authority.example` sent the approver's token (which can approve
    // actions) unencrypted without a word. The remote transport accepts http too (a proxy on a
    // private network terminates TLS), so this warns rather than refuses; loopback is quiet.
    const remote = await run((context) => pullAction('http://authority.example', { out: 'plain-remote', env, fetch: authority(honest()) }, context));
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.stderr).toMatch(/^writ pull: warning: http:\/\/authority\.example\/ is plain http to another machine/mu);
    expect(remote.stderr).not.toContain(TOKEN);
    for (const url of ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080', 'https://authority.example']) {
      const local = await run((context) => pullAction(url, { out: `plain-${new URL(url).port || 'tls'}-${url.length}`, env, fetch: authority(honest()) }, context));
      expect(local.code, url).toBe(0);
      expect(local.stderr, url).not.toMatch(/warning/u);
    }
  });

  it('hides a PostgreSQL password wherever the URL carries it', async () => {
    // GAP: only the userinfo password was masked; `?password=` (which pg reads too) and a URL
    // refused for its scheme were printed as typed.
    const cases = [
      'postgres://writ@127.0.0.1:1/test?password=hunter2-secret',
      'postgresql://writ@127.0.0.1:1/test?sslmode=disable&sslpassword=hunter2-secret',
      'postgress://writ:hunter2-secret@127.0.0.1:1/test',
      'postgres://writ:hunter2-secret@127.0.0.1:99999/test',
      'postgres://writ:hunter2%zz-secret@127.0.0.1:1/test',
    ];
    for (const source of cases) {
      const result = await run((context) => pullAction(source, { out: 'pg-never' }, context));
      expect(result.code, source).toBe(2);
      expect(result.stderr, source).not.toContain('hunter2');
    }
  });

  it('refuses --out at a file or at a directory that holds other things, creating nothing there', async () => {
    // GAP: `--out .` or `--out ~/project` (a slip for `--out audit`) turned any existing
    // directory into a transcript directory, adding entries.jsonl, checkpoints/ and writer.lock
    // next to whatever it held.
    await writeFile(join(dir, 'a-file'), 'x');
    await mkdir(join(dir, 'project'));
    await writeFile(join(dir, 'project', 'README.md'), 'mine');
    for (const out of ['a-file', 'project']) {
      const result = await run((context) => pullAction('https://authority.test', { out, env, fetch: authority(honest()) }, context));
      expect(result.code, out).toBe(2);
      expect(result.stderr, out).toMatch(/--out|not a directory|not a transcript directory/u);
    }
    expect(await readdir(join(dir, 'project'))).toEqual(['README.md']);
    // An empty directory, a symbolic link to one, and a transcript directory are fine.
    await mkdir(join(dir, 'empty'));
    await symlink(join(dir, 'empty'), join(dir, 'linked'));
    for (const out of ['empty', 'linked', 'linked']) {
      const result = await run((context) => pullAction('https://authority.test', { out, env, fetch: authority(honest()) }, context));
      expect(result.code, `${out}: ${result.stderr}`).toBe(0);
    }
    expect(await readFile(join(dir, 'empty', ENTRIES_FILE), 'utf8')).toBe(`${served.lines.join('\n')}\n`);
  });

  it('lets one of two concurrent pulls into one directory copy; the other exits 2 and the copy is whole', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reads = 0;
    const slow: Answer = async (from) => {
      reads += 1;
      // After the head scan (five pages), once the copy holds the lock.
      if (reads > 6) await gate;
      return page(from, served.lines.slice(from, from + 4));
    };
    const first = run((context) => pullAction('https://authority.test', { out: 'shared', env, fetch: authority(slow) }, context));
    while (!existsSync(join(dir, 'shared', 'writer.lock'))) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await run((context) => pullAction('https://authority.test', { out: 'shared', env, fetch: authority(honest()) }, context));
    release();
    const done = await first;
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toMatch(/ERR_STORE_LOCKED/u);
    expect(done.code, done.stderr).toBe(0);
    expect(await readFile(join(dir, 'shared', ENTRIES_FILE), 'utf8')).toBe(`${served.lines.join('\n')}\n`);
  });
});

function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
