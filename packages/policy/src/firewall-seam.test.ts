import { describe, expect, it } from 'vitest';
import type { FirewallPolicy } from '@writ/core';
import { opaTestWasm } from '../test/support/opa-test-module.ts';
import { loadRegoPolicy } from './load-rego-policy.ts';
import { loadWasmPolicy } from './load-wasm-policy.ts';
import type { PolicyEvaluator } from './policy-evaluator.ts';

// Core's firewall takes a structural FirewallPolicy so it does not depend on this package;
// these assignments fail to type-check the day the two drift apart.
describe('PolicyEvaluator as the firewall policy seam', () => {
  it('is assignable to core FirewallPolicy, for both engines, and answers both ways alike', async () => {
    const rego: FirewallPolicy = await loadRegoPolicy({ modules: [{ file: 'd.rego', source: 'package writ\n\ndecision := {"decision": "allow", "tool": input.action.tool}\n' }] });
    const wasm: FirewallPolicy = await loadWasmPolicy({ wasm: await opaTestWasm() });
    const seam: FirewallPolicy = {} as PolicyEvaluator;
    expect(seam).toEqual({});
    const input = { version: 'writ.input/v1', action: { tool: 'search' } };
    for (const policy of [rego, wasm]) {
      expect('evaluateSync' in policy).toBe(true);
      expect(await policy.evaluate(input)).toEqual(policy.evaluateSync!(input));
      expect(policy.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });
});
