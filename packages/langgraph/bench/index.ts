/**
 * Adapter overhead per tool call on langchain's own agent loop (`createAgent` with
 * `fakeModel`), cases interleaved in one run:
 *
 *   a. the loop with the plain tool (no Writ),
 *   a′. the same loop with a pass-through middleware (what the framework's middleware
 *       machinery costs by itself; reported, part of the adapter's overhead),
 *   b. the same loop with writMiddleware,
 *   c. the core enforce path alone, no framework: the user turn, then for each call
 *      session.execute and the output recorded as basis — the firewall work the loop asks for,
 *   d. the same loop hand-wired: the user's own tool calls session.execute and addToolOutput
 *      (the core API with no adapter; the same firewall work, inside the framework's process).
 *
 * overhead = (b − a − c) / c on the medians over rounds of CPU µs per call, and what the
 * adapter adds over hand-wiring in the same loop, (b − d) / (d − a)
 * (`@writ/example-kit/bench`, the same helper and definition as the other adapters).
 * Run once with an allow-everything policy and once with the shared Rego policies.
 * Batched durability, memory stores.
 *
 *   pnpm --filter @writ/langgraph bench      (BENCH_ROUNDS, BENCH_CALLS override)
 */
import { readFile } from 'node:fs/promises';
import { tool } from '@langchain/core/tools';
import type { FirewallPolicy } from '@writ/core';
import { sharedPolicies } from '@writ/example-kit';
import { adapterOverhead, ALLOW_ALL, benchFirewall, coreCall, coreEnforceCase, interleave, load, median, report } from '@writ/example-kit/bench';
import { AIMessage, HumanMessage, createAgent, createMiddleware, fakeModel } from 'langchain';
import { z } from 'zod';
import { writMiddleware } from '../src/index.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const CALLS = Number(process.env.BENCH_CALLS ?? 5);
const IBAN = 'DE89370400440532013000';
const TASK = `Pay 120 EUR to ${IBAN} for each open invoice`;
const DECLARATIONS = {
  tools: [{ name: 'vendor_pay', actionClass: 'A3', effects: ['financial'], audience: 'partner', consequential: { iban: 'iban', amount: 'amount' } }],
};

let paid = 0;
/** Every output is distinct (a payment reference), in the loop and on the core path alike. */
const receipt = (iban: unknown, amount: unknown): string => `paid ${String(amount)} to ${String(iban)}, reference P${(paid += 1)}`;
const pay = tool(({ iban, amount }) => receipt(iban, amount), {
  name: 'vendor_pay',
  description: 'Pay a vendor',
  schema: z.object({ iban: z.string(), amount: z.number() }),
});

/** CALLS model turns with one payment each, then a final answer. */
function script(round: number) {
  let model = fakeModel();
  for (let i = 0; i < CALLS; i++) model = model.respondWithTools([{ name: 'vendor_pay', args: { iban: IBAN, amount: 120 }, id: `r${round}c${i}` }]);
  return model.respond(new AIMessage('done'));
}

/** A middleware that only passes through: what the framework's own middleware machinery costs. */
const passThrough = createMiddleware({
  name: 'PassThrough',
  wrapModelCall: (request, handler) => handler(request),
  wrapToolCall: (request, handler) => handler(request),
});

const limit = { recursionLimit: 4 * CALLS + 10 };

async function loop(round: number, middleware: Parameters<typeof createAgent>[0]['middleware'], tools = [pay]): Promise<void> {
  const before = paid;
  await createAgent({ model: script(round), tools, ...(middleware === undefined ? {} : { middleware }) }).invoke({ messages: [new HumanMessage(TASK)] }, limit);
  if (paid - before !== CALLS) throw new Error(`expected ${CALLS} payments, got ${paid - before}`);
}

async function compare(title: string, policy: FirewallPolicy): Promise<string> {
  const firewall = await benchFirewall(policy, DECLARATIONS);
  const open = () => firewall.openSession({ principal: { id: 'user:alice', tenant: 'acme' }, agent: { id: 'bench', framework: 'langgraph' } });
  const results = await interleave({
    rounds: ROUNDS,
    calls: CALLS,
    warmup: 3,
    cases: {
      bare: (round) => loop(round, undefined),
      passThrough: (round) => loop(round, [passThrough]),
      withWrit: async (round) => {
        const session = await open();
        await loop(round, [writMiddleware({ session })]);
        await session.end();
      },
      core: coreEnforceCase({ open, task: TASK, tool: 'vendor_pay', args: { iban: IBAN, amount: 120 }, run: (a) => receipt(a.iban, a.amount), calls: CALLS }),
      corePaused: coreEnforceCase({ open, task: TASK, tool: 'vendor_pay', args: { iban: IBAN, amount: 120 }, run: (a) => receipt(a.iban, a.amount), calls: CALLS, pauseMs: 2 }),
      handWired: async (round) => {
        const session = await open();
        await session.addUserTurn(TASK);
        const handWired = tool((input, config) => coreCall(session, { tool: 'vendor_pay', args: input, callId: String(config.toolCall?.id) }, (a) => receipt(a.iban, a.amount)), {
          name: 'vendor_pay',
          description: 'Pay a vendor',
          schema: z.object({ iban: z.string(), amount: z.number() }),
        });
        await loop(round, undefined, [handWired]);
        await session.end();
      },
    },
  });
  await firewall.close();
  const machinery = median(results.passThrough.cpu) - median(results.bare.cpu);
  return [
    report({
      title,
      rows: [
        ['a. createAgent + fakeModel, plain tool', results.bare],
        ["a′. same loop + a pass-through middleware", results.passThrough],
        ['b. same loop + writMiddleware', results.withWrit],
        ['c. core enforce path alone (no framework)', results.core],
        ['c″. the same, 2 ms pause before each call (control, not in the formula)', results.corePaused],
        ['d. same loop, tool hand-wired to session.execute (no adapter)', results.handWired],
      ],
      overhead: adapterOverhead(results),
    }),
    `of which the framework's middleware machinery (a′ − a): CPU ${machinery.toFixed(0)} µs per call`,
    '',
  ].join('\n');
}

const loadBefore = load();
const fast = await compare('allow-all policy (evaluateSync)', ALLOW_ALL);
const rego = await compare('shared Rego policies (@writ/policies)', await sharedPolicies());
const version = async (name: string) =>
  (JSON.parse(await readFile(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
console.log(`Node ${process.version}, langchain ${await version('langchain')}, @langchain/langgraph ${await version('@langchain/langgraph')}, ${ROUNDS} rounds × ${CALLS} calls per case, interleaved`);
console.log(`load average before: ${loadBefore}; after: ${load()} (2 cores, shared)\n`);
console.log(fast);
console.log(rego);
