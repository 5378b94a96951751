/**
 * The adapter benchmarks' shared measurement (`@writ/example-kit/bench`): interleaved rounds,
 * CPU time per call, medians, and one definition of the adapter overhead for every framework
 * (ADR 0026):
 *
 *   overhead = (loop with the adapter − the same loop hand-wired to the core API)
 *              / (hand-wired loop − loop without Writ)
 *
 * i.e. what the adapter adds on top of the core enforce path as that path runs in the
 * framework's loop. The older figure, (with − without − core alone) / core alone, with the core
 * path run back to back outside any framework, is printed next to it.
 * Each term is the median over rounds of CPU µs per tool call (`process.cpuUsage`, user +
 * system: on a shared 2-core machine CPU time moves far less with other work than wall time does).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { createFirewall, MemoryApprovalStore, MemoryLedgerStore, MemoryNonceStore, parseToolRegistry } from '@writ/core';
import type { Firewall, FirewallPolicy, FirewallSession, JsonValue } from '@writ/core';
import { createWorld } from './world.ts';

/** One benchmark case: `calls` tool calls, once per round (`round` < 0 during warm-up). */
export type BenchCase = (round: number) => Promise<void>;

/** Per-call samples of one case, one per round. */
export interface CaseSamples {
  /** CPU µs per call (user + system) in each round. */
  readonly cpu: readonly number[];
  /** Wall µs per call in each round. */
  readonly wall: readonly number[];
}

/** The median (mean of the two middle values for an even count). @throws RangeError for no samples. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Options of {@link interleave}. */
export interface InterleaveOptions<K extends string> {
  readonly cases: Readonly<Record<K, BenchCase>>;
  readonly rounds: number;
  readonly calls: number;
  readonly warmup: number;
  /**
   * Run every case in its own child process (a fork of this script, same flags), still one
   * round at a time in the rotating order, each child measuring its own CPU. Each case then
   * has its own heap and JIT state, as in a real process that runs only one of them; in one
   * shared process the cases' garbage and type feedback leak into each other's figures.
   * Default: `BENCH_ISOLATE` is not `0`.
   */
  readonly isolate?: boolean;
  /**
   * With `isolate`, how many processes serve each case (round r goes to process r mod n; each
   * process gets its own warm-up rounds). One process's JIT and heap layout stays with it for
   * the whole run and can bias a case by ±10%; several per case average that out.
   * Default: `BENCH_PROCESSES`, else 3.
   */
  readonly processes?: number;
}

// The nth call of `interleave` in this process; a child serves one case of one call.
let interleaveCalls = 0;
const CHILD_ENV = 'WRIT_BENCH_CHILD';

interface ChildTarget {
  readonly call: number;
  readonly name: string;
  /** Which of the case's processes this is (0-based). */
  readonly replica: number;
}

function childTarget(): ChildTarget | undefined {
  const raw = process.env[CHILD_ENV];
  if (raw === undefined) return undefined;
  const target = JSON.parse(raw) as Partial<ChildTarget>;
  if (typeof target.call !== 'number' || typeof target.name !== 'string' || typeof target.replica !== 'number') throw new Error(`${CHILD_ENV} is malformed: ${raw}`);
  return { call: target.call, name: target.name, replica: target.replica };
}

type ChildRequest = { readonly round: number };
type ChildReply = { readonly cpu: number; readonly wall: number } | { readonly error: string };

/** One timed round of `run`: CPU and wall µs per call. */
async function timed(run: () => Promise<void>, calls: number): Promise<{ cpu: number; wall: number }> {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run();
  const wall = Number(process.hrtime.bigint() - start) / 1000 / calls;
  const used = process.cpuUsage(cpu0);
  return { cpu: (used.user + used.system) / calls, wall };
}

/** In a child: answer round requests for one case until the parent disconnects, then exit. */
async function serveChild(benchCase: BenchCase, calls: number): Promise<never> {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error(`${CHILD_ENV} is set but this process has no IPC channel`);
  let queue = Promise.resolve();
  process.on('message', (message: ChildRequest) => {
    queue = queue.then(async () => {
      let reply: ChildReply;
      try {
        reply = await timed(() => benchCase(message.round), calls);
      } catch (error) {
        reply = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      }
      send(reply);
    });
  });
  await new Promise<void>((resolve) => process.once('disconnect', resolve));
  process.exit(0);
}

/** A forked copy of this script that serves case `name` of interleave call `call`. */
function spawnChild(target: ChildTarget): { readonly child: ChildProcess; readonly round: (round: number) => Promise<{ cpu: number; wall: number }> } {
  const script = process.argv[1];
  if (script === undefined) throw new Error('cannot isolate bench cases: no script path in process.argv');
  const child = fork(script, process.argv.slice(2), {
    execArgv: process.execArgv,
    env: { ...process.env, [CHILD_ENV]: JSON.stringify(target) },
    // The child runs the whole script up to its case: its own report lines are not wanted.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const round = (r: number) =>
    new Promise<{ cpu: number; wall: number }>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`bench case ${target.name} exited (${code}) before answering`));
      child.once('exit', onExit);
      child.once('message', (reply: ChildReply) => {
        child.off('exit', onExit);
        if ('error' in reply) reject(new Error(`bench case ${target.name} failed in its process:\n${reply.error}`));
        else resolve(reply);
      });
      child.send({ round: r } satisfies ChildRequest);
    });
  return { child, round };
}

