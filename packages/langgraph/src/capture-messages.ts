import type { BaseMessage } from '@langchain/core/messages';
import { WritError } from '@writ/core';
import { assertFirewallSession } from '@writ/core/adapters/checks';
import type { FirewallSession, JsonValue, ToolOutputInput } from '@writ/core';

/**
 * Who may have written the graph's messages (its input and its state). `'client'` (the
 * default): a browser or API caller may have sent them, or written them into the thread's
 * state — a ToolMessage no Writ gate of this process produced counts at most as `user` (whoever
 * sent it, not the tool it names, vouches for it) and a SystemMessage among them as a user
 * turn. `'application'`: only the application writes them: declared trust and the system prompt.
 */
export type MessageHistory = 'client' | 'application';

/** Options of {@link MessageCapture} and {@link captureFor}. */
export interface MessageCaptureOptions {
  /** Who may have written the graph's messages. Default `'client'`. */
  readonly history?: MessageHistory;
}

/**
 * Check `options.history`.
 * @throws `ERR_INVALID_ARGUMENT` naming `options` or `options.history`.
 */
export function checkHistory(options: unknown): MessageHistory | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', { details: { parameter: 'options' } });
  }
  const history: unknown = Object.hasOwn(options, 'history') ? (options as { history?: unknown }).history : undefined;
  if (history !== undefined && history !== 'client' && history !== 'application') {
    throw new WritError('ERR_INVALID_ARGUMENT', "options.history must be 'client' or 'application'", { details: { parameter: 'options.history' } });
  }
  return history;
}

/**
 * Records what the model saw as basis, once per message: system messages as the system
 * prompt (`verified`), human messages as user turns (`user`), tool messages as tool
 * outputs with the tool's declared trust. AI messages are the model's own words and are
 * not basis. A message is known by its id (LangGraph's message reducer gives every
 * message one) — a tool message by its tool-call id first — else by its type and text.
 *
 * With `history: 'client'` (the default) the messages may be a client's: a tool message that
 * no gate handed to {@link captureOutput} or {@link captureCommandOutput} first (a gate records
 * what its tool produces the moment it does) is recorded at most `user`, and a system message
 * as a user turn. The application's own system prompt goes through {@link captureSystemPrompt}.
 */
export class MessageCapture {
  /** Who may have written the messages this capture meets. */
  readonly history: MessageHistory;
  readonly #session: FirewallSession;
  readonly #seen = new Set<string>();
  // Message objects already handled: the graph hands the same objects to every gate, so a
  // message is looked at once, not once per model and tool call.
  readonly #handled = new WeakSet<object>();

  /** @throws `ERR_INVALID_ARGUMENT` naming `session`, `options` or `options.history`. */
  constructor(session: FirewallSession, options?: MessageCaptureOptions) {
    // Any object passes (the session keys the capture), as in captureFor.
    assertFirewallSession(session, 'session', []);
    this.history = checkHistory(options) ?? 'client';
    this.#session = session;
  }

