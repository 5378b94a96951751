import { describe, expect, it } from 'vitest';
import { loadRegoPolicy } from './load-rego-policy.ts';

// A deny rule whose builtin fails on hostile input: under OPA's lenient default the rule is
// simply undefined and the decision falls through to allow — a fail-open.
const SOURCE = `package writ

default decision := {"decision": "allow", "reasons": []}

decision := {"decision": "deny", "reasons": [{"code": "amount.too-large", "text": "too large"}]} if {
  to_number(input.action.args.amount) > 500
}
`;

describe('loadRegoPolicy strict default', () => {
  it('throws on a builtin error instead of letting a deny rule silently not fire', async () => {
    const policy = await loadRegoPolicy({ modules: [{ file: 'amount.rego', source: SOURCE }] });
    expect(policy.evaluateSync({ action: { args: { amount: 900 } } })).toMatchObject({ decision: 'deny' });
    expect(() => policy.evaluateSync({ action: { args: { amount: '9e9x' } } })).toThrow();
  });

  it('reproduces OPA lenient semantics only when asked', async () => {
    const policy = await loadRegoPolicy({ modules: [{ file: 'amount.rego', source: SOURCE }], strict: false });
    expect(policy.evaluateSync({ action: { args: { amount: '9e9x' } } })).toMatchObject({ decision: 'allow' });
  });
});
