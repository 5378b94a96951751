// @writ/policy public API — the PolicyEvaluator seam and its loaders.

// evaluator seam
export { DEFAULT_ENTRYPOINT, entrypointRef, entrypointSegments, wasmEntrypointName } from './policy-evaluator.ts';
export type { EvaluateOptions, PolicyEngine, PolicyEvaluator, PolicySource } from './policy-evaluator.ts';

// digests
export { policyDigest } from './policy-digest.ts';
export type { DigestFile, PolicyDigestInput } from './policy-digest.ts';

// bundles and data
export { readBundle, DEFAULT_MAX_BUNDLE_BYTES } from './read-bundle.ts';
export type { Bundle, BundleManifest, ManifestWasm } from './read-bundle.ts';
export { parseDataFile, mergeDataAt } from './data-document.ts';
export type { DataObject } from './data-document.ts';

// OPA wasm
export { loadWasmPolicy } from './load-wasm-policy.ts';
export type { LoadWasmPolicyOptions } from './load-wasm-policy.ts';

// Rego (via @writ/rego)
export { loadRegoPolicy } from './load-rego-policy.ts';
export type { LoadRegoPolicyOptions, RegoPolicyEvaluator } from './load-rego-policy.ts';
export { loadPolicy, isWasmLocation } from './load-policy.ts';
export type { LoadPolicyOptions } from './load-policy.ts';

// policy tests
export { runPolicyTests } from './run-policy-tests.ts';
export type { PolicyTestReport, PolicyTestResult, PolicyTestStatus, RunPolicyTestsOptions } from './run-policy-tests.ts';
export { checkPolicy } from './check-policy.ts';
export type { PolicyCheckReport, PolicyProblem } from './check-policy.ts';
