/**
 * Per-evaluation state: input, `with` overrides, caches and budgets.
 * @packageDocumentation
 */
/* eslint-disable max-params -- evaluator/compiler internals: positional arguments keep the per-step hot path free of option-object allocations (see docs/decisions, Rego engine ADR) */
import type { BuiltinContext } from '../builtins/types.ts';
import { RegoError } from '../errors.ts';
import { RObject, type Value } from '../value.ts';
import type { FnRef } from './types.ts';

/** Budgets and services shared by all contexts of one evaluation. */
export interface Shared {
  steps: number;
  readonly maxSteps: number;
  readonly deadline: number;
  depth: number;
  readonly maxDepth: number;
  readonly strict: boolean;
  readonly bctx: BuiltinContext;
  readonly print: (line: string) => void;
  /** Number of data-tree nodes (size of the per-context caches). */
  readonly nodeCount: number;
}

/** A `with data.x as v` override tree. */
export interface Patch {
  readonly value: Value | undefined;
  readonly children: ReadonlyMap<string, Patch>;
}

/** A mocked function: another function or a constant value. */
export type Mock = { readonly fn: FnRef } | { readonly value: Value };

/** Marker for a cached undefined value. */
export const UNDEF: unique symbol = Symbol('undefined');
/** Marker for a rule whose value is being computed (re-entry is recursion). */
export const IN_PROGRESS: unique symbol = Symbol('in progress');

/** A per-context cache slot. */
export type Slot = Value | typeof UNDEF | typeof IN_PROGRESS | undefined;

/** Evaluation context. A `with` creates a child context with fresh caches. */
export class Ctx {
  readonly input: Value | undefined;
  readonly patch: Patch | undefined;
  readonly mocks: ReadonlyMap<string, Mock> | undefined;
  readonly shared: Shared;
  /** Rule values by node id. */
  readonly cache: Slot[];
  /** Full (merged) values of package nodes by node id, allocated on first use. */
  full: Slot[] | undefined;

  constructor(opts: { input: Value | undefined; patch?: Patch | undefined; mocks?: ReadonlyMap<string, Mock> | undefined; shared: Shared }) {
    this.input = opts.input;
    this.patch = opts.patch;
    this.mocks = opts.mocks;
    this.shared = opts.shared;
    this.cache = new Array<Slot>(opts.shared.nodeCount);
  }
}

/** Counts one evaluation step and enforces the step and time budgets. */
export function step(ctx: Ctx): void {
  const s = ctx.shared;
  if (++s.steps > s.maxSteps) {
    throw new RegoError('eval_step_limit_error', `evaluation exceeded the step budget of ${s.maxSteps}`);
  }
  if ((s.steps & 1023) === 0 && s.deadline !== Infinity && performance.now() > s.deadline) {
    throw new RegoError('eval_time_limit_error', 'evaluation exceeded its time budget');
  }
}

/** Returns `base` with `value` set at `path` (copies along the path; creates objects). */
export function setPath(base: Value | undefined, path: readonly string[], value: Value, i = 0): Value {
  if (i === path.length) return value;
  const obj = base instanceof RObject ? new RObject(base) : new RObject();
  obj.set(path[i]!, setPath(obj.getStr(path[i]!), path, value, i + 1));
  return obj;
}

/** Adds an override at `path` to a patch tree (persistent). */
export function addPatch(p: Patch | undefined, path: readonly string[], value: Value, i = 0): Patch {
  if (i === path.length) return { value, children: new Map() };
  const children = new Map(p?.children ?? []);
  children.set(path[i]!, addPatch(children.get(path[i]!), path, value, i + 1));
  return { value: p?.value, children };
}

/** Applies a patch tree to a value. */
export function applyPatch(v: Value | undefined, p: Patch): Value {
  if (p.value !== undefined && p.children.size === 0) return p.value;
  const start = p.value !== undefined ? p.value : v;
  const obj = start instanceof RObject ? new RObject(start) : new RObject();
  for (const [k, child] of p.children) obj.set(k, applyPatch(obj.getStr(k), child));
  return obj;
}
