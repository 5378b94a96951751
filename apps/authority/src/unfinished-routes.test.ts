/**
 * The console's view of releases the authority found without an outcome: before these routes
 * the authority's firewall flagged them on open and nobody could see or close them over HTTP.
 * A resolution is a statement the approver signs with their own key (ADR 0039): the bearer
 * token alone, as a leaked console token would be, records nothing.
 * The crash is real: the authority runs as a child process (`main.ts`, as `writ serve` starts it)
 * and is killed with SIGKILL between a call's start and its finish.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { PrivateKey, createSigner, createTrustRoot, signApproval, signResolution, toBase64Url, verifyTranscript } from '@writ/core';
import type { ResolutionOutcome, Signer } from '@writ/core';
import { hashToken } from './credentials.ts';
import { AGENT_TOKEN, APPROVER_TOKEN, TOOLS, authorityConfigDir, startHarness } from './test-harness.ts';
import type { Harness } from './test-harness.ts';

const MAIN = new URL('./main.ts', import.meta.url).pathname;
const FROZEN = new Date('2026-06-01T00:00:00Z');

/** An authority process started from a config directory, and its log lines. */
interface Child {
  readonly process: ChildProcess;
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
}

const children: Child[] = [];
const harnesses: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    await child.exited;
  }
  for (const h of harnesses.splice(0)) await h.authority.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The approver `maria`'s own key (role `ops` in the config directory's trust root). */
const MARIA = createSigner(PrivateKey.generate());

/** A config directory with the support desk's tools, one agent and the approver `maria` (bearer token and key). */
function configDir(): string {
  const key = PrivateKey.generate();
  const dir = authorityConfigDir(key, 'authority.key');
  const trustRoot = JSON.parse(readFileSync(join(dir, 'trust-root.json'), 'utf8')) as { keys: unknown[] };
  trustRoot.keys.push({ keyId: MARIA.keyId, publicKey: toBase64Url(MARIA.publicKey), roles: ['approver'], approvalRoles: ['ops'], owner: 'maria', validFrom: '2026-01-01T00:00:00Z', status: 'active' });
  writeFileSync(join(dir, 'trust-root.json'), JSON.stringify(trustRoot));
  dirs.push(dir);
  writeFileSync(join(dir, 'authority.key'), JSON.stringify({ keyId: key.keyId, seed: toBase64Url(key.exportSeed()) }), { mode: 0o600 });
  writeFileSync(join(dir, 'tools.json'), JSON.stringify(TOOLS));
  const config = JSON.parse(readFileSync(join(dir, 'writ-authority.json'), 'utf8')) as Record<string, unknown>;
  config.agents = [{ id: 'support-agent', tokenSha256: hashToken(AGENT_TOKEN) }];
  config.approvers = [{ id: 'maria', tokenSha256: hashToken(APPROVER_TOKEN) }];
  writeFileSync(join(dir, 'writ-authority.json'), JSON.stringify(config));
  return dir;
}

/** Start the authority of `dir` as its own process; resolves once it listens. */
async function startChild(dir: string): Promise<Child> {
  const child = spawn(process.execPath, ['--conditions=@writ/source', '--no-warnings=ExperimentalWarning', MAIN, join(dir, 'writ-authority.json')], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, INIT_CWD: dir } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs: Record<string, unknown>[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg === 'authority listening') resolve(entry.url as string);
      if (entry.msg === 'cannot start') reject(new Error(line));
    });
    void exited.then((code) => reject(new Error(`the authority exited (${code})`)));
  });
  const started = { process: child, url, logs, exited };
  children.push(started);
  return started;
}

