/**
 * Adapter overhead per tool call on the AI SDK's own loop (`generateText` with
 * `MockLanguageModelV4`), three cases interleaved in one run:
 *
 *   a. the loop with the plain tool (no Writ),
 *   b. the same loop through the adapter (writToolApproval + writTools),
 *   c. the core enforce path alone, no framework: the user turn, then for each call
 *      session.execute and the output recorded as basis — the firewall work the loop asks for,
 *   d. the same loop hand-wired: the user's own tool calls session.execute and addToolOutput
 *      (the core API with no adapter; the same firewall work, inside the framework's process).
 *
 * overhead = (b − a − c) / c on the medians over rounds of CPU µs per call, and what the
 * adapter adds over hand-wiring in the same loop, (b − d) / (d − a)
 * (`@writ/example-kit/bench`, the same helper and definition as the other adapters).
 * Run once with an allow-everything policy (the firewall's own cost is then mostly signing
 * and the ledger) and once with the shared Rego policies. Batched durability, memory stores.
 *
 *   pnpm --filter @writ/ai-sdk bench     (BENCH_ROUNDS, BENCH_CALLS override)
 */
import type { FirewallPolicy } from '@writ/core';
import { sharedPolicies } from '@writ/example-kit';
import { generateText, stepCountIs, tool } from 'ai';
import type { ToolSet } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';
import { writToolApproval, writTools } from '../src/index.ts';
import { adapterOverhead, ALLOW_ALL, benchFirewall, coreCall, coreEnforceCase, interleave, load, report } from '@writ/example-kit/bench';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const CALLS = Number(process.env.BENCH_CALLS ?? 5);
const TASK = 'Please refund order 7731, 40 EUR.';
const DECLARATIONS = {
  tools: [{ name: 'refund_issue', actionClass: 'A3', effects: ['financial'], audience: 'customer', consequential: { order: 'identifier', amount: 'amount' } }],
};

let refunds = 0;
const refund = ({ order, amount }: { order: string; amount: number }) => ({ order, refunded: amount, reference: `R${(refunds += 1)}` });
const inputSchema = z.object({ order: z.string(), amount: z.number() });
const plain: ToolSet = { refund_issue: tool({ description: 'Refund an order', inputSchema, execute: refund }) };

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
/** CALLS model turns with one refund call each, then a final answer. */
function model(round: number): MockLanguageModelV4 {
  const turns = Array.from({ length: CALLS }, (_, i) => ({
    content: [{ type: 'tool-call' as const, toolCallId: `r${round}c${i}`, toolName: 'refund_issue', input: JSON.stringify({ order: '7731', amount: 40 }) }],
    finishReason: { unified: 'tool-calls' as const, raw: undefined },
    usage,
    warnings: [],
  }));
  return new MockLanguageModelV4({
    doGenerate: [...turns, { content: [{ type: 'text' as const, text: 'done' }], finishReason: { unified: 'stop' as const, raw: undefined }, usage, warnings: [] }],
  });
}

async function loop(options: { round: number; tools: ToolSet; toolApproval?: ReturnType<typeof writToolApproval> }): Promise<void> {
  const before = refunds;
  await generateText({
    model: model(options.round),
    tools: options.tools,
    ...(options.toolApproval === undefined ? {} : { toolApproval: options.toolApproval }),
    messages: [{ role: 'user', content: TASK }],
    stopWhen: stepCountIs(CALLS + 2),
  });
  if (refunds - before !== CALLS) throw new Error(`expected ${CALLS} refunds, got ${refunds - before}`);
}

async function compare(title: string, policy: FirewallPolicy): Promise<string> {
  const firewall = await benchFirewall(policy, DECLARATIONS);
  const open = () => firewall.openSession({ principal: { id: 'alice', roles: ['support'], tenant: 'acme' }, agent: { id: 'bench', framework: 'ai-sdk' } });
  const results = await interleave({
    rounds: ROUNDS,
    calls: CALLS,
    warmup: 3,
    cases: {
      bare: (round) => loop({ round, tools: plain }),
      withWrit: async (round) => {
        const session = await open();
        await loop({ round, tools: writTools(plain, { session }), toolApproval: writToolApproval({ session }) });
        await session.end();
      },
      core: coreEnforceCase({ open, task: TASK, tool: 'refund_issue', args: { order: '7731', amount: 40 }, run: (args) => refund(args as { order: string; amount: number }), calls: CALLS }),
      corePaused: coreEnforceCase({ open, task: TASK, tool: 'refund_issue', args: { order: '7731', amount: 40 }, run: (args) => refund(args as { order: string; amount: number }), calls: CALLS, pauseMs: 2 }),
      handWired: async (round) => {
        const session = await open();
        await session.addUserTurn(TASK);
        const handWired: ToolSet = {
          refund_issue: tool({
            description: 'Refund an order',
            inputSchema,
            execute: (input, { toolCallId }) => coreCall(session, { tool: 'refund_issue', args: input, callId: toolCallId }, (args) => refund(args as { order: string; amount: number })),
          }),
        };
        await loop({ round, tools: handWired });
        await session.end();
      },
    },
  });
  await firewall.close();
  return report({
    title,
    rows: [
      ['a. generateText + mock, plain tool', results.bare],
      ['b. same loop, writToolApproval + writTools', results.withWrit],
      ['c. core enforce path alone (no framework)', results.core],
      ['c″. the same, 2 ms pause before each call (control, not in the formula)', results.corePaused],
      ['d. same loop, tool hand-wired to session.execute (no adapter)', results.handWired],
    ],
    overhead: adapterOverhead(results),
  });
}

const loadBefore = load();
const fast = await compare('allow-all policy (evaluateSync)', ALLOW_ALL);
const rego = await compare('shared Rego policies (@writ/policies)', await sharedPolicies());
console.log(`Node ${process.version}, ai ${(await import('ai/package.json', { with: { type: 'json' } })).default.version}, ${ROUNDS} rounds × ${CALLS} calls per case, interleaved`);
console.log(`load average before: ${loadBefore}; after: ${load()} (2 cores, shared)\n`);
console.log(fast);
console.log(rego);
