/**
 * OPA-compiled wasm policies (`opa build -t wasm`) through OPA's own JavaScript SDK,
 * `@open-policy-agent/opa-wasm`. Writ adds what the SDK leaves to its caller: reading and
 * checking bundles, validating the module's ABI before instantiating it, turning the SDK's
 * thrown strings into `WritError`s, and the policy digest.
 */
import * as opaWasm from '@open-policy-agent/opa-wasm';
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { WritError } from '@writ/core';
import { checkBundleRoots } from './bundle-roots.ts';
import { mergeDataAt } from './data-document.ts';
import type { DataObject } from './data-document.ts';
import { assemblePolicy } from './policy-entries.ts';
import { policyDigest } from './policy-digest.ts';
import { DEFAULT_ENTRYPOINT, entrypointRef, wasmEntrypointName } from './policy-evaluator.ts';
import type { EvaluateOptions, PolicyEvaluator, PolicySource } from './policy-evaluator.ts';
import { readBundle } from './read-bundle.ts';
import { maxBundleFileBytes, maxPolicyFileBytes, readRegularFile } from './read-regular-file.ts';

// The SDK's ESM entry exposes loadPolicySync only on its default export (its types say otherwise).
const opa = (opaWasm as unknown as { default: { loadPolicySync: typeof opaWasm.loadPolicySync } }).default;

// TypeScript's ES libs and @types/node do not declare WebAssembly; this is the part Writ uses.
interface WasmModuleApi {
  readonly Module: { new (bytes: Uint8Array): object; exports(module: object): { name: string }[] };
}
const { Module: WasmModule } = (globalThis as unknown as { WebAssembly: WasmModuleApi }).WebAssembly;

/** Exports the SDK calls; checked up front so a wrong module fails with a clear message. */
const REQUIRED_EXPORTS = [
  'opa_wasm_abi_version',
  'opa_malloc',
  'opa_heap_ptr_get',
  'opa_heap_ptr_set',
  'opa_json_parse',
  'opa_json_dump',
  'opa_eval_ctx_new',
  'opa_eval_ctx_set_input',
  'opa_eval_ctx_set_data',
  'opa_eval_ctx_set_entrypoint',
  'opa_eval_ctx_get_result',
  'eval',
  'builtins',
  'entrypoints',
] as const;

/** Options of {@link loadWasmPolicy}: exactly one of `wasm` or `bundle`. */
export interface LoadWasmPolicyOptions {
  /** A `policy.wasm` as bytes or a file path. */
  readonly wasm?: Uint8Array | string;
  /** An OPA bundle (`opa build -t wasm`) as bytes or a `.tar.gz` path. */
  readonly bundle?: Uint8Array | string;
  /** Extra base data, merged at the root over the bundle's data. */
  readonly data?: DataObject;
  /** Defaults to `data.writ.decision` (wasm name `writ/decision`). */
  readonly entrypoint?: string;
  /** Resolves relative paths; defaults to `process.cwd()`. */
  readonly cwd?: string;
  /** Budget for the inflated bundle, in bytes. */
  readonly maxBundleBytes?: number;
  /**
   * Host implementations of builtins the module imports but does not contain (by OPA name,
   * e.g. `io.jwt.decode_verify`); arguments and results are plain JSON. The SDK's own
   * (`sprintf`, `regex.split`, JSON and YAML helpers) take precedence.
   */
  readonly builtins?: Readonly<Record<string, (...args: never[]) => unknown>>;
}

function wasmInvalid(message: string, cause?: unknown): WritError {
  return new WritError('ERR_POLICY_WASM_INVALID', message, { cause });
}

async function readInput(value: Uint8Array | string, options: { cwd: string; maxBytes: number }): Promise<{ bytes: Uint8Array; name: string }> {
  if (value instanceof Uint8Array) return { bytes: value, name: '<bytes>' };
  return { bytes: await readRegularFile(value, options.cwd, { maxBytes: options.maxBytes }), name: value };
}

function compileModule(bytes: Uint8Array, name: string): object {
  let module: object;
  try {
    module = new WasmModule(bytes);
  } catch (error) {
    throw wasmInvalid(`${name}: not a WebAssembly module`, error);
  }
  const exported = new Set(WasmModule.exports(module).map((item) => item.name));
  const missing = REQUIRED_EXPORTS.filter((item) => !exported.has(item));
  if (missing.length > 0) throw wasmInvalid(`${name}: not an OPA policy module (missing ${missing.join(', ')})`);
  return module;
}

function instantiate(module: object, options: { name: string; builtins: LoadWasmPolicyOptions['builtins'] }): LoadedPolicy {
  const name = options.name;
  try {
    return opa.loadPolicySync(module as Parameters<typeof opa.loadPolicySync>[0], undefined, { ...options.builtins });
  } catch (error) {
    // The SDK throws strings ("unsupported ABI version 2") and TypeErrors from a broken module.
    throw wasmInvalid(`${name}: cannot instantiate OPA policy: ${String((error as { message?: unknown }).message ?? error)}`, error);
  }
}

const encoder = new TextEncoder();

function toArrayBuffer(input: unknown): ArrayBuffer | undefined {
  if (input === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch (error) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'input must be a JSON value', { cause: error, details: { parameter: 'input' } });
  }
  if (text === undefined) throw new WritError('ERR_INVALID_ARGUMENT', 'input must be a JSON value', { details: { parameter: 'input' } });
  // The SDK drops falsy inputs and copies an ArrayBuffer verbatim: pass exact JSON bytes.
  const bytes = encoder.encode(text);
  const exact = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return exact ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

interface WasmParts {
  readonly bytes: Uint8Array;
  readonly modulePath: string;
  readonly data: DataObject;
  readonly location: string;
  readonly revision?: string;
}