  /**
   * Record the application's own system prompt (createAgent's `systemPrompt`, which the model
   * request carries apart from the graph's messages) as the system prompt, `verified`, whoever
   * wrote the messages. Anything that is not a message with text is ignored.
   * @throws `ERR_FIREWALL_CLOSED`, `ERR_FIREWALL_SESSION_ENDED`, `ERR_INVALID_ARGUMENT` (text over 1 MiB).
   */
  async captureSystemPrompt(message: BaseMessage | undefined): Promise<void> {
    if (!isMessage(message) || this.#handled.has(message)) return;
    const text = message.text;
    // createAgent hands the model an empty system message when no prompt is set: nothing was said.
    if (typeof text === 'string' && text !== '') await this.#remember(`prompt:${text}`, () => this.#session.addSystemPrompt(text));
    this.#handled.add(message);
  }

  /**
   * Record the messages not recorded yet, in order.
   * @throws `ERR_FIREWALL_CLOSED`, `ERR_FIREWALL_SESSION_ENDED`, `ERR_INVALID_ARGUMENT` (text over 1 MiB).
   */
  async capture(messages: readonly BaseMessage[] | undefined): Promise<void> {
    if (!Array.isArray(messages)) return;
    // Messages already handled are skipped without an await each (every gate sees them all).
    for (const message of messages as readonly unknown[]) {
      if (!isMessage(message) || this.#handled.has(message)) continue;
      await this.#record(message);
      this.#handled.add(message);
    }
  }

  async #record(message: BaseMessage): Promise<void> {
    const type = message.getType();
    if (type !== 'system' && type !== 'human' && type !== 'tool') return;
    // Writ's own refusal is not the tool's output (its reason may quote a model-chosen argument).
    if (type === 'tool' && isRefusal(message)) return;
    const toolCallId = type === 'tool' ? stringField(message, 'tool_call_id') : undefined;
    // A tool message is known by its call id first: the gate records the output when the
    // tool produces it, before the graph's reducer gives the message an id.
    // A gate records its tool's output when produced: one met here first may be a client's.
    const atMost = this.history === 'client' ? { atMost: 'user' as const } : {};
    if (toolCallId !== undefined) {
      const key = `tool:${toolCallId}`;
      if (this.#seen.has(key)) return;
      await this.#output(key, { tool: typeof message.name === 'string' ? message.name : 'unknown', callId: toolCallId, output: toJson(message.content), ...atMost });
      return;
    }
    const text = message.text;
    // createAgent hands the model an empty system message when no prompt is set: nothing was said.
    if (type !== 'tool' && text === '') return;
    const key = typeof message.id === 'string' && message.id !== '' ? `id:${message.id}` : `${type}:${text}`;
    if (type === 'tool') {
      await this.#output(key, { tool: typeof message.name === 'string' ? message.name : 'unknown', callId: key, output: toJson(message.content), ...atMost });
      return;
    }
    // A client does not set the system prompt: what it sends as one is its own words.
    const system = type === 'system' && this.history === 'application';
    await this.#remember(key, () => (system ? this.#session.addSystemPrompt(text) : this.#session.addUserTurn(text)));
  }

  async #remember(key: string, record: () => Promise<unknown>): Promise<void> {
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    try {
      await record();
    } catch (error) {
      this.#seen.delete(key);
      throw error;
    }
  }

  /**
   * Record a tool's output as basis the moment it is produced (once per call id), so the
   * last output of a graph run — which no later gate or model call reads — is basis too.
   * @throws `ERR_FIREWALL_CLOSED`, `ERR_FIREWALL_SESSION_ENDED`, `ERR_INVALID_ARGUMENT`.
   */
  async captureOutput(output: { readonly tool: string; readonly callId: string; readonly output: JsonValue }): Promise<void> {
    if (typeof output !== 'object' || output === null || typeof output.callId !== 'string') {
      throw new WritError('ERR_INVALID_ARGUMENT', 'output must be { tool, callId, output }', { details: { parameter: 'output' } });
    }
    await this.#output(`tool:${output.callId}`, output);
  }

  /**
   * Record the messages a tool put in the graph state through a `Command` as that tool's output,
   * with its declared trust, whatever their type: a HumanMessage or SystemMessage a tool writes
   * is still the tool's words, not the user's or the system's. Each is then known, so a later
   * gate does not record it again with the authority of its type.
   * @throws `ERR_FIREWALL_CLOSED`, `ERR_FIREWALL_SESSION_ENDED`, `ERR_INVALID_ARGUMENT`.
   */
  async captureCommandOutput(output: { readonly tool: string; readonly callId: string; readonly messages: readonly unknown[] }): Promise<void> {
    if (typeof output !== 'object' || output === null || typeof output.callId !== 'string' || !Array.isArray(output.messages)) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'output must be { tool, callId, messages }', { details: { parameter: 'output' } });
    }
    for (const [index, message] of output.messages.entries()) {
      if (!isMessage(message) || this.#handled.has(message)) continue;
      // The call's own ToolMessage is known by its call id, as when a gate meets it; anything
      // else by its place in this command (a message for another call id must not claim that id).
      const own = message.getType() === 'tool' && stringField(message, 'tool_call_id') === output.callId;
      await this.#output(own ? `tool:${output.callId}` : `command:${output.callId}:${index}`, { tool: output.tool, callId: output.callId, output: toJson(message.content) });
      this.#handled.add(message);
    }
  }

  async #output(key: string, output: ToolOutputInput): Promise<void> {
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    try {
      await this.#session.addToolOutput(output);
    } catch (error) {
      // This call's output is already basis in another form (core knows a tool output by
      // its source, the call id, and its content): the first record stands.
      if (WritError.isInstance(error) && error.code === 'ERR_BASIS_ITEM_DUPLICATE') return;
      this.#seen.delete(key);
      throw error;
    }
  }
}

/**
 * True for a ToolMessage Writ made to refuse a call (`refusalMessage`: status `error`,
 * `artifact.writ.refusal`). A forged one only keeps its own text out of the basis.
 */
function isRefusal(message: BaseMessage): boolean {
  const { artifact, status } = message as { artifact?: unknown; status?: unknown };
  if (status !== 'error' || typeof artifact !== 'object' || artifact === null) return false;
  const writ = (artifact as { writ?: unknown }).writ;
  return typeof writ === 'object' && writ !== null && (writ as { refusal?: unknown }).refusal === true;
}

function isMessage(value: unknown): value is BaseMessage {
  return typeof value === 'object' && value !== null && typeof (value as { getType?: unknown }).getType === 'function';
}

function stringField(value: object, field: string): string | undefined {
  const v = (value as Record<string, unknown>)[field];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Message content is a string or an array of content blocks; both are JSON in practice. */
function toJson(content: unknown): JsonValue {
  if (typeof content === 'string') return content;
  try {
    return JSON.parse(JSON.stringify(content ?? null)) as JsonValue;
  } catch {
    return String(content);
  }
}

const captures = new WeakMap<FirewallSession, MessageCapture>();

/**
 * The one {@link MessageCapture} of a session, shared by every gate on it (so each message is
 * recorded once). The first call fixes the session's `history` (default `'client'`); a later
 * call may omit it or must name the same.
 * @throws `ERR_INVALID_ARGUMENT` naming `session`, `options` or `options.history` (also when it
 *   contradicts the history the session's capture already has).
 */
export function captureFor(session: FirewallSession, options?: MessageCaptureOptions): MessageCapture {
  assertFirewallSession(session, 'session', []);
  const history = checkHistory(options);
  let capture = captures.get(session);
  if (capture === undefined) {
    capture = new MessageCapture(session, history === undefined ? {} : { history });
    captures.set(session, capture);
  } else if (history !== undefined && history !== capture.history) {
    throw new WritError('ERR_INVALID_ARGUMENT', `options.history is '${history}' but the gates of this session already record its messages as history '${capture.history}': pass the same history to every gate of a session`, {
      details: { parameter: 'options.history' },
    });
  }
  return capture;
}
