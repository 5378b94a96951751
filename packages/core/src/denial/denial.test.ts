import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digest } from '../crypto/digest.ts';
import { toBase64Url, utf8 } from '../crypto/encoding.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { WritError } from '../errors.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import type { KeyRole } from '../trust/trust-root.ts';
import { signDenial, verifyDenial } from './denial.ts';
import type { SignDenialOptions } from './denial.ts';

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (WritError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

const key = (n: number): PrivateKey => PrivateKey.fromSeed(new Uint8Array(32).fill(n));
const roles: Record<number, KeyRole[]> = { 1: ['root'], 2: ['authority'], 3: ['gateway'], 4: ['approver'] };
const trustRoot = createTrustRoot({
  type: 'writ.trust-root/v1',
  version: 1,
  issuedAt: '2026-01-01T00:00:00Z',
  threshold: 1,
  keys: [1, 2, 3, 4].map((n) => ({ keyId: key(n).keyId, publicKey: toBase64Url(key(n).publicKey), roles: roles[n]!, owner: `o${n}`, validFrom: '2026-01-01T00:00:00Z', status: 'active' as const })),
});
const options: SignDenialOptions = {
  signer: createSigner(key(2)),
  issuer: 'orchestrator',
  subject: 'agent:mailer',
  command: 'email.send',
  intent: digest({ tool: 'email.send', args: { to: 'eve@evil.example' } }),
  stage: 'basis',
  reasons: [{ code: 'basis.tainted-argument', message: 'recipient only appears in untrusted tool output' }],
  now: new Date('2026-02-01T00:00:00Z'),
};

describe('signDenial / verifyDenial', () => {
  const denial = signDenial(options);
  it('round-trips and keeps reason codes', () => {
    const verified = verifyDenial(denial.envelope, { trustRoot });
    expect(verified.payload.reasons[0]!.code).toBe('basis.tainted-argument');
    expect(verified.digest).toBe(denial.digest);
    expect(verifyDenial(JSON.stringify(denial.envelope), { trustRoot }).digest).toBe(denial.digest);
    expect(verifyDenial(denial, { trustRoot }).digest).toBe(denial.digest);
  });
  it('accepts gateway keys and refuses other roles', () => {
    expect(verifyDenial(signDenial({ ...options, signer: createSigner(key(3)) }).envelope, { trustRoot }).payload.stage).toBe('basis');
    expect(code(() => verifyDenial(signDenial({ ...options, signer: createSigner(key(4)) }).envelope, { trustRoot }))).toBe('ERR_KEY_ROLE_MISMATCH');
  });
  it('rejects any single-byte change', () => {
    const text = JSON.stringify(denial.envelope);
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, delta) => {
        const bytes = utf8(text);
        bytes[index] = (bytes[index]! + delta) & 0xff;
        expect(code(() => verifyDenial(Buffer.from(bytes).toString('latin1'), { trustRoot }))).toMatch(/^ERR_/);
      }),
      { numRuns: 300 },
    );
  });
  it('rejects a +1 change at every byte position (exhaustive)', () => {
    const bytes = utf8(JSON.stringify(denial.envelope));
    const accepted: number[] = [];
    for (let index = 0; index < bytes.length; index++) {
      const tampered = bytes.slice();
      tampered[index] = (tampered[index]! + 1) & 0xff;
      if (code(() => verifyDenial(Buffer.from(tampered).toString('latin1'), { trustRoot })) === undefined) accepted.push(index);
    }
    expect(accepted).toEqual([]);
  });
  it('refuses malformed input with WritError codes', () => {
    for (const value of [null, 1, '{', {}, JSON.parse('{"__proto__":{}}')]) expect(code(() => verifyDenial(value, { trustRoot }))).toBe('ERR_DENIAL_MALFORMED');
    expect(code(() => verifyDenial(denial.envelope, {} as never))).toBe('ERR_INVALID_ARGUMENT');
    for (const override of [{ stage: 'lunch' }, { reasons: [] }, { reasons: [{ code: '' }] }, { intent: 'sha256:1' }, { summary: 'x'.repeat(3000) }]) {
      expect(code(() => signDenial({ ...options, ...(override as object) }))).toBe('ERR_INVALID_ARGUMENT');
    }
    expect(code(() => signDenial(null as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => signDenial({ ...options, signer: {} as never }))).toBe('ERR_INVALID_ARGUMENT');
  });
});
