import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WritError } from '../errors.ts';
import { GENESIS_HASH, digestToHash, hashToDigest, parseEntry, sealEntry } from './entry.ts';
import { leafHash } from './merkle.ts';

const draft = { type: 'test-entry', time: '2026-01-01T00:00:00.000Z', body: { b: 2, a: [1, 'x'] } };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (WritError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('sealEntry', () => {
  it('writes the JCS entry and its RFC 6962 leaf hash', () => {
    const sealed = sealEntry({ draft, seq: 0, prev: GENESIS_HASH });
    expect(sealed.line).toBe(
      `{"body":{"a":[1,"x"],"b":2},"prev":"${GENESIS_HASH}","seq":0,"time":"2026-01-01T00:00:00.000Z","type":"test-entry"}`,
    );
    expect(sealed.hash).toBe(hashToDigest(leafHash(sealed.line)));
    expect(digestToHash(sealed.hash)).toEqual(leafHash(sealed.line));
  });

  it('round-trips through parseEntry for any JSON body', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.nat(), (body, seq) => {
        const sealed = sealEntry({
          draft: { type: 'x', time: '2026-01-01T00:00:00Z', body: body as never },
          seq,
          prev: GENESIS_HASH,
        });
        expect(parseEntry(sealed.line)).toMatchObject({ seq, prev: GENESIS_HASH, type: 'x' });
      }),
      { numRuns: 100 },
    );
  });

  it('rejects malformed drafts naming the field', () => {
    expect(
      codeOf(() =>
        sealEntry({ draft: { ...draft, type: 'Bad Type' }, seq: 0, prev: GENESIS_HASH }),
      ),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        sealEntry({ draft: { ...draft, time: '2026-01-01' }, seq: 0, prev: GENESIS_HASH }),
      ),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        sealEntry({ draft: { ...draft, body: [] as never }, seq: 0, prev: GENESIS_HASH }),
      ),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => sealEntry({ draft: null as never, seq: 0, prev: GENESIS_HASH }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => sealEntry({ draft, seq: -1, prev: GENESIS_HASH }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => sealEntry({ draft, seq: 0, prev: 'sha256:00' }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(
      codeOf(() =>
        sealEntry({ draft: { ...draft, body: { n: Number.NaN } }, seq: 0, prev: GENESIS_HASH }),
      ),
    ).toBe('ERR_CANONICAL_UNSUPPORTED');
  });
});

describe('parseEntry', () => {
  const line = sealEntry({ draft, seq: 3, prev: GENESIS_HASH }).line;
  it('refuses non-canonical, incomplete, extended and non-JSON lines with ERR_TRANSCRIPT_MALFORMED', () => {
    const parsed = JSON.parse(line);
    for (const bad of [
      JSON.stringify(parsed, null, 1),
      JSON.stringify({ ...parsed, extra: 1 }),
      JSON.stringify({ type: parsed.type, seq: parsed.seq }),
      line.replace('"seq":3', '"seq":3.5'),
      line.replace('"seq":3', '"seq":-3'),
      line.replace('"test-entry"', '"Test"'),
      line.replace(GENESIS_HASH, 'sha256:zz'),
      '{"__proto__":{},"body":{},"prev":"x","seq":0,"time":"t","type":"x"}',
      'not json',
      '[]',
      42,
      null,
    ]) {
      expect(codeOf(() => parseEntry(bad))).toBe('ERR_TRANSCRIPT_MALFORMED');
    }
  });
});
