import { WritError } from '../errors.ts';
import type { ActionToken } from './action-token.ts';

/** The part of a nonce store single use needs (the `NonceStore` of `stores/` fits). */
export interface NonceConsumer {
  /**
   * Atomically records one use of `id`; `true` for exactly `maxUses` (default 1) callers,
   * `false` once they are spent.
   */
  consume(input: { readonly id: string; readonly expiresAt: Date; readonly maxUses?: number }): boolean | Promise<boolean>;
}

/**
 * Spends one use of a verified token. Call after {@link verifyToken} and before running the
 * tool. A token may be used `constraints.maxUses` times (default 1).
 * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_TOKEN_CONSUMED` (every use after the last allowed one).
 */
export async function consumeToken(options: { readonly token: ActionToken; readonly nonces: NonceConsumer }): Promise<void> {
  const { token, nonces } = options ?? {};
  if (typeof token?.payload?.id !== 'string' || typeof nonces?.consume !== 'function') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'consumeToken needs { token, nonces }', { details: { parameter: 'options' } });
  }
  // The nonce must outlive every moment the token could still verify (expiry + max skew).
  const expiresAt = new Date((token.payload.constraints.exp + 300) * 1000);
  const maxUses = token.payload.constraints.maxUses ?? 1;
  if (!(await nonces.consume({ id: token.payload.id, expiresAt, maxUses }))) {
    throw new WritError('ERR_TOKEN_CONSUMED', 'token was already used');
  }
}
