/**
 * Adapter overhead per tool call on langchain's own agent loop, in one run:
 *
 *   A. the createAgent loop with fakeModel and a plain tool (no Writ),
 *   A′. the same loop with a pass-through middleware (the framework's middleware machinery),
 *   B. the same loop with writMiddleware (enforce, shared Rego policies, memory stores),
 *   C. the core enforce path alone: session.execute for the same calls, no framework.
 *
 * The adapter's own cost is B − A′ − C (schema validation, basis capture, message mapping);
 * the goal is that it stays under 10% of C. CPU time per call is reported next to wall time
 * because the shared machine is loaded.
 *
 *   pnpm --filter @writ/langgraph bench      (BENCH_RUNS=n, BENCH_CALLS=n per run override)
 */
import { loadavg } from 'node:os';
import { tool } from '@langchain/core/tools';
import { createKit } from '@writ/example-kit';
import type { FirewallSession } from '@writ/core';
import { AIMessage, HumanMessage, createAgent, createMiddleware, fakeModel } from 'langchain';
import { z } from 'zod';
import { writMiddleware } from '../src/index.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const CALLS = Number(process.env.BENCH_CALLS ?? 20);
const IBAN = 'DE89370400440532013000';
const TASK = `Pay 120 EUR to ${IBAN} for each open invoice`;
const declarations = {
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

function script(run: number) {
  let model = fakeModel();
  for (let i = 0; i < CALLS; i++) model = model.respondWithTools([{ name: 'vendor_pay', args: { iban: IBAN, amount: 120 }, id: `r${run}c${i}` }]);
  return model.respond(new AIMessage('done'));
}

interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

type Case = (run: number) => Promise<void>;

/**
 * Mean wall and CPU microseconds per tool call over RUNS runs of each case (after one
 * warm-up run each). The cases alternate run by run, so drifting load hits them alike.
 */
async function measure(cases: readonly Case[]): Promise<Sample[]> {
  for (const c of cases) await c(-1);
  const totals = cases.map(() => ({ wall: 0, cpu: 0 }));
  for (let r = 0; r < RUNS; r++) {
    for (const [i, c] of cases.entries()) {
      const cpu0 = process.cpuUsage();
      const start = process.hrtime.bigint();
      await c(r);
      totals[i]!.wall += Number(process.hrtime.bigint() - start) / 1000;
      const used = process.cpuUsage(cpu0);
      totals[i]!.cpu += used.user + used.system;
    }
  }
  return totals.map((t) => ({ wall: t.wall / (RUNS * CALLS), cpu: t.cpu / (RUNS * CALLS) }));
}

const kit = await createKit({ tools: declarations, mode: 'enforce' });
const open = (): Promise<FirewallSession> =>
  kit.firewall.openSession({ principal: { id: 'user:alice', tenant: 'acme' }, agent: { id: 'bench', framework: 'langgraph' } });
const limit = { recursionLimit: 4 * CALLS + 10 };

/** A middleware that only passes through: what the framework's own middleware machinery costs. */
const passThrough = createMiddleware({
  name: 'PassThrough',
  wrapModelCall: (request, handler) => handler(request),
  wrapToolCall: (request, handler) => handler(request),
});

const [bare, noop, withWrit, core] = (await measure([
  async (run) => {
    await createAgent({ model: script(run), tools: [pay] }).invoke({ messages: [new HumanMessage(TASK)] }, limit);
  },
  async (run) => {
    await createAgent({ model: script(run), tools: [pay], middleware: [passThrough] }).invoke({ messages: [new HumanMessage(TASK)] }, limit);
  },
  async (run) => {
    const session = await open();
    await createAgent({ model: script(run), tools: [pay], middleware: [writMiddleware({ session })] }).invoke({ messages: [new HumanMessage(TASK)] }, limit);
    await session.end();
  },
  // The same firewall work the loop asks for: the user turn, each call, and each output as basis.
  async (run) => {
    const session = await open();
    await session.addUserTurn(TASK);
    for (let i = 0; i < CALLS; i++) {
      const callId = `core${run}c${i}`;
      const result = await session.execute({ tool: 'vendor_pay', args: { iban: IBAN, amount: 120 }, callId }, (a) => receipt(a.iban, a.amount));
      if (result.status !== 'executed') throw new Error(`core path did not execute: ${result.status}`);
      await session.addToolOutput({ tool: 'vendor_pay', callId, output: result.result });
    }
    await session.end();
  },
])) as [Sample, Sample, Sample, Sample];
await kit.finish();

const row = (name: string, s: Sample) => `| ${name} | ${s.wall.toFixed(0)} | ${s.cpu.toFixed(0)} |`;
const adapter = { wall: withWrit.wall - noop.wall - core.wall, cpu: withWrit.cpu - noop.cpu - core.cpu };
console.log(`Node ${process.version}, ${RUNS} runs x ${CALLS} tool calls, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
console.log('| case | wall µs/call | CPU µs/call |\n|---|---:|---:|');
console.log(row('A. createAgent + fakeModel, plain tool', bare));
console.log(row('A′. same loop + a pass-through middleware', noop));
console.log(row('B. same loop + writMiddleware (enforce, Rego)', withWrit));
console.log(row('C. core enforce path alone (session.execute)', core));
console.log(row('adapter overhead B − A′ − C', adapter));
console.log(`\nadapter overhead / core path: wall ${((100 * adapter.wall) / core.wall).toFixed(1)}%, CPU ${((100 * adapter.cpu) / core.cpu).toFixed(1)}% (goal < 10%)`);
