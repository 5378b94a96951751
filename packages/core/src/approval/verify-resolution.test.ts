import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digest } from '../crypto/digest.ts';
import { fromBase64Any, fromUtf8, toBase64Url, utf8 } from '../crypto/encoding.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import { APPROVAL_PAYLOAD_TYPE, readApproval, signApproval } from './approval-statement.ts';
import { REJECTION_PAYLOAD_TYPE, readRejection, signRejection } from './rejection-statement.ts';
import { RESOLUTION_PAYLOAD_TYPE, parseResolutionPayload, readResolution, signResolution } from './resolution-statement.ts';
import type { SignResolutionOptions } from './resolution-statement.ts';
import { verifyApproval } from './verify-approval.ts';
import { verifyRejection } from './verify-rejection.ts';
import { verifyResolution } from './verify-resolution.ts';
import type { VerifyResolutionOptions } from './verify-resolution.ts';
import { code, entry, key } from './statement-test-support.ts';

const trustRoot = createTrustRoot({
  type: 'writ.trust-root/v1',
  version: 1,
  issuedAt: '2026-01-01T00:00:00Z',
  threshold: 1,
  keys: [
    entry(1, ['root']),
    entry(2, ['approver'], { approvalRoles: ['ops'] }),
    entry(6, ['approver'], { approvalRoles: ['ops'], status: 'compromised', since: '2026-02-01T00:30:00Z' }),
    entry(7, ['authority']),
    entry(8, ['approver'], { approvalRoles: ['ops'], validFrom: '2026-03-01T00:00:00Z' }),
  ],
});

const TOKEN = 'tok_4417';
const NOW = new Date('2026-02-01T00:00:00Z');
const USE = new Date('2026-02-01T00:05:00Z');
const resolve = (n: number, role: string, extra: Partial<SignResolutionOptions> = {}) =>
  signResolution({ signer: createSigner(key(n)), role, tokenId: TOKEN, outcome: 'not-executed', note: 'no refund at the bank', now: NOW, ...extra });
const options: VerifyResolutionOptions = { trustRoot, now: USE, tokenId: TOKEN };
const intent = digest({ tool: 'refund', args: { amount: 60 } });
const policy = { digest: digest({ bundle: 'v1' }), rule: 'refunds.large' };

describe('signResolution', () => {
  it('signs a canonical payload of the resolution payload type (known answer for the fixed fields)', () => {
    const resolution = resolve(2, 'ops');
    expect(RESOLUTION_PAYLOAD_TYPE).toBe('application/vnd.writ.resolution+json');
    expect(resolution.envelope.payloadType).toBe(RESOLUTION_PAYLOAD_TYPE);
    const json = fromUtf8(fromBase64Any(resolution.envelope.payload, 'payload'));
    const { id, ...rest } = JSON.parse(json) as Record<string, unknown>;
    expect(typeof id).toBe('string');
    expect(rest).toEqual({ v: 1, approver: key(2).keyId, role: 'ops', tokenId: TOKEN, outcome: 'not-executed', note: 'no refund at the bank', iat: 1769904000, exp: 1769904900 });
    // Canonical (JCS) bytes: keys sorted, no whitespace.
    expect(json).toBe(`{"approver":"${key(2).keyId}","exp":1769904900,"iat":1769904000,"id":"${String(id)}","note":"no refund at the bank","outcome":"not-executed","role":"ops","tokenId":"tok_4417","v":1}`);
    expect(resolution.digest).toBe(digest(JSON.parse(json)));
    // Without a note the field is absent, not empty.
    expect(resolve(2, 'ops', { note: undefined, outcome: 'executed' }).payload).not.toHaveProperty('note');
  });

  it('refuses invalid options with ERR_INVALID_ARGUMENT naming the field', () => {
    const cases: [Partial<SignResolutionOptions>, string][] = [
      [{ role: '' }, 'role'],
      [{ tokenId: '' }, 'tokenId'],
      [{ tokenId: 7 as never }, 'tokenId'],
      [{ outcome: 'maybe' as never }, 'outcome'],
      [{ note: '' }, 'note'],
      [{ note: 'x'.repeat(4097) }, 'note'],
      [{ ttlSeconds: 0 }, 'exp'],
    ];
    for (const [extra, field] of cases) {
      expect(() => resolve(2, 'ops', extra), field).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { field } }));
    }
    expect(() => signResolution(null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'options' } }));
    expect(() => signResolution({ ...({} as SignResolutionOptions), signer: {} as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'signer' } }));
  });
});

describe('parseResolutionPayload', () => {
  const good = { v: 1, id: 'r1', approver: 'k', role: 'ops', tokenId: TOKEN, outcome: 'executed', iat: 1, exp: 2 };
  it.each([
    [null, 'payload'],
    [[], 'payload'],
    [{ ...good, v: 2 }, 'v'],
    [{ ...good, intent }, 'intent'],
    [{ ...good, tokenId: '' }, 'tokenId'],
    [{ ...good, outcome: 'executed ' }, 'outcome'],
    [{ ...good, note: 1 }, 'note'],
    [{ ...good, exp: 1 }, 'exp'],
  ])('refuses %j naming %s (ERR_APPROVAL_MALFORMED)', (value, field) => {
    expect(() => parseResolutionPayload(value)).toThrow(expect.objectContaining({ code: 'ERR_APPROVAL_MALFORMED', details: { field } }));
  });
});

