import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digest } from '../crypto/digest.ts';
import { fromBase64Any, fromUtf8, toBase64Url, utf8 } from '../crypto/encoding.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import { readApproval, signApproval } from './approval-statement.ts';
import { REJECTION_PAYLOAD_TYPE, readRejection, signRejection } from './rejection-statement.ts';
import type { SignRejectionOptions } from './rejection-statement.ts';
import { verifyApproval } from './verify-approval.ts';
import { verifyApprovalRule } from './verify-approval-rule.ts';
import { verifyRejection } from './verify-rejection.ts';
import type { VerifyRejectionOptions } from './verify-rejection.ts';
import { code, entry, key } from './statement-test-support.ts';

const trustRoot = createTrustRoot({
  type: 'writ.trust-root/v1',
  version: 1,
  issuedAt: '2026-01-01T00:00:00Z',
  threshold: 1,
  keys: [
    entry(1, ['root']),
    entry(2, ['approver'], { approvalRoles: ['finance'] }),
    entry(4, ['approver'], { approvalRoles: ['security'] }),
    entry(6, ['approver'], { approvalRoles: ['finance'], status: 'compromised', since: '2026-02-01T00:30:00Z' }),
    entry(7, ['authority']),
  ],
});

const intent = digest({ tool: 'payments.transfer', args: { to: 'acct:bob', amount: 25_000 } });
const policy = digest({ bundle: 'v1' });
const NOW = new Date('2026-02-01T00:00:00Z');
const USE = new Date('2026-02-01T00:05:00Z');
const reject = (n: number, role: string, extra: Partial<SignRejectionOptions> = {}) =>
  signRejection({ signer: createSigner(key(n)), role, intent, policy: { digest: policy, rule: 'payments.large' }, now: NOW, reason: 'unknown payee', ...extra });
const options: VerifyRejectionOptions = { trustRoot, now: USE, intent, policy, rule: 'payments.large' };

