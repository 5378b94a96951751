/**
 * Reading an HTTP answer from a party that is not trusted to be small or quick: a witness
 * (`submitCheckpoint`), an authority's transcript pages (`writ pull`).
 */
import { invalidArgument } from '../invalid-argument.ts';

/**
 * The body of `response` (a fetch Response, or a Request a server received), at most `maxBytes` bytes whatever its Content-Length says (a chunked
 * answer has none, and one that lies is read the same): the bytes, or `undefined` once the
 * body passes `maxBytes` (the rest is not read). Gives up when `signal` aborts — a `fetch`
 * whose body trickles must not keep the caller reading forever.
 * @throws `ERR_INVALID_ARGUMENT` (arguments), the signal's reason when it aborts, a `TypeError`
 *   from the stream.
 */
export async function readBodyCapped(response: Pick<Response, 'body'>, maxBytes: number, signal: AbortSignal): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (typeof response !== 'object' || response === null || !('body' in response)) throw invalidArgument('response', 'must be a fetch Response or Request');
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw invalidArgument('maxBytes', 'must be a non-negative integer');
  if (typeof signal !== 'object' || signal === null || typeof (signal as Partial<AbortSignal>).addEventListener !== 'function') throw invalidArgument('signal', 'must be an AbortSignal');
  const body = (response as { body: unknown }).body;
  if (body === null) return new Uint8Array(0);
  if (typeof (body as Partial<ReadableStream>).getReader !== 'function') throw invalidArgument('response', 'must be a fetch Response or Request');
  const reader = (body as ReadableStream<unknown>).getReader();
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  });
  aborted.catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const chunk: { readonly done: boolean; readonly value?: unknown } = await Promise.race([reader.read(), aborted]);
      if (chunk.done) break;
      const value = chunk.value;
      if (!(value instanceof Uint8Array)) throw new TypeError('answer body is not bytes');
      length += value.byteLength;
      if (length > maxBytes) return undefined;
      chunks.push(value);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}
