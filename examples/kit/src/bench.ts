/**
 * The adapter benchmarks' shared measurement (`@writ/example-kit/bench`): interleaved rounds,
 * CPU time per call, medians, and one definition of the adapter overhead for every framework:
 *
 *   overhead = (loop with Writ − loop without Writ − core enforce path alone) / core enforce path
 *
 * each term the median over rounds of CPU µs per tool call (`process.cpuUsage`, user + system:
 * on a shared 2-core machine CPU time moves far less with other work than wall time does).
 */
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

/**
 * Runs every case `warmup` times, then `rounds` rounds in which every case runs once, the
 * order rotating each round so drifting load (other work on the machine) hits all alike.
 * @throws RangeError when `rounds` or `calls` is not a positive integer.
 */
export async function interleave<K extends string>(options: {
  readonly cases: Readonly<Record<K, BenchCase>>;
  readonly rounds: number;
  readonly calls: number;
  readonly warmup: number;
}): Promise<Record<K, CaseSamples>> {
  const { rounds, calls, warmup } = options;
  if (!Number.isSafeInteger(rounds) || rounds < 1) throw new RangeError('rounds must be a positive integer');
  if (!Number.isSafeInteger(calls) || calls < 1) throw new RangeError('calls must be a positive integer');
  const names = Object.keys(options.cases) as K[];
  const run = (name: K, round: number) => options.cases[name](round);
  for (let w = 0; w < warmup; w++) for (const name of names) await run(name, -1 - w);
  const cpu = names.map((): number[] => []);
  const wall = names.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const i = (r + k) % names.length;
      const cpu0 = process.cpuUsage();
      const start = process.hrtime.bigint();
      await run(names[i]!, r);
      wall[i]!.push(Number(process.hrtime.bigint() - start) / 1000 / calls);
      const used = process.cpuUsage(cpu0);
      cpu[i]!.push((used.user + used.system) / calls);
    }
  }
  return Object.fromEntries(names.map((name, i) => [name, { cpu: cpu[i]!, wall: wall[i]! }])) as unknown as Record<K, CaseSamples>;
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
}

/**
 * (loop with Writ − loop without Writ − core enforce path alone) / core enforce path, from
 * the medians over rounds of CPU µs per call (and, for reference, of wall µs per call).
 */
export function adapterOverhead(samples: { readonly bare: CaseSamples; readonly withWrit: CaseSamples; readonly core: CaseSamples }): Overhead {
  const of = (pick: (s: CaseSamples) => readonly number[]) => {
    const bare = median(pick(samples.bare));
    const withWrit = median(pick(samples.withWrit));
    const core = median(pick(samples.core));
    const adapter = withWrit - bare - core;
    return { bare, withWrit, core, adapter, share: adapter / core };
  };
  const cpu = of((s) => s.cpu);
  const wall = of((s) => s.wall);
  return { ...cpu, wall: { adapter: wall.adapter, share: wall.share } };
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
    `adapter overhead (with Writ − without − core alone) / core: CPU ${o.adapter.toFixed(0)} µs of ${o.core.toFixed(0)} µs = **${pct(o.share)}** (goal < 10%); wall ${o.wall.adapter.toFixed(0)} µs = ${pct(o.wall.share)}`,
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
 * `session.execute`, each output recorded as basis, with no framework around it.
 */
export function coreEnforceCase(options: {
  readonly open: () => Promise<FirewallSession>;
  readonly task: string;
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly run: (args: Record<string, unknown>) => JsonValue;
  readonly calls: number;
}): BenchCase {
  const { open, task, tool, args, run, calls } = options;
  return async (round) => {
    const session = await open();
    await session.addUserTurn(task);
    for (let i = 0; i < calls; i++) {
      const callId = `core${round}c${i}`;
      const result = await session.execute({ tool, args, callId }, run);
      if (result.status !== 'executed') throw new Error(`core path did not execute: ${result.status}`);
      await session.addToolOutput({ tool, callId, output: result.result });
    }
    await session.end();
  };
}
