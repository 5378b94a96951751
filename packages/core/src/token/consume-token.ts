import { WritError } from '../errors.ts';
import type { ActionToken } from './action-token.ts';

/** The part of a nonce store single use needs (the `NonceStore` of `stores/` fits). */
export interface NonceConsumer {
  /** Atomically records `id`; `true` for exactly one caller, `false` if already consumed. */
  consume(input: { readonly id: string; readonly expiresAt: Date }): boolean | Promise<boolean>;
}

/**
 * Spends a verified token's nonce. Call after {@link verifyToken} and before running the tool.
 * @throws WritError `ERR_INVALID_ARGUMENT`, `ERR_TOKEN_CONSUMED` (second and later uses).
 */
export async function consumeToken(options: { readonly token: ActionToken; readonly nonces: NonceConsumer }): Promise<void> {
  const { token, nonces } = options ?? {};
  if (typeof token?.payload?.id !== 'string' || typeof nonces?.consume !== 'function') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'consumeToken needs { token, nonces }', { details: { parameter: 'options' } });
  }
  // The nonce must outlive every moment the token could still verify (expiry + max skew).
  const expiresAt = new Date((token.payload.constraints.exp + 300) * 1000);
  if (!(await nonces.consume({ id: token.payload.id, expiresAt }))) {
    throw new WritError('ERR_TOKEN_CONSUMED', 'token was already used');
  }
}
