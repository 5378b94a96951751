import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PrivateKey, createSigner, createTrustRoot, openTranscriptDirectory, toBase64Url, verifyTranscript } from '@writ/core';
import type { CommandContext } from '../cli-context.ts';
import { generateKeyFile } from '../lib/key-store.ts';
import { initAction } from './init.ts';
import { replayAction } from './replay.ts';
import { serveAction } from './serve.ts';
import { authorityConfigDir } from '@writ/authority/test-harness';

function context(cwd: string): CommandContext & { out: string[]; err: string[]; code: number | undefined } {
  const ctx = {
    out: [] as string[],
    err: [] as string[],
    code: undefined as number | undefined,
    stdout: (text: string) => ctx.out.push(text),
    stderr: (text: string) => ctx.err.push(text),
    setExitCode: (code: number) => (ctx.code = code),
    cwd,
    interactive: false,
  };
  return ctx;
}

describe('serveAction', () => {
  it('prints the sha256 of a bearer token for the config', async () => {
    const ctx = context(tmpdir());
    await serveAction({ hashToken: 'abcdefghijklmnop' }, ctx);
    expect(ctx.out.join('')).toBe(`${createHash('sha256').update('abcdefghijklmnop').digest('hex')}\n`);
    expect(ctx.code).toBeUndefined();
  });

  it('refuses to hash a token the authority would never accept (under 16 characters, spaces, non-ASCII)', async () => {
    for (const token of ['secret', 'fifteen-chars-x', 'sixteen chars ok', 'sixteen-chärs-ok', 'x'.repeat(513)]) {
      const ctx = context(tmpdir());
      await serveAction({ hashToken: token }, ctx);
      expect({ token, code: ctx.code, out: ctx.out.join('') }).toEqual({ token, code: 2, out: '' });
      expect(ctx.err.join('')).toContain('16 to 512 printable ASCII characters without spaces');
    }
  });

  it('exits 2 naming the problem when the config is missing or malformed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-serve-'));
    const missing = context(dir);
    expect(await serveAction({ config: 'nope.json' }, missing)).toBeUndefined();
    expect(missing.code).toBe(2);
    expect(missing.err.join('')).toMatch(/cannot be read \[ERR_INVALID_ARGUMENT\]/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ policy: [], trustRoot: 't', tools: 't' }));
    const bad = context(dir);
    await serveAction({ config: 'bad.json' }, bad);
    expect(bad.code).toBe(2);
    expect(bad.err.join('')).toMatch(/policy/);
  });

  it('starts the authority from a config file and stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-serve-'));
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const key = PrivateKey.fromSeed(seed);
    const signer = createSigner(key);
    const trustRoot = createTrustRoot({
      type: 'writ.trust-root/v1',
      version: 1,
      issuedAt: '2026-01-01T00:00:00Z',
      threshold: 1,
      keys: [{ keyId: signer.keyId, publicKey: toBase64Url(signer.publicKey), roles: ['root', 'authority', 'gateway', 'ledger'], owner: 'authority', validFrom: '2026-01-01T00:00:00Z', status: 'active' }],
    });
    writeFileSync(join(dir, 'trust-root.json'), JSON.stringify(trustRoot.toJSON()));
    writeFileSync(join(dir, 'tools.json'), JSON.stringify({ tools: [{ name: 'tickets_read', actionClass: 'A0', effects: ['read'], audience: 'self' }] }));
    const policies = new URL('../../../../policies/', import.meta.url).pathname;
    writeFileSync(join(dir, 'writ-authority.json'), JSON.stringify({ port: 0, trustRoot: 'trust-root.json', tools: 'tools.json', policy: [join(policies, 'writ'), join(policies, 'data.json')], dataDir: 'data', console: false }));
    process.env.WRIT_AUTHORITY_KEY = toBase64Url(seed);
    try {
      const ctx = context(dir);
      const close = await serveAction({}, ctx);
      expect(ctx.code).toBeUndefined();
      const url = /listening on (\S+)/.exec(ctx.err.join(''))![1]!;
      expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: 'ready' });
      expect(await (await fetch(`${url}/v1/trust-root`)).json()).toMatchObject({ version: 1 });
      await close!();
    } finally {
      delete process.env.WRIT_AUTHORITY_KEY;
    }
  });


  it('reads authorityKeyFile as writ init and writ keys generate write it ({ keyId, seed }), and still as a bare seed', async () => {
    expect(process.env.WRIT_AUTHORITY_KEY).toBeUndefined();
    const keysDir = mkdtempSync(join(tmpdir(), 'writ-serve-keys-'));
    const key = await generateKeyFile({ dir: keysDir, name: 'authority' });
    const dir = authorityConfigDir(key, join(keysDir, 'keys', 'authority.key'));
    const ctx = context(dir);
    const close = await serveAction({}, ctx);
    expect(ctx.err.join('')).not.toContain('cannot start');
    expect(ctx.code).toBeUndefined();
    const url = /listening on (\S+)/.exec(ctx.err.join(''))![1]!;
    expect(await (await fetch(`${url}/v1/trust-root`)).json()).toMatchObject({ version: 1 });
    await close!();
    // The bare seed the config reference documents (relative to the config file).
    writeFileSync(join(dir, 'authority.seed'), `${toBase64Url(key.exportSeed())}\n`);
    writeFileSync(join(dir, 'writ-authority.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'writ-authority.json'), 'utf8')), authorityKeyFile: 'authority.seed' }));
    const bare = context(dir);
    const closeBare = await serveAction({}, bare);
    expect(bare.code).toBeUndefined();
    await closeBare!();
  });

  it('refuses a key file whose key id is not its seed\'s, and one that cannot be read (exit 2)', async () => {
    const key = PrivateKey.generate();
    const other = PrivateKey.generate();
    const dir = authorityConfigDir(key, 'authority.key');
    writeFileSync(join(dir, 'authority.key'), `${JSON.stringify({ keyId: other.keyId, seed: toBase64Url(key.exportSeed()) })}\n`);
    const mismatch = context(dir);
    expect(await serveAction({}, mismatch)).toBeUndefined();
    expect(mismatch.code).toBe(2);
    expect(mismatch.err.join('')).toContain(`authorityKeyFile ${join(dir, 'authority.key')}: key id "${other.keyId}" does not match the seed (whose key id is ${key.keyId})`);
    const missing = context(authorityConfigDir(key, 'nope.key'));
    expect(await serveAction({}, missing)).toBeUndefined();
    expect(missing.code).toBe(2);
    expect(missing.err.join('')).toContain('nope.key cannot be read');
  });

  it('names the system error with its code when it cannot listen (a port in use: EADDRINUSE, exit 2)', async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'writ-serve-keys-'));
    const key = await generateKeyFile({ dir: keysDir, name: 'authority' });
    const first = context(authorityConfigDir(key, join(keysDir, 'keys', 'authority.key')));
    const close = await serveAction({}, first);
    try {
      const port = new URL(/listening on (\S+)/.exec(first.err.join(''))![1]!).port;
      const dir = authorityConfigDir(key, join(keysDir, 'keys', 'authority.key'));
      const config = join(dir, 'writ-authority.json');
      writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), port: Number(port) }));
      const second = context(dir);
      expect(await serveAction({}, second)).toBeUndefined();
      expect(second.code).toBe(2);
      expect(second.err.join('')).toMatch(/^writ serve: cannot start: .*address already in use.* \[EADDRINUSE\]\n$/);
    } finally {
      await close!();
    }
  });

  it('serves a writ init project with the minimal writ-authority.json of docs/cli.md, and the transcript it writes verifies', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-serve-init-'));
    const init = context(dir);
    await initAction({ env: {} }, init);
    expect(init.code).toBe(0);
    // As after `npm install @writ/policies`: the config loads npm:@writ/policies and the starter policy/.
    mkdirSync(join(dir, 'node_modules', '@writ'), { recursive: true });
    symlinkSync(fileURLToPath(new URL('../../../../policies', import.meta.url)), join(dir, 'node_modules', '@writ', 'policies'), 'dir');
    writeFileSync(join(dir, 'writ.tools.json'), JSON.stringify({ tools: [{ name: 'tickets_read', actionClass: 'A0', effects: ['read'], audience: 'self' }] }));
    const docs = readFileSync(fileURLToPath(new URL('../../../../docs/cli.md', import.meta.url)), 'utf8');
    const section = docs.slice(docs.indexOf('## writ serve'));
    const block = /```json\n([\s\S]*?)\n```/.exec(section)![1]!;
    const token = 'agent-token-0123456789';
    const config = { ...(JSON.parse(block.replace('<writ serve --hash-token TOKEN>', createHash('sha256').update(token).digest('hex'))) as { policy: string[] }), port: 0, console: false };
    writeFileSync(join(dir, 'writ-authority.json'), JSON.stringify(config));
    const served = context(dir);
    const close = await serveAction({}, served);
    expect(served.err.join('')).not.toContain('cannot start');
    const url = /listening on (\S+)/.exec(served.err.join(''))![1]!;
    try {
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(response.status, path).toBeLessThan(300);
        return (await response.json()) as Record<string, unknown>;
      };
      const { sessionId } = (await post('/v1/sessions', { principal: { id: 'user:alice', tenant: 'acme' } })) as { sessionId: string };
      await post(`/v1/sessions/${sessionId}/calls/c1/guard`, { tool: 'tickets_read', args: { id: 'T-1' } });
      await post(`/v1/sessions/${sessionId}/calls/c1/start`, { tool: 'tickets_read', args: { id: 'T-1' } });
      await post(`/v1/sessions/${sessionId}/calls/c1/finish`, { result: { subject: 'hello' } });
      await post(`/v1/sessions/${sessionId}/end`, {});
    } finally {
      await close!();
    }
    // Pinned to the trust root writ init wrote: checkpoints signed by a key with the ledger role.
    const trustRoot = createTrustRoot(JSON.parse(readFileSync(join(dir, '.writ', 'trust-root.json'), 'utf8')));
    const transcript = await openTranscriptDirectory(join(dir, 'writ-data'));
    const report = await verifyTranscript({ entries: transcript.entries, checkpoints: transcript.checkpoints, trustRoot });
    expect(report).toMatchObject({ valid: true });
    expect(report.checkpoints).toBeGreaterThan(0);
    // "policyInputs": true: the shadow run replays under the config's policy, from the owner-only log.
    expect(statSync(join(dir, 'writ-data', 'policy-inputs.jsonl')).mode & 0o777).toBe(0o600);
    const replayed = context(dir);
    await replayAction('writ-data', { policy: config.policy, json: true }, replayed);
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.out.join(''))).toMatchObject({ total: 1, drift: 0, counts: { same: 1 } });
  });

  it('stops with the dev launcher: SIGTERM to bin/writ.js alone reaches the CLI process, which releases writer.lock', { timeout: 60_000 }, async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'writ-serve-keys-'));
    const key = await generateKeyFile({ dir: keysDir, name: 'authority' });
    const dir = authorityConfigDir(key, join(keysDir, 'keys', 'authority.key'));
    const bin = fileURLToPath(new URL('../../bin/writ.js', import.meta.url));
    const launcher = spawn(process.execPath, [bin, 'serve', '-c', join(dir, 'writ-authority.json')], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WRIT_AUTHORITY_KEY: undefined } });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => launcher.on('exit', (code, signal) => done({ code, signal })));
    let stderr = '';
    let children: number[] = [];
    try {
      await new Promise<void>((ready, failed) => {
        launcher.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          if (stderr.includes('listening on')) ready();
        });
        void exited.then(() => failed(new Error(`writ serve ended before listening: ${stderr}`)));
      });
      expect(existsSync(join(dir, 'data', 'writer.lock'))).toBe(true);
      // The CLI process the launcher started (none when dist/ is built: it runs in-process).
      const found = spawnSync('pgrep', ['-P', String(launcher.pid)], { encoding: 'utf8' });
      children = found.stdout.split('\n').filter(Boolean).map(Number);
      if (!existsSync(fileURLToPath(new URL('../../dist/main.js', import.meta.url)))) expect(children).toHaveLength(1);
      launcher.kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
      for (const pid of children) expect(alive(pid)).toBe(false);
      expect(existsSync(join(dir, 'data', 'writer.lock'))).toBe(false);
    } finally {
      // Never leave a server behind when the test fails.
      for (const pid of children) if (alive(pid)) process.kill(pid, 'SIGKILL');
      if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
    }
  });
});

/** Is process `pid` still running (signal 0 probes without sending)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
