/** Small statistics for the benchmark: percentiles of per-call samples, interleaved rounds. */
import { loadavg } from 'node:os';

/** The value below which `p` percent of the (sorted) samples lie (nearest rank). */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One benchmark case: runs `calls` tool calls through a loop, once per round. */
export type Case = (round: number) => Promise<void>;

/** Per-call microseconds, one sample per round (round wall time / calls), and mean CPU per call. */
export interface Result {
  readonly wall: number[];
  readonly cpu: number;
}

/**
 * Runs every case once as warm-up, then `rounds` rounds in which every case runs once, in an
 * order that rotates each round, so drifting load (other sessions on the machine) hits all alike.
 */
export async function interleave(options: { cases: readonly Case[]; rounds: number; calls: number; warmup: number }): Promise<Result[]> {
  const { cases, rounds, calls, warmup } = options;
  for (let w = 0; w < warmup; w++) for (const c of cases) await c(-1 - w);
  const wall = cases.map((): number[] => []);
  const cpu = cases.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (r + k) % cases.length;
      const cpu0 = process.cpuUsage();
      const start = process.hrtime.bigint();
      await cases[i]!(r);
      wall[i]!.push(Number(process.hrtime.bigint() - start) / 1000 / calls);
      const used = process.cpuUsage(cpu0);
      cpu[i]! += (used.user + used.system) / calls;
    }
  }
  return cases.map((_, i) => ({ wall: wall[i]!, cpu: cpu[i]! / rounds }));
}

/** `/proc/loadavg`'s three numbers (the machine is shared). */
export function load(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

/** A markdown table of the cases and the adapter's addition over the core path. */
export function report(options: { title: string; names: readonly [string, string, string]; results: readonly [Result, Result, Result] }): string {
  const { names, results } = options;
  const [a, b, c] = results.map((r) => ({ p50: percentile(r.wall, 50), p99: percentile(r.wall, 99), cpu: r.cpu }));
  const row = (name: string, s: typeof a) => `| ${name} | ${s!.p50.toFixed(0)} | ${s!.p99.toFixed(0)} | ${s!.cpu.toFixed(0)} |`;
  const core = { p50: b!.p50 - a!.p50, cpu: b!.cpu - a!.cpu };
  const added = { p50: c!.p50 - b!.p50, cpu: c!.cpu - b!.cpu };
  const pct = (x: number, of: number) => `${((100 * x) / of).toFixed(1)}%`;
  // Paired by round (the cases of one round ran back to back): robust to load drifting between rounds.
  const paired = (x: Result, y: Result) => percentile(x.wall.map((w, r) => w - y.wall[r]!), 50);
  const pairedCore = paired(results[1], results[0]);
  const pairedAdded = paired(results[2], results[1]);
  return [
    `### ${options.title}`,
    '',
    '| case | p50 µs/call | p99 µs/call | CPU µs/call (mean) |',
    '|---|---:|---:|---:|',
    row(names[0], a),
    row(names[1], b),
    row(names[2], c),
    '',
    `core enforce path (b − a): p50 ${core.p50.toFixed(0)} µs, CPU ${core.cpu.toFixed(0)} µs per call`,
    `adapter addition (c − b): p50 ${added.p50.toFixed(0)} µs, CPU ${added.cpu.toFixed(0)} µs per call`,
    `adapter addition relative to (b): p50 ${pct(added.p50, b!.p50)}, CPU ${pct(added.cpu, b!.cpu)}; relative to the core path (b − a): p50 ${pct(added.p50, core.p50)}, CPU ${pct(added.cpu, core.cpu)} (goal < 10%)`,
    `median of per-round paired differences: core path ${pairedCore.toFixed(0)} µs, adapter ${pairedAdded.toFixed(0)} µs per call (${pct(pairedAdded, pairedCore)} of the core path)`,
    '',
  ].join('\n');
}
