import { describe, expect, it, vi } from 'vitest';
import { sha256 } from '../crypto/digest.ts';
import { utf8 } from '../crypto/encoding.ts';
import { CallFingerprints, KeyTombstones, callFingerprint } from './call-fingerprints.ts';
import { callKey } from './recovery.ts';

describe('CallFingerprints', () => {
  const KEYS = [callKey('s1', 'c1'), callKey('séance', '☃'), ''];
  const expected = (key: string) => BigInt(`0x${Buffer.from(sha256(utf8(key)).subarray(0, 8)).toString('hex')}`);

  it('is the first 8 bytes of SHA-256 of the key (UTF-8, big-endian)', () => {
    for (const key of KEYS) expect(callFingerprint(key)).toBe(expected(key));
  });

  it('is the same without node:crypto (browsers and edge runtimes: the @noble path)', async () => {
    vi.resetModules();
    vi.doMock('../crypto/node-crypto.ts', () => ({ nodeCrypto: () => undefined }));
    try {
      const noble = await import('./call-fingerprints.ts');
      for (const key of KEYS) expect(noble.callFingerprint(key)).toBe(expected(key));
    } finally {
      vi.doUnmock('../crypto/node-crypto.ts');
      vi.resetModules();
    }
  });

  it('finds every key added (no false negatives) and none of 100 000 others in a set of 20 000', () => {
    const set = new CallFingerprints();
    expect(set.has(callKey('s', 'c0'))).toBe(false);
    for (let i = 0; i < 20_000; i++) set.add(callKey('s', `c${i}`));
    for (let i = 0; i < 20_000; i++) if (!set.has(callKey('s', `c${i}`))) throw new Error(`missed c${i}`);
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (set.has(callKey('s', `other-${i}`)) || set.has(callKey('t', `c${i}`))) hits++;
    expect(hits).toBe(0);
    expect(set.size).toBe(20_000);
  });

  it('keeps 8 bytes per distinct key once queried, and stays correct when adds follow lookups', () => {
    const set = new CallFingerprints();
    for (let i = 0; i < 3000; i++) set.add(callKey('s', `c${i % 1500}`));
    expect(set.has(callKey('s', 'c7'))).toBe(true);
    expect(set.size).toBe(1500);
    expect(set.byteLength).toBe(1500 * 8);
    set.add(callKey('s', 'late'));
    expect(set.has(callKey('s', 'late'))).toBe(true);
    expect(set.has(callKey('s', 'c1499'))).toBe(true);
    expect(set.has(callKey('s', 'c1500'))).toBe(false);
    expect(set.size).toBe(1501);
  });
});

describe('KeyTombstones', () => {
  it('finds every key added, before and after folding into (salted) fingerprints, and no other', () => {
    const set = new KeyTombstones();
    for (let i = 0; i < 20_000; i++) set.add(`s${i}\u0000agent`);
    expect(set.counts.folded).toBeGreaterThan(0);
    for (let i = 0; i < 20_000; i += 97) expect(set.has(`s${i}\u0000agent`)).toBe(true);
    for (let i = 0; i < 2000; i++) expect(set.has(`s${i}\u0000other`)).toBe(false);
  });
});
