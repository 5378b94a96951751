import type { FirewallSession, GuardBlock, GuardApprovalRequired, JsonObject, JsonValue } from '@writ/core';
import { WritError } from '@writ/core';
import type { ToolSet } from 'ai';
import { markGated } from './gated-tools.ts';
import { errorText, jsonOf, markRefused, recordToolOutput } from './tool-outputs.ts';
import { assertFirewallSession, assertOptionsObject } from '@writ/core/adapters/checks';

/** Thrown into the SDK when the gateway refuses a call; the model reads its message as the tool error. */
export class WritToolRefusedError extends Error {
  override readonly name = 'WritToolRefusedError';
  readonly guard: GuardBlock | GuardApprovalRequired;
  constructor(guard: GuardBlock | GuardApprovalRequired) {
    super(guard.reason);
    this.guard = guard;
  }
}

type Execute = (input: unknown, options: { readonly toolCallId: string }) => unknown;

/**
 * Wraps every tool of a `ToolSet` so its `execute` runs only through the Writ gateway:
 * the call is guarded (idempotently per `toolCallId`), its token is checked against the
 * actual arguments and consumed, the tool runs, an outcome receipt is recorded, and the
 * output (or the error text the model will read) is recorded as basis right away, with the
 * tool's declared trust — so the last output of a conversation is basis too. A
 * refused call throws {@link WritToolRefusedError} (the model sees the reason) and the
 * tool never runs. Tools without `execute` (client-side tools) are returned unchanged.
 * @throws WritError `ERR_INVALID_ARGUMENT` when `tools` is not an object or `options.session` has no
 *   `execute` and `addToolOutput` (a Firewall handed as the session fails here, not at each call).
 */
export function writTools<TOOLS extends ToolSet>(
  tools: TOOLS,
  options: { readonly session: FirewallSession },
): TOOLS {
  if (typeof tools !== 'object' || tools === null) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'tools must be a ToolSet object', {
      details: { parameter: 'tools' },
    });
  }
  assertOptionsObject(options);
  const { session } = options;
  assertFirewallSession(session, 'options.session', ['execute', 'addToolOutput']);
  const wrapped: Record<string, unknown> = {};
  for (const [name, tool] of Object.entries(tools)) {
    const execute = (tool as { execute?: Execute } | null)?.execute;
    if (typeof execute !== 'function') {
      wrapped[name] = tool;
      continue;
    }
    const gatedExecute = async (
      input: unknown,
      executionOptions: { readonly toolCallId: string },
    ) => {
      const run = await session.execute(
        { tool: name, args: input, callId: executionOptions.toolCallId },
        (args: JsonObject) => execute.call(tool, args, executionOptions),
      );
      const record = (output: JsonValue) => recordToolOutput(session, { tool: name, callId: executionOptions.toolCallId, output });
      switch (run.status) {
        case 'executed':
          // Basis the moment it exists: the last output of a conversation meets no later gate.
          await record(jsonOf(run.result));
          return run.result;
        case 'failed':
          // The model reads the error text (the SDK's `error-text` output): that is basis too.
          await record(errorText(run.error));
          throw run.error;
        case 'blocked':
          // Writ's reason is what the model reads as this call's error: never basis.
          markRefused(session, executionOptions.toolCallId);
          throw new WritToolRefusedError(run.guard);
        case 'approval-required':
          throw new WritToolRefusedError(run.guard);
      }
    };
    markGated(gatedExecute, session);
    wrapped[name] = { ...tool, execute: gatedExecute };
  }
  return wrapped as TOOLS;
}
