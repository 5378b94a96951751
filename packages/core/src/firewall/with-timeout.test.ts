import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from './firewall-context.ts';

describe('withTimeout', () => {
  afterEach(() => vi.useRealTimers());

  it('answers a settled promise without a timer', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(Promise.resolve(7), 10)).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('store failed')), 10)).rejects.toThrow('store failed');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('still times out a promise that does not settle, and clears its timer when it does', async () => {
    vi.useFakeTimers();
    const never = withTimeout(new Promise(() => undefined), 10);
    const caught = never.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(11);
    expect(await caught).toMatchObject({ code: 'ERR_FIREWALL_TIMEOUT' });
    let resolve!: (value: string) => void;
    const later = withTimeout(new Promise<string>((r) => (resolve = r)), 10);
    await vi.advanceTimersByTimeAsync(5);
    expect(vi.getTimerCount()).toBe(1);
    resolve('ok');
    await expect(later).resolves.toBe('ok');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives a thenable that is not a native promise the timer too', async () => {
    vi.useFakeTimers();
    const thenable = { then: (_resolve: (v: number) => void) => undefined } as unknown as Promise<number>;
    const result = withTimeout(thenable, 10).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(11);
    expect(await result).toMatchObject({ code: 'ERR_FIREWALL_TIMEOUT' });
  });
});
