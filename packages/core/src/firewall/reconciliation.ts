/**
 * External reconciliation and reversal (TraceScript §20–21): a tool may register an
 * observer that compares the expected with the observed external state after it ran, and a
 * compensation that undoes its effect. API success is not completion (§5.7): only an
 * observation says `reconciled`. Rollback is not restoration (§5.8): a compensation
 * reports the residue that remains.
 */
import { WritError } from '../errors.ts';
import type { JsonObject, JsonValue } from '../stores/types.ts';

/** What an observer and a compensation are told about the effect. */
export interface EffectContext {
  readonly tokenId: string;
  readonly callId: string;
  readonly tool: string;
  readonly args: JsonObject;
  /** The tool's result as returned (already canonicalized for the receipt). */
  readonly result: JsonValue;
}

/** Reconciliation statuses. `partial`, `drift` and `repair-required` keep the effect open. */
export type ReconciliationStatus = 'reconciled' | 'partial' | 'drift' | 'repair-required';

/** An observer's verdict. */
export interface Observation {
  readonly status: ReconciliationStatus;
  readonly expected?: JsonValue;
  readonly observed?: JsonValue;
  /** Human note (e.g. "field email changed instead of phone"). */
  readonly note?: string;
}

/** A compensation's verdict. */
export interface Compensation {
  readonly status: 'compensated' | 'partial' | 'not-compensable';
  /** Consequences that remain (a sent email stays read). */
  readonly residue?: readonly string[];
}

/** Observer and compensation of one tool. */
export interface ToolReconciler {
  observe?(context: EffectContext): Observation | Promise<Observation>;
  compensate?(context: EffectContext): Compensation | Promise<Compensation>;
}

const STATUSES: readonly string[] = ['reconciled', 'partial', 'drift', 'repair-required'];
const COMPENSATIONS: readonly string[] = ['compensated', 'partial', 'not-compensable'];

/**
 * Validate the `reconcilers` option: tool name → {@link ToolReconciler}.
 * @throws `ERR_INVALID_ARGUMENT` naming the offending tool.
 */
export function parseReconcilers(value: unknown): ReadonlyMap<string, ToolReconciler> {
  const out = new Map<string, ToolReconciler>();
  if (value === undefined) return out;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'reconcilers must map tool names to observers', { details: { parameter: 'reconcilers' } });
  }
  for (const [tool, reconciler] of Object.entries(value)) {
    const r = reconciler as Partial<Record<'observe' | 'compensate', unknown>> | null;
    if (
      typeof r !== 'object' ||
      r === null ||
      (r.observe !== undefined && typeof r.observe !== 'function') ||
      (r.compensate !== undefined && typeof r.compensate !== 'function')
    ) {
      throw new WritError('ERR_INVALID_ARGUMENT', `reconcilers.${tool} must have observe/compensate functions`, {
        details: { parameter: `reconcilers.${tool}` },
      });
    }
    out.set(tool, r as ToolReconciler);
  }
  return out;
}

function text(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}`.slice(0, 500) : 'non-error thrown';
}

/**
 * Run an observer. A throwing or malformed observer is `repair-required`: an effect nobody
 * can confirm is not complete.
 */
export async function observeEffect(reconciler: ToolReconciler, context: EffectContext): Promise<Observation> {
  if (reconciler.observe === undefined) return { status: 'repair-required', note: 'no observer' };
  try {
    const observation = await reconciler.observe(context);
    if (typeof observation !== 'object' || observation === null || !STATUSES.includes(observation.status)) {
      return { status: 'repair-required', note: 'observer returned no valid status' };
    }
    return observation;
  } catch (error) {
    return { status: 'repair-required', note: `observer failed: ${text(error)}` };
  }
}

/**
 * Run a compensation. Missing → `not-compensable` with the effect itself as residue; a
 * throwing compensation is `partial` (it may have done part of its work).
 */
export async function compensateEffect(reconciler: ToolReconciler | undefined, context: EffectContext): Promise<Compensation & { readonly residue: readonly string[] }> {
  if (reconciler?.compensate === undefined) {
    return { status: 'not-compensable', residue: [`no compensation registered for ${context.tool}; its effect remains`] };
  }
  try {
    const result = await reconciler.compensate(context);
    if (typeof result !== 'object' || result === null || !COMPENSATIONS.includes(result.status)) {
      return { status: 'partial', residue: ['compensation returned no valid status'] };
    }
    const residue = Array.isArray(result.residue) ? result.residue.filter((r): r is string => typeof r === 'string') : [];
    return { status: result.status, residue };
  } catch (error) {
    return { status: 'partial', residue: [`compensation failed: ${text(error)}`] };
  }
}
