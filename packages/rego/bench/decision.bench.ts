/**
 * Benchmark: evaluations/s and p50/p99 latency of `data.writ.decision` for a realistic
 * action-firewall policy, side by side with the same logic as a plain TypeScript function.
 *
 * Run: pnpm --filter @writ/rego bench
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { compile } from '../src/index.ts';
import { decideTs, INPUT, POLICY } from './decision-policy.ts';

interface Row {
  name: string;
  opsPerSec: number;
  p50: number;
  p99: number;
  /** CPU time (user + system) per evaluation: less sensitive to other processes than wall time. */
  cpu: number;
}

function measure(name: string, fn: () => unknown, iterations: number): Row {
  for (let i = 0; i < Math.min(20_000, iterations); i++) fn(); // warm-up
  const samples = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const cpu = process.cpuUsage(cpu0);
  const totalUs = Number(process.hrtime.bigint() - start) / 1000;
  samples.sort();
  return {
    name,
    opsPerSec: Math.round((iterations / totalUs) * 1e6),
    p50: samples[Math.floor(iterations * 0.5)]!,
    p99: samples[Math.floor(iterations * 0.99)]!,
    cpu: (cpu.user + cpu.system) / iterations,
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

// The project's default policy set (policies/writ in this repository) with the realistic
// input its own benchmark uses, when the folder is present.
const projectDir = fileURLToPath(new URL('../../../policies/', import.meta.url));
let project: { name: string; run: () => unknown } | undefined;
if (existsSync(projectDir + 'writ')) {
  const modules = readdirSync(projectDir + 'writ')
    .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
    .map((f) => ({ file: f, source: readFileSync(projectDir + 'writ/' + f, 'utf8') }));
  const data: unknown = JSON.parse(readFileSync(projectDir + 'data.json', 'utf8'));
  // The benign A3 call the policy library's own benchmark uses (policies/bench).
  const PROJECT_INPUT: unknown = JSON.parse(readFileSync(projectDir + 'bench/benign-a3.input.json', 'utf8'));
  const lib = compile({ modules, data });
  const decision = lib.evaluate('data.writ.decision', { input: PROJECT_INPUT }) as { decision?: string } | undefined;
  if (decision?.decision === undefined) throw new Error('the project policies did not decide');
  project = { name: `rego: project policies/writ (${decision.decision})`, run: () => lib.evaluate('data.writ.decision', { input: PROJECT_INPUT }) };
} else {
  console.log(`skipped the project policy set: ${projectDir}writ is absent`);
}

const N = Number(process.env.BENCH_ITERATIONS ?? 100_000);
// The project case runs first, in a fresh process state, and again after the other cases:
// the engine's code has then seen the small policy's values and terms too, and V8's inline
// caches are more polymorphic. Both rows are reported.
const rows = [
  ...(project ? [measure(`${project.name}, first`, project.run, N)] : []),
  measure('rego: data.writ.decision (allow path)', () => policy.evaluate('data.writ.decision', { input: INPUT }), N),
  measure('rego: data.writ.decision (deny path)', () => policy.evaluate('data.writ.decision', { input: denied }), N),
  measure('typescript: decideTs (allow path)', () => decideTs(INPUT), N),
  measure('typescript: decideTs (deny path)', () => decideTs(denied), N),
  ...(project ? [measure(`${project.name}, after the others`, project.run, N)] : []),
];
console.log(`node ${process.version}, ${N} iterations each`);
console.log('| case | evaluations/s | p50 µs | p99 µs | CPU µs/eval |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | ${r.opsPerSec.toLocaleString('en-US')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.cpu.toFixed(1)} |`);
const allow = rows.find((r) => r.name.includes('(allow path)') && r.name.startsWith('rego'))!;
const ts = rows.find((r) => r.name.includes('(allow path)') && r.name.startsWith('typescript'))!;
console.log(`ratio rego/ts p50 (allow): ${(allow.p50 / ts.p50).toFixed(1)}x`);
