import { ToolGuardrailFunctionOutputFactory, defineToolInputGuardrail, defineToolOutputGuardrail, tool } from '@openai/agents';
import type { FunctionTool, RunContext, ToolInputGuardrailDefinition, ToolOutputGuardrailDefinition } from '@openai/agents';
import { WritError } from '@writ/core';
import type { FirewallSession, GuardResult, JsonObject, JsonValue, PendingApproval } from '@writ/core';
import type { z } from 'zod';
import { rememberInput } from './call-inputs.ts';
import { assertFirewallSession, assertOptionsObject } from '@writ/core/adapters/checks';

/** What a Writ-guarded tool needs besides its definition. */
export interface WritToolOptions {
  readonly session: FirewallSession;
  /** Called with every pending approval request (show it to the approvers it names). */
  readonly onApprovalRequired?: (pending: PendingApproval, callId: string) => void;
  /** Called with every guard result (logging, UIs). */
  readonly onDecision?: (result: GuardResult) => void;
}

/** A tool definition as `tool()` of `@openai/agents` takes it, with a zod object schema. */
export interface WritToolDefinition<TParameters extends z.ZodObject, Result> {
  readonly name: string;
  readonly description: string;
  readonly parameters: TParameters;
  /** Runs only through the Writ gateway, with the arguments the token was checked against. */
  execute(input: z.infer<TParameters>, runContext?: RunContext): Result | Promise<Result>;
  /** The application's own tool input guardrails: they run after Writ's `writ-firewall`. */
  readonly inputGuardrails?: readonly ToolInputGuardrailDefinition[];
  /** The application's own tool output guardrails: they run after Writ's `writ-receipt`. */
  readonly outputGuardrails?: readonly ToolOutputGuardrailDefinition[];
}

function reasonOf(error: unknown): string {
  const code = WritError.isInstance(error) ? error.code : 'ERR_INTERNAL';
  return `Writ could not judge this call (${code}); it was not run.`;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.toString();
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? 'unknown error';
  } catch {
    return 'unknown error';
  }
}

/**
 * Builds an Agents SDK function tool whose every call is judged by the Writ firewall:
 * `needsApproval` decides on the validated input and call id (approval-required →
 * interruption), a tool input guardrail rejects blocked calls with the reason the model
 * reads (`rejectContent`), `execute` runs only through the gateway (token checked against
 * the actual arguments and consumed; outcome receipt written) and records the output as
 * basis with the tool's declared trust, and a tool output guardrail refuses an output that
 * has no receipt (a refusal by the gateway reaches the model with its own reason). Every
 * judgement is idempotent per call id.
 * @example
 * ```ts
 * const refund = writTool({ name: 'refund_issue', description: 'Refund an order',
 *   parameters: z.object({ order: z.string(), amount: z.number() }),
 *   execute: ({ order, amount }) => payments.refund(order, amount) }, { session });
 * ```
 */
