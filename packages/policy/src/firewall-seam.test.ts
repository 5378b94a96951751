import { describe, expect, it } from 'vitest';
import { MemoryApprovalStore, MemoryLedgerStore, MemoryNonceStore, PrivateKey, createFirewall, createSigner, createTrustRoot, isWritError, toBase64Url } from '@writ/core';
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

describe('the synchronous path honours the firewall timeout', () => {
  // ~25 million steps: it would run for seconds (and then hit the step limit).
  const slow = 'package writ\n\ndecision := {"decision": "allow", "reasons": []} if {\n\tsome i in numbers.range(1, 5000)\n\tsome j in numbers.range(1, 5000)\n\ti == 0 - j\n}\n';

  it('evaluateSync throws ERR_POLICY_TIMEOUT past options.timeoutMs', async () => {
    const policy = await loadRegoPolicy({ modules: [{ file: 'slow.rego', source: slow }], limits: { maxSteps: 100_000_000 } });
    let error: unknown;
    try {
      policy.evaluateSync({ action: { tool: 'x' } }, { timeoutMs: 20 });
    } catch (caught) {
      error = caught;
    }
    expect(isWritError(error, 'ERR_POLICY_TIMEOUT'), String(error)).toBe(true);
    await expect(policy.evaluate({}, { timeoutMs: 20 })).rejects.toMatchObject({ code: 'ERR_POLICY_TIMEOUT' });
  });

  it('a Rego policy that runs past the firewall timeoutMs is a recorded firewall.policy-timeout deny in enforce, and the tool does not run', async () => {
    const authority = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(5)));
    const trustRoot = createTrustRoot({
      type: 'writ.trust-root/v1',
      version: 1,
      issuedAt: '2026-01-01T00:00:00Z',
      threshold: 1,
      keys: [{ keyId: authority.keyId, publicKey: toBase64Url(authority.publicKey), roles: ['root', 'authority', 'gateway', 'ledger'], owner: 't', validFrom: '2026-01-01T00:00:00Z', status: 'active' }],
    });
    const policy = await loadRegoPolicy({ modules: [{ file: 'slow.rego', source: slow }], limits: { maxSteps: 100_000_000 } });
    const firewall = await createFirewall({
      policy,
      keys: { authority },
      trustRoot,
      stores: { ledger: new MemoryLedgerStore(), nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() },
      tools: { tools: [{ name: 'refund', actionClass: 'A3', effects: ['financial'], audience: 'customer' }] },
      mode: 'enforce',
      env: {},
      timeoutMs: 50,
    });
    const session = await firewall.openSession({ principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot' } });
    let runs = 0;
    const started = performance.now();
    const result = await session.execute({ tool: 'refund', args: { amount: 5 }, callId: 'c1' }, () => ++runs);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(runs).toBe(0);
    expect(result.status).toBe('blocked');
    if (result.status === 'blocked') expect(result.guard.reasons.map((r) => r.code)).toContain('firewall.policy-timeout');
    await session.end();
  });
});
