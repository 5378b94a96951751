import { spawnSync } from 'node:child_process';
import { truncate } from 'node:fs/promises';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWritError } from '../errors.ts';
import type { FirewallPolicy } from '../firewall/firewall-options.ts';
import { POLICY_INPUTS_FILE, openPolicyInputLog, parsePolicyInputLog, readPolicyInputLog, recordPolicyInputs } from './policy-input-log.ts';

const input = (callId: string, extra: Record<string, unknown> = {}) => ({ context: { session: 's1', callId }, action: { intent: `sha256:${callId}`, args: { note: 'secret' } }, ...extra });
const record = (callId: string) => ({ sessionId: 's1', callId, intentDigest: `sha256:${callId}`, policyDigest: 'sha256:abc', input: input(callId) });

function doubles(): { async: FirewallPolicy; sync: FirewallPolicy; seen: unknown[] } {
  const seen: unknown[] = [];
  return {
    seen,
    async: { digest: 'sha256:abc', evaluate: (i) => (seen.push(i), Promise.resolve({ decision: 'allow' })) },
    sync: { digest: 'sha256:abc', evaluate: () => Promise.reject(new Error('unused')), evaluateSync: (i) => (seen.push(i), { decision: 'allow' }) },
  };
}

const fresh = () => join(mkdtempSync(join(tmpdir(), 'writ-policy-inputs-')), POLICY_INPUTS_FILE);
const mode = (file: string) => statSync(file).mode & 0o777;

describe('recordPolicyInputs', () => {
  it('rejects what is not a policy and a missing file', () => {
    expect(() => recordPolicyInputs(null as never, { file: 'x' })).toThrow(/policy must be a firewall policy/);
    expect(() => recordPolicyInputs(doubles().async, { file: 42 as never })).toThrow(/file must be a file path/);
    expect(() => recordPolicyInputs(doubles().async, null as never)).toThrow(/options must be an object/);
  });

  it('logs each input with its key before evaluating, keeps the digest, and creates the file owner-only', async () => {
    const file = fresh();
    const { async, sync, seen } = doubles();
    const policy = recordPolicyInputs(async, { file });
    expect(policy.digest).toBe('sha256:abc');
    await policy.evaluate(input('c1'));
    await policy.evaluate('ignored: not an input');
    recordPolicyInputs(sync, { file }).evaluateSync!(input('c2'));
    expect(seen).toHaveLength(3);
    expect(parsePolicyInputLog(readFileSync(file, 'utf8'))).toEqual([record('c1'), record('c2')]);
    expect(mode(file)).toBe(0o600);
  });

  it('fails the evaluation with ERR_STORE_IO when the line cannot be written (the firewall then denies)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-policy-inputs-'));
    const { async, sync, seen } = doubles();
    await expect(recordPolicyInputs(async, { file: dir }).evaluate(input('c1'))).rejects.toMatchObject({ code: 'ERR_STORE_IO' });
    expect(() => recordPolicyInputs(sync, { file: dir }).evaluateSync!(input('c1'))).toThrow(expect.objectContaining({ code: 'ERR_STORE_IO' }));
    expect(seen).toEqual([]);
  });

  it('never writes through a symlink planted at the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-policy-inputs-'));
    writeFileSync(join(dir, 'elsewhere'), '');
    symlinkSync(join(dir, 'elsewhere'), join(dir, POLICY_INPUTS_FILE));
    await expect(recordPolicyInputs(doubles().async, { file: join(dir, POLICY_INPUTS_FILE) }).evaluate(input('c1'))).rejects.toMatchObject({ code: 'ERR_STORE_IO' });
    expect(readFileSync(join(dir, 'elsewhere'), 'utf8')).toBe('');
  });
});

