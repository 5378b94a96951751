import { WritError } from '@writ/core';
import type { FirewallSession, JsonValue } from '@writ/core';
import { isRefusalText, recordToolOutput } from './tool-outputs.ts';
import { assertFirewallSession } from '@writ/core/adapters/checks';

// Messages already recorded, per session: frameworks hand the whole history to every
// callback, and each message must become exactly one basis item.
const seen = new WeakMap<FirewallSession, Set<string>>();
// Message objects already handled, so a history handed again as the same objects is not
// re-serialised on every step.
const handled = new WeakMap<FirewallSession, WeakSet<object>>();

function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const part of content as unknown[]) {
    if (typeof part !== 'object' || part === null) continue;
    const { type, text } = part as { type?: unknown; text?: unknown };
    if (type === 'text' && typeof text === 'string') parts.push(text);
  }
  return parts.length > 0 ? parts.join('\n') : undefined;
}

// AI SDK tool results carry `output: { type: 'json' | 'text' | 'error-text' | ..., value }`.
function outputValue(output: unknown): JsonValue | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const { type, value } = output as { type?: unknown; value?: unknown };
  if (type === 'json' || type === 'text' || type === 'error-text' || type === 'error-json') return value as JsonValue;
  return undefined;
}

/** Options of {@link captureBasis}. */
export interface CaptureBasisOptions {
  /**
   * Who wrote `messages`. `'client'`: a browser or API caller sent them (a `useChat` request's
   * history): a tool result in them counts at most as `user` (whoever sent it, not the tool,
   * vouches for it) and a system message as a user turn (a client does not set the system
   * prompt). Record a request's messages this way before handing them to the SDK; each message
   * and call id is recorded once, so the gates that meet them again do not raise them. Default:
   * the application's own (`'application'`): declared trust.
   */
  readonly from?: 'client' | 'application';
}

/**
 * Records what the model saw, from AI SDK `ModelMessage`s, as basis of the session:
 * system messages as the system prompt, user turns as `user` authority, tool results with
 * the declared trust of the tool that produced them (capped at `user` with `from: 'client'`).
 * Each message is recorded once, and a tool output once per call id (the gateway of
 * `writTools` records it when it is produced).
 * @throws `ERR_INVALID_ARGUMENT` (session, options), the session's errors.
 */
export async function captureBasis(session: FirewallSession, messages: readonly unknown[] | undefined, options: CaptureBasisOptions = {}): Promise<void> {
  assertFirewallSession(session, 'session', ['addSystemPrompt', 'addUserTurn']);
  if (typeof options !== 'object' || options === null || (options.from !== undefined && options.from !== 'client' && options.from !== 'application')) {
    throw new WritError('ERR_INVALID_ARGUMENT', "options.from must be 'client' or 'application'", { details: { parameter: 'options.from' } });
  }
  const client = options.from === 'client';
  if (!Array.isArray(messages)) return;
  let done = seen.get(session);
  if (done === undefined) seen.set(session, (done = new Set()));
  let objects = handled.get(session);
  if (objects === undefined) handled.set(session, (objects = new WeakSet()));
  for (const message of messages as readonly unknown[]) {
    if (typeof message !== 'object' || message === null || objects.has(message)) continue;
    objects.add(message);
    const key = JSON.stringify(message);
    if (done.has(key)) continue;
    done.add(key);
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (role === 'system' || role === 'user') {
      const text = textOf(content);
      if (text === undefined) continue;
      await (role === 'system' && !client ? session.addSystemPrompt(text) : session.addUserTurn(text));
    } else if (role === 'tool' && Array.isArray(content)) {
      for (const part of content as unknown[]) {
        if (typeof part !== 'object' || part === null) continue;
        const { type, toolName, toolCallId, output } = part as Record<string, unknown>;
        const value = outputValue(output);
        if (type !== 'tool-result' || typeof toolName !== 'string' || typeof toolCallId !== 'string' || value === undefined) continue;
        // Writ's refusal (the error text of a blocked call) is Writ's words, not the tool's output:
        // its reason can quote an argument the model chose. A forged one only keeps itself out.
        if ((output as { type?: unknown }).type === 'error-text' && isRefusalText(value)) continue;
        await recordToolOutput(session, { tool: toolName, callId: toolCallId, output: value, ...(client && { atMost: 'user' as const }) });
      }
    }
  }
}
