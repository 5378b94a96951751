import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeLines } from './file-ledger-store.ts';

const joined = (lines: readonly string[]) => Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');

describe('encodeLines', () => {
  it('gives the bytes of the joined, newline-terminated lines (any text, including non-ASCII and lone surrogates)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 40 }), (lines) => {
        expect(encodeLines(lines.map((line) => ({ line })))).toEqual(joined(lines));
      }),
      { numRuns: 500 },
    );
  });

  it('known answers: empty batch, ASCII, multi-byte', () => {
    expect(encodeLines([])).toEqual(Buffer.alloc(0));
    expect(encodeLines([{ line: '{"a":1}' }, { line: '{}' }]).toString('utf8')).toBe('{"a":1}\n{}\n');
    expect([...encodeLines([{ line: 'é€😀' }])]).toEqual([0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0x0a]);
  });

  it('a large batch (past the large-object size) is byte-equal too', () => {
    const lines = Array.from({ length: 256 }, (_, i) => `{"seq":${i},"body":"${'x'.repeat(540)}é"}`);
    expect(encodeLines(lines.map((line) => ({ line })))).toEqual(joined(lines));
  });
});
