import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../canonical/canonicalize.ts';
import { isDigest } from '../crypto/digest.ts';
import { WritError } from '../errors.ts';
import type { JsonObject } from '../stores/types.ts';
import { GENESIS_HASH, digestMatchesHash, isEntryDigest, digestToHash, hashToDigest, parseEntry, sealEntry } from './entry.ts';
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
  it('writes exactly canonicalize() of the whole entry (the direct envelope serializer)', () => {
    const types = fc.stringMatching(/^[a-z][a-z0-9-]{0,63}$/);
    const times = fc
      .date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true })
      .map((date) => date.toISOString());
    const digests = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hashToDigest);
    fc.assert(
      fc.property(
        types,
        times,
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        digests,
        (type, time, body, seq, prev) => {
          const sealed = sealEntry({ draft: { type, time, body: body as JsonObject }, seq, prev });
          expect(sealed.line).toBe(canonicalize({ type, seq, time, prev, body }));
          expect(sealed.hash).toBe(hashToDigest(leafHash(canonicalize({ body, prev, seq, time, type }))));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses an unserializable body with the same error as canonicalizing the whole entry', () => {
    const body = { ok: 1, bad: { deep: Number.NaN } };
    let sealError: unknown;
    let wholeError: unknown;
    try {
      sealEntry({ draft: { ...draft, body }, seq: 3, prev: GENESIS_HASH });
    } catch (error) {
      sealError = error;
    }
    try {
      canonicalize({ type: draft.type, seq: 3, time: draft.time, prev: GENESIS_HASH, body });
    } catch (error) {
      wholeError = error;
    }
    expect(WritError.isInstance(sealError) && sealError.code).toBe('ERR_CANONICAL_UNSUPPORTED');
    expect((sealError as Error).message).toBe((wholeError as Error).message);
    expect((sealError as Error).message).toContain('$.body.bad.deep');
  });

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

describe('digestMatchesHash', () => {
  it('is exactly digest === hashToDigest(hash)', () => {
    const hashes = fc.uint8Array({ minLength: 32, maxLength: 32 });
    fc.assert(
      fc.property(hashes, hashes, fc.nat({ max: 70 }), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }), (hash, other, at, char) => {
        const digest = hashToDigest(hash);
        expect(digestMatchesHash(digest, hash)).toBe(true);
        expect(digestMatchesHash(hashToDigest(other), hash)).toBe(hashToDigest(other) === digest);
        // One character replaced (upper case hex, another digit, a non-ASCII char, the prefix).
        const mutated = digest.slice(0, at) + char + digest.slice(at + 1);
        expect(digestMatchesHash(mutated, hash)).toBe(mutated === digest);
        expect(digestMatchesHash(digest.toUpperCase(), hash)).toBe(false);
        expect(digestMatchesHash(`${digest}0`, hash)).toBe(false);
        expect(digestMatchesHash(digest.slice(1), hash)).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(digestMatchesHash(GENESIS_HASH, new Uint8Array(32))).toBe(true);
    expect(digestMatchesHash(GENESIS_HASH, new Uint8Array(31))).toBe(false);
  });
});

describe('isEntryDigest', () => {
  it('equals isDigest on digests, near-digests and arbitrary values', () => {
    const near = fc
      .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat({ max: 72 }), fc.string({ maxLength: 2, unit: 'binary' }))
      .map(([hash, at, text]) => {
        const digest = hashToDigest(hash);
        return digest.slice(0, at) + text + digest.slice(at + text.length);
      });
    fc.assert(
      fc.property(fc.oneof(near, fc.anything(), fc.string()), (value) => {
        expect(isEntryDigest(value)).toBe(isDigest(value));
      }),
      { numRuns: 5000 },
    );
  });
});
