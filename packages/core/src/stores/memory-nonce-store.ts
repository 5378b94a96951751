/** In-memory {@link NonceStore}: use counting within one process. */
import { assertDate, assertNonceId, closedError, nonceMaxUses, settle } from './store-checks.ts';
import type { NonceStore } from './types.ts';

/** Nonces held in a Map; not shared across processes (use the file or PostgreSQL store for that). */
export class MemoryNonceStore implements NonceStore {
  readonly #records = new Map<string, { expiresAt: number; uses: number }>();
  #closed = false;

  /** @inheritdoc */
  consume(input: { readonly id: string; readonly expiresAt: Date; readonly maxUses?: number }): Promise<boolean> {
    return settle(() => {
      if (this.#closed) throw closedError();
      if (typeof input !== 'object' || input === null) assertNonceId(undefined);
      assertNonceId(input.id);
      assertDate(input.expiresAt, 'input.expiresAt');
      const maxUses = nonceMaxUses(input.maxUses);
      const record = this.#records.get(input.id);
      if (record === undefined) {
        this.#records.set(input.id, { expiresAt: input.expiresAt.getTime(), uses: 1 });
        return true;
      }
      if (record.uses >= maxUses) return false;
      record.uses += 1;
      return true;
    });
  }

  /** @inheritdoc */
  purgeExpired(now: Date): Promise<number> {
    return settle(() => {
      if (this.#closed) throw closedError();
      assertDate(now, 'now');
      let removed = 0;
      for (const [id, { expiresAt }] of this.#records) {
        if (expiresAt < now.getTime()) {
          this.#records.delete(id);
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