describe('verifyResolution', () => {
  it('accepts a valid resolution and returns the approver record', async () => {
    const verified = await verifyResolution(resolve(2, 'ops').envelope, options);
    expect(verified.key.owner).toBe('person-2');
    expect(verified.payload).toMatchObject({ tokenId: TOKEN, outcome: 'not-executed', note: 'no refund at the bank' });
    await expect(verifyResolution(JSON.stringify(resolve(2, 'ops').envelope), options)).resolves.toBeDefined();
    await expect(verifyResolution(resolve(2, 'ops'), { ...options, outcome: 'not-executed' })).resolves.toBeDefined();
  });

  it('refuses each bad statement with its own code', async () => {
    const outsider = PrivateKey.fromSeed(new Uint8Array(32).fill(99));
    const cases: [string, () => Promise<unknown>, string][] = [
      ['a key the trust root does not know', () => verifyResolution(signResolution({ signer: createSigner(outsider), role: 'ops', tokenId: TOKEN, outcome: 'executed', now: NOW }).envelope, options), 'ERR_APPROVAL_SIGNER_INVALID'],
      ['a key without the approver role', () => verifyResolution(resolve(7, 'ops').envelope, options), 'ERR_APPROVAL_SIGNER_INVALID'],
      ['a role the key does not hold', () => verifyResolution(resolve(2, 'finance').envelope, options), 'ERR_APPROVAL_SIGNER_INVALID'],
      ['a key not yet valid when signed', () => verifyResolution(resolve(8, 'ops').envelope, options), 'ERR_APPROVAL_SIGNER_INVALID'],
      ['a key compromised inside the window', () => verifyResolution(resolve(6, 'ops', { ttlSeconds: 3600 }).envelope, { ...options, now: new Date('2026-02-01T00:40:00Z') }), 'ERR_APPROVAL_SIGNER_INVALID'],
      ['a resolution of another token', () => verifyResolution(resolve(2, 'ops', { tokenId: 'tok_other' }).envelope, options), 'ERR_APPROVAL_TOKEN_MISMATCH'],
      ['another outcome than expected', () => verifyResolution(resolve(2, 'ops').envelope, { ...options, outcome: 'executed' }), 'ERR_APPROVAL_OUTCOME_MISMATCH'],
      ['an expired one', () => verifyResolution(resolve(2, 'ops').envelope, { ...options, now: new Date('2026-02-01T01:00:00Z') }), 'ERR_APPROVAL_EXPIRED'],
      ['one dated in the future', () => verifyResolution(resolve(2, 'ops').envelope, { ...options, now: new Date('2026-01-31T23:00:00Z') }), 'ERR_APPROVAL_NOT_YET_VALID'],
    ];
    for (const [name, run, expected] of cases) expect(await code(run), name).toBe(expected);
    // Within the clock skew of its window: accepted.
    await expect(verifyResolution(resolve(2, 'ops').envelope, { ...options, now: new Date('2026-02-01T00:15:20Z') })).resolves.toBeDefined();
  });

  it('refuses a tampered payload and a signature made by another approver key (forged signer field)', async () => {
    const signed = resolve(2, 'ops');
    const payload = JSON.parse(fromUtf8(fromBase64Any(signed.envelope.payload, 'payload'))) as Record<string, unknown>;
    // Outcome flipped, bytes still canonical (keys keep their sorted order): the signature fails.
    const flipped = toBase64Url(utf8(JSON.stringify({ ...payload, outcome: 'executed' })));
    expect(await code(() => verifyResolution({ ...signed.envelope, payload: flipped }, options))).toBe('ERR_SIGNATURE_INVALID');
    // Another token named, likewise.
    const retargeted = toBase64Url(utf8(JSON.stringify({ ...payload, tokenId: 'tok_other' })));
    expect(await code(() => verifyResolution({ ...signed.envelope, payload: retargeted }, { ...options, tokenId: 'tok_other' }))).toBe('ERR_SIGNATURE_INVALID');
    const other = resolve(8, 'ops', { now: new Date('2026-03-02T00:00:00Z') });
    const claimed = { ...other.envelope, signatures: other.envelope.signatures.map((s) => ({ ...s, keyid: key(2).keyId })) };
    expect(['ERR_SIGNATURE_INVALID', 'ERR_APPROVAL_SIGNER_INVALID']).toContain(await code(() => verifyResolution(claimed, { ...options, now: new Date('2026-03-02T00:00:00Z') })));
  });

  it('a resolution is never an approval or a rejection, and neither of them is a resolution', async () => {
    const resolution = resolve(2, 'ops');
    expect(() => readApproval(resolution.envelope)).toThrow(expect.objectContaining({ code: 'ERR_APPROVAL_MALFORMED' }));
    expect(() => readRejection(resolution.envelope)).toThrow(expect.objectContaining({ code: 'ERR_APPROVAL_MALFORMED' }));
    expect(await code(() => verifyApproval(resolution.envelope, { trustRoot, now: USE, intent, policy: policy.digest, rule: policy.rule }))).toBe('ERR_APPROVAL_MALFORMED');
    expect(await code(() => verifyRejection(resolution.envelope, { trustRoot, now: USE, intent, policy: policy.digest, rule: policy.rule }))).toBe('ERR_APPROVAL_MALFORMED');
    const approval = signApproval({ signer: createSigner(key(2)), role: 'ops', intent, policy, now: NOW });
    const rejection = signRejection({ signer: createSigner(key(2)), role: 'ops', intent, policy, now: NOW });
    for (const statement of [approval, rejection]) {
      expect(() => readResolution(statement.envelope)).toThrow(expect.objectContaining({ code: 'ERR_APPROVAL_MALFORMED' }));
      expect(await code(() => verifyResolution(statement.envelope, options))).toBe('ERR_APPROVAL_MALFORMED');
      // Relabelled as a resolution: its payload is not a resolution's, and DSSE binds the type into PAE.
      expect(await code(() => verifyResolution({ ...statement.envelope, payloadType: RESOLUTION_PAYLOAD_TYPE }, options))).toBe('ERR_APPROVAL_MALFORMED');
    }
    // A resolution relabelled as an approval or a rejection: not one of theirs either.
    expect(await code(() => verifyApproval({ ...resolution.envelope, payloadType: APPROVAL_PAYLOAD_TYPE }, { trustRoot, now: USE, intent, policy: policy.digest, rule: policy.rule }))).toBe('ERR_APPROVAL_MALFORMED');
    expect(await code(() => verifyRejection({ ...resolution.envelope, payloadType: REJECTION_PAYLOAD_TYPE }, { trustRoot, now: USE, intent, policy: policy.digest, rule: policy.rule }))).toBe('ERR_APPROVAL_MALFORMED');
  });

  it('refuses invalid options with ERR_INVALID_ARGUMENT naming the option', async () => {
    const envelope = resolve(2, 'ops').envelope;
    const cases: [unknown, string][] = [
      [null, 'options'],
      [{ ...options, trustRoot: {} }, 'trustRoot'],
      [{ ...options, tokenId: '' }, 'tokenId'],
      [{ ...options, tokenId: 1 }, 'tokenId'],
      [{ ...options, outcome: 'maybe' }, 'outcome'],
      [{ ...options, clockSkewSeconds: 301 }, 'clockSkewSeconds'],
      [{ ...options, now: 'yesterday' }, 'now'],
    ];
    for (const [bad, parameter] of cases) {
      await expect(verifyResolution(envelope, bad as never), parameter).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter } });
    }
  });

  it('property: arbitrary input is refused with a stable code, never an exception of another kind', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), fc.string(), fc.record({ payloadType: fc.constant(RESOLUTION_PAYLOAD_TYPE), payload: fc.base64String(), signatures: fc.array(fc.record({ keyid: fc.string(), sig: fc.base64String() })) })), async (input) => {
        expect(await code(() => verifyResolution(input, options))).toMatch(/^ERR_(APPROVAL_MALFORMED|SIGNATURE_INVALID|APPROVAL_SIGNER_INVALID)$/);
      }),
      { numRuns: 200 },
    );
  });

  it('property: any single-byte change of the signed payload is refused', async () => {
    const { envelope } = resolve(2, 'ops');
    const bytes = fromBase64Any(envelope.payload, 'payload');
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, flip) => {
        const changed = bytes.slice();
        changed[index] = changed[index]! ^ flip;
        expect(await code(() => verifyResolution({ ...envelope, payload: toBase64Url(changed) }, options))).toMatch(/^ERR_(APPROVAL_MALFORMED|SIGNATURE_INVALID|APPROVAL_SIGNER_INVALID|APPROVAL_TOKEN_MISMATCH)$/);
      }),
      { numRuns: 300 },
    );
  });

  it('readResolution refuses non-canonical payloads', () => {
    const { envelope } = resolve(2, 'ops');
    const payload = JSON.parse(fromUtf8(fromBase64Any(envelope.payload, 'payload'))) as object;
    expect(() => readResolution({ ...envelope, payload: toBase64Url(utf8(JSON.stringify(payload, null, 1))) })).toThrow(expect.objectContaining({ code: 'ERR_APPROVAL_MALFORMED' }));
    expect(() => readResolution({ ...envelope, payload: toBase64Url(utf8('{"v":2}')) })).toThrow(expect.objectContaining({ code: 'ERR_APPROVAL_MALFORMED' }));
  });
});