/** An HTTP call with a bearer token and a JSON body. */
async function call(options: { url: string; method?: string; path: string; token?: string; body?: unknown }): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${options.url}${options.path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: { ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const list = (url: string) => call({ url, path: '/v1/console/unfinished', token: APPROVER_TOKEN });
const resolve = (url: string, tokenId: string, body: unknown) => call({ url, path: `/v1/console/unfinished/${tokenId}/resolve`, token: APPROVER_TOKEN, body });
/** `{ statement }`: a resolution of `tokenId` signed with `signer` (maria's key by default) now. */
const signed = (options: { tokenId: string; outcome: ResolutionOutcome; note?: string; signer?: Signer; role?: string; now?: Date }) => ({
  statement: signResolution({ signer: options.signer ?? MARIA, role: options.role ?? 'ops', tokenId: options.tokenId, outcome: options.outcome, ...(options.note === undefined ? {} : { note: options.note }), now: options.now ?? new Date() }).envelope,
});

describe('GET /v1/console/unfinished, POST /v1/console/unfinished/:tokenId/resolve', () => {
  it('answer only the console\'s approvers: no token or an agent\'s token is refused, as on the inbox', async () => {
    const h = await startHarness({ clock: () => FROZEN });
    harnesses.push(h);
    for (const token of [undefined, AGENT_TOKEN, 'not-a-configured-token-0001']) {
      const listed = await h.call({ method: 'GET', path: '/v1/console/unfinished', ...(token === undefined ? {} : { token }) });
      expect(listed, String(token)).toMatchObject({ status: 401, json: { error: { code: 'ERR_HTTP_UNAUTHENTICATED' } } });
      const resolved = await h.call({ path: '/v1/console/unfinished/tok_1/resolve', body: signed({ tokenId: 'tok_1', outcome: 'executed', signer: h.world.approvers.get('manager')!, role: 'manager', now: FROZEN }), ...(token === undefined ? {} : { token }) });
      expect(resolved, String(token)).toMatchObject({ status: 401, json: { error: { code: 'ERR_HTTP_UNAUTHENTICATED' } } });
    }
    expect(await h.call({ method: 'GET', path: '/v1/console/unfinished', token: APPROVER_TOKEN })).toEqual({ status: 200, json: { unfinished: [], total: 0 } });
    // Nothing unfinished: a valid signed resolution names no release.
    const manager = { signer: h.world.approvers.get('manager')!, role: 'manager', now: FROZEN };
    expect(await h.call({ path: '/v1/console/unfinished/tok_1/resolve', token: APPROVER_TOKEN, body: signed({ tokenId: 'tok_1', outcome: 'executed', ...manager }) })).toMatchObject({ status: 404, json: { error: { code: 'ERR_FIREWALL_TOKEN_UNKNOWN' } } });
    // Nothing was written for the refusals.
    const transcript = await h.call({ method: 'GET', path: '/v1/transcript', token: APPROVER_TOKEN });
    expect((transcript.json.entries as string[]).filter((line) => line.includes('release-resolved'))).toEqual([]);
  });

  it('refuses a body without a signed statement with 400 naming the field, and a body over maxBodyBytes with 413', async () => {
    const h = await startHarness({ clock: () => FROZEN, limits: { maxBodyBytes: 1024 } });
    harnesses.push(h);
    const post = (path: string, body: unknown) => h.call({ path, token: APPROVER_TOKEN, body });
    const path = '/v1/console/unfinished/tok_1/resolve';
    const cases: [unknown, string][] = [
      [{}, 'statement'],
      // What the route took before signed resolutions: the bearer token alone no longer resolves.
      [{ outcome: 'executed' }, 'statement'],
      [{ outcome: 'not-executed', note: 'checked the bank' }, 'statement'],
      [{ statement: 'signed' }, 'statement'],
      [{ statement: [] }, 'statement'],
      [{ statement: null }, 'statement'],
      // Outcome, note and resolver come from the statement, never beside it.
      [{ statement: {}, outcome: 'executed' }, 'outcome'],
      [{ statement: {}, note: 'n' }, 'note'],
      [{ statement: {}, by: 'someone-else' }, 'by'],
      [[], 'body'],
    ];
    for (const [body, parameter] of cases) {
      expect(await post(path, body), JSON.stringify(body).slice(0, 80)).toMatchObject({ status: 400, json: { error: { code: 'ERR_HTTP_BAD_REQUEST', parameter } } });
    }
    expect(await post('/v1/console/unfinished/bad%20id/resolve', signed({ tokenId: 'tok_1', outcome: 'executed' }))).toMatchObject({ status: 400, json: { error: { code: 'ERR_HTTP_BAD_REQUEST', parameter: 'tokenId' } } });
    expect(await post(path, '{"statement":')).toMatchObject({ status: 400, json: { error: { code: 'ERR_HTTP_BAD_JSON' } } });
    expect(await h.call({ path, token: APPROVER_TOKEN, body: 'statement=x', headers: { 'content-type': 'text/plain' } })).toMatchObject({ status: 415, json: { error: { code: 'ERR_HTTP_CONTENT_TYPE' } } });
    expect(await post(path, { statement: { payload: 'p'.repeat(2000) } })).toMatchObject({ status: 413, json: { error: { code: 'ERR_HTTP_BODY_TOO_LARGE' } } });
  });

  it('refuses a statement that does not verify with 422 and its stable code, before looking for the release', async () => {
    const h = await startHarness({ clock: () => FROZEN });
    harnesses.push(h);
    const manager = { signer: h.world.approvers.get('manager')!, role: 'manager', now: FROZEN };
    const path = '/v1/console/unfinished/tok_1/resolve';
    const approval = signApproval({ ...manager, intent: `sha256:${'a'.repeat(64)}`, policy: { digest: `sha256:${'b'.repeat(64)}`, rule: 'r' } }).envelope;
    const cases: [string, unknown, string][] = [
      ['an approval presented as a resolution', { statement: approval }, 'ERR_APPROVAL_MALFORMED'],
      ['a resolution of another token', signed({ tokenId: 'tok_2', outcome: 'executed', ...manager }), 'ERR_APPROVAL_TOKEN_MISMATCH'],
      ['a key the trust root does not know', signed({ tokenId: 'tok_1', outcome: 'executed', ...manager, signer: h.world.outsider }), 'ERR_APPROVAL_SIGNER_INVALID'],
      ['the authority key (not an approver)', signed({ tokenId: 'tok_1', outcome: 'executed', ...manager, signer: h.world.authority }), 'ERR_APPROVAL_SIGNER_INVALID'],
      ['a role the key does not hold', signed({ tokenId: 'tok_1', outcome: 'executed', ...manager, role: 'finance-manager' }), 'ERR_APPROVAL_SIGNER_INVALID'],
      ['an expired one', signed({ tokenId: 'tok_1', outcome: 'executed', ...manager, now: new Date(FROZEN.getTime() - 3_600_000) }), 'ERR_APPROVAL_EXPIRED'],
      ['one dated in the future', signed({ tokenId: 'tok_1', outcome: 'executed', ...manager, now: new Date(FROZEN.getTime() + 3_600_000) }), 'ERR_APPROVAL_NOT_YET_VALID'],
    ];
    for (const [name, body, code] of cases) {
      expect(await h.call({ path, token: APPROVER_TOKEN, body }), name).toMatchObject({ status: 422, json: { error: { code } } });
    }
    const good = signed({ tokenId: 'tok_1', outcome: 'executed', ...manager }).statement;
    const tampered = { ...good, payload: good.payload.replace(/.$/u, (last) => (last === 'A' ? 'B' : 'A')) };
    expect((await h.call({ path, token: APPROVER_TOKEN, body: { statement: tampered } })).status).toBe(422);
  });

  it('lists the release a crash left between start and finish; a signed resolution takes it out for good, recorded with the approver\'s key as resolver and the statement with it', async () => {
    const dir = configDir();
    const first = await startChild(dir);
    const agent = (path: string, body: unknown) => call({ url: first.url, path, token: AGENT_TOKEN, body });
    expect((await agent('/v1/sessions', { sessionId: 'sess-crash', principal: { id: 'user:dana', roles: ['support'], tenant: 'acme' } })).status).toBe(201);
    await agent('/v1/sessions/sess-crash/basis', { kind: 'system-prompt', text: 'You are the support agent of Acme.' });
    await agent('/v1/sessions/sess-crash/basis', { kind: 'user-turn', text: 'Order 4417 arrived broken, please refund 60 EUR.' });
    const refund = { tool: 'refund_issue', args: { order: '4417', amount: 60 } };
    const guarded = await agent('/v1/sessions/sess-crash/calls/c1/guard', refund);
    const guard = guarded.json.guard as { verdict: string; tokenId: string };
    expect(guard.verdict).toBe('execute');
    // The gateway admitted it and the agent is running the refund when the authority dies.
    expect((await agent('/v1/sessions/sess-crash/calls/c1/start', refund)).json.phase).toBe('run');
    expect((await list(first.url)).json).toEqual({ unfinished: [], total: 0 });
    first.process.kill('SIGKILL');
    await first.exited;

    const second = await startChild(dir);
    const listed = await list(second.url);
    const releasedSeq = (listed.json.unfinished as { releasedSeq?: unknown }[] | undefined)?.[0]?.releasedSeq;
    expect(listed).toEqual({ status: 200, json: { unfinished: [{ tokenId: guard.tokenId, callId: 'c1', sessionId: 'sess-crash', tool: 'refund_issue', releasedSeq: expect.any(Number) }], total: 1 } });
    // The bearer token alone, as before signed resolutions: refused, nothing recorded.
    expect(await resolve(second.url, guard.tokenId, { outcome: 'not-executed' })).toMatchObject({ status: 400, json: { error: { parameter: 'statement' } } });
    expect((await list(second.url)).json.total).toBe(1);

    const note = 'refund rf-4417 is in the payment provider\'s log';
    const by = `approver:${MARIA.keyId} as ops`;
    const statement = signed({ tokenId: guard.tokenId, outcome: 'executed', note });
    expect(await resolve(second.url, guard.tokenId, statement)).toEqual({ status: 200, json: { tokenId: guard.tokenId, outcome: 'executed', by } });
    expect((await list(second.url)).json).toEqual({ unfinished: [], total: 0 });
    expect(await resolve(second.url, guard.tokenId, signed({ tokenId: guard.tokenId, outcome: 'not-executed' }))).toMatchObject({ status: 404, json: { error: { code: 'ERR_FIREWALL_TOKEN_UNKNOWN' } } });
    // Logged with who (the signed-in approver and the verified key) and what; the note is the transcript's, not the log's.
    const logged = second.logs.filter((entry) => entry.msg === 'release resolved');
    expect(logged).toEqual([expect.objectContaining({ approver: 'maria', by, tokenId: guard.tokenId, sessionId: 'sess-crash', callId: 'c1', tool: 'refund_issue', outcome: 'executed', requestId: expect.any(String) })]);
    expect(JSON.stringify(second.logs)).not.toContain('payment provider');
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const third = await startChild(dir);
    expect((await list(third.url)).json).toEqual({ unfinished: [], total: 0 });
    expect((await resolve(third.url, guard.tokenId, signed({ tokenId: guard.tokenId, outcome: 'executed' }))).status).toBe(404);
    const transcript = await call({ url: third.url, path: '/v1/transcript', token: APPROVER_TOKEN });
    const entries = (transcript.json.entries as string[]).map((line) => JSON.parse(line) as { type: string; body: Record<string, unknown> });
    expect(entries.filter((e) => e.type === 'release-unfinished').map((e) => e.body.tokenId)).toEqual([guard.tokenId]);
    expect(entries.filter((e) => e.type === 'release-resolved').map((e) => e.body)).toEqual([{ tokenId: guard.tokenId, sessionId: 'sess-crash', callId: 'c1', tool: 'refund_issue', releasedSeq, outcome: 'executed', by, note, statement: statement.statement }]);
    const trustRoot = createTrustRoot(JSON.parse(readFileSync(join(dir, 'trust-root.json'), 'utf8')));
    expect((await verifyTranscript({ entries: transcript.json.entries as string[], checkpoints: transcript.json.checkpoints as string[], trustRoot })).valid).toBe(true);
  });
});
