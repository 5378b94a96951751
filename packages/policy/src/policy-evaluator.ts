/**
 * The seam between Writ's firewall and whatever evaluates its policies.
 *
 * @packageDocumentation
 */
import { WritError } from '@writ/core';
import type { Digest } from '@writ/core';

/** The document Writ evaluates unless told otherwise (ARCHITECTURE.md "Policy contract"). */
export const DEFAULT_ENTRYPOINT = 'data.writ.decision';

/** Which engine runs the policy. */
export type PolicyEngine = 'rego' | 'wasm';

/** Per-evaluation options. */
export interface EvaluateOptions {
  /**
   * The evaluation clock (`time.now_ns`), as a `Date` or epoch milliseconds. Honoured by the
   * Rego engine; OPA's wasm SDK always reads the wall clock, so the wasm evaluator ignores it.
   */
  readonly now?: Date | number;
  /** Receives each line the policy writes with `print` (Rego engine; default: discarded). */
  readonly print?: (line: string) => void;
  /**
   * Wall-clock budget of this evaluation in milliseconds; exceeding it throws
   * `ERR_POLICY_TIMEOUT`. The Rego engine checks it every 1,024 steps (a single long builtin
   * call is not interrupted; `limits.timeoutMs` at load applies too, the smaller wins). OPA's
   * wasm SDK cannot be interrupted: the wasm evaluator ignores it — run a wasm policy through
   * the asynchronous path, where the caller's timer applies.
   */
  readonly timeoutMs?: number;
}

/** Where a policy came from, for logs, transcripts and `writ policy` output. */
export interface PolicySource {
  /** The engine that evaluates it. */
  readonly engine: PolicyEngine;
  /** The paths, package names or bundle files the policy was loaded from, as given. */
  readonly locations: readonly string[];
  /** The files that make up the policy (paths relative to their load location), sorted. */
  readonly files: readonly string[];
  /** `revision` from an OPA bundle manifest, when the policy came from a bundle that has one. */
  readonly revision?: string;
}

/**
 * A loaded, ready policy. Evaluation never re-reads or re-parses sources.
 *
 * A decision is a plain JSON value, or `undefined` when the entrypoint is undefined for
 * the input (the firewall treats that as "no decision", never as allow).
 */
export interface PolicyEvaluator {
  /** The document evaluated, as a `data.`-rooted reference (`data.writ.decision`). */
  readonly entrypoint: string;
  /**
   * `sha256:<hex>` over exactly what is evaluated: the engine, the entrypoint, each source
   * file's path and SHA-256 (sorted), and the merged data document (RFC 8785).
   */
  readonly digest: Digest;
  /** What was loaded. */
  readonly source: PolicySource;
  /**
   * Evaluates the entrypoint for `input`.
   *
   * @throws WritError `ERR_POLICY_EVAL` when evaluation fails (conflict, type error,
   *   budget exhausted, unsupported builtin); `details.regoCode` carries OPA's code.
   */
  evaluate(input: unknown, options?: EvaluateOptions): Promise<unknown>;
  /**
   * Synchronous {@link PolicyEvaluator.evaluate}, for the firewall's hot path. Present when
   * the backend can evaluate without I/O (both built-in evaluators can).
   *
   * @throws WritError `ERR_POLICY_EVAL` as {@link PolicyEvaluator.evaluate}.
   */
  evaluateSync?(input: unknown, options?: EvaluateOptions): unknown;
}

const REF_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses an entrypoint given as `data.a.b`, `a.b` or OPA's wasm form `a/b` into its segments.
 *
 * @throws WritError `ERR_INVALID_ARGUMENT` when it is not a plain dotted or slashed reference.
 */
export function entrypointSegments(entrypoint: unknown): string[] {
  if (typeof entrypoint !== 'string' || entrypoint.length === 0 || entrypoint.length > 1024) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'entrypoint must be a non-empty string');
  }
  const separator = entrypoint.includes('/') ? '/' : '.';
  const segments = entrypoint.split(separator);
  if (separator === '.' && segments[0] === 'data') segments.shift();
  if (segments.length === 0 || !segments.every((segment) => REF_SEGMENT.test(segment))) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'entrypoint must be a reference like data.writ.decision', {
      details: { parameter: 'entrypoint' },
    });
  }
  return segments;
}

/** `data.writ.decision` for any accepted spelling of an entrypoint. */
export function entrypointRef(entrypoint: unknown): string {
  return `data.${entrypointSegments(entrypoint).join('.')}`;
}

/** OPA's wasm entrypoint name (`writ/decision`) for any accepted spelling of an entrypoint. */
export function wasmEntrypointName(entrypoint: unknown): string {
  return entrypointSegments(entrypoint).join('/');
}
