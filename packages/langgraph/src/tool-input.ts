import type { StructuredToolInterface } from '@langchain/core/tools';
import { interopSafeParseAsync, isInteropZodSchema } from '@langchain/core/utils/types';
import { WritError, canonicalize } from '@writ/core';

/**
 * Whether langchain would unwrap `value` as a tool call: `StructuredTool.invoke` and then
 * `StructuredTool.call` each replace an input with `type: 'tool_call'` by its `args`
 * (`_isToolCall` of @langchain/core `tools/utils`). Arguments of that shape would run with
 * their nested `args`, not the ones judged.
 */
export function isToolCallShaped(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'tool_call';
}

function canonicalOrUndefined(value: unknown): string | undefined {
  try {
    return canonicalize(value);
  } catch {
    return undefined;
  }
}

/**
 * Why the tool would not receive `judged` if it were handed `judged` (langchain validates a
 * tool's input again inside `invoke`), or `undefined` when it would. `raw` is the model's
 * argument object before validation: tool-call shaped, langchain has already unwrapped it once. The tool is handed the
 * canonical copy the gateway released; a zod schema with a transform that is not idempotent
 * (`euros * 100`), or one that refuses its own output, would run the tool on other values.
 * Arguments that are not a JSON object are left to the firewall, which refuses them.
 */
export async function unstableArguments(options: { readonly schema: unknown; readonly raw: unknown; readonly judged: unknown }): Promise<string | undefined> {
  const { schema, raw, judged } = options;
  if (isToolCallShaped(raw) || isToolCallShaped(judged)) return 'its arguments are shaped like a tool call (type "tool_call"), which langchain would unwrap';
  // Arguments that are not a JSON object are the firewall's to refuse (`ERR_INVALID_ARGUMENT`).
  if (!isInteropZodSchema(schema) || typeof judged !== 'object' || judged === null || Array.isArray(judged)) return undefined;
  const expected = canonicalOrUndefined(judged);
  if (expected === undefined) return undefined;
  const again = await interopSafeParseAsync(schema, JSON.parse(expected) as unknown);
  if (!again.success || canonicalOrUndefined(again.data) !== expected) {
    return 'its schema changes arguments it has already validated (a transform that is not idempotent), so the tool would not run on the arguments Writ judged';
  }
  return undefined;
}

/**
 * `tool` as the handler of a released call may invoke it: once, with exactly `released`.
 * A middleware listed after `writMiddleware` runs inside it, after the judgement; one that
 * rewrites the arguments or retries the handler would otherwise run the tool on other
 * arguments, or twice, under one token.
 * @throws `ERR_ADAPTER_ARGUMENTS_CHANGED`, `ERR_ADAPTER_TOOL_REINVOKED` from `invoke`, inside the
 *   gateway (the receipt records the failure; the tool does not start).
 */
export function releasedTool<T extends StructuredToolInterface>(tool: T, released: unknown): T {
  const expected = canonicalOrUndefined(released);
  let invoked = false;
  return Object.create(tool, {
    invoke: {
      value: async (input: unknown, config?: unknown): Promise<unknown> => {
        if (invoked) throw new WritError('ERR_ADAPTER_TOOL_REINVOKED', `${tool.name} was invoked again under one release; a call runs once`);
        invoked = true;
        const args = isToolCallShaped(input) ? (input as { args?: unknown }).args : input;
        if (expected === undefined || canonicalOrUndefined(args) !== expected) {
          throw new WritError('ERR_ADAPTER_ARGUMENTS_CHANGED', `${tool.name} was handed arguments other than the ones Writ released`);
        }
        return (await tool.invoke(input as never, config as never)) as unknown;
      },
    },
  }) as T;
}
