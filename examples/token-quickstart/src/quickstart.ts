import {
  createSigner,
  createTrustRoot,
  digest,
  generateKeyPair,
  mintToken,
  verifyToken,
  WritError,
} from '@writ/core';
import type { ActionToken, Digest } from '@writ/core';

/** One line of the story the quickstart tells. */
export interface Step {
  readonly title: string;
  readonly outcome: 'accepted' | 'refused';
  readonly detail: string;
}

const AUDIENCE = 'payments-gateway';

/**
 * Mints a token for one payment, verifies it against the real call, then presents a
 * tampered token and a call with a changed recipient. Every run uses fresh keys and
 * an explicit clock so the story is the same each time.
 */
export function runQuickstart(now = new Date('2026-11-24T12:00:00Z')): Step[] {
  const signer = createSigner(generateKeyPair().privateKey);
  const root = createSigner(generateKeyPair().privateKey);
  const entry = (key: typeof signer, role: 'root' | 'authority') => ({
    keyId: key.keyId,
    publicKey: Buffer.from(key.publicKey).toString('base64url'),
    roles: [role],
    owner: `quickstart ${role}`,
    validFrom: '2026-01-01T00:00:00Z',
    status: 'active' as const,
  });
  const trustRoot = createTrustRoot({
    type: 'writ.trust-root/v1',
    version: 1,
    issuedAt: '2026-01-01T00:00:00Z',
    threshold: 1,
    keys: [entry(root, 'root'), entry(signer, 'authority')],
  });

  const args = { to: 'DE89370400440532013000', amount: 120, currency: 'EUR' };
  const intentOf = (value: unknown): Digest => digest({ tool: 'payments.transfer', args: value });
  const token = mintToken({
    signer,
    issuer: 'quickstart-orchestrator',
    subject: 'agent:finance',
    actor: 'user:alice',
    audience: AUDIENCE,
    command: 'payments.transfer',
    intent: intentOf(args),
    now,
    constraints: { args: { amount: { max: 500 } } },
    summary: 'Transfer 120 EUR to DE89…3000 for invoice 7731',
  });
  const size = JSON.stringify(token.envelope).length;

  const attempt = (title: string, presented: unknown, callArgs: unknown): Step => {
    try {
      verifyToken(presented, {
        trustRoot,
        now,
        audience: AUDIENCE,
        call: { command: 'payments.transfer', intent: intentOf(callArgs), args: callArgs },
      });
      return { title, outcome: 'accepted', detail: 'signature, key, expiry, audience, command and intent all match' };
    } catch (error) {
      if (!WritError.isInstance(error)) throw error;
      return { title, outcome: 'refused', detail: `${error.code}: ${error.message}` };
    }
  };

  return [
    { title: `minted token ${token.payload.id} (${size} bytes)`, outcome: 'accepted', detail: token.payload.summary ?? '' },
    attempt('the gateway verifies the token against the real call', token, args),
    attempt('a token whose signed payload was altered by one byte', tamper(token), args),
    attempt('the same token presented for a different recipient', token, { ...args, to: 'GB33BUKB20201555555555' }),
  ];
}

// Flips one character of the signed payload, as an attacker editing the amount would.
function tamper(token: ActionToken): unknown {
  const payload = Buffer.from(token.envelope.payload, 'base64').toString('utf8').replace('"amount"', '"amounT"');
  return { ...token.envelope, payload: Buffer.from(payload).toString('base64') };
}
