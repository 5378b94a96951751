import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWritError } from '../errors.ts';
import { parseDecision } from './parse-decision.ts';

const schema = JSON.parse(
  readFileSync(
    new URL('../../../../schemas/writ.decision.v1.schema.json', import.meta.url),
    'utf8',
  ),
) as object;
const validate = new Ajv2020({
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  allErrors: true,
}).compile(schema);

const approval = {
  rule: 'dual-control',
  roles: ['finance-manager'],
  threshold: 2,
  separationOfDuties: true,
  expiresInSeconds: 3600,
};
const valid: readonly unknown[] = [
  { decision: 'allow', reasons: [] },
  { decision: 'allow', reasons: [], constraints: {} },
  {
    version: 'writ.decision/v1',
    decision: 'deny',
    reasons: [{ code: 'basis.tainted-argument', text: 'iban came from an email' }],
    risk: 90,
  },
  {
    decision: 'require-approval',
    reasons: [{ code: 'approval.class', text: 'A5 needs dual control' }],
    approval,
    constraints: { ttlSeconds: 300 },
  },
  {
    decision: 'allow-with-constraints',
    reasons: [],
    constraints: {
      ttlSeconds: 120,
      maxUses: 1,
      rate: { count: 5, perSeconds: 60 },
      bytes: { request: 1024 },
      region: ['eu'],
      hops: 1,
      secrets: false,
      args: { amount: { min: 0, max: 500 }, currency: { oneOf: ['EUR'] } },
    },
    obligations: ['notify-finance'],
  },
];
const invalid: readonly (readonly [unknown, string])[] = [
  [null, 'decision'],
  ['allow', 'decision'],
  [[], 'decision'],
  [{}, 'decision.decision'],
  [{ decision: 'permit', reasons: [] }, 'decision.decision'],
  [{ decision: 'ALLOW', reasons: [] }, 'decision.decision'],
  [{ decision: 'allow' }, 'decision.reasons'],
  [{ decision: 'allow', reasons: {} }, 'decision.reasons'],
  [{ decision: 'allow', reasons: ['ok'] }, 'decision.reasons[0]'],
  [{ decision: 'allow', reasons: [{ code: 'has space', text: '' }] }, 'decision.reasons[0].code'],
  [{ decision: 'allow', reasons: [{ code: 'x', message: 'm' }] }, 'decision.reasons[0].message'],
  [{ decision: 'deny', reasons: [] }, 'decision.reasons'],
  [{ decision: 'allow', reasons: [], risk: 101 }, 'decision.risk'],
  [{ decision: 'allow', reasons: [], risk: '5' }, 'decision.risk'],
  [{ decision: 'allow', reasons: [], constraints: { ttlSeconds: 60 } }, 'decision.constraints'],
  [{ decision: 'allow-with-constraints', reasons: [] }, 'decision.constraints'],
  [{ decision: 'allow-with-constraints', reasons: [], constraints: {} }, 'decision.constraints'],
  [
    { decision: 'allow-with-constraints', reasons: [], constraints: { ttlSeconds: 0 } },
    'decision.constraints.ttlSeconds',
  ],
  [
    { decision: 'allow-with-constraints', reasons: [], constraints: { ttlSeconds: 1.5 } },
    'decision.constraints.ttlSeconds',
  ],
  [
    { decision: 'allow-with-constraints', reasons: [], constraints: { constraint: 1 } },
    'decision.constraints.constraint',
  ],
  [
    {
      decision: 'allow-with-constraints',
      reasons: [],
      constraints: { args: { amount: { max: 'x' } } },
    },
    'decision.constraints.args["amount"].max',
  ],
  [
    { decision: 'allow-with-constraints', reasons: [], constraints: { secrets: 'no' } },
    'decision.constraints.secrets',
  ],
  [{ decision: 'require-approval', reasons: [] }, 'decision.approval'],
  [
    { decision: 'require-approval', reasons: [], approval: { ...approval, threshold: 0 } },
    'decision.approval.threshold',
  ],
  [
    { decision: 'require-approval', reasons: [], approval: { ...approval, roles: [] } },
    'decision.approval.roles',
  ],
  [
    {
      decision: 'require-approval',
      reasons: [],
      approval: { ...approval, separationOfDuties: 'yes' },
    },
    'decision.approval.separationOfDuties',
  ],
  [{ decision: 'allow', reasons: [], approval }, 'decision.approval'],
  [{ decision: 'allow', reasons: [], version: 'writ.decision/v2' }, 'decision.version'],
  [{ decision: 'allow', reasons: [], allow: true }, 'decision.allow'],
  [
    JSON.parse('{"decision":"allow","reasons":[],"__proto__":{"decision":"allow"}}'),
    'decision.__proto__',
  ],
];

describe('parseDecision', () => {
  it.each(valid.map((d) => [JSON.stringify(d).slice(0, 60), d]))(
    'accepts %s (and so does the schema)',
    (_name, document) => {
      expect(() => parseDecision(document)).not.toThrow();
      expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    },
  );

  it.each(invalid)('refuses %j naming %s (fail closed, never an allow)', (document, parameter) => {
    let error: unknown;
    try {
      parseDecision(document);
    } catch (caught) {
      error = caught;
    }
    expect(isWritError(error, 'ERR_POLICY_DECISION_INVALID')).toBe(true);
    expect((error as { details: unknown }).details).toEqual({ parameter });
  });

  it('the schema agrees with the parser on every invalid case except the ones only code can check', () => {
    for (const [document] of invalid) expect(validate(document)).toBe(false);
  });

  it('keeps constraints and approval only where they mean something and derives a stable id', () => {
    const denied = parseDecision({
      decision: 'deny',
      reasons: [{ code: 'x', text: 'no' }],
      constraints: { ttlSeconds: 5 },
    });
    expect(denied.constraints).toEqual({});
    const a = parseDecision(valid[3]);
    expect(a).toMatchObject({
      decision: 'require-approval',
      approval,
      constraints: { ttlSeconds: 300 },
      risk: undefined,
    });
    expect(a.id).toBe(parseDecision(structuredClone(valid[3])).id);
    expect(a.id).not.toBe(parseDecision(valid[2]).id);
  });

  it('never returns an allow for arbitrary input that is not a well-formed allow (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        try {
          const parsed = parseDecision(value);
          expect(validate(value)).toBe(true);
          expect(parsed.decision).toBe((value as { decision: string }).decision);
        } catch (error) {
          expect(isWritError(error, 'ERR_POLICY_DECISION_INVALID')).toBe(true);
        }
      }),
      { seed: 5, numRuns: 500 },
    );
  });

  it('handles huge input without blowing up', () => {
    const reasons = Array.from({ length: 10_000 }, () => ({ code: 'x', text: 'y' }));
    expect(() => parseDecision({ decision: 'allow', reasons })).toThrow(
      expect.objectContaining({ code: 'ERR_POLICY_DECISION_INVALID' }),
    );
  });
});
