import { describe, expect, it } from 'vitest';
import { mintToken } from '../token/mint-token.ts';
import { HeldTokens } from './held-tokens.ts';
import { T0, keys } from './test-support.ts';

describe('HeldTokens', () => {
  const mint = () =>
    mintToken({ signer: keys().authority, issuer: 'fw', subject: 'bot', audience: 'gw', command: 'email.send', now: T0, constraints: { args: { to: { oneOf: ['a@b.example'] } } } });

  it('answers once for a token it holds, never for another', () => {
    const held = new HeldTokens();
    const token = mint();
    expect(held.take(token)).toBe(false);
    held.hold(token);
    expect(held.take({ ...token })).toBe(false);
    expect(held.take(token)).toBe(true);
    expect(held.take(token)).toBe(false);
  });

  it('freezes the held token and its payload, so the payload checked is the payload signed', () => {
    const token = mint();
    new HeldTokens().hold(token);
    expect(Object.isFrozen(token)).toBe(true);
    const oneOf = token.payload.constraints.args!['to']!.oneOf as string[];
    expect(() => oneOf.push('evil@example.com')).toThrow(TypeError);
    expect(() => ((token.payload as { cmd: string }).cmd = 'payments.transfer')).toThrow(TypeError);
    expect(() => ((token as { payload: unknown }).payload = {})).toThrow(TypeError);
  });
});
