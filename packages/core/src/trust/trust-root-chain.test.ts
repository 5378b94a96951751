import { describe, expect, it } from 'vitest';
import { digest } from '../crypto/digest.ts';
import { toBase64Url } from '../crypto/encoding.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { WritError } from '../errors.ts';
import { signTrustRoot, verifyTrustRootChain } from './trust-root-chain.ts';
import type { KeyRole, TrustRootDocument, TrustRootKeyEntry } from './trust-root.ts';

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
const signer = (n: number) => createSigner(key(n));
function entry(n: number, roles: KeyRole[], extra: Partial<TrustRootKeyEntry> = {}): TrustRootKeyEntry {
  const k = key(n);
  return { keyId: k.keyId, publicKey: toBase64Url(k.publicKey), roles, owner: `owner-${n}`, validFrom: '2026-01-01T00:00:00Z', status: 'active', ...extra };
}
function version(n: number, keys: TrustRootKeyEntry[], threshold: number, extra: Partial<TrustRootDocument> = {}): TrustRootDocument {
  return { type: 'writ.trust-root/v1', version: n, issuedAt: `2026-0${n}-01T00:00:00Z`, threshold, keys, ...extra };
}

// v1: roots 1,2,3 (2 of 3). v2: root 3 retired, new root 4 (2 of 3: 1,2,4). v3: roots 2,4 only (2 of 2).
const v1 = version(1, [entry(1, ['root']), entry(2, ['root']), entry(3, ['root']), entry(10, ['authority'])], 2);
const v2 = version(2, [entry(1, ['root']), entry(2, ['root']), entry(3, ['root'], { status: 'retired', since: '2026-02-01T00:00:00Z' }), entry(4, ['root']), entry(10, ['authority'])], 2);
const v3 = version(3, [entry(2, ['root']), entry(4, ['root']), entry(11, ['authority'])], 2, { expiresAt: '2027-01-01T00:00:00Z' });

const e1 = signTrustRoot({ document: v1, signers: [signer(1), signer(2)] });
const e2 = signTrustRoot({ document: v2, signers: [signer(1), signer(2), signer(4)] });
const e3 = signTrustRoot({ document: v3, signers: [signer(2), signer(4)] });

