import { describe, expect, it } from 'vitest';
import { toBase64Url } from './encoding.ts';
import { parseKeyFile } from './key-file.ts';
import { PrivateKey } from './keys.ts';

const key = PrivateKey.fromSeed(new Uint8Array(32).fill(7));
const other = PrivateKey.fromSeed(new Uint8Array(32).fill(8));
const seed = toBase64Url(key.exportSeed());

/** `run` throws a WritError matching `expected`. */
function expectRefusal(run: () => unknown, expected: Record<string, unknown>): void {
  expect(run).toThrow(expect.objectContaining({ name: 'WritError', ...expected }));
}

const refused = (message: string) => ({ code: 'ERR_INVALID_ARGUMENT', message, details: { parameter: 'text' } });

describe('parseKeyFile', () => {
  it('reads the { keyId, seed } file writ init and writ keys generate write', () => {
    expect(parseKeyFile(`${JSON.stringify({ keyId: key.keyId, seed })}\n`, 'k').keyId).toBe(key.keyId);
    expect(parseKeyFile(`  ${JSON.stringify({ keyId: key.keyId, seed })}\r\n\t`, 'k').keyId).toBe(key.keyId);
  });

  it('reads a file without keyId by its seed', () => {
    expect(parseKeyFile(JSON.stringify({ seed }), 'k').keyId).toBe(key.keyId);
  });

  it('refuses a keyId that is not the seed’s (an edited or mixed-up file)', () => {
    expectRefusal(() => parseKeyFile(JSON.stringify({ keyId: other.keyId, seed }), 'ci.key'), refused(`ci.key: key id "${other.keyId}" does not match the seed (whose key id is ${key.keyId})`),);
    expectRefusal(() => parseKeyFile(JSON.stringify({ keyId: null, seed }), 'ci.key'), refused(`ci.key: key id null does not match the seed (whose key id is ${key.keyId})`),);
  });

  it.each(['', 'x', seed, '{', '{"seed":', 'A'.repeat(100_000)])('refuses text that is not JSON (%#)', (text) => {
    expectRefusal(() => parseKeyFile(text, 'f'), refused('f: not a key file (JSON { keyId, seed })'));
  });

  it.each([
    ['null', 'null'],
    ['{}', '{}'],
    ['an array', '[]'],
    ['a number', '1'],
    ['a JSON string', JSON.stringify(seed)],
    ['a seed that is not a string', JSON.stringify({ seed: 1 })],
    ['a seed that is not base64url', JSON.stringify({ keyId: key.keyId, seed: `${seed.slice(0, -1)}+` })],
    ['a 31-byte seed', JSON.stringify({ seed: toBase64Url(new Uint8Array(31)) })],
    ['a 33-byte seed', JSON.stringify({ seed: toBase64Url(new Uint8Array(33)) })],
    ['a polluting object', '{"__proto__":{"polluted":true},"seed":1}'],
  ])('refuses %s as not a seed', (_label, text) => {
    expectRefusal(() => parseKeyFile(text, 'f'), refused('f: not a 32-byte base64url seed (key file)'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never puts the seed into an error message', () => {
    expect(() => parseKeyFile(JSON.stringify({ keyId: other.keyId, seed }), 'f')).toThrow(expect.objectContaining({ message: expect.not.stringContaining(seed) }));
  });

  it('refuses its own malformed arguments with WritErrors naming them', () => {
    for (const text of [undefined, null, 1, {}, new Uint8Array(32)]) {
      expectRefusal(() => parseKeyFile(text as never, 'f'), { code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'text' } });
    }
    for (const source of [undefined, null, Symbol('s'), {}]) {
      expectRefusal(() => parseKeyFile('{}', source as never), { code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'source' } });
    }
  });
});