describe('signRejection', () => {
  it('signs a canonical payload of the rejection payload type (known answer for the fixed fields)', () => {
    const rejection = reject(2, 'finance');
    expect(rejection.envelope.payloadType).toBe('application/vnd.writ.rejection+json');
    expect(REJECTION_PAYLOAD_TYPE).toBe('application/vnd.writ.rejection+json');
    const json = fromUtf8(fromBase64Any(rejection.envelope.payload, 'payload'));
    const { id, ...rest } = JSON.parse(json) as Record<string, unknown>;
    expect(typeof id).toBe('string');
    expect(rest).toEqual({ v: 1, approver: key(2).keyId, role: 'finance', intent, policy: { digest: policy, rule: 'payments.large' }, iat: 1769904000, exp: 1769904900, reason: 'unknown payee' });
    expect(rejection.digest).toBe(digest(JSON.parse(json)));
  });

  it('refuses invalid options with ERR_INVALID_ARGUMENT', () => {
    for (const extra of [{ role: '' }, { intent: 'sha256:00' as never }, { ttlSeconds: 0 }, { reason: 'x'.repeat(3000) }, { policy: { digest: policy, rule: '' } }]) {
      expect(() => reject(2, 'finance', extra)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
    expect(() => signRejection(null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => signRejection({ ...({} as SignRejectionOptions), signer: {} as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});

describe('verifyRejection', () => {
  it('accepts a valid rejection and returns the approver record', async () => {
    const verified = await verifyRejection(reject(2, 'finance').envelope, options);
    expect(verified.key.owner).toBe('person-2');
    expect(verified.payload.reason).toBe('unknown payee');
    // Also as JSON text and as the Rejection object.
    await expect(verifyRejection(JSON.stringify(reject(2, 'finance').envelope), options)).resolves.toBeDefined();
    await expect(verifyRejection(reject(2, 'finance'), options)).resolves.toBeDefined();
  });

  it('refuses each bad statement with its own code', async () => {
    const outsider = PrivateKey.fromSeed(new Uint8Array(32).fill(99));
    expect(await code(() => verifyRejection(signRejection({ signer: createSigner(outsider), role: 'finance', intent, policy: { digest: policy, rule: 'payments.large' }, now: NOW }).envelope, options))).toBe('ERR_APPROVAL_SIGNER_INVALID');
    expect(await code(() => verifyRejection(reject(7, 'finance').envelope, options))).toBe('ERR_APPROVAL_SIGNER_INVALID');
    expect(await code(() => verifyRejection(reject(2, 'security').envelope, options))).toBe('ERR_APPROVAL_SIGNER_INVALID');
    expect(await code(() => verifyRejection(reject(4, 'security').envelope, { ...options, roles: ['finance'] }))).toBe('ERR_APPROVAL_SIGNER_INVALID');
    expect(await code(() => verifyRejection(reject(6, 'finance', { ttlSeconds: 3600 }).envelope, { ...options, now: new Date('2026-02-01T00:40:00Z') }))).toBe('ERR_APPROVAL_SIGNER_INVALID');
    expect(await code(() => verifyRejection(reject(2, 'finance', { intent: digest({ other: 1 }) }).envelope, options))).toBe('ERR_APPROVAL_INTENT_MISMATCH');
    expect(await code(() => verifyRejection(reject(2, 'finance').envelope, { ...options, rule: 'other' }))).toBe('ERR_APPROVAL_RULE_MISMATCH');
    expect(await code(() => verifyRejection(reject(2, 'finance').envelope, { ...options, policy: digest({ bundle: 'v2' }) }))).toBe('ERR_APPROVAL_POLICY_CHANGED');
    expect(await code(() => verifyRejection(reject(2, 'finance').envelope, { ...options, now: new Date('2026-02-01T01:00:00Z') }))).toBe('ERR_APPROVAL_EXPIRED');
    expect(await code(() => verifyRejection(reject(2, 'finance').envelope, { ...options, now: new Date('2026-01-31T23:00:00Z') }))).toBe('ERR_APPROVAL_NOT_YET_VALID');
  });

  it('refuses a rejection whose signature was made by another approver key (forged signer field)', async () => {
    const signed = reject(4, 'security');
    // Claim key 2 in the payload: the signature was made by key 4, so it cannot verify.
    const payload = JSON.parse(fromUtf8(fromBase64Any(signed.envelope.payload, 'payload'))) as Record<string, unknown>;
    const claimed = toBase64Url(utf8(JSON.stringify({ ...payload, approver: key(2).keyId, role: 'finance' }).replace(/\s/g, '')));
    const forged = { ...signed.envelope, payload: claimed, signatures: signed.envelope.signatures.map((s) => ({ ...s, keyid: key(2).keyId })) };
    expect(['ERR_SIGNATURE_INVALID', 'ERR_APPROVAL_MALFORMED']).toContain(await code(() => verifyRejection(forged, options)));
  });

  it('a rejection is never an approval, and an approval is never a rejection', async () => {
    const rejection = reject(2, 'finance');
    expect(await code(() => verifyApproval(rejection.envelope, { ...options }))).toBe('ERR_APPROVAL_MALFORMED');
    expect(() => readApproval(rejection.envelope)).toThrow(expect.objectContaining({ code: 'ERR_APPROVAL_MALFORMED' }));
    expect(await code(() => verifyApprovalRule([rejection.envelope], { ...options, rule: { rule: 'payments.large', threshold: 1 } }))).toBe('ERR_APPROVAL_MALFORMED');
    const approval = signApproval({ signer: createSigner(key(2)), role: 'finance', intent, policy: { digest: policy, rule: 'payments.large' }, now: NOW });
    expect(await code(() => verifyRejection(approval.envelope, options))).toBe('ERR_APPROVAL_MALFORMED');
    // Relabelling the payload type breaks the signature (DSSE binds the type into PAE).
    expect(await code(() => verifyRejection({ ...approval.envelope, payloadType: REJECTION_PAYLOAD_TYPE }, options))).not.toBeUndefined();
    expect(await code(() => verifyApproval({ ...rejection.envelope, payloadType: 'application/vnd.writ.approval+json' }, { ...options }))).not.toBeUndefined();
  });

  it('refuses invalid options with ERR_INVALID_ARGUMENT', async () => {
    const envelope = reject(2, 'finance').envelope;
    for (const bad of [null, { ...options, trustRoot: {} }, { ...options, intent: 'x' }, { ...options, policy: 1 }, { ...options, rule: '' }, { ...options, roles: [1] }, { ...options, clockSkewSeconds: 301 }]) {
      expect(await code(() => verifyRejection(envelope, bad as never))).toBe('ERR_INVALID_ARGUMENT');
    }
  });

  it('property: arbitrary input is refused with a stable code, never an exception of another kind', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), fc.string(), fc.record({ payloadType: fc.constant(REJECTION_PAYLOAD_TYPE), payload: fc.base64String(), signatures: fc.array(fc.record({ keyid: fc.string(), sig: fc.base64String() })) })), async (input) => {
        const result = await code(() => verifyRejection(input, options));
        expect(result).toMatch(/^ERR_(APPROVAL_MALFORMED|SIGNATURE_INVALID|APPROVAL_SIGNER_INVALID)$/);
      }),
      { numRuns: 200 },
    );
  });

  it('property: any single-byte change of the signed payload is refused', async () => {
    const { envelope } = reject(2, 'finance');
    const bytes = fromBase64Any(envelope.payload, 'payload');
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, flip) => {
        const changed = bytes.slice();
        changed[index] = changed[index]! ^ flip;
        expect(await code(() => verifyRejection({ ...envelope, payload: toBase64Url(changed) }, options))).toBeDefined();
      }),
      { numRuns: 100 },
    );
  });

  it('readRejection refuses non-canonical payloads', () => {
    const { envelope } = reject(2, 'finance');
    const payload = JSON.parse(fromUtf8(fromBase64Any(envelope.payload, 'payload'))) as object;
    const spaced = toBase64Url(utf8(JSON.stringify(payload, null, 1)));
    expect(() => readRejection({ ...envelope, payload: spaced })).toThrow(expect.objectContaining({ code: 'ERR_APPROVAL_MALFORMED' }));
    expect(() => readRejection({ ...envelope, payload: toBase64Url(utf8('{"v":2}')) })).toThrow(expect.objectContaining({ code: 'ERR_APPROVAL_MALFORMED' }));
  });
});
