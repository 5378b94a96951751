import { describe, expect, it, vi } from 'vitest';
import { fromBase64Any, toBase64 } from '../crypto/encoding.ts';
import { defaultBackend } from '../crypto/keys.ts';
import { mintToken } from '../token/mint-token.ts';
import { verifyToken } from '../token/verify-token.ts';
import { MintedSignatures } from './minted-signatures.ts';
import { T0, keys, trustRootFor } from './test-support.ts';

function setup() {
  const k = keys();
  const trustRoot = trustRootFor(k);
  const token = mintToken({ signer: k.authority, issuer: 'fw', subject: 'bot', audience: 'gw', command: 'email.send', now: T0 });
  const fallback = { ...defaultBackend, verify: vi.fn((publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => defaultBackend.verify(publicKey, message, signature)) };
  const minted = new MintedSignatures(fallback);
  return { k, trustRoot, token, fallback, minted };
}

const options = (trustRoot: ReturnType<typeof trustRootFor>, backend: MintedSignatures['backend']) => ({
  trustRoot,
  now: T0,
  audience: 'gw',
  call: { command: 'email.send' },
  backend,
});

describe('MintedSignatures', () => {
  it('answers for the exact signature this firewall made, without an Ed25519 verify', () => {
    const { k, trustRoot, token, fallback, minted } = setup();
    minted.remember(token, k.authority.publicKey);
    expect(verifyToken(token, options(trustRoot, minted.backend)).payload.id).toBe(token.payload.id);
    expect(fallback.verify).not.toHaveBeenCalled();
  });

  it('verifies for real once forgotten, for tokens it never saw, and for another key', () => {
    const { k, trustRoot, token, fallback, minted } = setup();
    minted.remember(token, k.approver.publicKey);
    expect(verifyToken(token, options(trustRoot, minted.backend)).payload.id).toBe(token.payload.id);
    expect(fallback.verify).toHaveBeenCalledTimes(1);
    minted.remember(token, k.authority.publicKey);
    minted.forget(token);
    verifyToken(token, options(trustRoot, minted.backend));
    expect(fallback.verify).toHaveBeenCalledTimes(2);
  });

  it('never accepts our signature over other bytes', () => {
    const { k, trustRoot, token, minted } = setup();
    minted.remember(token, k.authority.publicKey);
    const payload = JSON.parse(new TextDecoder().decode(fromBase64Any(token.envelope.payload))) as Record<string, unknown>;
    const forged = { ...token.envelope, payload: toBase64(new TextEncoder().encode(JSON.stringify({ ...payload, cmd: 'payments.transfer' }))) };
    expect(() => verifyToken(forged, { ...options(trustRoot, minted.backend), call: { command: 'payments.transfer' } })).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^ERR_TOKEN_(SIGNATURE|MALFORMED)$/) }),
    );
  });
});
