// `writ unfinished` against a real authority started in-process (the authority's own test
// harness, file stores): a release left without an outcome by a stop between a call's start and
// its finish is listed after the restart, and resolved with a statement signed by an approver's
// key file.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateKey, fromBase64Url, toBase64Url, verifyResolution } from '@writ/core';
import { AGENT_TOKEN, APPROVER_TOKEN, createSeededWorld, startHarness } from '@writ/authority/test-harness';
import type { Harness, SeededWorld } from '@writ/authority/test-harness';
import { runCommand } from '../test-support/run-command.ts';
import type { CommandRun } from '../test-support/run-command.ts';
import { listUnfinishedAction, registerUnfinishedCommand, resolveUnfinishedAction } from './unfinished.ts';
import type { ResolveUnfinishedOptions, UnfinishedCommonOptions } from './unfinished.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO key-file case needs mkfifo (coreutils), which this platform lacks');

const env = { WRIT_AUTHORITY_TOKEN: APPROVER_TOKEN };
let root: string;
const list = (options: UnfinishedCommonOptions): Promise<CommandRun> => runCommand(root, (context) => listUnfinishedAction({ env, ...options }, context));
const resolve = (tokenId: string, options: ResolveUnfinishedOptions): Promise<CommandRun> => runCommand(root, (context) => resolveUnfinishedAction(tokenId, { env, ...options }, context));

/** Write the key of `seed` as `writ keys generate` does; returns the file name relative to `root`. */
function keyFile(name: string, seed: string): string {
  const key = PrivateKey.fromSeed(fromBase64Url(seed, 'seed'));
  writeFileSync(join(root, name), `${JSON.stringify({ keyId: key.keyId, seed })}\n`, { mode: 0o600 });
  return name;
}

/** A loopback port nothing listens on (one the system just handed out and took back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** Release `refund_issue` in a session and start it at the gateway; the agent never finishes it. */
async function releaseWithoutOutcome(h: Harness, sessionId: string): Promise<string> {
  const agent = async (path: string, body: unknown) => {
    const answer = await h.call({ path, token: AGENT_TOKEN, body });
    expect(answer.status, path).toBeLessThan(300);
    return answer.json;
  };
  await agent('/v1/sessions', { sessionId, principal: { id: 'user:dana', roles: ['support'], tenant: 'acme' } });
  await agent(`/v1/sessions/${sessionId}/basis`, { kind: 'system-prompt', text: 'You are the support agent of Acme.' });
  await agent(`/v1/sessions/${sessionId}/basis`, { kind: 'user-turn', text: 'Order 4417 arrived broken, please refund 60 EUR.' });
  const refund = { tool: 'refund_issue', args: { order: '4417', amount: 60 } };
  const guard = (await agent(`/v1/sessions/${sessionId}/calls/c1/guard`, refund)).guard as { verdict: string; tokenId: string };
  expect(guard.verdict).toBe('execute');
  expect((await agent(`/v1/sessions/${sessionId}/calls/c1/start`, refund)).phase).toBe('run');
  return guard.tokenId;
}

