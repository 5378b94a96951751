import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectSecrets, isHighEntropyToken, shannonEntropy } from './detect-secrets.ts';

// Test tokens are assembled at run time so secret scanners do not flag this file.
const j = (...parts: string[]): string => parts.join('');
const kinds = (text: string, key?: string): string[] => detectSecrets(text, key).map((m) => m.kind);

describe('detectSecrets', () => {
  it.each([
    ['aws-access-key-id', j('AKIA', 'IOSFODNN7EXAMPLE')],
    [
      'aws-secret-access-key',
      j('aws_secret_access_key = ', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'),
    ],
    ['github-token', j('gh', 'p_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8')],
    ['github-token', j('github', '_pat_', '11ABCDEFG0123456789_abcdefghijklmnopqrstuv')],
    ['slack-token', j('xo', 'xb-', '1234567890-0987654321-AbCdEfGhIjKl')],
    [
      'slack-webhook',
      j('https://hooks.slack.com/services/', 'T0123ABCD/B0123ABCD/', 'abcdEFGH1234ijklMNOP'),
    ],
    ['openai-api-key', j('s', 'k-proj-', 'Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4f')],
    ['openai-api-key', j('s', 'k-', 'abcdefghij0123456789', 'T3BlbkFJ', 'abcdefghij0123456789')],
    ['anthropic-api-key', j('s', 'k-ant-api03-', 'x'.repeat(40))],
    ['stripe-secret-key', j('s', 'k_live_', '4eC39HqLyjWDarjtT1zdp7dc')],
    ['google-api-key', j('AI', 'za', 'SyD-1234567890abcdefghijklmnopqrstu')],
    ['private-key', j('-----BEGIN ', 'RSA PRIVATE KEY-----\nMIIE...')],
    ['private-key', j('-----BEGIN ', 'OPENSSH PRIVATE KEY-----')],
    ['private-key', j('-----BEGIN ', 'PRIVATE KEY-----')],
    [
      'jwt',
      j(
        'eyJhbGciOiJIUzI1NiJ9',
        '.eyJzdWIiOiIxMjM0NTY3ODkwIn0',
        '.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      ),
    ],
    ['authorization-header', j('Authorization: Bearer ', 'abcdefABCDEF0123456789')],
    ['credential-assignment', 'db password: hunter2hunter2'],
  ])('finds %s', (kind, text) => {
    expect(kinds(`please use ${text} for this`)).toContain(kind);
  });

  it('treats any non-placeholder value under a credential-named argument as a credential', () => {
    expect(kinds('correct horse battery staple', 'password')).toEqual(['credential-field']);
    expect(kinds('correct horse battery staple', 'apiKey')).toEqual(['credential-field']);
    expect(kinds('********', 'password')).toEqual([]);
    expect(kinds('${API_KEY}', 'api_key')).toEqual([]);
  });

  it('flags an unknown random token as high-entropy with low confidence', () => {
    expect(detectSecrets('token 9xK2mQ7vR4tL8wZ1nB5cH3jF6dS0aG')).toEqual([
      { kind: 'high-entropy', confidence: 'low' },
    ]);
  });

  it.each([
    'Please send the quarterly report to the finance team by Friday.',
    'Refund order 4471 for Jane Doe, amount 120.50 EUR, reason: damaged in transit.',
    'The password policy requires twelve characters.',
    'Transfer to DE89 3704 0044 0532 0130 00 as agreed with the customer.',
    'https://docs.example.com/guides/getting-started/installation?lang=en',
    'See commit 1f0c2b9e8a7d6c5b4a39281706f5e4d3c2b1a098 and sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'getUserAccountDetailsById2 ProjectAlphaReleaseNotes2024Final AbstractSingletonProxyFactoryBean',
    'Meeting ID 845 2231 9904, passcode sent separately.',
    'UUID 123e4567-e89b-12d3-a456-426614174000 identifies the record.',
    'The secret to good soup is patience.',
  ])('does not flag benign text: %s', (text) => {
    expect(detectSecrets(text)).toEqual([]);
  });

  it('ignores random ids in URL paths but not tokens in URL queries', () => {
    expect(
      detectSecrets('https://docs.example.com/document/d/1aBcD3fGh5iJkLmN0pQrStUvWxYz12345/edit'),
    ).toEqual([]);
    expect(detectSecrets('https://files.example.com/x?sig=9xK2mQ7vR4tL8wZ1nB5cH3jF6dS0aG')).toEqual(
      [{ kind: 'high-entropy', confidence: 'low' }],
    );
  });

  it('never returns the secret value', () => {
    const secret = j('AKIA', 'IOSFODNN7EXAMPLE');
    expect(JSON.stringify(detectSecrets(secret))).not.toContain(secret);
  });

  it('finds random 40-character base62 tokens almost always (property, fixed seed)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let hits = 0;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 61 }), { minLength: 40, maxLength: 40 }),
        (indexes) => {
          if (isHighEntropyToken(indexes.map((i) => alphabet[i]).join(''))) hits++;
        },
      ),
      { seed: 42, numRuns: 500 },
    );
    expect(hits / 500).toBeGreaterThan(0.95);
  });

  it('does not flag English words of any length (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom('the', 'refund', 'customer', 'Invoice', 'approved', 'payment', 'Monday'),
          { minLength: 1, maxLength: 30 },
        ),
        (words) => {
          expect(detectSecrets(words.join(' '))).toEqual([]);
        },
      ),
      { seed: 7 },
    );
  });

  it('handles empty, huge and odd strings without throwing', () => {
    expect(detectSecrets('')).toEqual([]);
    expect(() => detectSecrets('a'.repeat(1_000_000))).not.toThrow();
    expect(() => detectSecrets('\uD800 __proto__ constructor')).not.toThrow();
  });
});

describe('shannonEntropy', () => {
  it('matches known values', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abab')).toBe(1);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});
