import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approvalsFromResume, rejectionReason } from './approval-resume.ts';

const envelope = { payloadType: 'application/vnd.writ.approval+json', payload: 'e30', signatures: [{ keyid: 'k', sig: 's' }] };

describe('approvalsFromResume', () => {
  it('takes one envelope, an array of them, or { approvals }', () => {
    expect(approvalsFromResume(envelope)).toEqual([envelope]);
    expect(approvalsFromResume([envelope, envelope])).toEqual([envelope, envelope]);
    expect(approvalsFromResume({ approvals: [envelope] })).toEqual([envelope]);
  });

  it('treats anything without approvals as a rejection', () => {
    for (const value of [null, undefined, 'yes', 42, true, {}, { reject: 'no' }, [], [null, 'x', 3], { approvals: [] }, { approvals: 'x' }]) {
      expect(approvalsFromResume(value)).toBeUndefined();
    }
  });

  it('passes objects on unverified (the firewall verifies), drops non-objects, caps the count at 16', () => {
    const odd = { payloadType: 1, __proto__: { polluted: true } };
    expect(approvalsFromResume([odd, 'x', envelope])).toEqual([odd, envelope]);
    expect(approvalsFromResume(Array.from({ length: 100 }, () => envelope))).toHaveLength(16);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never throws and returns only plain objects', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const out = approvalsFromResume(value);
        return out === undefined || out.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e));
      }),
    );
  });
});

describe('rejectionReason', () => {
  it('reads { reject } text, bounded, and nothing else', () => {
    expect(rejectionReason({ reject: 'wrong vendor' })).toBe('wrong vendor');
    expect(rejectionReason({ reject: 'x'.repeat(10_000) })).toHaveLength(500);
    for (const value of [null, 'no', { reject: 1 }, { reject: '' }, [], JSON.parse('{"__proto__":{"reject":"x"}}')]) expect(rejectionReason(value)).toBeUndefined();
  });
});
