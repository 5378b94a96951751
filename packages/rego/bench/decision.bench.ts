/**
 * Benchmark: evaluations/s and p50/p99 latency of `data.writ.decision` for a realistic
 * action-firewall policy, side by side with the same logic as a plain TypeScript function.
 *
 * Run: pnpm --filter @writ/rego bench
 */
import { isDeepStrictEqual } from 'node:util';
import { compile } from '../src/index.ts';
import { decideTs, INPUT, POLICY } from './decision-policy.ts';

function measure(name: string, fn: () => unknown, iterations: number): { name: string; opsPerSec: number; p50: number; p99: number } {
  for (let i = 0; i < Math.min(20_000, iterations); i++) fn(); // warm-up
  const samples = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalUs = Number(process.hrtime.bigint() - start) / 1000;
  samples.sort();
  return {
    name,
    opsPerSec: Math.round((iterations / totalUs) * 1e6),
    p50: samples[Math.floor(iterations * 0.5)]!,
    p99: samples[Math.floor(iterations * 0.99)]!,
  };
}

const policy = compile({ modules: [{ file: 'writ.rego', source: POLICY }] });
const regoResult = policy.evaluate('data.writ.decision', { input: INPUT });
const tsResult = decideTs(INPUT);
if (!isDeepStrictEqual(regoResult, tsResult)) {
  throw new Error(`rego and ts disagree: ${JSON.stringify(regoResult)} vs ${JSON.stringify(tsResult)}`);
}
const denied = { ...INPUT, action: { ...INPUT.action, tool: 'send_email', class: 'external_email', args: { to: { value: 'x@evil.test', taint: 'untrusted' } } }, approvals: [] };
if (!isDeepStrictEqual(policy.evaluate('data.writ.decision', { input: denied }), decideTs(denied))) {
  throw new Error('rego and ts disagree on the deny input');
}

const N = Number(process.env.BENCH_ITERATIONS ?? 100_000);
const rows = [
  measure('rego: data.writ.decision (allow path)', () => policy.evaluate('data.writ.decision', { input: INPUT }), N),
  measure('rego: data.writ.decision (deny path)', () => policy.evaluate('data.writ.decision', { input: denied }), N),
  measure('typescript: decideTs (allow path)', () => decideTs(INPUT), N),
  measure('typescript: decideTs (deny path)', () => decideTs(denied), N),
];
console.log(`node ${process.version}, ${N} iterations each`);
console.log('| case | evaluations/s | p50 µs | p99 µs |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | ${r.opsPerSec.toLocaleString('en-US')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`);
console.log(`ratio rego/ts p50 (allow): ${(rows[0]!.p50 / rows[2]!.p50).toFixed(1)}x`);