describe('openPolicyInputLog', () => {
  it('creates the file 0600 in a new 0700 folder, appends synchronously, syncs and closes', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'writ-policy-inputs-')), 'data', POLICY_INPUTS_FILE);
    const synced: unknown[] = [];
    const log = await openPolicyInputLog({ file, policy: doubles().sync, syncEveryMs: 5, onSyncError: (e) => synced.push(e) });
    expect(log.droppedTailBytes).toBe(0);
    expect(mode(file)).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    log.policy.evaluateSync!(input('c1'));
    // On disk before the evaluation returns: a process crash right after loses nothing.
    expect(parsePolicyInputLog(readFileSync(file, 'utf8'))).toEqual([record('c1')]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    log.policy.evaluateSync!(input('c2'));
    await log.close();
    await log.close();
    expect(synced).toEqual([]);
    expect(parsePolicyInputLog(readFileSync(file, 'utf8'))).toEqual([record('c1'), record('c2')]);
  });

  it('narrows a wider file to 0600 and removes an incomplete last line left by a crash', async () => {
    const file = fresh();
    writeFileSync(file, `${JSON.stringify(record('c1'))}\n${JSON.stringify(record('c2')).slice(0, 40)}\0\0\0`);
    chmodSync(file, 0o644);
    const log = await openPolicyInputLog({ file, policy: doubles().sync });
    expect(mode(file)).toBe(0o600);
    expect(log.droppedTailBytes).toBe(43);
    log.policy.evaluateSync!(input('c3'));
    await log.close();
    expect(parsePolicyInputLog(readFileSync(file, 'utf8'))).toEqual([record('c1'), record('c3')]);
    // A file holding only a torn line is emptied.
    writeFileSync(file, '{"sessionId":');
    expect((await openPolicyInputLog({ file, policy: doubles().sync })).droppedTailBytes).toBe(13);
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('creates the log anew after it was moved away (rotation), owner-only', async () => {
    const file = fresh();
    const log = await openPolicyInputLog({ file, policy: doubles().sync, syncEveryMs: 1 });
    log.policy.evaluateSync!(input('c1'));
    renameSync(file, `${file}.1`);
    log.policy.evaluateSync!(input('c2'));
    await log.close();
    expect(mode(file)).toBe(0o600);
    expect(parsePolicyInputLog(readFileSync(file, 'utf8'))).toEqual([record('c2')]);
    expect(parsePolicyInputLog(readFileSync(`${file}.1`, 'utf8'))).toEqual([record('c1')]);
  });

  it('refuses bad options and a path that is not a regular file, with stable codes', async () => {
    const policy = doubles().sync;
    const dir = mkdtempSync(join(tmpdir(), 'writ-policy-inputs-'));
    const code = async (options: unknown) => openPolicyInputLog(options as never).then(() => 'opened', (e: unknown) => (isWritError(e) ? `${e.code} ${typeof e.details?.parameter === 'string' ? e.details.parameter : ''}`.trim() : String(e)));
    expect(await code(null)).toBe('ERR_INVALID_ARGUMENT options');
    expect(await code({ file: '', policy })).toBe('ERR_INVALID_ARGUMENT file');
    expect(await code({ file: join(dir, 'a'), policy: {} })).toBe('ERR_INVALID_ARGUMENT policy');
    expect(await code({ file: join(dir, 'a'), policy, syncEveryMs: 0 })).toBe('ERR_INVALID_ARGUMENT syncEveryMs');
    expect(await code({ file: join(dir, 'a'), policy, onSyncError: 1 })).toBe('ERR_INVALID_ARGUMENT onSyncError');
    mkdirSync(join(dir, 'folder'));
    expect(await code({ file: join(dir, 'folder'), policy })).toBe('ERR_STORE_IO');
    writeFileSync(join(dir, 'plain'), '');
    expect(await code({ file: join(dir, 'plain', 'below'), policy })).toBe('ERR_STORE_IO');
    symlinkSync(join(dir, 'plain'), join(dir, 'link'));
    expect(await code({ file: join(dir, 'link'), policy })).toBe('ERR_STORE_IO');
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });
});

describe('parsePolicyInputLog', () => {
  it('reads records in file order, skipping blank lines, trailing zeros and an incomplete last line', () => {
    const lines = [record('c1'), record('c2')].map((r) => JSON.stringify(r));
    expect(parsePolicyInputLog(`${lines[0]}\n\n${lines[1]}\n`)).toEqual([record('c1'), record('c2')]);
    expect(parsePolicyInputLog(`${lines[0]}\n${lines[1]!.slice(0, 30)}`)).toEqual([record('c1')]);
    expect(parsePolicyInputLog(`${lines[0]}\n\0\0\0`)).toEqual([record('c1')]);
    expect(parsePolicyInputLog(`${lines[0]}\n${lines[1]}`)).toEqual([record('c1'), record('c2')]);
  });

  it('refuses a line that is not JSON or whose key does not match its input, naming the line', () => {
    const good = JSON.stringify(record('c1'));
    const fail = (text: string) => {
      try {
        parsePolicyInputLog(text, 'log.jsonl');
      } catch (error) {
        return isWritError(error) ? `${error.code} ${error.message}` : String(error);
      }
      return 'parsed';
    };
    expect(fail(`nope\n${good}\n`)).toBe('ERR_POLICY_INPUT_INVALID log.jsonl:1: not JSON');
    expect(fail(`${good}\n${JSON.stringify({ ...record('c2'), callId: 'c9' })}\n`)).toBe('ERR_POLICY_INPUT_INVALID log.jsonl:2: not a policy-input record (its key must match its input)');
    expect(fail('{"__proto__":{"sessionId":"x"},"input":{}}\n')).toMatch(/^ERR_POLICY_INPUT_INVALID log.jsonl:1: not a policy-input record/);
    expect(fail('null\n')).toMatch(/not a policy-input record/);
    expect(fail(42 as never)).toBe('ERR_INVALID_ARGUMENT text must be a string');
  });
});

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO readPolicyInputLog test needs mkfifo (coreutils), which this platform lacks');

