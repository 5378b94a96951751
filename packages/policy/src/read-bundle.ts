/**
 * OPA bundles (`bundle.tar.gz`): gzip + tar holding `/.manifest`, `data.json` files, `.rego`
 * modules and, for `opa build -t wasm`, `/policy.wasm`. Bundles are untrusted input, so the
 * reader refuses rather than repairs: `..` segments, links and devices, duplicate names, and
 * archives that inflate past a size budget are errors, never silently normalised.
 */
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { WritError } from '@writ/core';
import type { PolicyEntry } from './policy-entries.ts';

/** Default budget for the inflated archive. */
export const DEFAULT_MAX_BUNDLE_BYTES = 64 * 1024 * 1024;
const MAX_ENTRIES = 10_000;

/** One `wasm` entry of an OPA manifest. */
export interface ManifestWasm {
  readonly entrypoint: string;
  readonly module: string;
}

/** The fields of `/.manifest` Writ reads; others are ignored. */
export interface BundleManifest {
  readonly revision?: string;
  readonly roots?: readonly string[];
  readonly wasm?: readonly ManifestWasm[];
}

/** A read bundle: its manifest and every regular file except the manifest and signatures. */
export interface Bundle {
  readonly manifest: BundleManifest;
  readonly entries: PolicyEntry[];
}

function invalid(file: string, what: string, cause?: unknown): WritError {
  return new WritError('ERR_POLICY_BUNDLE_INVALID', `${file}: ${what}`, { cause, details: { file } });
}

/** OPA writes `/data.json`; tar tools write `./data.json`. Both mean `data.json`. */
function entryPath(name: string, file: string): string {
  const trimmed = name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  const segments = trimmed.split('/');
  const unsafe = trimmed === '' || /[\\\0]/.test(trimmed) || segments.some((s) => s === '' || s === '.' || s === '..');
  if (unsafe) throw invalid(file, `unsafe entry name ${JSON.stringify(name.slice(0, 200))}`);
  return trimmed;
}

function parseManifest(bytes: Uint8Array, file: string): BundleManifest {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw invalid(file, '.manifest is not valid JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(file, '.manifest must be an object');
  const { revision, roots, wasm, rego_version: regoVersion, type } = value as Record<string, unknown>;
  // A delta bundle patches data loaded earlier (patch.json); read alone it would silently miss data.
  if (type !== undefined && type !== 'snapshot') throw invalid(file, `.manifest type ${JSON.stringify(type)} is not supported: use a snapshot bundle`);
  // OPA 1.x writes rego_version 0 for bundles of v0 syntax; Writ's engine speaks Rego v1 only.
  if (regoVersion !== undefined && regoVersion !== 1) {
    throw invalid(file, `.manifest rego_version ${JSON.stringify(regoVersion)} is not supported: Writ evaluates Rego v1 (rewrite with opa fmt --v1)`);
  }
  if (revision !== undefined && typeof revision !== 'string') throw invalid(file, '.manifest revision must be a string');
  if (roots !== undefined && !(Array.isArray(roots) && roots.every((root) => typeof root === 'string'))) {
    throw invalid(file, '.manifest roots must be an array of strings');
  }
  const isWasmEntry = (item: unknown): item is ManifestWasm =>
    typeof item === 'object' &&
    item !== null &&
    typeof (item as ManifestWasm).entrypoint === 'string' &&
    typeof (item as ManifestWasm).module === 'string';
  if (wasm !== undefined && !(Array.isArray(wasm) && wasm.every(isWasmEntry))) {
    throw invalid(file, '.manifest wasm must be an array of { entrypoint, module }');
  }
  return {
    ...(revision === undefined ? {} : { revision }),
    ...(roots === undefined ? {} : { roots }),
    ...(wasm === undefined ? {} : { wasm: wasm.map((item) => ({ entrypoint: item.entrypoint, module: item.module })) }),
  };
}

function inflate(bytes: Uint8Array, options: { file: string; maxBytes: number }): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: options.maxBytes });
  } catch (error) {
    const tooLarge = (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    throw invalid(options.file, tooLarge ? `inflates past ${options.maxBytes} bytes` : 'not a gzip archive', error);
  }
}

/**
 * Reads an OPA bundle from its gzipped tar bytes.
 *
 * @throws WritError `ERR_POLICY_BUNDLE_INVALID` for a malformed archive or manifest, an unsafe
 *   entry name (`..`, absolute Windows paths, NUL), a link or device entry, a duplicate name,
 *   too many entries, or more than `maxBytes` once inflated.
 */
export async function readBundle(bytes: Uint8Array, options: { file: string; maxBytes?: number }): Promise<Bundle> {
  if (!(bytes instanceof Uint8Array)) throw new WritError('ERR_INVALID_ARGUMENT', 'bundle must be a Uint8Array', { details: { parameter: 'bytes' } });
  if (typeof options !== 'object' || options === null || typeof options.file !== 'string') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options.file must be a string', { details: { parameter: 'options.file' } });
  }
  if (options.maxBytes !== undefined && !(Number.isSafeInteger(options.maxBytes) && options.maxBytes > 0)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options.maxBytes must be a positive integer', { details: { parameter: 'options.maxBytes' } });
  }
  const file = options.file;
  const tar = inflate(bytes, { file, maxBytes: options.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES });
  const seen = new Set<string>();
  const entries: PolicyEntry[] = [];
  let manifest: BundleManifest = {};
  const parser = extract();
  parser.end(tar);
  try {
    for await (const entry of parser) {
      const { header } = entry;
      if (header.type === 'directory') {
        entry.resume();
        continue;
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        entry.resume();
        throw invalid(file, `entry ${JSON.stringify(header.name.slice(0, 200))} is a ${header.type ?? 'special file'}; only regular files are allowed`);
      }
      const path = entryPath(header.name, file);
      if (seen.has(path)) throw invalid(file, `duplicate entry ${path}`);
      if (seen.add(path).size > MAX_ENTRIES) throw invalid(file, `more than ${MAX_ENTRIES} entries`);
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const content = new Uint8Array(Buffer.concat(chunks));
      if (path === '.manifest') manifest = parseManifest(content, file);
      else if (path !== '.signatures.json') entries.push({ path, file: `${file}!/${path}`, bytes: content });
    }
  } catch (error) {
    if (WritError.isInstance(error)) throw error;
    throw invalid(file, 'not a valid tar archive', error);
  }
  return { manifest, entries };
}
