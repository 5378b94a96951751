import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRIES_FILE, Ledger } from '@writ/core';
import { sampleKeys, sampleTrustRootDocument, writeSampleTranscript } from '@writ/core/transcript';
import { openPostgresStores } from '@writ/postgres';
import { APPROVER_TOKEN, AGENT_TOKEN, skipWithoutPostgres, startHarness } from '@writ/authority/test-harness';
import { MemoryLedgerStore } from '@writ/core';
import type { PostgresStores } from '@writ/postgres';
import type { CommandContext } from '../cli-context.ts';
import { runCommand } from '../test-support/run-command.ts';
import type { CommandRun } from '../test-support/run-command.ts';
import { pullAction, registerPullCommand } from './pull.ts';
import { verifyAction } from './verify.ts';

const skip = await skipWithoutPostgres('writ pull PostgreSQL test');

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `writ_pull_${Date.now()}_${process.pid}`;
let root: string;
let stores: PostgresStores;
let trustFile: string;
const run = (action: (context: CommandContext) => Promise<void>): Promise<CommandRun> => runCommand(root, action);

describe.skipIf(skip)('writ pull', () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'writ-cli-pull-'));
    stores = await openPostgresStores({ connectionString: PG_URL, schema });
    await writeSampleTranscript({ store: stores.ledger, calls: 4, policy: { everyEntries: 4 } });
    trustFile = join(root, 'trust-root.json');
    await writeFile(trustFile, JSON.stringify(sampleTrustRootDocument(sampleKeys())));
  });
  afterAll(async () => {
    await stores?.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await stores?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('copies the PostgreSQL ledger into a directory that writ verify accepts, then only what it gained', async () => {
    const pulled = await run((context) => pullAction(PG_URL, { out: 'copy', schema, trustRoot: trustFile, json: true }, context));
    expect(pulled.code).toBe(0);
    const head = await stores.ledger.head();
    const out = JSON.parse(pulled.stdout) as { from: number; size: number; checkpoints: number; source: string; dir: string };
    expect(out).toMatchObject({ from: 0, size: head.size, source: PG_URL, schema, ledgerId: 'default', dir: join(root, 'copy') });
    expect(out.checkpoints).toBeGreaterThan(1);
    const lines: string[] = [];
    for await (const entry of stores.ledger.read()) lines.push(entry.line);
    expect(await readFile(join(root, 'copy', ENTRIES_FILE), 'utf8')).toBe(`${lines.join('\n')}\n`);
    const verified = await run((context) => verifyAction(join(root, 'copy'), { trustRoot: trustFile, json: true }, context));
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ valid: true, entries: head.size, root: expect.any(String) as string });
    // Unpinned, the kept trust root is found beside the entries.
    expect((await run((context) => verifyAction(join(root, 'copy'), {}, context))).code).toBe(0);

    const ledger = await Ledger.open({ store: stores.ledger, origin: 'writ.test/sample', signer: sampleKeys().ledger, now: () => new Date('2026-01-01T06:00:00Z') });
    await ledger.append([{ type: 'note', time: '2026-01-01T06:00:00.000Z', body: { later: true } }]);
    await ledger.checkpoint();
    const again = await run((context) => pullAction(PG_URL, { out: 'copy', schema, trustRoot: trustFile }, context));
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`pulled 1 entries (${head.size} → ${head.size + 1}) and 1 checkpoint(s) from ${PG_URL} (schema ${schema}, ledger default) into ${join(root, 'copy')}\n`);
    expect((await run((context) => verifyAction(join(root, 'copy'), { trustRoot: trustFile }, context))).code).toBe(0);
  });

  it('refuses a directory that is not a copy of that ledger (exit 1), leaving it as it was', async () => {
    const other = join(root, 'other');
    const { FileLedgerStore } = await import('@writ/core');
    const store = await FileLedgerStore.open({ dir: other });
    await writeSampleTranscript({ store, calls: 2, sessionId: 'another-session' });
    await store.close();
    const before = await readFile(join(other, ENTRIES_FILE), 'utf8');
    const refused = await run((context) => pullAction(PG_URL, { out: 'other', schema }, context));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^INVALID: the copy is not a prefix of the source ledger: entry \d+ differs \[ERR_STORE_CONFLICT\]/u);
    expect(await readFile(join(other, ENTRIES_FILE), 'utf8')).toBe(before);
  });

  it('exits 2 on usage errors, with a message and a code, and hides the password of the URL', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['mysql://x@127.0.0.1/test', { out: 'u1' }, /must be a PostgreSQL URL .* or an authority URL/u],
      [PG_URL, {}, /--out DIR is required/u],
      [PG_URL, { out: 'u2', trustRoot: 'missing.json' }, /--trust-root missing\.json/u],
      [PG_URL, { out: 'u3', schema: 'bad schema!' }, /schema/u],
      ['postgres://writ:secret@127.0.0.1:1/test', { out: 'u4' }, /^writ pull: cannot read the ledger at postgres:\/\/writ:\*\*\*@127\.0\.0\.1:1\/test \(ECONNREFUSED\) \[ERR_STORE_IO\]/u],
      [PG_URL, { out: 'u5', schema: 'writ_pull_no_such_schema' }, /schema writ_pull_no_such_schema holds no Writ ledger tables .* \[ERR_STORE_NOT_FOUND\]/u],
      [PG_URL, { out: 'u6', schema, ledgerId: 'no-such-ledger' }, /\(schema \S+, ledger no-such-ledger\) has no entries \(check --ledger-id and --schema\)/u],
    ];
    for (const [source, options, message] of cases) {
      const result = await run((context) => pullAction(source, options, context));
      expect(result.code, source).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('secret');
      expect(result.stderr).not.toMatch(/\n\s+at /u);
    }
    // Nothing was created for the refused invocations.
    const { existsSync } = await import('node:fs');
    for (const dir of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) expect(existsSync(join(root, dir)), dir).toBe(false);
    // A kept trust root that differs is refused.
    await writeFile(join(root, 'other-root.json'), JSON.stringify({ ...sampleTrustRootDocument(sampleKeys()), version: 99 }));
    const mismatch = await run((context) => pullAction(PG_URL, { out: 'copy', schema, trustRoot: 'other-root.json' }, context));
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/holds another trust root than --trust-root other-root\.json|not a valid trust root/u);
  });

  it('registers pull with its options', () => {
    const program = registerPullCommand(new Command().exitOverride());
    const pull = program.commands.find((command) => command.name() === 'pull')!;
    expect(pull.options.map((option) => option.long)).toEqual(['--out', '--schema', '--ledger-id', '--token-env', '--trust-root', '--json']);
  });
});

