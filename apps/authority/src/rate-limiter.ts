/** Per-agent token buckets: `ratePerMinute` requests per minute, bursts up to the same count. */
import { HttpError } from './http-error.ts';

/** A token bucket per key, refilled continuously from an injected clock. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /**
   * Take one request from `key`'s bucket.
   * @throws HttpError 429 `ERR_HTTP_RATE_LIMITED` with the seconds to wait.
   */
  take(options: { readonly key: string; readonly perMinute: number }): void {
    const { key, perMinute } = options;
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const wait = Math.ceil(((1 - bucket.tokens) * 60) / perMinute);
      throw new HttpError({ status: 429, code: 'ERR_HTTP_RATE_LIMITED', message: `rate limit exceeded; retry in ${wait}s` });
    }
    bucket.tokens -= 1;
  }
}