export function writTool<TParameters extends z.ZodObject, Result extends JsonValue>(
  definition: WritToolDefinition<TParameters, Result>,
  options: WritToolOptions,
): FunctionTool<unknown, TParameters, string> {
  assertOptionsObject(options);
  const { session } = options;
  assertFirewallSession(session, 'options.session', ['guard', 'execute']);
  assertOptionsObject(definition, 'definition');
  const { name, parameters } = definition;
  if (typeof name !== 'string' || name === '') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'definition.name must be a non-empty string', { details: { parameter: 'definition.name' } });
  }
  if (typeof definition.execute !== 'function') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'definition.execute must be a function', { details: { parameter: 'definition.execute' } });
  }
  // Writ decides approvals from the policy; an approval of the application's own here would be
  // dropped without a word (the SDK tool has one needsApproval), so it is refused instead.
  if ((definition as { needsApproval?: unknown }).needsApproval !== undefined) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'definition.needsApproval is not taken: Writ decides approvals from the policy (require-approval)', {
      details: { parameter: 'definition.needsApproval' },
    });
  }
  const ownInput = guardrailsOf(definition.inputGuardrails, 'definition.inputGuardrails');
  const ownOutput = guardrailsOf(definition.outputGuardrails, 'definition.outputGuardrails');
  const receipts = new Set<string>();
  // Calls the gateway refused: their output is the refusal text this adapter wrote, not a tool's.
  const refusals = new Set<string>();

  // This call's output is already basis in another form (core knows a tool output by its
  // source, the call id, and its content): the first record stands. The tool ran and its
  // words are recorded — the collision must not turn its result into an error for the model.
  const recordOutput = async (output: { readonly tool: string; readonly callId: string; readonly output: JsonValue }): Promise<void> => {
    try {
      await session.addToolOutput(output);
    } catch (error) {
      if (!(WritError.isInstance(error) && error.code === 'ERR_BASIS_ITEM_DUPLICATE')) throw error;
    }
  };

  const guard = async (args: unknown, callId: string): Promise<GuardResult> => {
    const result = await session.guard({ tool: name, args, callId });
    options.onDecision?.(result);
    return result;
  };

  const inputGuardrail = defineToolInputGuardrail({
    name: 'writ-firewall',
    run: async ({ toolCall }) => {
      try {
        const parsed = parameters.safeParse(JSON.parse(toolCall.arguments));
        if (!parsed.success) return ToolGuardrailFunctionOutputFactory.rejectContent(`Writ refused ${name}: the arguments do not match its schema.`);
        const result = await guard(parsed.data, toolCall.callId);
        if (result.verdict === 'execute') return ToolGuardrailFunctionOutputFactory.allow();
        return ToolGuardrailFunctionOutputFactory.rejectContent(result.reason);
      } catch (error) {
        return ToolGuardrailFunctionOutputFactory.rejectContent(reasonOf(error));
      }
    },
  });

  const outputGuardrail = defineToolOutputGuardrail({
    name: 'writ-receipt',
    run: ({ toolCall }) =>
      Promise.resolve(
        receipts.has(toolCall.callId) || refusals.has(toolCall.callId)
          ? ToolGuardrailFunctionOutputFactory.allow()
          : ToolGuardrailFunctionOutputFactory.rejectContent(`Writ refused the output of ${name}: it has no outcome receipt.`),
      ),
  });

  return buildTool(() => tool({
    name,
    description: definition.description,
    parameters: parameters as never,
    needsApproval: async (_runContext, input, callId) => {
      if (callId === undefined) return true; // nothing to bind a decision to: a person decides
      rememberInput(session, callId, input);
      try {
        const result = await guard(input, callId);
        if (result.verdict === 'approval-required') {
          options.onApprovalRequired?.(result.pending, callId);
          return true;
        }
      } catch {
        // The input guardrail judges again and refuses with the error code.
      }
      return false;
    },
    inputGuardrails: [inputGuardrail, ...ownInput] as never,
    outputGuardrails: [outputGuardrail, ...ownOutput] as never,
    execute: async (input, runContext, details) => {
      const callId = details?.toolCall?.callId;
      if (callId === undefined) return `Writ refused ${name}: the call has no id to bind a token to.`;
      const run = await session.execute({ tool: name, args: input, callId }, (args: JsonObject) =>
        definition.execute(args as z.infer<TParameters>, runContext),
      );
      switch (run.status) {
        case 'executed':
          receipts.add(callId);
          await recordOutput({ tool: name, callId, output: run.result });
          return typeof run.result === 'string' ? run.result : JSON.stringify(run.result);
        case 'failed':
          receipts.add(callId);
          // The runner hands the model the error's text: that is what the tool said, so basis too.
          await recordOutput({ tool: name, callId, output: errorText(run.error) });
          throw run.error;
        case 'blocked':
        case 'approval-required':
          refusals.add(callId);
          return run.guard.reason;
      }
    },
  }));
}

/** The application's guardrails of a definition, checked to be a list of `{ name, run }`. */
function guardrailsOf<T>(value: readonly T[] | undefined, parameter: string): readonly T[] {
  if (value === undefined) return [];
  const list: unknown = value;
  if (!Array.isArray(list) || !(list as unknown[]).every((g) => typeof g === 'object' && g !== null && typeof (g as { run?: unknown }).run === 'function')) {
    throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be an array of tool guardrails`, { details: { parameter } });
  }
  return value;
}

/** The SDK's `tool()`, its refusals (a schema it cannot read) raised as `ERR_INVALID_ARGUMENT`. */
function buildTool<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (WritError.isInstance(error)) throw error;
    throw new WritError('ERR_INVALID_ARGUMENT', 'definition was refused by the Agents SDK (parameters must be a zod object schema)', {
      cause: error,
      details: { parameter: 'definition.parameters' },
    });
  }
}