/**
 * Runs every case `warmup` times, then `rounds` rounds in which every case runs once, the
 * order rotating each round so drifting load (other work on the machine) hits all alike.
 * With `isolate`, each case runs in its own processes (see {@link InterleaveOptions.isolate}
 * and {@link InterleaveOptions.processes}).
 * @throws RangeError when `rounds`, `calls` or `processes` is not a positive integer.
 */
export async function interleave<K extends string>(options: InterleaveOptions<K>): Promise<Record<K, CaseSamples>> {
  const { rounds, calls, warmup } = options;
  if (!Number.isSafeInteger(rounds) || rounds < 1) throw new RangeError('rounds must be a positive integer');
  if (!Number.isSafeInteger(calls) || calls < 1) throw new RangeError('calls must be a positive integer');
  const names = Object.keys(options.cases) as K[];
  const call = interleaveCalls++;
  const target = childTarget();
  if (target !== undefined) {
    // A child: serve its one case of its one call; other calls return placeholder samples unrun.
    if (target.call === call) {
      const benchCase = options.cases[target.name as K] as BenchCase | undefined;
      if (benchCase === undefined) throw new Error(`no bench case ${target.name}`);
      return serveChild(benchCase, calls);
    }
    return Object.fromEntries(names.map((name) => [name, { cpu: [1], wall: [1] }])) as unknown as Record<K, CaseSamples>;
  }
  const isolate = options.isolate ?? process.env.BENCH_ISOLATE !== '0';
  const processes = options.processes ?? Number(process.env.BENCH_PROCESSES ?? 3);
  if (!Number.isSafeInteger(processes) || processes < 1) throw new RangeError('processes must be a positive integer');
  const children = isolate ? names.map((name) => Array.from({ length: processes }, (_, replica) => spawnChild({ call, name, replica }))) : undefined;
  const run = (i: number, round: number, replica = round): Promise<{ cpu: number; wall: number }> =>
    children !== undefined ? children[i]![replica % processes]!.round(round) : timed(() => options.cases[names[i]!](round), calls);
  try {
    for (let w = 0; w < warmup; w++) {
      for (let i = 0; i < names.length; i++) for (let p = 0; p < (children === undefined ? 1 : processes); p++) await run(i, -1 - w, p);
    }
    const cpu = names.map((): number[] => []);
    const wall = names.map((): number[] => []);
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < names.length; k++) {
        const i = (r + k) % names.length;
        const sample = await run(i, r);
        cpu[i]!.push(sample.cpu);
        wall[i]!.push(sample.wall);
      }
    }
    return Object.fromEntries(names.map((name, i) => [name, { cpu: cpu[i]!, wall: wall[i]! }])) as unknown as Record<K, CaseSamples>;
  } finally {
    for (const c of (children ?? []).flat()) if (c.child.connected) c.child.disconnect();
  }
}

/** The adapter overhead of one run, in µs per call and as a share of the core path. */
export interface Overhead {
  /** Median CPU µs per call of the loop without Writ, with Writ, and of the core path alone. */
  readonly bare: number;
  readonly withWrit: number;
  readonly core: number;
  /** withWrit − bare − core (µs per call). */
  readonly adapter: number;
  /** adapter / core. */
  readonly share: number;
  /** The same from wall-time medians (reported, not the goal's measure on a shared machine). */
  readonly wall: { readonly adapter: number; readonly share: number };
  /**
   * When a hand-wired case was measured (the same loop, the user's own tool calling the core
   * API — `session.execute` and `addToolOutput` — with no adapter): the core path's cost
   * inside the loop (hand-wired − bare) and what the adapter adds over it
   * (with Writ − hand-wired), CPU medians.
   */
  readonly inLoop?: { readonly core: number; readonly adapter: number; readonly share: number };
}

/**
 * (loop with Writ − loop without Writ − core enforce path alone) / core enforce path, from
 * the medians over rounds of CPU µs per call (and, for reference, of wall µs per call); with
 * a `handWired` case also (with Writ − hand-wired) / (hand-wired − bare).
 */
