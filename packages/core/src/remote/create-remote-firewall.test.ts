import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WritError } from '../errors.ts';
import { createRemoteFirewall } from './create-remote-firewall.ts';

const TOKEN = 'agent-token-0123456789';
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  server = undefined;
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const code = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    return WritError.isInstance(error) ? error.code : `raw:${String(error)}`;
  }
  return 'resolved';
};

describe('createRemoteFirewall', () => {
  it('rejects malformed options naming the parameter', () => {
    for (const bad of [undefined, null, 'x', { url: 'ftp://x', token: TOKEN }, { url: 'not a url', token: TOKEN }, { url: 'http://x', token: 'short' }, { url: 'http://x', token: TOKEN, timeoutMs: 0 }, { url: 'http://x', token: TOKEN, timeoutMs: 1.5 }, { url: 'http://x', token: TOKEN, fetch: 1 }, { url: 'http://x', token: `${TOKEN}\n` }]) {
      expect(() => createRemoteFirewall(bad as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }) as Error);
    }
  });

  it('fails closed with ERR_FIREWALL_TIMEOUT when the authority does not answer in time, and the tool never runs', async () => {
    let sessions = 0;
    const url = await listen((req, res) => {
      if (req.url === '/v1/sessions') {
        sessions += 1;
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sessionId: 's1' }));
      }
      // Every other request hangs.
    });
    const firewall = createRemoteFirewall({ url, token: TOKEN, timeoutMs: 200 });
    const session = await firewall.openSession({ principal: { id: 'p' }, agent: { id: 'a' } });
    expect(sessions).toBe(1);
    let ran = false;
    expect(await code(session.execute({ tool: 't', args: {}, callId: 'c1' }, () => (ran = true)))).toBe('ERR_FIREWALL_TIMEOUT');
    expect(await code(session.guard({ tool: 't', args: {}, callId: 'c2' }))).toBe('ERR_FIREWALL_TIMEOUT');
    expect(ran).toBe(false);
  });

  it('holds no unfinished releases: it lists none and refuses to resolve one (the authority found them, and resolves them)', async () => {
    const firewall = createRemoteFirewall({ url: 'http://127.0.0.1:9', token: TOKEN });
    expect(firewall.unfinished()).toEqual([]);
    await expect(firewall.resolveUnfinished('tok_1', { outcome: 'executed', by: 'ops' })).rejects.toMatchObject({ code: 'ERR_FIREWALL_TOKEN_UNKNOWN' });
  });

  it('fails closed when nothing listens', async () => {
    const url = await listen(() => undefined);
    server!.close();
    const firewall = createRemoteFirewall({ url, token: TOKEN, timeoutMs: 500 });
    expect(await code(firewall.openSession({ principal: { id: 'p' }, agent: { id: 'a' } }))).toBe('ERR_FIREWALL_TIMEOUT');
  });

  it('maps error answers to stable codes and keeps the firewall codes', async () => {
    const answers = [
      [409, { error: { code: 'ERR_FIREWALL_CALL_CONFLICT', message: 'conflict' } }, 'ERR_FIREWALL_CALL_CONFLICT'],
      [400, { error: { code: 'ERR_HTTP_BAD_REQUEST', message: 'bad' } }, 'ERR_INVALID_ARGUMENT'],
      [500, { error: { code: 'ERR_INTERNAL', message: 'x' } }, 'ERR_INTERNAL'],
      [200, 'not json', 'ERR_INTERNAL'],
      [200, [1, 2], 'ERR_INTERNAL'],
    ] as const;
    let next = 0;
    const url = await listen((_req, res) => {
      const [status, body] = answers[next++]!;
      res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
    });
    const firewall = createRemoteFirewall({ url, token: TOKEN, timeoutMs: 2000 });
    for (const [, , expected] of answers) expect(await code(firewall.openSession({ principal: { id: 'p' }, agent: { id: 'a' } }))).toBe(expected);
  });

  it('refuses ids that cannot be a path segment, and everything after close', async () => {
    const url = await listen((_req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sessionId: 's1' })));
    const firewall = createRemoteFirewall({ url, token: TOKEN });
    const session = await firewall.openSession({ principal: { id: 'p' }, agent: { id: 'a' } });
    expect(await code(session.guard({ tool: 't', args: {}, callId: '../../v1/approvals' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await code(firewall.rollback('../../v1/approvals'))).toBe('ERR_INVALID_ARGUMENT');
    expect(firewall.unfinished()).toEqual([]);
    await firewall.close();
    expect(await code(firewall.openSession({ principal: { id: 'p' }, agent: { id: 'a' } }))).toBe('ERR_FIREWALL_CLOSED');
  });

  it('runs the tool between start and finish and returns the receipt the authority wrote', async () => {
    const seen: string[] = [];
    const url = await listen((req, res, body) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      const json = (value: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.url === '/v1/sessions') return json({ sessionId: 's1' });
      if (req.url!.endsWith('/start')) return json({ phase: 'run', args: (JSON.parse(body) as { args: unknown }).args, token: null });
      const reported = JSON.parse(body) as { result?: unknown; error?: unknown };
      return json({ status: reported.error === undefined ? 'executed' : 'failed', receipt: { id: 'rcpt_1', status: reported.error === undefined ? 'succeeded' : 'failed' }, guard: { verdict: 'execute' } });
    });
    const firewall = createRemoteFirewall({ url, token: TOKEN });
    const session = await firewall.openSession({ principal: { id: 'p' }, agent: { id: 'a' } });
    const ok = await session.execute({ tool: 't', args: { n: 2 }, callId: 'c1' }, (args) => (args.n as number) * 21);
    expect(ok).toMatchObject({ status: 'executed', result: 42, receipt: { id: 'rcpt_1' } });
    const failed = await session.execute({ tool: 't', args: {}, callId: 'c2' }, () => {
      throw new RangeError('boom');
    });
    expect(failed).toMatchObject({ status: 'failed', receipt: { status: 'failed' } });
    expect((failed as { error: Error }).error).toBeInstanceOf(RangeError);
    expect(seen.every((line) => line.endsWith(`Bearer ${TOKEN}`))).toBe(true);
  });
});