// A fake authority serving `lines` (and `notes`) in pages of `size`, as GET /v1/transcript does.
function pages(store: { lines: string[]; notes: string[] }, size: number, token = 'approver-token-for-tests'): { fetch: typeof fetch; requests: string[] } {
  const requests: string[] = [];
  const fake = ((input: string, init: { headers: Record<string, string> }) => {
    requests.push(input);
    if (init.headers.authorization !== `Bearer ${token}`) return Promise.resolve(new Response(JSON.stringify({ error: { code: 'ERR_HTTP_UNAUTHENTICATED' } }), { status: 401 }));
    const url = new URL(input);
    const from = Number(url.searchParams.get('from'));
    // As the authority: checkpoints in public pages (of 2 here, to page), entries without them when asked.
    if (url.pathname === '/v1/checkpoints') {
      const notes = store.notes.slice(from, from + 2);
      return Promise.resolve(new Response(JSON.stringify({ from, checkpoints: notes, ...(from + 2 < store.notes.length && { next: from + 2 }) }), { status: 200 }));
    }
    const checkpoints = url.searchParams.get('checkpoints') === 'none' ? [] : store.notes;
    return Promise.resolve(new Response(JSON.stringify({ from, entries: store.lines.slice(from, from + size), checkpoints, trustRoot: {} }), { status: 200 }));
  }) as unknown as typeof fetch;
  return { fetch: fake, requests };
}

