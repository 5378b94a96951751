/**
 * The policy digest: one `sha256:<hex>` that changes exactly when what is evaluated changes.
 * Approvals and action tokens bind to it, so it must not depend on where files sit on disk
 * (paths are relative to their load location) nor on anything that is not evaluated
 * (bundle manifests, `_test.rego` files, READMEs).
 */
import { digest, digestBytes, WritError, isWritError } from '@writ/core';
import type { Digest } from '@writ/core';
import type { PolicyEngine } from './policy-evaluator.ts';

/** One evaluated file: its path relative to its load location and its bytes or text. */
export interface DigestFile {
  readonly path: string;
  readonly content: string | Uint8Array;
}

/** What {@link policyDigest} covers. */
export interface PolicyDigestInput {
  readonly engine: PolicyEngine;
  /** `data.`-rooted entrypoint. */
  readonly entrypoint: string;
  readonly files: readonly DigestFile[];
  /** The merged base data document. */
  readonly data: unknown;
}

const encoder = new TextEncoder();

function sha256Hex(content: string | Uint8Array): string {
  return digestBytes(typeof content === 'string' ? encoder.encode(content) : content).slice('sha256:'.length);
}

function isDigestInput(value: unknown): value is PolicyDigestInput {
  const input = value as Partial<PolicyDigestInput> | null;
  const isFile = (file: unknown): boolean => {
    const candidate = file as Partial<DigestFile> | null;
    return typeof candidate === 'object' && candidate !== null && typeof candidate.path === 'string' && (typeof candidate.content === 'string' || candidate.content instanceof Uint8Array);
  };
  return (
    typeof input === 'object' &&
    input !== null &&
    (input.engine === 'rego' || input.engine === 'wasm') &&
    typeof input.entrypoint === 'string' &&
    Array.isArray(input.files) &&
    (input.files as readonly unknown[]).every(isFile)
  );
}

/**
 * Computes the digest document `{ engine, entrypoint, files: [{ path, sha256 }] sorted by
 * (path, sha256), data: sha256 of RFC 8785 data }` and returns `sha256:` + SHA-256 of its
 * RFC 8785 form.
 *
 * @throws WritError `ERR_INVALID_ARGUMENT` for a malformed `input`; `ERR_POLICY_DATA_INVALID` when the data holds a value JSON cannot
 *   represent (NaN, a lone surrogate, ...).
 */
export function policyDigest(input: PolicyDigestInput): Digest {
  if (!isDigestInput(input)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'expected { engine, entrypoint, files: [{ path, content }], data }', { details: { parameter: 'input' } });
  }
  const files = input.files
    .map((file) => ({ path: file.path, sha256: sha256Hex(file.content) }))
    .sort((a, b) => compare(a.path, b.path) || compare(a.sha256, b.sha256));
  let data: Digest;
  try {
    data = digest(input.data);
  } catch (error) {
    if (!isWritError(error, 'ERR_CANONICAL_UNSUPPORTED')) throw error;
    throw new WritError('ERR_POLICY_DATA_INVALID', `data: ${error.message}`, { cause: error });
  }
  return digest({ engine: input.engine, entrypoint: input.entrypoint, files, data });
}

// Code-unit order, the same order RFC 8785 uses for keys: stable across locales.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
