/**
 * Keys and a trust root shared by the token tests (seeded keys: the same in every run).
 * Key 1 root, 2 authority, 3 authority compromised from 2026-03-01, 4 gateway, 5 authority
 * retired from 2026-03-01; tests add their own entries.
 */
import { toBase64Url } from '../crypto/encoding.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { WritError } from '../errors.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import type { KeyRole, TrustRoot, TrustRootKeyEntry } from '../trust/trust-root.ts';

/** The code of the `WritError` `run` throws, or `undefined` when it returns; other errors propagate. */
export function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (WritError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

/** The key seeded with byte `n`. */
export const key = (n: number): PrivateKey => PrivateKey.fromSeed(new Uint8Array(32).fill(n));

/** A trust-root entry for key `n`, active from 2026-01-01 unless `extra` says otherwise. */
export function entry(n: number, roles: KeyRole[], extra: Partial<TrustRootKeyEntry> = {}): TrustRootKeyEntry {
  const k = key(n);
  return { keyId: k.keyId, publicKey: toBase64Url(k.publicKey), roles, owner: `owner-${n}`, validFrom: '2026-01-01T00:00:00Z', status: 'active', ...extra };
}

/** Keys 1–5 as described above, plus `extra`. */
export function tokenTestTrustRoot(extra: readonly TrustRootKeyEntry[] = []): TrustRoot {
  return createTrustRoot({
    type: 'writ.trust-root/v1',
    version: 1,
    issuedAt: '2026-01-01T00:00:00Z',
    threshold: 1,
    keys: [
      entry(1, ['root']),
      entry(2, ['authority']),
      entry(3, ['authority'], { status: 'compromised', since: '2026-03-01T00:00:00Z' }),
      entry(4, ['gateway']),
      entry(5, ['authority'], { status: 'retired', since: '2026-03-01T00:00:00Z' }),
      ...extra,
    ],
  });
}