async function fromBundle(options: LoadWasmPolicyOptions & { bundle: Uint8Array | string; cwd: string }, wasmName: string): Promise<WasmParts> {
  const { bytes, name } = await readInput(options.bundle, { cwd: options.cwd, maxBytes: maxBundleFileBytes(options.maxBundleBytes) });
  const bundle = await readBundle(bytes, { file: name, ...(options.maxBundleBytes === undefined ? {} : { maxBytes: options.maxBundleBytes }) });
  checkBundleRoots(bundle, name);
  const declared = bundle.manifest.wasm?.find((item) => item.entrypoint === wasmName) ?? bundle.manifest.wasm?.[0];
  const modulePath = declared ? declared.module.replace(/^\.?\/+/, '') : 'policy.wasm';
  const wasmEntry = bundle.entries.find((entry) => entry.path === modulePath);
  if (wasmEntry === undefined) {
    throw new WritError('ERR_POLICY_BUNDLE_INVALID', `${name}: no ${modulePath} in bundle`, { details: { file: name } });
  }
  const { data } = assemblePolicy(bundle.entries, { includeTests: false });
  return {
    bytes: wasmEntry.bytes,
    modulePath,
    data,
    location: name,
    ...(bundle.manifest.revision === undefined ? {} : { revision: bundle.manifest.revision }),
  };
}

/**
 * Loads an OPA wasm policy, from a bare `policy.wasm` or an OPA bundle.
 *
 * @example
 * ```ts
 * const policy = await loadWasmPolicy({ bundle: 'dist/bundle.tar.gz' });
 * const decision = policy.evaluateSync({ version: 'writ.input/v1', action: { tool: 'email.send' } });
 * ```
 * @throws WritError `ERR_INVALID_ARGUMENT` (neither or both of wasm/bundle, bad entrypoint),
 *   `ERR_POLICY_NOT_FOUND`, `ERR_POLICY_BUNDLE_INVALID`, `ERR_POLICY_DATA_INVALID`,
 *   `ERR_POLICY_WASM_INVALID` (not an OPA module, unsupported ABI) or `ERR_POLICY_ENTRYPOINT`
 *   (the module does not export the entrypoint).
 */
export async function loadWasmPolicy(options: LoadWasmPolicyOptions): Promise<PolicyEvaluator & { evaluateSync(input: unknown, options?: EvaluateOptions): unknown }> {
  if (typeof options !== 'object' || options === null || (options.wasm === undefined) === (options.bundle === undefined)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'pass exactly one of wasm or bundle', { details: { parameter: 'options' } });
  }
  if (options.data !== undefined && (typeof options.data !== 'object' || options.data === null || Array.isArray(options.data))) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'data must be an object', { details: { parameter: 'data' } });
  }
  const builtinsOk =
    options.builtins === undefined ||
    (typeof options.builtins === 'object' && options.builtins !== null && Object.values(options.builtins).every((value) => typeof value === 'function'));
  if (!builtinsOk) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'builtins must map builtin names to functions', { details: { parameter: 'builtins' } });
  }
  const entrypoint = entrypointRef(options.entrypoint ?? DEFAULT_ENTRYPOINT);
  const wasmName = wasmEntrypointName(entrypoint);
  const cwd = options.cwd ?? process.cwd();
  let parts: WasmParts;
  if (options.bundle === undefined) {
    const { bytes, name } = await readInput(options.wasm!, { cwd, maxBytes: maxPolicyFileBytes(options.maxBundleBytes) });
    parts = { bytes, modulePath: 'policy.wasm', data: {}, location: name };
  } else {
    parts = await fromBundle({ ...options, bundle: options.bundle, cwd }, wasmName);
  }
  const data = parts.data;
  if (options.data !== undefined) mergeDataAt(data, { segments: [], value: options.data, file: '<options.data>' });

  const policy = instantiate(compileModule(parts.bytes, parts.location), { name: parts.location, builtins: options.builtins });
  const entrypoints = policy.entrypoints as Record<string, number>;
  if (typeof entrypoints !== 'object' || entrypoints === null || !Object.prototype.hasOwnProperty.call(entrypoints, wasmName)) {
    throw new WritError('ERR_POLICY_ENTRYPOINT', `${parts.location}: no entrypoint ${wasmName} (has ${Object.keys(entrypoints ?? {}).join(', ') || 'none'})`, {
      details: { entrypoint: wasmName },
    });
  }
  const entrypointId = entrypoints[wasmName]!;
  const digest = policyDigest({ engine: 'wasm', entrypoint, files: [{ path: parts.modulePath, content: parts.bytes }], data });
  try {
    policy.setData(data);
  } catch (error) {
    throw wasmInvalid(`${parts.location}: the module refused the data document`, error);
  }

  const evaluateSync = (input: unknown): unknown => {
    const buffer = toArrayBuffer(input);
    let resultSet: unknown;
    try {
      resultSet = policy.evaluate(buffer, entrypointId);
    } catch (error) {
      const detail = String((error as { message?: unknown }).message ?? error);
      throw new WritError('ERR_POLICY_EVAL', `wasm evaluation failed: ${detail}`, { cause: error });
    }
    if (!Array.isArray(resultSet)) throw new WritError('ERR_POLICY_EVAL', 'wasm evaluation returned no result set');
    if (resultSet.length === 0) return undefined;
    return (resultSet[0] as { result?: unknown }).result;
  };
  const source: PolicySource = {
    engine: 'wasm',
    locations: [parts.location],
    files: [parts.modulePath],
    ...(parts.revision === undefined ? {} : { revision: parts.revision }),
  };
  return {
    entrypoint,
    digest,
    source,
    evaluateSync,
    evaluate: (input: unknown) => Promise.resolve().then(() => evaluateSync(input)),
  };
}
