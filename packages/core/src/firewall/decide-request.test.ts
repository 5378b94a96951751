import { describe, expect, it } from 'vitest';
import { createToolRegistry } from '../registry/tool-registry.ts';
import { decideRequest } from './decide-request.ts';
import { allow, policyDouble, TOOLS } from './test-support.ts';

const registry = createToolRegistry({ tools: [...TOOLS] });
const request = {
  tool: 'email.send',
  args: { to: 'bob@example.com' },
  principal: { id: 'alice', tenant: 'acme' },
  now: '2026-03-01T10:00:00Z',
  basis: [{ kind: 'instruction', content: 'email bob@example.com', source: 'user', authority: 'user', observedAt: '2026-03-01T09:59:00Z' }],
};

describe('decideRequest', () => {
  it('classifies, scores the given basis, builds a writ.input/v1 document and parses the decision', async () => {
    const policy = policyDouble(() => allow);
    const result = await decideRequest({ policy, registry, request });
    expect(result.decision.decision).toBe('allow');
    expect(result.classification.actionClass).toBe('A3');
    expect(result.basis.sufficient).toBe(true);
    expect(result.input.version).toBe('writ.input/v1');
    expect(policy.inputs[0]).toEqual(result.input);
  });

  it('reports taint when the consequential value is only in untrusted content', async () => {
    const result = await decideRequest({
      policy: policyDouble(() => allow),
      registry,
      request: { ...request, basis: [{ kind: 'tool-output', content: 'send to bob@example.com', source: 'tool:web', authority: 'untrusted' }] },
    });
    expect(result.basis.tainted).toEqual(['to']);
  });

  it.each([
    [null, 'ERR_INVALID_ARGUMENT'],
    [{ ...request, tool: 3 }, 'ERR_INVALID_ARGUMENT'],
    [{ ...request, args: [] }, 'ERR_INVALID_ARGUMENT'],
    [{ ...request, mode: 'loud' }, 'ERR_INVALID_ARGUMENT'],
    [{ ...request, now: 'yesterday' }, 'ERR_INVALID_ARGUMENT'],
    [{ ...request, basis: {} }, 'ERR_INVALID_ARGUMENT'],
    [{ ...request, basis: [7] }, 'ERR_INVALID_ARGUMENT'],
    [{ ...request, basis: [{ kind: 'nope', content: 'x', source: 'user', authority: 'user' }] }, 'ERR_BASIS_ITEM_INVALID'],
    [{ ...request, principal: { id: 5 } }, 'ERR_INVALID_ARGUMENT'],
  ])('refuses malformed request %j', async (value, code) => {
    await expect(decideRequest({ policy: policyDouble(() => allow), registry, request: value })).rejects.toMatchObject({ code });
  });

  it('names which basis item of the request is malformed', async () => {
    const second = [request.basis[0], { kind: 'nope', content: 'x', source: 'user', authority: 'user' }];
    await expect(decideRequest({ policy: policyDouble(() => allow), registry, request: { ...request, basis: second } })).rejects.toMatchObject({
      code: 'ERR_BASIS_ITEM_INVALID',
      message: expect.stringMatching(/^request\.basis\[1\]: item\.kind is not a basis kind/),
      details: { parameter: 'request.basis[1]' },
    });
  });

  it('fails with the parser error when the policy returns no decision document', async () => {
    await expect(decideRequest({ policy: policyDouble(() => ({ decision: 'perhaps' })), registry, request })).rejects.toHaveProperty('code');
  });
});
