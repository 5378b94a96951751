import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digest } from '../crypto/digest.ts';
import { utf8 } from '../crypto/encoding.ts';
import { createSigner } from '../crypto/signer.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import { signApproval } from './approval-statement.ts';
import type { SignApprovalOptions } from './approval-statement.ts';
import { verifyApproval } from './verify-approval.ts';
import type { VerifyApprovalOptions } from './verify-approval.ts';
import { verifyApprovalRule } from './verify-approval-rule.ts';
import type { ApprovalRequirement } from './verify-approval-rule.ts';
import { code, entry, key } from './statement-test-support.ts';

const trustRoot = createTrustRoot({
  type: 'writ.trust-root/v1',
  version: 1,
  issuedAt: '2026-01-01T00:00:00Z',
  threshold: 1,
  keys: [
    entry(1, ['root']),
    entry(2, ['approver'], { approvalRoles: ['finance'] }),
    entry(3, ['approver'], { approvalRoles: ['finance'] }),
    entry(4, ['approver'], { approvalRoles: ['security'] }),
    entry(5, ['approver'], { approvalRoles: ['finance', 'security'] }),
    entry(6, ['approver'], { approvalRoles: ['finance'], status: 'compromised', since: '2026-02-01T00:30:00Z' }),
    entry(7, ['authority']),
    entry(8, ['approver'], { approvalRoles: ['security'], owner: 'person-2' }),
  ],
});

const intent = digest({ tool: 'payments.transfer', args: { to: 'acct:bob', amount: 25_000 } });
const policy = digest({ bundle: 'v1' });
const NOW = new Date('2026-02-01T00:00:00Z');
const USE = new Date('2026-02-01T00:05:00Z');
const schema = digest({ schema: 'payments.transfer@1' });
const statement = (n: number, role: string, extra: Partial<SignApprovalOptions> = {}) =>
  signApproval({ signer: createSigner(key(n)), role, intent, policy: { digest: policy, rule: 'payments.large' }, connector: { name: 'payments', schema }, now: NOW, ...extra });
const options: VerifyApprovalOptions = { trustRoot, now: USE, intent, policy, rule: 'payments.large', connectorSchema: schema };

