import type { FirewallSession } from '@writ/core';

// The `execute` functions writTools made, with the session whose gateway each runs through.
// Keyed by the function, not the tool object: a tool whose `execute` was swapped afterwards
// for a raw one is not gated any more.
const gated = new WeakMap<object, FirewallSession>();

/** Record that `execute` runs only through the gateway of `session`. */
export function markGated(execute: object, session: FirewallSession): void {
  gated.set(execute, session);
}

/**
 * Whether the SDK would run `tool` through the gateway of `session`: its `execute` is one
 * writTools made for that session. A tool without `execute` (a client-side tool) runs nothing
 * on this side and passes.
 */
export function runsThroughGateway(tool: unknown, session: FirewallSession): boolean {
  if (typeof tool !== 'object' || tool === null) return true;
  const execute = (tool as { execute?: unknown }).execute;
  return typeof execute !== 'function' || gated.get(execute) === session;
}
