import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../canonical/canonicalize.ts';
import { isDigest } from '../crypto/digest.ts';
import { WritError } from '../errors.ts';
import type { JsonObject } from '../stores/types.ts';
import { GENESIS_HASH, assertEntryDraft, digestMatchesHash, isEntryDigest, digestToHash, hashToDigest, parseEntry, sealEntries, sealEntry } from './entry.ts';
import type { EntryDraft, Sha256Digest, StoredEntry } from '../stores/types.ts';
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

// What sealing a batch one entry at a time gives: the entries, or the error of the first
// that fails (code and message), plus the newline-terminated UTF-8 of the lines.
function sealOneByOne(drafts: readonly EntryDraft[], seq: number, prev: Sha256Digest): string {
  const entries: StoredEntry[] = [];
  try {
    for (const [i, entry] of drafts.entries()) {
      entries.push(sealEntry({ draft: entry, seq: seq + i, prev: entries.at(-1)?.hash ?? prev }));
    }
  } catch (error) {
    if (!WritError.isInstance(error)) throw error;
    return `${error.code} ${error.message}`;
  }
  const bytes = Buffer.from(entries.map((entry) => `${entry.line}\n`).join(''), 'utf8').toString('hex');
  return JSON.stringify({ entries, bytes });
}

function sealAsBatch(drafts: readonly EntryDraft[], seq: number, prev: Sha256Digest): string {
  try {
    const { entries, bytes } = sealEntries({ drafts, seq, prev });
    return JSON.stringify({ entries, bytes: Buffer.from(bytes).toString('hex') });
  } catch (error) {
    if (!WritError.isInstance(error)) throw error;
    return `${error.code} ${error.message}`;
  }
}

describe('sealEntries', () => {
  const types = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,63}$/), fc.constantFrom('x', 'Bad Type', '', 'a'.repeat(65)));
  const times = fc.oneof(
    fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true }).map((date) => date.toISOString()),
    fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01', '2026-02-30T00:00:00Z', 'not a time'),
  );
  const strings = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\n', '\ud800', 'é€😀'));
  const bodies = fc.oneof(
    { weight: 4, arbitrary: fc.dictionary(strings, fc.jsonValue()) },
    fc.dictionary(strings, fc.oneof(strings, fc.constantFrom(Number.NaN, undefined, 1n))),
    fc.constantFrom([], null, 'body'),
  );
  const drafts = fc.array(fc.record({ type: types, time: times, body: bodies }), { minLength: 0, maxLength: 12 });
  const digests = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hashToDigest);

  it('gives what sealing each draft in turn gives: the same entries, their UTF-8 lines, or the same first error', () => {
    fc.assert(
      fc.property(
        drafts,
        fc.oneof(fc.nat({ max: 1000 }), fc.constantFrom(Number.MAX_SAFE_INTEGER - 3, -1, 0.5)),
        fc.oneof({ weight: 5, arbitrary: digests }, fc.constantFrom('sha256:00', GENESIS_HASH.toUpperCase())),
        (batch, seq, prev) => {
          expect(sealAsBatch(batch as EntryDraft[], seq, prev as Sha256Digest)).toBe(
            sealOneByOne(batch as EntryDraft[], seq, prev as Sha256Digest),
          );
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('grows past its buffer: long and non-ASCII bodies, large batches', () => {
    const long = (n: number): EntryDraft => ({ type: 'x', time: '2026-01-01T00:00:00Z', body: { n, text: `é${'x'.repeat(40_000 * n)}😀` } });
    for (const batch of [[long(3)], [long(0), long(2), long(0)], Array.from({ length: 300 }, (_, n) => long(n % 2))]) {
      expect(sealAsBatch(batch, 5, GENESIS_HASH)).toBe(sealOneByOne(batch, 5, GENESIS_HASH));
    }
  });

  it('stays correct when a body getter seals another batch while it is being sealed', () => {
    const inner: EntryDraft[] = [{ type: 'inner', time: '2026-01-01T00:00:00Z', body: { i: 'x'.repeat(5000) } }];
    const innerResults: string[] = [];
    const body = {
      a: 1,
      get b() {
        innerResults.push(sealAsBatch(inner, 0, GENESIS_HASH));
        return 'y'.repeat(3000);
      },
    };
    const batch: EntryDraft[] = [
      { type: 'outer', time: '2026-01-01T00:00:00Z', body: { before: 'z'.repeat(7000) } },
      { type: 'outer', time: '2026-01-01T00:00:00Z', body },
      { type: 'outer', time: '2026-01-01T00:00:00Z', body: { after: 1 } },
    ];
    const plain = batch.map((entry, i) => (i === 1 ? { ...entry, body: { a: 1, b: 'y'.repeat(3000) } } : entry));
    expect(sealAsBatch(batch, 0, GENESIS_HASH)).toBe(sealOneByOne(plain, 0, GENESIS_HASH));
    expect(innerResults.length).toBeGreaterThan(0);
    for (const result of innerResults) expect(result).toBe(sealOneByOne(inner, 0, GENESIS_HASH));
  });
});

describe('assertEntryDraft', () => {
  it('refuses a bad type or time right after accepting a good one (the last accepted values are remembered)', () => {
    const good = { type: 'note', time: '2026-01-01T00:00:00Z', body: {} };
    for (const bad of [
      { ...good, type: 'Note' },
      { ...good, type: ['note'] },
      { ...good, time: '2026-01-01T00:00:00' },
      { ...good, time: undefined },
      { ...good, type: undefined },
    ]) {
      assertEntryDraft(good);
      expect(codeOf(() => assertEntryDraft(bad))).toBe('ERR_INVALID_ARGUMENT');
      assertEntryDraft(good);
    }
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