describe('verifyApproval', () => {
  it('accepts a valid statement and returns the approver record', async () => {
    const verified = await verifyApproval(statement(2, 'finance').envelope, options);
    expect(verified.key.owner).toBe('person-2');
    expect(verified.payload.singleUse).toBe(true);
  });
  describe('the six refusal cases of seed 004', () => {
    it('intent digest differs → ERR_APPROVAL_INTENT_MISMATCH', async () => {
      expect(await code(() => verifyApproval(statement(2, 'finance').envelope, { ...options, intent: digest({ other: 1 }) }))).toBe('ERR_APPROVAL_INTENT_MISMATCH');
    });
    it('policy changed and the rule demands re-approval → ERR_APPROVAL_POLICY_CHANGED (allowed when it does not)', async () => {
      const changed = { ...options, policy: digest({ bundle: 'v2' }) };
      expect(await code(() => verifyApproval(statement(2, 'finance').envelope, changed))).toBe('ERR_APPROVAL_POLICY_CHANGED');
      expect(await code(() => verifyApproval(statement(2, 'finance').envelope, { ...changed, reapproveOnPolicyChange: false }))).toBeUndefined();
    });
    it('expired → ERR_APPROVAL_EXPIRED', async () => {
      expect(await code(() => verifyApproval(statement(2, 'finance', { ttlSeconds: 60 }).envelope, options))).toBe('ERR_APPROVAL_EXPIRED');
    });
    it('already consumed (single use) → ERR_APPROVAL_CONSUMED; reusable ones pass', async () => {
      const approval = statement(2, 'finance');
      const consumed = { has: (id: string) => Promise.resolve(id === approval.digest) };
      expect(await code(() => verifyApproval(approval.envelope, { ...options, consumed }))).toBe('ERR_APPROVAL_CONSUMED');
      const reusable = statement(2, 'finance', { singleUse: false });
      expect(await code(() => verifyApproval(reusable.envelope, { ...options, consumed: { has: () => true } }))).toBeUndefined();
    });
    it('signer not valid in the approval window → ERR_APPROVAL_SIGNER_INVALID', async () => {
      // key 6 was valid when it signed (00:00) but compromised at 00:30, inside the window, before use at 00:35.
      const later = { ...options, now: new Date('2026-02-01T00:35:00Z') };
      expect(await code(() => verifyApproval(statement(6, 'finance', { ttlSeconds: 3600 }).envelope, later))).toBe('ERR_APPROVAL_SIGNER_INVALID');
      expect(await code(() => verifyApproval(statement(6, 'finance').envelope, options))).toBeUndefined();
      expect(await code(() => verifyApproval(statement(9, 'finance').envelope, options))).toBe('ERR_APPROVAL_SIGNER_INVALID');
      expect(await code(() => verifyApproval(statement(7, 'finance').envelope, options))).toBe('ERR_APPROVAL_SIGNER_INVALID');
      expect(await code(() => verifyApproval(statement(2, 'security').envelope, options))).toBe('ERR_APPROVAL_SIGNER_INVALID');
    });
    it('connector schema drift changing the canonical intent → ERR_APPROVAL_SCHEMA_DRIFT', async () => {
      const drifted = { ...options, connectorSchema: digest({ schema: 'payments.transfer@2' }), intent: digest({ reinterpreted: true }) };
      expect(await code(() => verifyApproval(statement(2, 'finance').envelope, drifted))).toBe('ERR_APPROVAL_SCHEMA_DRIFT');
    });
  });
  it('refuses a statement for another rule and one dated in the future', async () => {
    expect(await code(() => verifyApproval(statement(2, 'finance').envelope, { ...options, rule: 'other' }))).toBe('ERR_APPROVAL_RULE_MISMATCH');
    expect(await code(() => verifyApproval(statement(2, 'finance', { now: new Date('2026-02-01T01:00:00Z') }).envelope, options))).toBe('ERR_APPROVAL_NOT_YET_VALID');
  });
  it('rejects any single-byte change of the serialized approval', async () => {
    const text = JSON.stringify(statement(2, 'finance').envelope);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: text.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, delta) => {
        const bytes = utf8(text);
        bytes[index] = (bytes[index]! + delta) & 0xff;
        expect(await code(() => verifyApproval(Buffer.from(bytes).toString('latin1'), options))).toMatch(/^ERR_/);
      }),
      { numRuns: 300 },
    );
  });
  it('rejects a +1 change at every byte position of the serialized approval (exhaustive)', async () => {
    const bytes = utf8(JSON.stringify(statement(2, 'finance').envelope));
    const accepted: number[] = [];
    for (let index = 0; index < bytes.length; index++) {
      const tampered = bytes.slice();
      tampered[index] = (tampered[index]! + 1) & 0xff;
      if ((await code(() => verifyApproval(Buffer.from(tampered).toString('latin1'), options))) === undefined) accepted.push(index);
    }
    expect(accepted).toEqual([]);
  });
  it('refuses malformed input with WritError codes', async () => {
    for (const value of [null, 7, '{', {}, JSON.parse('{"__proto__":{"payload":1}}')]) expect(await code(() => verifyApproval(value, options))).toBe('ERR_APPROVAL_MALFORMED');
    for (const override of [{ trustRoot: {} }, { intent: 'x' }, { policy: 1 }, { rule: '' }, { now: 'soon' }, { consumed: {} }, { clockSkewSeconds: 1e9 }]) {
      expect(await code(() => verifyApproval(statement(2, 'finance').envelope, { ...options, ...(override as object) }))).toBe('ERR_INVALID_ARGUMENT');
    }
    expect(await code(() => verifyApproval({}, null as never))).toBe('ERR_INVALID_ARGUMENT');
    for (const override of [{ role: '' }, { intent: 'sha256:0' }, { policy: { digest: policy } }, { ttlSeconds: -5 }, { signer: {} }, { summary: 'x'.repeat(3000) }]) {
      expect(await code(() => Promise.resolve(statement(2, 'finance', override as Partial<SignApprovalOptions>)))).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});

describe('verifyApprovalRule', () => {
  const twoRoles: ApprovalRequirement = { rule: 'payments.large', threshold: 2, roles: ['finance', 'security'], separationOfDuties: true };
  const rule = (requirement: ApprovalRequirement, statements: unknown[]) => verifyApprovalRule(statements, { ...options, rule: requirement });
  it('is satisfied by a finance and a security approver', async () => {
    const result = await rule(twoRoles, [statement(2, 'finance').envelope, statement(4, 'security').envelope]);
    expect(result.digests).toHaveLength(2);
  });
  it('separation of duties: two finance approvers do not satisfy a rule that demands two roles', async () => {
    expect(await code(() => rule(twoRoles, [statement(2, 'finance').envelope, statement(3, 'finance').envelope]))).toBe('ERR_APPROVAL_SEPARATION');
    expect(await code(() => rule({ ...twoRoles, separationOfDuties: false }, [statement(2, 'finance').envelope, statement(3, 'finance').envelope]))).toBeUndefined();
  });
  it('separation of duties: one person with two keys or two roles counts once', async () => {
    // key 8 belongs to person-2, who also holds key 2.
    expect(await code(() => rule(twoRoles, [statement(2, 'finance').envelope, statement(8, 'security').envelope]))).toBe('ERR_APPROVAL_SEPARATION');
    expect(await code(() => rule(twoRoles, [statement(5, 'finance').envelope, statement(5, 'security').envelope]))).toBe('ERR_APPROVAL_THRESHOLD');
    expect(await code(() => rule({ ...twoRoles, excludedOwners: ['person-4'] }, [statement(2, 'finance').envelope, statement(4, 'security').envelope]))).toBe(
      'ERR_APPROVAL_ROLES',
    );
  });
  it('required roles must each be covered by a different approver', async () => {
    const required: ApprovalRequirement = { rule: 'payments.large', threshold: 2, requiredRoles: ['finance', 'security'] };
    expect(await code(() => rule(required, [statement(2, 'finance').envelope, statement(3, 'finance').envelope]))).toBe('ERR_APPROVAL_ROLES');
    expect(await code(() => rule(required, [statement(5, 'security').envelope, statement(2, 'finance').envelope]))).toBeUndefined();
  });
  it('threshold counts distinct keys and reports the precise reason of an invalid statement', async () => {
    const one: ApprovalRequirement = { rule: 'payments.large', threshold: 2 };
    expect(await code(() => rule(one, [statement(2, 'finance').envelope, statement(2, 'finance').envelope]))).toBe('ERR_APPROVAL_THRESHOLD');
    expect(await code(() => rule(one, [statement(2, 'finance').envelope, statement(3, 'finance', { ttlSeconds: 60 }).envelope]))).toBe('ERR_APPROVAL_EXPIRED');
    expect(await code(() => rule(one, []))).toBe('ERR_APPROVAL_THRESHOLD');
  });
  it('refuses malformed rules and statement lists', async () => {
    expect(await code(() => rule({ rule: 'x', threshold: 0 }, []))).toBe('ERR_INVALID_ARGUMENT');
    expect(await code(() => rule({ rule: 'x', threshold: 1, roles: 'finance' } as never, []))).toBe('ERR_INVALID_ARGUMENT');
    expect(await code(() => verifyApprovalRule('x' as never, { ...options, rule: twoRoles }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await code(() => verifyApprovalRule(new Array(65).fill({}), { ...options, rule: twoRoles }))).toBe('ERR_INVALID_ARGUMENT');
  });
});
