/**
 * Shared set-up of the statement verifier tests (approvals, rejections, resolutions): the code
 * a call fails with, deterministic keys and their trust-root entries.
 */
import { toBase64Url } from '../crypto/encoding.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { WritError } from '../errors.ts';
import type { KeyRole, TrustRootKeyEntry } from '../trust/trust-root.ts';

/** The WritError code `run` rejects with, or undefined when it resolves. */
export async function code(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (error) {
    if (WritError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

/** Key number `n` (its seed is 32 bytes of `n`). */
export const key = (n: number): PrivateKey => PrivateKey.fromSeed(new Uint8Array(32).fill(n));

/** The trust-root entry of key `n` with `roles`, valid from 2026-01-01. */
export function entry(n: number, roles: KeyRole[], extra: Partial<TrustRootKeyEntry> = {}): TrustRootKeyEntry {
  return { keyId: key(n).keyId, publicKey: toBase64Url(key(n).publicKey), roles, owner: `person-${n}`, validFrom: '2026-01-01T00:00:00Z', status: 'active', ...extra };
}