describe('verifyTrustRootChain', () => {
  it('follows threshold-signed rotations from a pinned first version to the newest', () => {
    const root = verifyTrustRootChain([e1, e2, e3], { anchor: digest(v1), now: '2026-06-01T00:00:00Z' });
    expect(root.version).toBe(3);
    expect(root.keys('authority').map((k) => k.keyId)).toEqual([key(11).keyId]);
  });
  it('extends an already trusted TrustRoot', () => {
    const first = verifyTrustRootChain([e1], { anchor: digest(v1) });
    expect(first.digest).toBe(digest(v1));
    expect(verifyTrustRootChain([e2, e3], { anchor: first }).version).toBe(3);
  });
  it('refuses a version signed by too few previous root keys', () => {
    const forged = signTrustRoot({ document: v2, signers: [signer(4), signer(1)] }); // only 1 of v1's roots
    expect(code(() => verifyTrustRootChain([e1, forged], { anchor: digest(v1) }))).toBe('ERR_TRUST_ROOT_THRESHOLD');
  });
  it('refuses a version not signed by its own new root keys', () => {
    const v2Own = signTrustRoot({ document: v2, signers: [signer(1), signer(3)] }); // 3 is retired in v2 itself
    expect(code(() => verifyTrustRootChain([e1, v2Own], { anchor: digest(v1) }))).toBe('ERR_TRUST_ROOT_THRESHOLD');
  });
  it('refuses a retired root key signing after its retirement', () => {
    const v3ByRetired = signTrustRoot({ document: v3, signers: [signer(3), signer(2)] });
    expect(code(() => verifyTrustRootChain([e1, e2, v3ByRetired], { anchor: digest(v1) }))).toBe('ERR_TRUST_ROOT_THRESHOLD');
  });
  it('refuses a version that revives a retired or compromised key, accepts a wider window or removal', () => {
    // v2 retires root 3 since 2026-02-01. Variants of v3 that keep key 3, signed like e3.
    const with3 = (three: Partial<TrustRootKeyEntry>) =>
      signTrustRoot({ document: version(3, [entry(2, ['root']), entry(4, ['root']), entry(3, ['root'], three), entry(11, ['authority'])], 2), signers: [signer(2), signer(4)] });
    const verdict = (three: Partial<TrustRootKeyEntry>) => code(() => verifyTrustRootChain([e1, e2, with3(three)], { anchor: digest(v1) }));
    expect(verdict({ status: 'active' })).toBe('ERR_TRUST_ROOT_VERSION');
    expect(verdict({ status: 'retired', since: '2026-02-15T00:00:00Z' })).toBe('ERR_TRUST_ROOT_VERSION');
    expect(verdict({ status: 'compromised', since: '2026-02-15T00:00:00Z' })).toBe('ERR_TRUST_ROOT_VERSION');
    expect(verdict({ status: 'retired', since: '2026-01-15T00:00:00Z' })).toBeUndefined();
    expect(verdict({ status: 'compromised', since: '2026-02-01T00:00:00Z' })).toBeUndefined();
    // Once compromised, never retired (that would end the window) nor compromised later.
    const v4 = (three: Partial<TrustRootKeyEntry>) =>
      signTrustRoot({ document: version(4, [entry(2, ['root']), entry(4, ['root']), entry(3, ['root'], three), entry(11, ['authority'])], 2), signers: [signer(2), signer(4)] });
    const compromised = with3({ status: 'compromised', since: '2026-01-20T00:00:00Z' });
    const after = (three: Partial<TrustRootKeyEntry>) => code(() => verifyTrustRootChain([e1, e2, compromised, v4(three)], { anchor: digest(v1) }));
    expect(after({ status: 'retired', since: '2026-01-10T00:00:00Z' })).toBe('ERR_TRUST_ROOT_VERSION');
    expect(after({ status: 'compromised', since: '2026-01-25T00:00:00Z' })).toBe('ERR_TRUST_ROOT_VERSION');
    expect(after({ status: 'compromised', since: '2026-01-05T00:00:00Z' })).toBeUndefined();
    // Leaving the trust root is not a revival: e3 drops key 3 (see the first test).
  });
  it('refuses skipped versions, a wrong anchor, expiry and tampering', () => {
    expect(code(() => verifyTrustRootChain([e1, e3], { anchor: digest(v1) }))).toBe('ERR_TRUST_ROOT_VERSION');
    expect(code(() => verifyTrustRootChain([e1], { anchor: digest(v2) }))).toBe('ERR_TRUST_ROOT_INVALID');
    expect(code(() => verifyTrustRootChain([e1, e2, e3], { anchor: digest(v1), now: '2027-01-01T00:00:00Z' }))).toBe('ERR_TRUST_ROOT_EXPIRED');
    const tampered = { ...e2, payload: Buffer.from(JSON.stringify({ ...v2, threshold: 1 })).toString('base64') };
    expect(code(() => verifyTrustRootChain([e1, tampered], { anchor: digest(v1) }))).toMatch(/^ERR_TRUST_ROOT_(INVALID|THRESHOLD)$/);
  });
  it('refuses malformed input with WritError codes', () => {
    expect(code(() => verifyTrustRootChain('x' as never, { anchor: digest(v1) }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => verifyTrustRootChain([e1], null as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => verifyTrustRootChain([e1], { anchor: 5 as never }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => verifyTrustRootChain([null, 1, {}], { anchor: digest(v1) }))).toBe('ERR_TRUST_ROOT_INVALID');
    expect(code(() => signTrustRoot({ document: { ...v1, threshold: 9 }, signers: [signer(1)] }))).toBe('ERR_TRUST_ROOT_INVALID');
  });
});