describe('writ unfinished', () => {
  let world: SeededWorld;
  let dataDir: string;
  let h: Harness;
  let tokenIds: string[];
  let manager: string;
  let outsider: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'writ-cli-unfinished-'));
    dataDir = join(root, 'data');
    world = createSeededWorld();
    manager = keyFile('manager.key', world.seeds.get('manager')!);
    outsider = keyFile('outsider.key', world.seeds.get('outsider')!);
    const first = await startHarness({ dir: dataDir, world });
    try {
      // Nothing unfinished yet.
      const empty = await list({ url: first.authority.url, json: true });
      expect(empty.code, empty.stderr).toBe(0);
      expect(JSON.parse(empty.stdout)).toEqual({ unfinished: [], total: 0 });
      const human = await list({ url: first.authority.url });
      expect(human).toEqual({ code: 0, stdout: `no unfinished releases at ${first.authority.url}\n`, stderr: '' });
      tokenIds = [await releaseWithoutOutcome(first, 'sess-a'), await releaseWithoutOutcome(first, 'sess-b')];
    } finally {
      // The authority stops while both tools run: their outcomes never reach it.
      await first.authority.close();
    }
    h = await startHarness({ dir: dataDir, world });
  }, 60_000);
  afterAll(async () => {
    await h?.authority.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lists the releases the restarted authority found without an outcome, as text and as JSON', async () => {
    const json = await list({ url: h.authority.url, json: true });
    expect(json.code, json.stderr).toBe(0);
    const page = JSON.parse(json.stdout) as { unfinished: { releasedSeq: number }[]; total: number };
    expect(page).toEqual({
      unfinished: tokenIds.map((tokenId, i) => ({ tokenId, callId: 'c1', sessionId: ['sess-a', 'sess-b'][i], tool: 'refund_issue', releasedSeq: expect.any(Number) as number })),
      total: 2,
    });
    const text = await list({ url: `${h.authority.url}/` });
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      `2 unfinished release(s) at ${h.authority.url}, oldest first:\n` +
        page.unfinished.map((r, i) => `  ${tokenIds[i]}  tool refund_issue  session ${['sess-a', 'sess-b'][i]}  call c1  released at entry ${r.releasedSeq}\n`).join(''),
    );
    expect(text.stderr).toMatch(/^once the target is checked: writ unfinished resolve TOKEN_ID/u);
  });

  it('refuses a resolution signed by a key that is no approver in the trust root, or in a role it does not hold: exit 1 with the code, nothing recorded', async () => {
    const cases: [ResolveUnfinishedOptions, string][] = [
      [{ key: outsider, role: 'manager' }, 'ERR_APPROVAL_SIGNER_INVALID'],
      [{ key: manager, role: 'finance-manager' }, 'ERR_APPROVAL_SIGNER_INVALID'],
    ];
    for (const [options, code] of cases) {
      for (const json of [false, true]) {
        const refused = await resolve(tokenIds[0]!, { url: h.authority.url, outcome: 'not-executed', ...options, json });
        expect(refused.code, options.key).toBe(1);
        expect(refused.stdout).toBe('');
        expect(refused.stderr).toBe(`writ unfinished resolve: the authority refused the resolution: the key is not an active approver key with that --role in the authority's trust root [${code}]\n`);
      }
    }
    expect((JSON.parse((await list({ url: h.authority.url, json: true })).stdout) as { total: number }).total).toBe(2);
  });

  it('records a resolution signed with the approver key file; the release leaves the list and the transcript holds the statement', async () => {
    const note = 'refund rf-4417 is in the payment provider\'s log';
    const resolved = await resolve(tokenIds[0]!, { url: h.authority.url, outcome: 'executed', note, key: manager, role: 'manager', json: true });
    expect(resolved.stderr).toBe('');
    expect(resolved.code).toBe(0);
    const by = `approver:${world.approvers.get('manager')!.keyId} as manager`;
    expect(JSON.parse(resolved.stdout)).toEqual({ tokenId: tokenIds[0], outcome: 'executed', by });

    const text = await resolve(tokenIds[1]!, { url: h.authority.url, outcome: 'not-executed', key: manager, role: 'manager' });
    expect(text).toEqual({ code: 0, stdout: `recorded: ${tokenIds[1]} not-executed, resolved by ${by}\n`, stderr: '' });
    expect(JSON.parse((await list({ url: h.authority.url, json: true })).stdout)).toEqual({ unfinished: [], total: 0 });

    // What the authority wrote is the statement signed here, and it verifies offline.
    const transcript = await h.call({ method: 'GET', path: '/v1/transcript', token: APPROVER_TOKEN });
    const resolutions = (transcript.json.entries as string[]).map((line) => JSON.parse(line) as { type: string; body: { tokenId: string; outcome: string; by: string; note?: string; statement: unknown } }).filter((e) => e.type === 'release-resolved');
    expect(resolutions.map((e) => [e.body.tokenId, e.body.outcome, e.body.by, e.body.note])).toEqual([[tokenIds[0], 'executed', by, note], [tokenIds[1], 'not-executed', by, undefined]]);
    const verified = await verifyResolution(resolutions[0]!.body.statement, { trustRoot: world.trustRoot, now: new Date(), tokenId: tokenIds[0]!, outcome: 'executed' });
    expect(verified.payload).toMatchObject({ approver: world.approvers.get('manager')!.keyId, role: 'manager', tokenId: tokenIds[0], outcome: 'executed', note });

    // Resolved already, or never a release: the authority knows no such unfinished release.
    for (const tokenId of [tokenIds[0]!, 'tok_never_released']) {
      const unknown = await resolve(tokenId, { url: h.authority.url, outcome: 'executed', key: manager, role: 'manager' });
      expect(unknown.code, tokenId).toBe(1);
      expect(unknown.stderr).toBe(`writ unfinished resolve: ${tokenId} is no unfinished release of the authority (never one, or resolved already) [ERR_FIREWALL_TOKEN_UNKNOWN]\n`);
    }
  });

  it('exits 2 on usage errors with a stable code, before anything is sent', async () => {
    const url = h.authority.url;
    const good: ResolveUnfinishedOptions = { url, outcome: 'executed', key: manager, role: 'manager' };
    mkdirSync(join(root, 'a-directory'), { recursive: true });
    writeFileSync(join(root, 'large.key'), 'x'.repeat(64 * 1024 + 1));
    writeFileSync(join(root, 'not-a-key.json'), JSON.stringify(world.trustRoot.toJSON()));
    const seed = world.seeds.get('manager')!;
    writeFileSync(join(root, 'mixed-up.key'), JSON.stringify({ keyId: world.approvers.get('security-officer')!.keyId, seed }));
    if (haveMkfifo) expect(spawnSync('mkfifo', [join(root, 'pipe.key')]).status).toBe(0);
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const cases: [string, ResolveUnfinishedOptions, RegExp][] = [
      ['tok_1', { ...good, url: undefined }, /--url URL is required .*\[ERR_USAGE\]$/u],
      ['tok_1', { ...good, url: 'authority.example' }, /--url: not a URL .*\[ERR_USAGE\]$/u],
      ['tok_1', { ...good, url: 'ftp://authority.example' }, /--url: the authority URL must be http\(s\) \[ERR_USAGE\]$/u],
      ['tok_1', { ...good, url: `http://maria:pw@127.0.0.1:1` }, /must not carry credentials, a query or a fragment \[ERR_USAGE\]$/u],
      ['bad id', good, /TOKEN_ID: expected 1-128 characters .*\[ERR_USAGE\]$/u],
      ['tok_1', { ...good, outcome: undefined }, /--outcome: expected executed or not-executed .*\[ERR_USAGE\]$/u],
      ['tok_1', { ...good, outcome: 'done' }, /--outcome: expected executed or not-executed .*\[ERR_USAGE\]$/u],
      ['tok_1', { ...good, key: undefined }, /--key FILE is required .*\[ERR_USAGE\]$/u],
      ['tok_1', { ...good, role: undefined }, /--role ROLE is required .*\[ERR_USAGE\]$/u],
      ['tok_1', { ...good, note: '' }, /--note: give what was checked.*\[ERR_USAGE\]$/u],
      ['tok_1', { ...good, note: 'n'.repeat(4097) }, /cannot sign the resolution: --note: at most 4096 characters \[ERR_USAGE\]$/u],
      ['tok_1', { ...good, env: {} }, /set WRIT_AUTHORITY_TOKEN to an approver's token .*\[ERR_USAGE\]$/u],
      ['tok_1', { ...good, tokenEnv: 'NOT-A-NAME' }, /--token-env NOT-A-NAME: not an environment variable name \[ERR_USAGE\]$/u],
      ['tok_1', { ...good, key: 'missing.key' }, /--key missing\.key: cannot read the key file: no such file or directory \[ENOENT\]$/u],
      ['tok_1', { ...good, key: 'a-directory' }, /--key a-directory: cannot read the key file: is a directory, not a file \[EISDIR\]$/u],
      ['tok_1', { ...good, key: 'large.key' }, /--key large\.key: cannot read the key file: larger than 65536 bytes.* \[ERR_FILE_TOO_LARGE\]$/u],
      ['tok_1', { ...good, key: 'not-a-key.json' }, /--key not-a-key\.json: not a 32-byte base64url seed \(key file\) \[ERR_USAGE\]$/u],
      ['tok_1', { ...good, key: 'mixed-up.key' }, /--key mixed-up\.key: key id ".*" does not match the seed .*\[ERR_USAGE\]$/u],
      ...(haveMkfifo ? [['tok_1', { ...good, key: 'pipe.key' }, /--key pipe\.key: cannot read the key file: not a regular file \(a FIFO\) \[ERR_NOT_REGULAR_FILE\]$/u] as [string, ResolveUnfinishedOptions, RegExp]] : []),
      // The authority: another token than an approver's, and nothing listening.
      ['tok_1', { ...good, env: { WRIT_AUTHORITY_TOKEN: AGENT_TOKEN } }, /the authority refused the token \(HTTP 401\).* \[ERR_INVALID_ARGUMENT\]$/u],
      ['tok_1', { ...good, env: { OTHER: APPROVER_TOKEN, WRIT_AUTHORITY_TOKEN: AGENT_TOKEN }, tokenEnv: 'OTHER', url: closed }, /cannot reach the authority at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) \[ERR_STORE_IO\]$/u],
    ];
    for (const [tokenId, options, message] of cases) {
      const result = await resolve(tokenId, options);
      const name = `${tokenId} ${JSON.stringify(options).slice(0, 120)}`;
      expect(result.code, name).toBe(2);
      expect(result.stdout, name).toBe('');
      expect(result.stderr.trimEnd(), name).toMatch(/^writ unfinished resolve: [^\n]+$/u);
      expect(result.stderr.trimEnd(), name).toMatch(message);
      // The key material is never printed, whatever went wrong.
      expect(result.stderr, name).not.toContain(seed);
    }
    for (const [options, message] of [
      [{ url: undefined }, /--url URL is required .*\[ERR_USAGE\]$/u],
      [{ url, env: {} }, /set WRIT_AUTHORITY_TOKEN .*\[ERR_USAGE\]$/u],
      [{ url, env: { WRIT_AUTHORITY_TOKEN: 'not-a-configured-token-0001' } }, /refused the token \(HTTP 401\).* \[ERR_INVALID_ARGUMENT\]$/u],
      [{ url: closed }, /cannot reach the authority .*\(ECONNREFUSED\) \[ERR_STORE_IO\]$/u],
    ] as [UnfinishedCommonOptions, RegExp][]) {
      const result = await list(options);
      expect(result.code, JSON.stringify(options)).toBe(2);
      expect(result.stderr.trimEnd()).toMatch(message);
    }
    // Nothing reached the ledger.
    const transcript = await h.call({ method: 'GET', path: '/v1/transcript', token: APPROVER_TOKEN });
    expect((transcript.json.entries as string[]).filter((line) => line.includes('"release-resolved"'))).toHaveLength(2);
  });

  it('takes a token id that starts with a dash as it is, and refuses a mistyped option', async () => {
    // One token id in 64 starts with '-' (base64url): `resolve "$id"` must not read it as an option.
    const dashed = '-qVxjDHrnQKWHdY5Q54iLg';
    const parse = async (args: string[]) => {
      let stdout = '';
      let stderr = '';
      let code: number | undefined;
      const program = registerUnfinishedCommand(new Command().exitOverride().configureOutput({ writeErr: (text) => (stderr += text), writeOut: () => undefined }), {
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
        setExitCode: (value) => (code = value),
        cwd: root,
        interactive: false,
      });
      process.env.WRIT_UNFINISHED_TEST_TOKEN = APPROVER_TOKEN;
      try {
        await program.parseAsync(['unfinished', 'resolve', '--token-env', 'WRIT_UNFINISHED_TEST_TOKEN', ...args], { from: 'user' });
      } catch (error) {
        code = (error as { exitCode?: number }).exitCode;
      } finally {
        delete process.env.WRIT_UNFINISHED_TEST_TOKEN;
      }
      return { code, stdout, stderr };
    };
    const common = ['--url', h.authority.url, '--outcome', 'executed', '--key', manager, '--role', 'manager'];
    for (const args of [[dashed, ...common], [...common, dashed], [...common, '--', dashed]]) {
      const result = await parse(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toBe(`writ unfinished resolve: ${dashed} is no unfinished release of the authority (never one, or resolved already) [ERR_FIREWALL_TOKEN_UNKNOWN]\n`);
    }
    // commander's own usage error (main turns it into exit 2).
    const typo = await parse(['tok_1', ...common, '--rol', 'manager']);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toMatch(/unknown option '--rol'/u);
  });

  it('registers list and resolve with their options', () => {
    const program = registerUnfinishedCommand(new Command().exitOverride());
    const unfinished = program.commands.find((command) => command.name() === 'unfinished')!;
    const options = (name: string) => unfinished.commands.find((command) => command.name() === name)!.options.map((option) => option.long);
    expect(options('list')).toEqual(['--url', '--token-env', '--json']);
    expect(options('resolve')).toEqual(['--url', '--outcome', '--note', '--key', '--role', '--token-env', '--json']);
  });
});

