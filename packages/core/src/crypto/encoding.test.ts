import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WritError } from '../errors.ts';
import { bytesEqual, fromBase64, fromBase64Any, fromBase64Url, fromHex, fromUtf8, toBase64, toBase64Url, toHex, utf8 } from './encoding.ts';

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (WritError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('toHex / fromHex', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => {
        expect(fromHex(toHex(bytes))).toEqual(bytes);
      }),
    );
  });
  it('refuses odd length, uppercase and non-hex', () => {
    for (const text of ['a', 'AB', 'zz', ' 00']) expect(code(() => fromHex(text))).toBe('ERR_ENCODING_INVALID');
  });
  it('refuses wrong types with ERR_INVALID_ARGUMENT', () => {
    expect(code(() => fromHex(1 as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => toHex('00' as never))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('toBase64 / fromBase64 / toBase64Url / fromBase64Url / fromBase64Any', () => {
  it('round-trips any bytes in both alphabets and matches RFC 4648 §10', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => {
        expect(fromBase64(toBase64(bytes))).toEqual(bytes);
        expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
        expect(fromBase64Any(toBase64(bytes))).toEqual(bytes);
        expect(fromBase64Any(toBase64Url(bytes))).toEqual(bytes);
      }),
    );
    expect(toBase64(utf8('foobar'))).toBe('Zm9vYmFy');
    expect(toBase64(utf8('fo'))).toBe('Zm8=');
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
  });
  it('accepts unpadded standard base64 and exact padding only', () => {
    expect(fromBase64('Zm8')).toEqual(utf8('fo'));
    expect(code(() => fromBase64('Zm8=='))).toBe('ERR_ENCODING_INVALID');
    expect(code(() => fromBase64('Zg='))).toBe('ERR_ENCODING_INVALID');
  });
  it('refuses non-canonical trailing bits, bad characters and mixed alphabets', () => {
    for (const text of ['Zm9=', 'Zh==', 'Zm9v\n', 'Z', 'Zm+_', '####']) {
      expect(code(() => fromBase64Any(text))).toBe('ERR_ENCODING_INVALID');
    }
    expect(code(() => fromBase64Url('Zm+v'))).toBe('ERR_ENCODING_INVALID');
    expect(code(() => fromBase64('Zm-v'))).toBe('ERR_ENCODING_INVALID');
  });
  it('refuses wrong types with ERR_INVALID_ARGUMENT', () => {
    expect(code(() => fromBase64(null as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => fromBase64Url({} as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => toBase64([1] as never))).toBe('ERR_INVALID_ARGUMENT');
  });
  it('decodes a huge input', () => {
    const bytes = new Uint8Array(3_000_000).fill(7);
    expect(fromBase64(toBase64(bytes)).length).toBe(3_000_000);
  });
});

describe('utf8 / fromUtf8', () => {
  it('refuses invalid UTF-8', () => {
    expect(code(() => fromUtf8(Uint8Array.of(0xff)))).toBe('ERR_ENCODING_INVALID');
    expect(fromUtf8(utf8('é'))).toBe('é');
    expect(code(() => utf8(5 as never))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('bytesEqual', () => {
  it('compares length and content', () => {
    expect(bytesEqual(Uint8Array.of(1), Uint8Array.of(1))).toBe(true);
    expect(bytesEqual(Uint8Array.of(1), Uint8Array.of(2))).toBe(false);
    expect(bytesEqual(Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(false);
  });
});
