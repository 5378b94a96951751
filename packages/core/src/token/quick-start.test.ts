// The README quick start, run as written (through the package barrel).
import { describe, expect, it } from 'vitest';
import { WritError, createSigner, createTrustRoot, digest, generateKeyPair, mintToken, toBase64Url, verifyToken } from '../index.ts';

describe('README quick start', () => {
  it('mints, verifies, and rejects a tampered token with ERR_TOKEN_SIGNATURE', () => {
    const authority = generateKeyPair();
    const trustRoot = createTrustRoot({ type: 'writ.trust-root/v1', version: 1, issuedAt: '2026-01-01T00:00:00Z', threshold: 1,
      keys: [{ keyId: authority.keyId, publicKey: toBase64Url(authority.publicKey), roles: ['root', 'authority'],
               owner: 'orchestrator', validFrom: '2026-01-01T00:00:00Z', status: 'active' }] });

    const intent = digest({ tool: 'email.send', args: { to: 'bob@example.com', subject: 'Q3' } });
    const token = mintToken({ signer: createSigner(authority.privateKey), issuer: 'orchestrator-1', subject: 'agent:mailer',
      audience: 'smtp-gateway', command: 'email.send', intent });

    const call = { command: 'email.send', intent };
    expect(verifyToken(JSON.stringify(token.envelope), { trustRoot, now: new Date(), audience: 'smtp-gateway', call }).payload.cmd).toBe('email.send');
    const widened = btoa(atob(token.envelope.payload).replace('"cmd":"email.send"', '"cmd":"email.*"'));
    expect(widened).not.toBe(token.envelope.payload);
    try {
      verifyToken({ ...token.envelope, payload: widened }, { trustRoot, now: new Date(), audience: 'smtp-gateway', call });
      expect.unreachable();
    } catch (error) {
      expect(WritError.isInstance(error) && error.code).toBe('ERR_TOKEN_SIGNATURE');
    }
  });
});
