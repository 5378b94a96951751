/** Loading the trust root a verification is pinned to. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createTrustRoot, isWritError } from '@writ/core';
import type { TrustRoot, TrustRootDocument } from '@writ/core';
import { UsageError, fileUsageError } from './cli-context.ts';

/** What a file given as a trust root is instead, when it is one of the other files `writ` writes. */
function mistakenFor(document: unknown): string {
  if (typeof document !== 'object' || document === null) return '';
  if ('payloadType' in document && 'signatures' in document) return ' — it is a signed trust-root version (a DSSE envelope of .writ/trust-root/NNNN.json); pass the document itself, .writ/trust-root.json';
  if ('seed' in document && 'keyId' in document) return ' — it is a private key file; pass the trust-root document, .writ/trust-root.json (and keep the key file to yourself)';
  return '';
}

/** Parse a trust-root document; a bad one is a usage error naming `source`. */
export function trustRootFrom(document: unknown, source: string): TrustRoot {
  try {
    return createTrustRoot(document as TrustRootDocument);
  } catch (error) {
    throw new UsageError(`${source}: not a valid trust root${mistakenFor(document)}`, isWritError(error) ? error.code : undefined);
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
