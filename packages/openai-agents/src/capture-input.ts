import { WritError } from '@writ/core';
import type { FirewallSession } from '@writ/core';
import { assertFirewallSession } from '@writ/core/adapters/checks';

/** Options of {@link captureInput}. */
export interface CaptureInputOptions {
  /**
   * Who wrote the input. `'client'`: a browser or API caller sent it (a chat request's
   * history): its system and developer messages are the client's words and become user turns —
   * a client does not set the system prompt. Default `'application'`: the application built
   * the input, and its system and developer messages are the system prompt (`verified`).
   */
  readonly from?: 'client' | 'application';
}

/**
 * Records the run input as basis: a string or user messages become user turns, system or
 * developer messages the system prompt (user turns with `from: 'client'`). Tool outputs in the
 * input are not recorded: the guarded tools record theirs, with their declared trust, as they
 * are produced.
 * @throws `ERR_INVALID_ARGUMENT` (`session`, `options.from`).
 */
export async function captureInput(session: FirewallSession, input: unknown, options: CaptureInputOptions = {}): Promise<void> {
  assertFirewallSession(session, 'session', ['addSystemPrompt', 'addUserTurn']);
  if (typeof options !== 'object' || options === null || (options.from !== undefined && options.from !== 'client' && options.from !== 'application')) {
    throw new WritError('ERR_INVALID_ARGUMENT', "options.from must be 'client' or 'application'", { details: { parameter: 'options.from' } });
  }
  const client = options.from === 'client';
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
    else if (role === 'system' || role === 'developer') await (client ? session.addUserTurn(text) : session.addSystemPrompt(text));
  }
}
