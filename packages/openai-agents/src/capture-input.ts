import type { FirewallSession } from '@writ/core';
import { assertFirewallSession } from '@writ/core/adapters/checks';

/**
 * Records the run input as basis: a string or user messages become user turns, system or
 * developer messages the system prompt. (Tool outputs are recorded by the guarded tools
 * themselves, with their declared trust, as they are produced.)
 */
export async function captureInput(session: FirewallSession, input: unknown): Promise<void> {
  assertFirewallSession(session, 'session', ['addSystemPrompt', 'addUserTurn']);
  if (typeof input === 'string') {
    await session.addUserTurn(input);
    return;
  }
  if (!Array.isArray(input)) return;
  for (const item of input as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { role, content } = item as { role?: unknown; content?: unknown };
    const text =
      typeof content === 'string'
        ? content
        : Array.isArray(content)
          ? (content as unknown[])
              .map((part) => (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
              .filter((part) => part !== '')
              .join('\n')
          : '';
    if (text === '') continue;
    if (role === 'user') await session.addUserTurn(text);
    else if (role === 'system' || role === 'developer') await session.addSystemPrompt(text);
  }
}
