import { connect } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRIES_FILE, Ledger } from '@writ/core';
import { sampleKeys, sampleTrustRootDocument, writeSampleTranscript } from '@writ/core/transcript';
import { openPostgresStores } from '@writ/postgres';
import type { PostgresStores } from '@writ/postgres';
import type { CommandContext } from '../cli-context.ts';
import { runCommand } from '../test-support/run-command.ts';
import type { CommandRun } from '../test-support/run-command.ts';
import { pullAction, registerPullCommand } from './pull.ts';
import { verifyAction } from './verify.ts';

const reachable = await new Promise<boolean>((resolve) => {
  const socket = connect({ host: '127.0.0.1', port: 5432 });
  socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
  socket.once('connect', () => (socket.destroy(), resolve(true)));
  socket.once('error', () => resolve(false));
});
const skip = !reachable && process.env.WRIT_REQUIRE_POSTGRES !== '1';
if (skip) console.warn('writ pull test skipped: nothing listens on 127.0.0.1:5432 (WRIT_REQUIRE_POSTGRES=1 makes this a failure)');

const URL = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `writ_pull_${Date.now()}_${process.pid}`;
let root: string;
let stores: PostgresStores;
let trustFile: string;
const run = (action: (context: CommandContext) => Promise<void>): Promise<CommandRun> => runCommand(root, action);

describe.skipIf(skip)('writ pull', () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'writ-cli-pull-'));
    stores = await openPostgresStores({ connectionString: URL, schema });
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
    const pulled = await run((context) => pullAction(URL, { out: 'copy', schema, trustRoot: trustFile, json: true }, context));
    expect(pulled.code).toBe(0);
    const head = await stores.ledger.head();
    const out = JSON.parse(pulled.stdout) as { from: number; size: number; checkpoints: number; source: string; dir: string };
    expect(out).toMatchObject({ from: 0, size: head.size, source: URL, schema, ledgerId: 'default', dir: join(root, 'copy') });
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
    const again = await run((context) => pullAction(URL, { out: 'copy', schema, trustRoot: trustFile }, context));
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`pulled 1 entries (${head.size} → ${head.size + 1}) and 1 checkpoint(s) from ${URL} (schema ${schema}, ledger default) into ${join(root, 'copy')}\n`);
    expect((await run((context) => verifyAction(join(root, 'copy'), { trustRoot: trustFile }, context))).code).toBe(0);
  });

  it('refuses a directory that is not a copy of that ledger (exit 1), leaving it as it was', async () => {
    const other = join(root, 'other');
    const { FileLedgerStore } = await import('@writ/core');
    const store = await FileLedgerStore.open({ dir: other });
    await writeSampleTranscript({ store, calls: 2, sessionId: 'another-session' });
    await store.close();
    const before = await readFile(join(other, ENTRIES_FILE), 'utf8');
    const refused = await run((context) => pullAction(URL, { out: 'other', schema }, context));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^INVALID: the copy is not a prefix of the source ledger: entry \d+ differs \[ERR_STORE_CONFLICT\]/u);
    expect(await readFile(join(other, ENTRIES_FILE), 'utf8')).toBe(before);
  });

  it('exits 2 on usage errors, with a message and a code, and hides the password of the URL', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['mysql://x@127.0.0.1/test', { out: 'u1' }, /must be a PostgreSQL URL/u],
      [URL, {}, /--out DIR is required/u],
      [URL, { out: 'u2', trustRoot: 'missing.json' }, /--trust-root missing\.json/u],
      [URL, { out: 'u3', schema: 'bad schema!' }, /schema/u],
      ['postgres://writ:secret@127.0.0.1:1/test', { out: 'u4' }, /^writ pull: cannot read the ledger at postgres:\/\/writ:\*\*\*@127\.0\.0\.1:1\/test \(ECONNREFUSED\) \[ERR_STORE_IO\]/u],
      [URL, { out: 'u5', schema: 'writ_pull_no_such_schema' }, /schema writ_pull_no_such_schema holds no Writ ledger tables .* \[ERR_STORE_NOT_FOUND\]/u],
      [URL, { out: 'u6', schema, ledgerId: 'no-such-ledger' }, /ledger no-such-ledger in schema \S+ has no entries/u],
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
    const mismatch = await run((context) => pullAction(URL, { out: 'copy', schema, trustRoot: 'other-root.json' }, context));
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/holds another trust root than --trust-root other-root\.json|not a valid trust root/u);
  });

  it('registers pull with its options', () => {
    const program = registerPullCommand(new Command().exitOverride());
    const pull = program.commands.find((command) => command.name() === 'pull')!;
    expect(pull.options.map((option) => option.long)).toEqual(['--out', '--schema', '--ledger-id', '--trust-root', '--json']);
  });
});
