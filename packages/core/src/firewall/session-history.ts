/**
 * Session history for the shadow-workflow signals of TraceScript §5.9 / §16 / §22.8:
 * repeated denials of the same intent, an alternate tool with the same effect tried after a
 * denial, and scope narrowing followed by expansion. Exposed to policy as
 * `input.context.history`, so Rego can escalate (deny, or send to approval) instead of
 * letting the blocked path migrate.
 */
import type { JsonObject, JsonValue } from '../stores/types.ts';
import type { ActionClassId, DecisionKind } from './types.ts';

/** One judged call. */
export interface HistoryEvent {
  readonly at: number;
  readonly tool: string;
  readonly actionClass: ActionClassId;
  readonly intentDigest: string;
  readonly decision: DecisionKind;
  readonly effects: readonly string[];
  readonly args: JsonObject;
  /** The call's scope size when the tool declares a scope path (else measured from the arguments). */
  readonly scope?: number | undefined;
}

/** What policy sees. */
export interface HistoryView {
  readonly attempts: number;
  readonly recentDenials: readonly { readonly tool: string; readonly intentDigest: string; readonly at: string }[];
  readonly signals: {
    /** Earlier denials (or approval demands) of this exact intent. */
    readonly repeatedDenials: number;
    /** A different tool sharing an effect class with a call denied in the window. */
    readonly alternateToolAfterDenial: boolean;
    /** Same tool: denied, then a narrower call, now a wider one again. */
    readonly scopeExpansionAfterNarrowing: boolean;
  };
}

/** Effects that carry no consequence and so do not link two tools. */
const NEUTRAL = new Set(['none', 'no-effect', 'read', 'ephemeral-write']);
const MAX_EVENTS = 256;

/** Size of an argument object: the sum of its numbers and array lengths (a crude, monotone scope measure). */
export function scopeSize(value: JsonValue, depth = 0): number {
  if (depth > 32) return 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.abs(value) : 0;
  if (Array.isArray(value)) {
    const items = value as readonly JsonValue[];
    return items.length + items.reduce<number>((sum, item) => sum + scopeSize(item, depth + 1), 0);
  }
  if (typeof value === 'object' && value !== null) {
    let sum = 0;
    for (const item of Object.values(value)) sum += scopeSize(item, depth + 1);
    return sum;
  }
  return 0;
}

function blocked(decision: DecisionKind): boolean {
  return decision === 'deny' || decision === 'require-approval';
}

/** The bounded history of one session (the last 256 judged calls). */
export class SessionHistory {
  readonly #events: HistoryEvent[] = [];
  readonly #windowMs: number;

  constructor(windowMs = 3_600_000) {
    this.#windowMs = windowMs;
  }

  record(event: HistoryEvent): void {
    // Measure the scope once, when recorded, not on every later view.
    this.#events.push({ ...event, scope: event.scope ?? scopeSize(event.args) });
    if (this.#events.length > MAX_EVENTS) this.#events.shift();
  }

  /**
   * The history as it stands before `call` is judged. One pass over the window (it is
   * read on every call): the same answers as filtering recent events, their denials and
   * the same tool's events separately.
   */
  view(call: Omit<HistoryEvent, 'decision' | 'actionClass'>): HistoryView {
    const effects = call.effects.filter((e) => !NEUTRAL.has(e));
    const denials: HistoryEvent[] = [];
    let attempts = 0;
    let repeatedDenials = 0;
    let alternate = false;
    // Scope expansion (same tool): denied at some size, then narrower, now wider than the narrowest.
    let deniedSize: number | undefined;
    let narrowest: number | undefined;
    for (const e of this.#events) {
      if (!(call.at - e.at < this.#windowMs)) continue;
      attempts++;
      const denied = blocked(e.decision);
      if (denied) {
        denials.push(e);
        if (e.intentDigest === call.intentDigest) repeatedDenials++;
        if (!alternate && e.tool !== call.tool && e.effects.some((x) => effects.includes(x))) alternate = true;
      }
      if (e.tool === call.tool) {
        const size = e.scope ?? 0;
        if (denied && deniedSize === undefined) deniedSize = size;
        else if (deniedSize !== undefined && size < deniedSize) narrowest = Math.min(narrowest ?? size, size);
      }
    }
    const now = narrowest === undefined ? 0 : (call.scope ?? scopeSize(call.args));
    return {
      attempts,
      recentDenials: denials.slice(-10).map((d) => ({ tool: d.tool, intentDigest: d.intentDigest, at: new Date(d.at).toISOString() })),
      signals: {
        repeatedDenials,
        alternateToolAfterDenial: alternate,
        scopeExpansionAfterNarrowing: narrowest !== undefined && now > narrowest,
      },
    };
  }
}
