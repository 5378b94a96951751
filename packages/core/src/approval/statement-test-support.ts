/**
 * Shared set-up of the statement verifier tests (approvals, rejections, resolutions): the code
 * a call fails with, deterministic keys and their trust-root entries.
 */
import { WritError } from '../errors.ts';
import { entry as tokenEntry } from '../token/token-test-support.ts';
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

export { key } from '../token/token-test-support.ts';

/** The trust-root entry of key `n` with `roles`, valid from 2026-01-01, owned by `person-<n>`. */
export function entry(n: number, roles: KeyRole[], extra: Partial<TrustRootKeyEntry> = {}): TrustRootKeyEntry {
  return tokenEntry(n, roles, { owner: `person-${n}`, ...extra });
}
