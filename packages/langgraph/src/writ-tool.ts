import type { BaseMessage } from '@langchain/core/messages';
import type { ToolRunnableConfig } from '@langchain/core/tools';
import { tool } from '@langchain/core/tools';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { WritError } from '@writ/core';
import { captureFor } from './capture-messages.ts';
import type { WritGateOptions } from './gate-tool-call.ts';
import { checkGateOptions, gateToolCall, refusalMessage } from './gate-tool-call.ts';
import { unstableArguments } from './tool-input.ts';

/** Options of {@link writTool}. */
export type WritToolOptions = WritGateOptions;

/**
 * Wrap a langchain tool for a `StateGraph` with LangGraph's `ToolNode`: a new tool with
 * the same name, description and schema whose calls go through Writ (the tool node has
 * already validated the arguments against the schema). Before judging, it records the
 * graph's messages (`runtime.state.messages`) as basis, each once (with `history: 'client'`, the
 * default, a ToolMessage no Writ gate of this process produced at most `user` and a SystemMessage
 * as a user turn: record your own system prompt with `session.addSystemPrompt`). A block returns an
 * error ToolMessage with the reason the model reads; an approval pauses the graph with
 * `interrupt()` (compile with a checkpointer, resume with `new Command({ resume: signedApproval })`);
 * an allowed call invokes the inner tool through the gateway.
 * @throws `ERR_INVALID_ARGUMENT` when `inner` is not a tool, `options.session` not a firewall session,
 *   or `options.history` not `'client'` / `'application'` or not the history other gates of the session named.
 */
export function writTool(inner: StructuredToolInterface, options: WritToolOptions): StructuredToolInterface {
  if (typeof inner !== 'object' || inner === null || typeof inner.invoke !== 'function' || typeof inner.name !== 'string') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'inner must be a langchain tool', { details: { parameter: 'inner' } });
  }
  checkGateOptions(options);
  const capture = captureFor(options.session, options);
  return tool(
    async (input: unknown, config: ToolRunnableConfig & { state?: { messages?: BaseMessage[] }; toolCallId?: string }) => {
      const callId = config.toolCall?.id ?? config.toolCallId ?? '';
      // langchain unwrapped a tool-call-shaped input before this function (and would again
      // in the inner tool): judge only arguments the inner tool receives unchanged.
      const unstable = await unstableArguments({ schema: inner.schema, raw: config.toolCall?.args, judged: input });
      if (unstable !== undefined) {
        return refusalMessage({ tool: inner.name, callId, content: `Writ refused ${inner.name}: ${unstable}. Nothing was run.`, code: 'ERR_ADAPTER_ARGUMENTS_UNSTABLE' });
      }
      await capture.capture(config.state?.messages);
      const { toolCall: _toolCall, ...rest } = config;
      return gateToolCall({
        ...options,
        tool: inner.name,
        callId,
        args: input,
        run: async (checked) => inner.invoke(checked, rest) as Promise<unknown>,
      });
    },
    { name: inner.name, description: inner.description, schema: inner.schema },
  );
}
