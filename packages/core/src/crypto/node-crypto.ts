/**
 * Access to `node:crypto` without a static import, so this package also loads in
 * browsers and edge runtimes (where it resolves to `undefined` and callers fall back
 * to @noble). `process.getBuiltinModule` exists from Node 22.3.
 */
import type * as NodeCryptoModule from 'node:crypto';

type NodeCrypto = typeof NodeCryptoModule;

let cached: NodeCrypto | null | undefined;

/** The `node:crypto` module when the runtime has one, else `undefined`. */
export function nodeCrypto(): NodeCrypto | undefined {
  if (cached === undefined) {
    const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    cached = (process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined) ?? null;
  }
  return cached ?? undefined;
}