describe('writ unfinished, answers that are not the route\'s', () => {
  const answering = (response: () => Response) => (() => Promise.resolve(response())) as unknown as typeof fetch;
  const options = { url: 'https://authority.test', outcome: 'executed', role: 'manager' } as const;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'writ-cli-unfinished-fake-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('exits 2 with ERR_STORE_IO, or the authority\'s code, and prints nothing the authority answered', async () => {
    const key = keyFile('k.key', toBase64Url(crypto.getRandomValues(new Uint8Array(32))));
    const secret = 'answer-text-never-printed';
    const cases: [() => Response, RegExp][] = [
      [() => new Response(secret, { status: 200 }), /is not JSON \[ERR_STORE_IO\]$/u],
      [() => Response.json({ tokenId: 'other', outcome: 'executed', by: 'x' }), /is not the resolution it recorded \[ERR_STORE_IO\]$/u],
      [() => new Response(secret, { status: 500 }), /answered HTTP 500 .*\[ERR_STORE_IO\]$/u],
      [() => Response.json({ error: { code: 'ERR_HTTP_NOT_FOUND', message: secret } }, { status: 404 }), /answered HTTP 404 .*\[ERR_HTTP_NOT_FOUND\]$/u],
      [() => Response.json({ error: { code: 'ERR_HTTP_BAD_REQUEST', message: secret, parameter: 'tokenId' } }, { status: 400 }), /answered HTTP 400 .*\[ERR_HTTP_BAD_REQUEST\]$/u],
      [() => Response.json({ error: { code: `ERR_${secret}` } }, { status: 422 }), /answered HTTP 422 .*\[ERR_STORE_IO\]$/u],
    ];
    for (const [response, message] of cases) {
      const result = await resolve('tok_1', { ...options, key, fetch: answering(response) });
      expect(result.code, String(message)).toBe(2);
      expect(result.stderr.trimEnd()).toMatch(message);
      expect(result.stderr).not.toContain(secret);
    }
    for (const body of [{ unfinished: [{ tokenId: 'tok_1' }], total: 1 }, { unfinished: [], total: -1 }, { unfinished: {} }, []]) {
      const result = await list({ url: options.url, fetch: answering(() => Response.json(body)) });
      expect(result.code, JSON.stringify(body)).toBe(2);
      expect(result.stderr).toBe("writ unfinished list: the authority's answer is not a list of unfinished releases [ERR_STORE_IO]\n");
    }
  });

  it('warns when the token would cross the network over plain http, and shows control characters of the answer escaped', async () => {
    const page = { unfinished: [{ tokenId: 'tok_1', callId: 'c1', sessionId: 's\u001b[2J', tool: 'refund\u202eissue', releasedSeq: 4 }], total: 3 };
    const result = await list({ url: 'http://authority.example', fetch: answering(() => Response.json(page)) });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^writ unfinished list: warning: http:\/\/authority\.example is plain http to another machine/u);
    expect(result.stdout).toBe('3 unfinished release(s) at http://authority.example, oldest first (the oldest 1 shown):\n  tok_1  tool refund\\u202eissue  session s\\u001b[2J  call c1  released at entry 4\n');
  });
});
