/**
 * Go's encoding/base64 decoder (non-strict), so errors name the same input byte Go
 * names: "illegal base64 data at input byte N". Padded and raw (unpadded) variants,
 * standard and URL alphabets; CR and LF are skipped as Go skips them.
 */
import { fail } from './failure.ts';

const standard = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const urlSafe = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function decodeMap(alphabet: string): Int16Array {
  const map = new Int16Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) map[alphabet.charCodeAt(i)] = i;
  return map;
}

const maps = { standard: decodeMap(standard), url: decodeMap(urlSafe) };

/** Which Go encoding to imitate. */
export interface Base64Variant {
  readonly alphabet: 'standard' | 'url';
  readonly padded: boolean;
}

const corrupt = (at: number): never => fail(`illegal base64 data at input byte ${at}`);
const isNewline = (c: number | undefined): boolean => c === 10 || c === 13;

/**
 * Decodes `text` (as bytes of its UTF-8 encoding) like Go's `Encoding.DecodeString`.
 * @throws BuiltinFailure "illegal base64 data at input byte N"
 */
export function goBase64Decode(text: string, variant: Base64Variant): Uint8Array {
  const src = Buffer.from(text, 'utf8');
  const map = maps[variant.alphabet];
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    const buf = [0, 0, 0, 0];
    let length = 4;
    let done = false;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Uint8Array.from(out);
        if (j === 1 || variant.padded) corrupt(si - j);
        length = j;
        done = true;
        break;
      }
      const c = src[si]!;
      si++;
      const value = map[c]!;
      if (value >= 0) {
        buf[j] = value;
        continue;
      }
      if (isNewline(c)) {
        j--;
        continue;
      }
      if (c !== 61 || !variant.padded) corrupt(si - 1);
      if (j < 2) corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) corrupt(src.length);
        if (src[si] !== 61) corrupt(si - 1);
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      if (si < src.length) corrupt(si);
      length = j;
      done = true;
      break;
    }
    const value = (buf[0]! << 18) | (buf[1]! << 12) | (buf[2]! << 6) | buf[3]!;
    const bytes = [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
    out.push(...bytes.slice(0, length - 1));
    if (done) break;
  }
  return Uint8Array.from(out);
}