export function adapterOverhead(samples: {
  readonly bare: CaseSamples;
  readonly withWrit: CaseSamples;
  readonly core: CaseSamples;
  readonly handWired?: CaseSamples;
}): Overhead {
  const of = (pick: (s: CaseSamples) => readonly number[]) => {
    const bare = median(pick(samples.bare));
    const withWrit = median(pick(samples.withWrit));
    const core = median(pick(samples.core));
    const adapter = withWrit - bare - core;
    return { bare, withWrit, core, adapter, share: adapter / core };
  };
  const cpu = of((s) => s.cpu);
  const wall = of((s) => s.wall);
  const overhead: Overhead = { ...cpu, wall: { adapter: wall.adapter, share: wall.share } };
  if (samples.handWired === undefined) return overhead;
  const core = median(samples.handWired.cpu) - cpu.bare;
  const adapter = cpu.withWrit - median(samples.handWired.cpu);
  return { ...overhead, inLoop: { core, adapter, share: adapter / core } };
}

/**
 * The body of a hand-wired tool: what a user writes without an adapter — the call through
 * `session.execute`, its output recorded as basis. @throws Error when the call did not execute.
 */
export async function coreCall<T extends JsonValue>(session: FirewallSession, call: { readonly tool: string; readonly args: unknown; readonly callId: string }, run: (args: Record<string, unknown>) => T): Promise<T> {
  const result = await session.execute({ tool: call.tool, args: call.args, callId: call.callId }, (args) => run(args as Record<string, unknown>));
  if (result.status !== 'executed') throw new Error(`hand-wired call did not execute: ${result.status}`);
  await session.addToolOutput({ tool: call.tool, callId: call.callId, output: result.result });
  return result.result;
}

/** The three load averages (the machine is shared). */
export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** A markdown table of every case's medians and the overhead line. */
export function report(options: {
  readonly title: string;
  readonly rows: readonly (readonly [name: string, samples: CaseSamples])[];
  readonly overhead: Overhead;
}): string {
  const { overhead: o } = options;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return [
    `### ${options.title}`,
    '',
    '| case | CPU µs/call (median) | wall µs/call (median) |',
    '|---|---:|---:|',
    ...options.rows.map(([name, s]) => `| ${name} | ${median(s.cpu).toFixed(0)} | ${median(s.wall).toFixed(0)} |`),
    '',
    ...(o.inLoop === undefined
      ? [`adapter overhead (with Writ − without − core alone) / core: CPU ${o.adapter.toFixed(0)} µs of ${o.core.toFixed(0)} µs = **${pct(o.share)}** (goal < 10%); wall ${o.wall.adapter.toFixed(0)} µs = ${pct(o.wall.share)}`]
      : [
          `adapter overhead on the core enforce path in the same loop, (with Writ − hand-wired) / (hand-wired − without): CPU ${o.inLoop.adapter.toFixed(0)} µs of ${o.inLoop.core.toFixed(0)} µs = **${pct(o.inLoop.share)}** (goal < 10%, ADR 0026)`,
          '',
          `with the core path measured alone and back to back instead (c), (with Writ − without − core alone) / core: CPU ${o.adapter.toFixed(0)} µs of ${o.core.toFixed(0)} µs = ${pct(o.share)}; wall ${o.wall.adapter.toFixed(0)} µs = ${pct(o.wall.share)}`,
        ]),
    '',
  ].join('\n');
}

/** Allows everything, synchronously: what remains is the firewall's own work. */
export const ALLOW_ALL: FirewallPolicy = {
  digest: `sha256:${'ab'.repeat(32)}`,
  evaluate: () => Promise.resolve({ decision: 'allow', reasons: [] }),
  evaluateSync: () => ({ decision: 'allow', reasons: [] }),
};

/** The firewall every adapter bench measures: enforce mode, memory stores, batched ledger. */
export function benchFirewall(policy: FirewallPolicy, declarations: unknown): Promise<Firewall> {
  const world = createWorld();
  return createFirewall({
    policy,
    keys: { authority: world.authority },
    trustRoot: world.trustRoot,
    stores: { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() },
    tools: parseToolRegistry(declarations),
    mode: 'enforce',
    env: {},
    durability: { default: 'batched' },
  });
}

/**
 * The "core enforce path alone" case: the same task and `calls` tool calls through
 * `session.execute`, each output recorded as basis, with no framework around it. With
 * `pauseMs`, the case sleeps that long before each call (a control: the same work, no longer
 * run back to back — its CPU per call shows what the core path costs when other work or idle
 * time comes between its calls, as in any agent loop; the sleep itself uses no CPU).
 */
export function coreEnforceCase(options: {
  readonly open: () => Promise<FirewallSession>;
  readonly task: string;
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly run: (args: Record<string, unknown>) => JsonValue;
  readonly calls: number;
  readonly pauseMs?: number;
}): BenchCase {
  const { open, task, tool, args, run, calls, pauseMs } = options;
  return async (round) => {
    const session = await open();
    await session.addUserTurn(task);
    for (let i = 0; i < calls; i++) {
      if (pauseMs !== undefined) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      const callId = `core${round}c${i}`;
      const result = await session.execute({ tool, args, callId }, run);
      if (result.status !== 'executed') throw new Error(`core path did not execute: ${result.status}`);
      await session.addToolOutput({ tool, callId, output: result.result });
    }
    await session.end();
  };
}
