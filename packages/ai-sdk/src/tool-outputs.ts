import { WritError } from '@writ/core';
import type { BasisAuthority, FirewallSession, JsonValue } from '@writ/core';

// Tool-call ids whose output is already basis, per session. The gateway wrapper records an
// output the moment the tool produces it; captureBasis meets the same output again in
// `messages` at the next gate and must not record it twice.
const recorded = new WeakMap<FirewallSession, Set<string>>();

/** Whether the output of this call is already basis of the session. */
export function outputRecorded(session: FirewallSession, callId: string): boolean {
  return recorded.get(session)?.has(callId) === true;
}

/**
 * Record a tool output as basis once per call id, with the declared trust of the tool.
 * The same content already recorded for another call is basis already (core derives a
 * tool output's id from its content), so that collision counts as recorded.
 * @throws the session's `WritError`s (`ERR_FIREWALL_SESSION_ENDED`, `ERR_BASIS_LEDGER_FULL`, ...).
 */
export async function recordToolOutput(
  session: FirewallSession,
  output: { readonly tool: string; readonly callId: string; readonly output: JsonValue; readonly atMost?: BasisAuthority },
): Promise<void> {
  const calls = callsOf(session);
  if (calls.has(output.callId)) return;
  try {
    await session.addToolOutput(output);
  } catch (error) {
    // This call's output is already basis in another form (recorded by the application, say):
    // the first record stands.
    if (!(WritError.isInstance(error) && error.code === 'ERR_BASIS_ITEM_DUPLICATE')) throw error;
  }
  calls.add(output.callId);
}

/**
 * Mark `callId` as handled without recording anything: a call the gateway blocked (for good:
 * the firewall replays the block for its id). The model reads Writ's refusal as the tool's
 * error text, and that text is Writ's words — a reason can quote an argument the model chose —
 * never the tool's output, so no later capture may record it as basis.
 */
export function markRefused(session: FirewallSession, callId: string): void {
  callsOf(session).add(callId);
}

/** The call ids of `session` whose output is recorded (or must never be). */
function callsOf(session: FirewallSession): Set<string> {
  let calls = recorded.get(session);
  if (calls === undefined) recorded.set(session, (calls = new Set()));
  return calls;
}

/** True for the error text of a Writ refusal (`Writ refused <tool>: ...`), met in a history. */
export function isRefusalText(value: JsonValue): boolean {
  return typeof value === 'string' && value.startsWith('Writ refused ');
}

/** A tool's return value as the JSON the SDK hands the model (`undefined` → `null`, like the SDK). */
export function jsonOf(value: unknown): JsonValue {
  if (typeof value === 'string') return value;
  try {
    return (JSON.parse(JSON.stringify(value ?? null)) as JsonValue | undefined) ?? null;
  } catch {
    return String(value);
  }
}

/** The text the SDK gives the model for a thrown error (`error-text` output). */
export function errorText(error: unknown): string {
  if (error == null) return 'unknown error';
  if (typeof error === 'string') return error;
  if (error instanceof Error) return error.toString();
  try {
    return JSON.stringify(error) ?? 'unknown error';
  } catch {
    return 'unknown error';
  }
}