describe('writ pull from an authority', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'writ-cli-pull-http-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const runIn = (action: (context: CommandContext) => Promise<void>): Promise<CommandRun> => runCommand(dir, action);
  const env = { WRIT_AUTHORITY_TOKEN: 'approver-token-for-tests' };

  async function sample(calls: number): Promise<{ lines: string[]; notes: string[]; store: MemoryLedgerStore }> {
    const store = new MemoryLedgerStore();
    await writeSampleTranscript({ store, calls, policy: { everyEntries: 4 } });
    const lines: string[] = [];
    for await (const entry of store.read()) lines.push(entry.line);
    const notes: string[] = [];
    for await (const checkpoint of store.checkpoints()) notes.push(checkpoint.note);
    return { lines, notes, store };
  }

  it('reads a running authority with an approver token and the copy verifies against its trust root', async () => {
    const h = await startHarness();
    try {
      const id = (await h.call({ path: '/v1/sessions', token: AGENT_TOKEN, body: { principal: { id: 'user:dana', tenant: 'acme' } } })).json.sessionId as string;
      await h.call({ path: `/v1/sessions/${id}/calls/r1/guard`, token: AGENT_TOKEN, body: { tool: 'tickets_read', args: { id: 'T-1' } } });
      await h.call({ path: `/v1/sessions/${id}/end`, token: AGENT_TOKEN, body: {} });
      await writeFile(join(dir, 'authority-root.json'), JSON.stringify(h.world.trustRoot.toJSON()));
      const pulled = await runIn((context) => pullAction(h.authority.url, { out: 'authority-copy', env: { WRIT_AUTHORITY_TOKEN: APPROVER_TOKEN }, trustRoot: 'authority-root.json', json: true }, context));
      expect(pulled.code, pulled.stderr).toBe(0);
      expect(JSON.parse(pulled.stdout)).toMatchObject({ source: `${h.authority.url}/`, from: 0 });
      const verified = await runIn((context) => verifyAction(join(dir, 'authority-copy'), { trustRoot: 'authority-root.json' }, context));
      expect(verified.code, verified.stderr).toBe(0);
      // An agent's token does not read the transcript.
      const agent = await runIn((context) => pullAction(h.authority.url, { out: 'agent-copy', env: { WRIT_AUTHORITY_TOKEN: AGENT_TOKEN } }, context));
      expect(agent.code).toBe(2);
      expect(agent.stderr).toMatch(/the authority refused the token \(HTTP 40[13]\)/u);
    } finally {
      await h.authority.close();
    }
  });

  it('pages through the transcript, then pulls only what it gained, reading from the entry before the held ones', async () => {
    const source = await sample(4);
    const first = source.lines.length - 5;
    const served = { lines: source.lines.slice(0, first), notes: source.notes.filter((note) => Number(note.split('\n')[1]) <= first) };
    const { fetch, requests } = pages(served, 3);
    const pulled = await runIn((context) => pullAction('https://authority.test', { out: 'paged', env, fetch }, context));
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(await readFile(join(dir, 'paged', ENTRIES_FILE), 'utf8')).toBe(`${served.lines.join('\n')}\n`);
    served.lines = source.lines;
    served.notes = source.notes;
    requests.length = 0;
    const again = await runIn((context) => pullAction('https://authority.test', { out: 'paged', env, fetch }, context));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`pulled 5 entries (${first} → ${source.lines.length})`);
    expect(requests[0]).toBe(`https://authority.test/v1/transcript?from=${first - 1}&checkpoints=none`);
    // The checkpoints came in public pages.
    expect(requests.filter((url) => url.includes('/v1/checkpoints?')).length).toBeGreaterThan(1);
    expect(await readFile(join(dir, 'paged', ENTRIES_FILE), 'utf8')).toBe(`${source.lines.join('\n')}\n`);
    await writeFile(join(dir, 'sample-root.json'), JSON.stringify(sampleTrustRootDocument(sampleKeys())));
    expect((await runIn((context) => verifyAction(join(dir, 'paged'), { trustRoot: 'sample-root.json' }, context))).code).toBe(0);
  });

  it('a first pull refused before any entry is copied leaves no directory (nor trust root) behind; a malformed checkpoint note is a refusal (exit 1)', async () => {
    const source = await sample(2);
    await writeFile(join(dir, 'first-root.json'), JSON.stringify(sampleTrustRootDocument(sampleKeys())));
    const tampered = [...source.lines];
    tampered[0] = tampered[0]!.replace('"seq":0', '"seq":0,"x":1');
    const refused = await runIn((context) => pullAction('https://authority.test', { out: 'first', env, trustRoot: 'first-root.json', fetch: pages({ lines: tampered, notes: [] }, 50).fetch }, context));
    expect(refused.code).toBe(1);
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, 'first'))).toBe(false);
    const badNote = await runIn((context) => pullAction('https://authority.test', { out: 'bad-note', env, fetch: pages({ lines: source.lines, notes: ['not a checkpoint note'] }, 50).fetch }, context));
    expect(badNote.code, badNote.stderr).toBe(1);
    expect(badNote.stderr).toMatch(/^INVALID: .*\[ERR_(NOTE|CHECKPOINT)_MALFORMED\]/u);
    // The entries were copied before the checkpoints were read: that copy stays, for the next run.
    expect(existsSync(join(dir, 'bad-note', ENTRIES_FILE))).toBe(true);
  });

  it('refuses checkpoint pages whose next does not follow them (it would page forever): exit 2, ERR_STORE_IO', async () => {
    const source = await sample(2);
    const looping = ((input: string) => {
      const url = new URL(input);
      const from = Number(url.searchParams.get('from'));
      if (url.pathname === '/v1/checkpoints') return Promise.resolve(new Response(JSON.stringify({ from, checkpoints: source.notes.slice(0, 1), next: from }), { status: 200 }));
      return Promise.resolve(new Response(JSON.stringify({ from, entries: source.lines.slice(from, from + 50), checkpoints: [] }), { status: 200 }));
    }) as unknown as typeof fetch;
    const result = await runIn((context) => pullAction('https://authority.test', { out: 'looping', env, fetch: looping }, context));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/names a next page that does not follow it \[ERR_STORE_IO\]/u);
  });

  it('refuses an authority that serves a tampered line or another history (exit 1), keeping the copy as it was', async () => {
    const source = await sample(2);
    const ok = await runIn((context) => pullAction('https://authority.test', { out: 'kept', env, fetch: pages({ lines: source.lines.slice(0, 6), notes: [] }, 4).fetch }, context));
    expect(ok.code, ok.stderr).toBe(0);
    const before = await readFile(join(dir, 'kept', ENTRIES_FILE), 'utf8');
    const tampered = [...source.lines];
    tampered[7] = tampered[7]!.replace('"seq":7', '"seq":7,"x":1');
    const bad = await runIn((context) => pullAction('https://authority.test', { out: 'kept', env, fetch: pages({ lines: tampered, notes: [] }, 4).fetch }, context));
    expect(bad.code).toBe(1);
    const other = await sample(3);
    const forked = await runIn((context) => pullAction('https://authority.test', { out: 'kept', env, fetch: pages({ lines: other.lines.map((line) => line.replace('session-1', 'session-9')), notes: [] }, 4).fetch }, context));
    expect(forked.code).toBe(1);
    expect(await readFile(join(dir, 'kept', ENTRIES_FILE), 'utf8')).toBe(before);
  });

  it('exits 2 without a token, with a refused one, when unreachable, on a bad answer, and for --schema', async () => {
    const source = await sample(1);
    const good = pages(source, 10).fetch;
    const down = (() => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }))) as unknown as typeof fetch;
    const junk = (() => Promise.resolve(new Response('<html>', { status: 200 }))) as unknown as typeof fetch;
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['https://authority.test', { out: 'n1', env: {}, fetch: good }, /set WRIT_AUTHORITY_TOKEN to an approver's token/u],
      ['https://authority.test', { out: 'n2', env: { OTHER: 'approver-token-for-tests' }, tokenEnv: 'OTHER', fetch: pages(source, 10, 'something-else').fetch }, /refused the token \(HTTP 401\)/u],
      ['https://authority.test', { out: 'n3', env, fetch: down }, /cannot read the transcript from https:\/\/authority\.test \(ECONNREFUSED\) \[ERR_STORE_IO\]/u],
      ['https://authority.test', { out: 'n4', env, fetch: junk }, /is not JSON \[ERR_STORE_IO\]/u],
      ['https://authority.test', { out: 'n5', env, fetch: good, schema: 'writ' }, /--schema and --ledger-id apply to a PostgreSQL source/u],
      ['https://user:pw@authority.test', { out: 'n6', env, fetch: good }, /must not carry credentials/u],
      ['https://authority.test', { out: 'n7', env, fetch: good, tokenEnv: 'not a name' }, /not an environment variable name/u],
      ['https://authority.test', { out: 'n8', env, fetch: pages({ lines: [], notes: [] }, 10).fetch }, /has no entries/u],
    ];
    const { existsSync } = await import('node:fs');
    for (const [url, options, message] of cases) {
      const result = await runIn((context) => pullAction(url, options, context));
      expect(result.code, JSON.stringify(options)).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('pw@');
      expect(existsSync(join(dir, options.out as string))).toBe(false);
    }
  });
});
