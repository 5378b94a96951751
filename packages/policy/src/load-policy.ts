/**
 * One loader for configuration files and the CLI: picks the wasm or the Rego evaluator
 * from what the paths hold.
 */
import { WritError } from '@writ/core';
import { isBundlePath } from './collect-policy-entries.ts';
import type { DataObject } from './data-document.ts';
import { loadRegoPolicy } from './load-rego-policy.ts';
import type { LoadRegoPolicyOptions } from './load-rego-policy.ts';
import { loadWasmPolicy } from './load-wasm-policy.ts';
import type { EvaluateOptions, PolicyEvaluator } from './policy-evaluator.ts';
import { readBundle } from './read-bundle.ts';
import { maxBundleFileBytes, readRegularFile } from './read-regular-file.ts';

/** Options of {@link loadPolicy}. */
export interface LoadPolicyOptions extends Pick<LoadRegoPolicyOptions, 'limits' | 'maxBundleBytes'> {
  /** Rego files, directories, `npm:` packages and bundles; or one `.wasm` file or one wasm bundle. */
  readonly paths: readonly string[];
  readonly data?: DataObject;
  readonly entrypoint?: string;
  readonly cwd?: string;
}

async function isWasmBundle(path: string, options: { cwd: string; maxBundleBytes?: number | undefined }): Promise<boolean> {
  const bytes = await readRegularFile(path, options.cwd, { maxBytes: maxBundleFileBytes(options.maxBundleBytes) });
  const bundle = await readBundle(bytes, { file: path, ...(options.maxBundleBytes === undefined ? {} : { maxBytes: options.maxBundleBytes }) });
  return (bundle.manifest.wasm?.length ?? 0) > 0 || bundle.entries.some((entry) => entry.path === 'policy.wasm');
}

/**
 * True when `path` is a `.wasm` file or a bundle that holds a wasm module (it reads the bundle).
 *
 * @throws WritError `ERR_POLICY_NOT_FOUND` or `ERR_POLICY_BUNDLE_INVALID` for an unreadable bundle.
 */
export async function isWasmLocation(path: string, options: { cwd: string; maxBundleBytes?: number }): Promise<boolean> {
  if (path.endsWith('.wasm')) return true;
  return isBundlePath(path) && isWasmBundle(path, options);
}

/**
 * Loads a policy with the evaluator its files call for: a `.wasm` file or a bundle holding
 * `policy.wasm` goes to OPA's wasm SDK, everything else to `@writ/rego`.
 *
 * @throws WritError `ERR_INVALID_ARGUMENT` when wasm is mixed with other paths; otherwise what
 *   {@link loadWasmPolicy} or {@link loadRegoPolicy} throw.
 */
export async function loadPolicy(options: LoadPolicyOptions): Promise<PolicyEvaluator & { evaluateSync(input: unknown, options?: EvaluateOptions): unknown }> {
  if (typeof options !== 'object' || options === null || !Array.isArray(options.paths) || options.paths.length === 0) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'paths must be a non-empty array', { details: { parameter: 'paths' } });
  }
  const cwd = options.cwd ?? process.cwd();
  const common = {
    cwd,
    ...(options.entrypoint === undefined ? {} : { entrypoint: options.entrypoint }),
    ...(options.data === undefined ? {} : { data: options.data }),
  };
  const wasmPaths: string[] = [];
  for (const path of options.paths) {
    if (typeof path === 'string' && (await isWasmLocation(path, { cwd, ...(options.maxBundleBytes === undefined ? {} : { maxBundleBytes: options.maxBundleBytes }) }))) {
      wasmPaths.push(path);
    }
  }
  if (wasmPaths.length > 0) {
    if (options.paths.length > 1) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'a wasm policy must be the only path', { details: { parameter: 'paths' } });
    }
    const path = wasmPaths[0]!;
    return loadWasmPolicy({
      ...common,
      ...(path.endsWith('.wasm') ? { wasm: path } : { bundle: path }),
      ...(options.maxBundleBytes === undefined ? {} : { maxBundleBytes: options.maxBundleBytes }),
    });
  }
  return loadRegoPolicy({
    ...common,
    paths: options.paths,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.maxBundleBytes === undefined ? {} : { maxBundleBytes: options.maxBundleBytes }),
  });
}
