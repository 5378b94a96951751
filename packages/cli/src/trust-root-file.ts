/** Loading the trust root a verification is pinned to. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createTrustRoot, isWritError } from '@writ/core';
import type { TrustRoot, TrustRootDocument } from '@writ/core';
import { UsageError, fileUsageError } from './cli-context.ts';

/** Parse a trust-root document; a bad one is a usage error naming `source`. */
export function trustRootFrom(document: unknown, source: string): TrustRoot {
  try {
    return createTrustRoot(document as TrustRootDocument);
  } catch (error) {
    throw new UsageError(`${source}: not a valid trust root`, isWritError(error) ? error.code : undefined);
  }
}

/** Read and parse `--trust-root FILE`. */
export async function readTrustRootFile(
  path: string,
  cwd: string,
): Promise<{ trustRoot: TrustRoot; document: TrustRootDocument }> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw fileUsageError(`--trust-root ${path}: cannot read the trust-root document`, error);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new UsageError(`--trust-root ${path}: not JSON (a trust root is the JSON document writ init writes to .writ/trust-root.json)`);
  }
  return {
    trustRoot: trustRootFrom(document, `--trust-root ${path}`),
    document: document as TrustRootDocument,
  };
}
