import { tool } from '@langchain/core/tools';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isToolCallShaped, releasedTool, unstableArguments } from './tool-input.ts';

describe('isToolCallShaped', () => {
  it('is what langchain unwraps: an object whose type is "tool_call"', () => {
    expect(isToolCallShaped({ type: 'tool_call', args: {} })).toBe(true);
    expect(isToolCallShaped(Object.create({ type: 'tool_call' }))).toBe(true);
    for (const value of [null, undefined, 'tool_call', { type: 'tool-call' }, { kind: 'tool_call' }, []]) expect(isToolCallShaped(value)).toBe(false);
  });
});

describe('unstableArguments', () => {
  const schema = z.object({ amount: z.number() });
  it('accepts arguments a second parse leaves as they are (defaults, trim, stripped keys)', async () => {
    const stable = z.object({ iban: z.string().trim(), currency: z.string().default('EUR') });
    expect(await unstableArguments({ schema: stable, raw: { iban: ' x ', extra: 1 }, judged: stable.parse({ iban: ' x ', extra: 1 }) })).toBeUndefined();
    expect(await unstableArguments({ schema: { type: 'object' }, raw: { a: 1 }, judged: { a: 1 } })).toBeUndefined();
  });
  it('refuses tool-call-shaped arguments, raw or judged', async () => {
    expect(await unstableArguments({ schema, raw: { type: 'tool_call', args: { amount: 1 } }, judged: { amount: 1 } })).toMatch(/tool call/);
    expect(await unstableArguments({ schema: { type: 'object' }, raw: {}, judged: { type: 'tool_call', args: {} } })).toMatch(/tool call/);
  });
  it('refuses a transform that is not idempotent, or a schema that refuses its own output', async () => {
    const cents = z.object({ amount: z.number().transform((n) => n * 100) });
    expect(await unstableArguments({ schema: cents, raw: { amount: 1 }, judged: { amount: 100 } })).toMatch(/not idempotent/);
    const toText = z.object({ amount: z.number().transform(String) });
    expect(await unstableArguments({ schema: toText, raw: { amount: 1 }, judged: { amount: '1' } })).toMatch(/not idempotent/);
  });
  it('leaves arguments that are not a JSON object to the firewall', async () => {
    for (const judged of ['x', 1, null, [1], { at: new Date(0) }, { n: 10n }]) expect(await unstableArguments({ schema, raw: {}, judged })).toBeUndefined();
  });
});

describe('releasedTool', () => {
  const inner = tool((input: { amount: number }) => `ran ${input.amount}`, { name: 'pay', description: 'pay', schema: z.object({ amount: z.number() }) });
  it('runs the tool once, on the released arguments, and keeps its name and schema', async () => {
    const released = releasedTool(inner, { amount: 5 });
    expect([released.name, released.schema]).toEqual([inner.name, inner.schema]);
    expect(await released.invoke({ amount: 5 })).toBe('ran 5');
    await expect(released.invoke({ amount: 5 })).rejects.toMatchObject({ code: 'ERR_ADAPTER_TOOL_REINVOKED' });
  });
  it('refuses other arguments, also inside a tool call', async () => {
    await expect(releasedTool(inner, { amount: 5 }).invoke({ amount: 6 })).rejects.toMatchObject({ code: 'ERR_ADAPTER_ARGUMENTS_CHANGED' });
    await expect(releasedTool(inner, { amount: 5 }).invoke({ type: 'tool_call', name: 'pay', id: 'c', args: { amount: 6 } } as never)).rejects.toMatchObject({ code: 'ERR_ADAPTER_ARGUMENTS_CHANGED' });
    await expect(releasedTool(inner, { n: 1n }).invoke({ amount: 5 })).rejects.toMatchObject({ code: 'ERR_ADAPTER_ARGUMENTS_CHANGED' });
  });
});