describe('readPolicyInputLog', () => {
  const read = async (file: string): Promise<unknown[]> => {
    const records: unknown[] = [];
    for await (const each of readPolicyInputLog(file)) records.push(each);
    return records;
  };
  const outcome = async (text: string): Promise<unknown> => {
    const file = fresh();
    writeFileSync(file, text);
    return read(file).catch((error: unknown) => (isWritError(error) ? { code: error.code, message: error.message.replace(file, 'log'), details: error.details } : error));
  };
  const parsed = (text: string): unknown => {
    try {
      return parsePolicyInputLog(text, 'log');
    } catch (error) {
      return isWritError(error) ? { code: error.code, message: error.message, details: error.details } : error;
    }
  };

  it('reads the records, skips and refusals parsePolicyInputLog gives for the same text', async () => {
    const [a, b] = [record('c1'), record('c2')].map((r) => JSON.stringify(r));
    // Lines across the 1 MiB read chunks, and one longer than a chunk.
    const long = JSON.stringify({ ...record('c3'), input: input('c3', { pad: 'p'.repeat(3 << 20) }) });
    const texts = [
      '', '\n', `${a}\n\n${b}\n`, `${a}\n${b!.slice(0, 30)}`, `${a}\n\0\0\0`, `${a}\n${b}`, `${a}\n${b}\0\0`,
      `nope\n${a}\n`, `${a}\n${JSON.stringify({ ...record('c2'), callId: 'c9' })}\n`, `${a}\n\0\0\n${b}\n`, `${a}\nnot json at the end`,
      `\ufeff${a}\n`, `${a}\0x\n${b}\n`, `${a}\0\0\n${b}\n`, `${a}\n${b}\0\0x`, `${a}\n\0\0${b}`, `${a}\n${b}\0\0\0\0\0\0`, `${a}\n   \0`, `${'x'.repeat((1 << 20) - 3)}\n${a}\n`, `${a}\n`.repeat(20_000), `${a}\n${long}\n${b}\n`, `${long}`,
    ];
    for (const text of texts) expect(await outcome(text)).toEqual(parsed(text));
  });

  it('refuses what is not a path or options at once', () => {
    expect(() => readPolicyInputLog('')).toThrow(/file must be a file path/);
    expect(() => readPolicyInputLog('x', null as never)).toThrow(/options must be an object/);
    expect(() => readPolicyInputLog('x', { source: 4 as never })).toThrow(/options.source must be a string/);
  });

  it('names the log by options.source in a refusal', async () => {
    const file = fresh();
    writeFileSync(file, 'nope\n');
    await expect(read(file)).rejects.toThrow(`${file}:1: not JSON`);
    const named: unknown[] = [];
    const error = await (async () => {
      for await (const each of readPolicyInputLog(file, { source: 'inputs' })) named.push(each);
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_POLICY_INPUT_INVALID', message: 'inputs:1: not JSON', details: { line: 1 } });
  });

  it('refuses a missing file, a directory and a link with codes a caller can tell apart', async () => {
    const file = fresh();
    await expect(read(file)).rejects.toMatchObject({ code: 'ERR_STORE_IO', details: { path: file, reason: 'ENOENT' } });
    mkdirSync(file);
    await expect(read(file)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind: 'directory' } });
    const target = fresh();
    writeFileSync(target, `${JSON.stringify(record('c1'))}\n`);
    const link = `${target}.link`;
    symlinkSync(target, link);
    await expect(read(link)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind: 'symbolic-link' } });
  });

  it('reads a huge sparse log without holding it: its zeros are not records', { timeout: 30_000 }, async () => {
    const file = fresh();
    writeFileSync(file, `${JSON.stringify(record('c1'))}\n`);
    await truncate(file, 64 << 20);
    expect(await read(file)).toEqual([record('c1')]);
  });

  it.skipIf(!haveMkfifo)('refuses a FIFO at once instead of waiting for a writer', { timeout: 5_000 }, async () => {
    const file = fresh();
    expect(spawnSync('mkfifo', [file]).status).toBe(0);
    await expect(read(file)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind: 'fifo' } });
  });
});
