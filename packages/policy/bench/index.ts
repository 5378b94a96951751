/**
 * What the PolicyEvaluator wrapper costs on top of the engines it wraps, measured in one run:
 * - Rego: `evaluateSync` and `await evaluate` against `CompiledPolicy.evaluate` called directly;
 * - wasm: `evaluateSync` against the SDK's `LoadedPolicy.evaluate` on the same module.
 * Run: pnpm --filter @writ/policy bench
 */
import * as opaWasm from '@open-policy-agent/opa-wasm';
import { loadRegoPolicy, loadWasmPolicy } from '../src/index.ts';
import { opaTestWasm } from '../test/support/opa-test-module.ts';

const POLICY = `package writ

default allow := false

high_risk if input.action.class in {"A4", "A5"}

allow if {
  not high_risk
  input.action.tool in data.tools.allowed
  count(input.basis.findings) == 0
}

reasons contains "tool not allowed" if not input.action.tool in data.tools.allowed
reasons contains "high risk" if high_risk

decision := {"allow": allow, "reasons": reasons}
`;
const input = {
  version: 'writ.input/v1',
  action: { tool: 'search', cmd: 'search.query', args: { q: 'weather in Paris' }, class: 'A1', effects: ['read'] },
  agent: { id: 'agent-1', framework: 'langgraph', environment: 'sha256:00' },
  principal: { id: 'alice', roles: ['analyst'], tenant: 't1' },
  basis: { score: 0.92, findings: [], tainted: [] },
  approvals: [],
  context: { time: '2026-11-24T12:00:00Z', recentDenials: 0 },
  mode: 'enforce',
};

// Candidates run in interleaved rounds and each keeps its best round, so JIT warm-up and
// noise from other processes on this shared machine do not favour whichever runs last.
async function compare(candidates: Array<[string, () => unknown]>, iterations: number): Promise<number[]> {
  const best = candidates.map(() => Infinity);
  for (let round = 0; round < 5; round++) {
    for (const [index, [, run]] of candidates.entries()) {
      const started = process.hrtime.bigint();
      for (let call = 0; call < iterations; call++) {
        const result = run();
        if (result instanceof Promise) await result;
      }
      best[index] = Math.min(best[index]!, Number(process.hrtime.bigint() - started) / 1000 / iterations);
    }
  }
  for (const [index, [label]] of candidates.entries()) console.log(`${label.padEnd(44)} ${best[index]!.toFixed(2).padStart(8)} µs/call`);
  return best;
}

const N = 4_000;
const rego = await loadRegoPolicy({ modules: [{ file: 'decision.rego', source: POLICY }], data: { tools: { allowed: ['search', 'read'] } } });
console.log('Rego (@writ/rego), data.writ.decision:');
const [direct, sync, promised] = (await compare(
  [
    ['  CompiledPolicy.evaluate (floor)', () => rego.compiled.evaluate('data.writ.decision', { input })],
    ['  PolicyEvaluator.evaluateSync', () => rego.evaluateSync(input)],
    ['  await PolicyEvaluator.evaluate', () => rego.evaluate(input)],
  ],
  N,
)) as [number, number, number];
console.log(`  ratio evaluateSync / floor: ${(sync / direct).toFixed(2)} · await evaluate / floor: ${(promised / direct).toFixed(2)}`);

const bytes = await opaTestWasm(2);
const wasm = await loadWasmPolicy({ wasm: bytes });
const sdk = (opaWasm as unknown as { default: typeof opaWasm }).default.loadPolicySync(bytes);
console.log('OPA wasm ABI 1.2 test module (echoes input), writ/decision:');
const [sdkUs, wasmUs] = (await compare(
  [
    ['  LoadedPolicy.evaluate (SDK floor)', () => sdk.evaluate(input, 0)],
    ['  PolicyEvaluator.evaluateSync', () => wasm.evaluateSync(input)],
  ],
  N,
)) as [number, number];
console.log(`  ratio evaluateSync / SDK floor: ${(wasmUs / sdkUs).toFixed(2)}`);
