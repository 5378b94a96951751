import { interopSafeParseAsync, isInteropZodSchema } from '@langchain/core/utils/types';
import { createMiddleware } from 'langchain';
import type { ToolMessage } from 'langchain';
import type { Command } from '@langchain/langgraph';
import { captureFor } from './capture-messages.ts';
import type { WritGateOptions } from './gate-tool-call.ts';
import { checkGateOptions, gateToolCall, refusalMessage } from './gate-tool-call.ts';
import { releasedTool, unstableArguments } from './tool-input.ts';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { WritError } from '@writ/core';

/** Options of {@link writMiddleware}. */
export type WritMiddlewareOptions = WritGateOptions;

function issuesText(error: unknown): string {
  const issues = (error as { issues?: { path?: PropertyKey[]; message?: string }[] } | undefined)?.issues;
  if (!Array.isArray(issues) || issues.length === 0) return 'the arguments do not match the tool schema';
  return issues
    .slice(0, 5)
    .map((i) => `${(i.path ?? []).map(String).join('.') || '(root)'}: ${i.message ?? 'invalid'}`)
    .join('; ');
}

/**
 * Middleware for langchain's `createAgent` that puts every tool call through Writ.
 *
 * - Before each model call it records what the model is about to see (system prompt,
 *   user turns, tool outputs) as basis, each message once. With `history: 'client'` (the
 *   default) a ToolMessage no Writ gate of this process produced counts at most as `user` and a
 *   SystemMessage in the graph's messages as a user turn; createAgent's `systemPrompt` stays
 *   the system prompt.
 * - Each tool call's raw arguments are validated against the tool's schema first (an
 *   invalid call never reaches the firewall); then the firewall judges the validated
 *   arguments: a block returns an error ToolMessage with the reason the model can read,
 *   an approval pauses the graph with `interrupt()` (resume with
 *   `new Command({ resume: signedApproval })`; needs a checkpointer), and an allowed call
 *   runs through the gateway with its outcome receipt recorded.
 *
 * @throws `ERR_INVALID_ARGUMENT` when `options.session` is not a firewall session, `options.onEvent`
 *   not a function, or `options.history` not `'client'` / `'application'` or not the history other
 *   gates of the session already named.
 * @example
 * const agent = createAgent({ model, tools, middleware: [writMiddleware({ session })], checkpointer: new MemorySaver() });
 */
export function writMiddleware(options: WritMiddlewareOptions) {
  const { session } = checkGateOptions(options);
  // The session's one capture, with the history these options name (their own field only).
  const capture = captureFor(session, options);
  return createMiddleware({
    name: 'WritFirewall',
    wrapModelCall: async (request, handler) => {
      // Called by the agent runtime; a malformed request is refused, not a TypeError.
      if (typeof request !== 'object' || request === null || !Array.isArray(request.messages) || typeof handler !== 'function') {
        throw new WritError('ERR_INVALID_ARGUMENT', 'wrapModelCall needs a model request with messages and a handler', { details: { parameter: 'request' } });
      }
      // The request's system message is the application's (createAgent's systemPrompt); a
      // SystemMessage among the graph's messages may be a client's (see `history`).
      await capture.captureSystemPrompt(request.systemMessage);
      await capture.capture(request.messages);
      return handler(request);
    },
    wrapToolCall: async (request, handler): Promise<ToolMessage | Command> => {
      if (
        typeof request !== 'object' ||
        request === null ||
        typeof request.toolCall !== 'object' ||
        request.toolCall === null ||
        typeof request.toolCall.name !== 'string' ||
        typeof request.state !== 'object' ||
        request.state === null ||
        typeof handler !== 'function'
      ) {
        throw new WritError('ERR_INVALID_ARGUMENT', 'wrapToolCall needs a tool call request with state and a handler', { details: { parameter: 'request' } });
      }
      const { toolCall } = request;
      const callId = toolCall.id ?? '';
      await capture.capture(request.state.messages);
      // ToolNode runs `request.tool`, found by the call's name; a middleware before this one
      // that swapped it would have one tool judged under the name of another.
      if (request.tool !== undefined && request.tool.name !== toolCall.name) {
        throw new WritError('ERR_ADAPTER_TOOL_MISMATCH', `the call names ${toolCall.name} but the handler would run another tool; Writ judges a call under the name of the tool that runs`, {
          details: { parameter: 'request.tool' },
        });
      }
      let args: unknown = toolCall.args;
      const schema: unknown = request.tool?.schema;
      if (isInteropZodSchema(schema)) {
        const parsed = await interopSafeParseAsync(schema, args);
        if (!parsed.success) {
          return refusalMessage({ tool: toolCall.name, callId, content: `Invalid arguments for ${toolCall.name}: ${issuesText(parsed.error)}. Nothing was run.` });
        }
        args = parsed.data;
      }
      // The tool validates its input again inside the handler: judge only arguments it
      // would receive unchanged (not tool-call shaped, not moved by a second parse).
      const unstable = await unstableArguments({ schema, raw: toolCall.args, judged: args });
      if (unstable !== undefined) {
        return refusalMessage({ tool: toolCall.name, callId, content: `Writ refused ${toolCall.name}: ${unstable}. Nothing was run.`, code: 'ERR_ADAPTER_ARGUMENTS_UNSTABLE' });
      }
      const { tool } = request;
      return (await gateToolCall({
        ...options,
        tool: toolCall.name,
        callId,
        args,
        // Middleware listed after this one runs inside the release: the tool it reaches
        // runs once, on the released arguments, or not at all.
        run: async (checked) => handler({ ...request, toolCall: { ...toolCall, args: checked }, ...(tool === undefined ? {} : { tool: releasedTool(tool as StructuredToolInterface, checked) }) }),
      })) as ToolMessage | Command;
    },
  });
}
