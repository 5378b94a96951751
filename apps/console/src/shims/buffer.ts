/**
 * core's transcript/entry.ts converts digests with the Node `Buffer` global (hex only).
 * The browser has no Buffer: this installs the two conversions it uses, built on core's
 * own hex codec. It is installed after every module has loaded, so core's encoding module
 * (which looks for Buffer once, at load) keeps its own browser code path.
 */
import { fromHex, toHex } from '@writ/core';

class HexBuffer extends Uint8Array {
  static override from(value: unknown, offsetOrEncoding?: unknown, length?: unknown): HexBuffer {
    if (typeof value === 'string' && offsetOrEncoding === 'hex') return new HexBuffer(fromHex(value));
    if (value instanceof ArrayBuffer && typeof offsetOrEncoding === 'number' && typeof length === 'number') return new HexBuffer(new Uint8Array(value, offsetOrEncoding, length));
    throw new Error('Buffer shim: only hex conversions are available in the browser');
  }

  override toString(encoding?: string): string {
    if (encoding !== 'hex') throw new Error('Buffer shim: only hex conversions are available in the browser');
    return toHex(this);
  }
}

/** Install the shim when the runtime has no Buffer. */
export function installBufferShim(): void {
  const global = globalThis as { Buffer?: unknown };
  global.Buffer ??= HexBuffer;
}
