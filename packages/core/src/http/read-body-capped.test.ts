import { describe, expect, it } from 'vitest';
import { readBodyCapped } from './read-body-capped.ts';

const never = new AbortController().signal;
const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));

function trickle(parts: string[], endless = false): Response {
  let i = 0;
  return new Response(new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < parts.length) controller.enqueue(new TextEncoder().encode(parts[i++]));
      else if (!endless) controller.close();
      else return new Promise(() => undefined);
      return undefined;
    },
  }));
}

describe('readBodyCapped', () => {
  it('reads a body up to and at the cap, and stops once it passes it (chunked, no Content-Length)', async () => {
    expect(text(await readBodyCapped(trickle(['ab', 'cd']), 4, never))).toBe('abcd');
    expect(await readBodyCapped(trickle(['ab', 'cd', 'e']), 4, never)).toBeUndefined();
    expect(text(await readBodyCapped(new Response(null), 0, never))).toBe('');
    // A declared length does not matter: what arrives does.
    expect(await readBodyCapped(new Response('x'.repeat(10), { headers: { 'content-length': '1' } }), 5, never)).toBeUndefined();
  });

  it('gives up when the signal aborts, even on a body that never ends', async () => {
    const controller = new AbortController();
    const reading = readBodyCapped(trickle(['a'], true), 100, controller.signal);
    controller.abort(new Error('too slow'));
    await expect(reading).rejects.toThrow('too slow');
    const done = new AbortController();
    done.abort();
    await expect(readBodyCapped(trickle(['a'], true), 100, done.signal)).rejects.toThrow();
  });

  it('refuses what is not a response, a size or a signal with ERR_INVALID_ARGUMENT', async () => {
    for (const [response, max, signal] of [[null, 1, never], [{}, 1, never], [{ body: {} }, 1, never], [new Response('x'), -1, never], [new Response('x'), 1.5, never], [new Response('x'), 1, {}]] as const) {
      await expect(readBodyCapped(response as never, max, signal as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
  });
});
