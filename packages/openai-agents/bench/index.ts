/**
 * Adapter overhead per tool call on the Agents SDK's own loop (`Runner` with
 * `ScriptedModel`), three cases interleaved in one run:
 *
 *   a. the loop with the plain tool (no Writ),
 *   b. the same loop with `writTool` (needsApproval, input and output guardrails, gateway),
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
 *   pnpm --filter @writ/openai-agents bench     (BENCH_ROUNDS, BENCH_CALLS override)
 */
import { readFile } from 'node:fs/promises';
import { Agent, Runner, tool } from '@openai/agents';
import type { Tool } from '@openai/agents';
import { ScriptedModel, assistantMessage, functionCall } from '@openai/agents/testing';
import type { FirewallPolicy } from '@writ/core';
import { sharedPolicies } from '@writ/example-kit';
import { z } from 'zod';
import { captureInput, writTool } from '../src/index.ts';
import { adapterOverhead, ALLOW_ALL, benchFirewall, coreCall, coreEnforceCase, interleave, load, report } from '@writ/example-kit/bench';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const CALLS = Number(process.env.BENCH_CALLS ?? 5);
const TASK = 'Set replicas to 5.';
const DECLARATIONS = {
  tools: [{ name: 'config_set', actionClass: 'A3', effects: ['internal-write'], audience: 'internal', consequential: { key: 'identifier', value: 'identifier' } }],
};

let writes = 0;
const setConfig = ({ key, value }: { key: string; value: string }) => `set ${key}=${value}, revision ${(writes += 1)}`;
const parameters = z.object({ key: z.string(), value: z.string() });
const definition = { name: 'config_set', description: 'Set a config key', parameters };
const plain = tool({ ...definition, execute: setConfig });
const runner = new Runner({ tracingDisabled: true });

/** CALLS model turns with one config_set call each, then a final answer. */
function script(round: number): ScriptedModel {
  const turns = Array.from({ length: CALLS }, (_, i) => [functionCall('config_set', { key: 'replicas', value: '5' }, { callId: `r${round}c${i}` })]);
  return new ScriptedModel([...turns, [assistantMessage('done')]]);
}

async function loop(round: number, tools: Tool[]): Promise<void> {
  const before = writes;
  const agent = new Agent({ name: 'ops', instructions: 'You operate Acme services.', model: script(round), tools });
  await runner.run(agent, TASK, { maxTurns: CALLS + 2 });
  if (writes - before !== CALLS) throw new Error(`expected ${CALLS} config writes, got ${writes - before}`);
}

async function compare(title: string, policy: FirewallPolicy): Promise<string> {
  const firewall = await benchFirewall(policy, DECLARATIONS);
  const open = () => firewall.openSession({ principal: { id: 'olga', roles: ['sre'], tenant: 'acme' }, agent: { id: 'bench', framework: 'openai-agents' } });
  const results = await interleave({
    rounds: ROUNDS,
    calls: CALLS,
    warmup: 3,
    cases: {
      bare: (round) => loop(round, [plain]),
      withWrit: async (round) => {
        const session = await open();
        await captureInput(session, TASK);
        await loop(round, [writTool({ ...definition, execute: setConfig }, { session })]);
        await session.end();
      },
      core: coreEnforceCase({ open, task: TASK, tool: 'config_set', args: { key: 'replicas', value: '5' }, run: (args) => setConfig(args as { key: string; value: string }), calls: CALLS }),
      corePaused: coreEnforceCase({ open, task: TASK, tool: 'config_set', args: { key: 'replicas', value: '5' }, run: (args) => setConfig(args as { key: string; value: string }), calls: CALLS, pauseMs: 2 }),
      handWired: async (round) => {
        const session = await open();
        await session.addUserTurn(TASK);
        const handWired = tool({
          ...definition,
          execute: (input, _context, details) =>
            coreCall(session, { tool: 'config_set', args: input, callId: details?.toolCall?.callId ?? '' }, (args) => setConfig(args as { key: string; value: string })),
        });
        await loop(round, [handWired]);
        await session.end();
      },
    },
  });
  await firewall.close();
  return report({
    title,
    rows: [
      ['a. Runner + ScriptedModel, plain tool', results.bare],
      ['b. same loop, writTool', results.withWrit],
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
const agentsVersion = (JSON.parse(await readFile(new URL('../node_modules/@openai/agents/package.json', import.meta.url), 'utf8')) as { version: string }).version;
console.log(`Node ${process.version}, @openai/agents ${agentsVersion}, ${ROUNDS} rounds × ${CALLS} calls per case, interleaved`);
console.log(`load average before: ${loadBefore}; after: ${load()} (2 cores, shared)\n`);
console.log(fast);
console.log(rego);
