import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../crypto/encoding.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { WritError } from '../errors.ts';
import { createTrustRoot } from './trust-root.ts';
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
function entry(n: number, roles: KeyRole[], extra: Partial<TrustRootKeyEntry> = {}): TrustRootKeyEntry {
  const k = key(n);
  return { keyId: k.keyId, publicKey: toBase64Url(k.publicKey), roles, owner: `owner-${n}`, validFrom: '2026-01-01T00:00:00Z', status: 'active', ...extra };
}

const document: TrustRootDocument = {
  type: 'writ.trust-root/v1',
  version: 1,
  issuedAt: '2026-01-01T00:00:00Z',
  threshold: 1,
  keys: [
    entry(1, ['root']),
    entry(2, ['authority']),
    entry(3, ['authority'], { status: 'retired', since: '2026-06-01T00:00:00Z' }),
    entry(4, ['approver'], { status: 'compromised', since: '2026-06-01T00:00:00Z', approvalRoles: ['finance'] }),
    entry(5, ['gateway', 'ledger'], { validUntil: '2026-12-31T00:00:00Z' }),
  ],
};

describe('TrustRoot.checkKey', () => {
  const root = createTrustRoot(document);
  it('returns the record of a key valid for the role at the signing time', () => {
    expect(root.checkKey({ keyId: key(2).keyId, role: 'authority', at: '2026-03-01T00:00:00Z' }).owner).toBe('owner-2');
    expect(root.checkKey({ keyId: key(5).keyId, role: 'ledger', at: new Date('2026-03-01T00:00:00Z') }).publicKeyBytes).toEqual(key(5).publicKey);
  });
  it('keeps a retired key’s earlier signatures valid and refuses later ones', () => {
    expect(root.checkKey({ keyId: key(3).keyId, role: 'authority', at: '2026-05-31T23:59:59Z' }).status).toBe('retired');
    expect(code(() => root.checkKey({ keyId: key(3).keyId, role: 'authority', at: '2026-06-01T00:00:00Z' }))).toBe('ERR_KEY_NOT_VALID_AT');
  });
  it('refuses a compromised key inside its compromise window with ERR_KEY_COMPROMISED', () => {
    expect(root.checkKey({ keyId: key(4).keyId, role: 'approver', at: '2026-05-01T00:00:00Z' }).keyId).toBe(key(4).keyId);
    expect(code(() => root.checkKey({ keyId: key(4).keyId, role: 'approver', at: '2026-07-01T00:00:00Z' }))).toBe('ERR_KEY_COMPROMISED');
  });
  it('refuses unknown keys, wrong roles and times outside the validity window with precise codes', () => {
    expect(code(() => root.checkKey({ keyId: key(9).keyId, role: 'authority', at: '2026-03-01T00:00:00Z' }))).toBe('ERR_KEY_UNKNOWN');
    expect(code(() => root.checkKey({ keyId: key(2).keyId, role: 'approver', at: '2026-03-01T00:00:00Z' }))).toBe('ERR_KEY_ROLE_MISMATCH');
    expect(code(() => root.checkKey({ keyId: key(2).keyId, role: 'authority', at: '2025-12-31T23:59:59Z' }))).toBe('ERR_KEY_NOT_VALID_AT');
    expect(code(() => root.checkKey({ keyId: key(5).keyId, role: 'gateway', at: '2026-12-31T00:00:00Z' }))).toBe('ERR_KEY_NOT_VALID_AT');
  });
  it('refuses malformed options with ERR_INVALID_ARGUMENT', () => {
    expect(code(() => root.checkKey(null as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => root.checkKey({ keyId: key(2).keyId, role: 'authority', at: 'yesterday' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => root.checkKey({ keyId: key(2).keyId, role: 'boss' as never, at: new Date() }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => root.checkKey({ keyId: 5 as never, role: 'authority', at: new Date() }))).toBe('ERR_KEY_UNKNOWN');
    expect(code(() => root.checkKey({ keyId: '__proto__', role: 'authority', at: new Date() }))).toBe('ERR_KEY_UNKNOWN');
  });
});

describe('createTrustRoot', () => {
  it('refuses invalid documents with ERR_TRUST_ROOT_INVALID', () => {
    const bad: unknown[] = [
      null,
      [],
      { ...document, type: 'x' },
      { ...document, version: 0 },
      { ...document, threshold: 2 },
      { ...document, keys: [] },
      { ...document, keys: [entry(1, ['root']), entry(1, ['root'])] },
      { ...document, keys: [{ ...entry(1, ['root']), keyId: key(2).keyId }] },
      { ...document, keys: [entry(1, ['root', 'wizard' as KeyRole])] },
      { ...document, keys: [entry(1, ['root'], { status: 'retired' })] },
      { ...document, keys: [entry(1, ['root'], { validFrom: 'soon' })] },
      { ...document, extra: 1 },
      JSON.parse(`{"__proto__":{"polluted":1},"type":"writ.trust-root/v1"}`),
      { ...document, keys: [{ ...entry(1, ['root']), publicKey: 'A'.repeat(100_000) }] },
    ];
    for (const value of bad) expect(code(() => createTrustRoot(value as TrustRootDocument))).toBe('ERR_TRUST_ROOT_INVALID');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('exposes version, digest and keys by role', () => {
    const root = createTrustRoot(document);
    expect(root.version).toBe(1);
    expect(root.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(root.keys('authority').map((k) => k.owner)).toEqual(['owner-2', 'owner-3']);
  });
});
