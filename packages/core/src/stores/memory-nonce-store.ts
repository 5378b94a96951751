/** In-memory {@link NonceStore}: single use within one process. */
import { assertDate, assertNonceId, closedError, settle } from './store-checks.ts';
import type { NonceStore } from './types.ts';

/** Nonces held in a Map; not shared across processes (use the file or PostgreSQL store for that). */
export class MemoryNonceStore implements NonceStore {
  readonly #expiries = new Map<string, number>();
  #closed = false;

  /** @inheritdoc */
  consume(input: { readonly id: string; readonly expiresAt: Date }): Promise<boolean> {
    return settle(() => {
      if (this.#closed) throw closedError();
      if (typeof input !== 'object' || input === null) assertNonceId(undefined);
      assertNonceId(input.id);
      assertDate(input.expiresAt, 'input.expiresAt');
      if (this.#expiries.has(input.id)) return false;
      this.#expiries.set(input.id, input.expiresAt.getTime());
      return true;
    });
  }

  /** @inheritdoc */
  purgeExpired(now: Date): Promise<number> {
    return settle(() => {
      if (this.#closed) throw closedError();
      assertDate(now, 'now');
      let removed = 0;
      for (const [id, expiresAt] of this.#expiries) {
        if (expiresAt < now.getTime()) {
          this.#expiries.delete(id);
          removed += 1;
        }
      }
      return removed;
    });
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
