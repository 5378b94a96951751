import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digest } from '../crypto/digest.ts';
import { toBase64Url } from '../crypto/encoding.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { WritError } from '../errors.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import { delegateToken } from './delegate-token.ts';
import type { DelegateTokenOptions } from './delegate-token.ts';
import { mintToken } from './mint-token.ts';
import { verifyToken } from './verify-token.ts';
import type { TokenCall } from './verify-token.ts';

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
const trustRoot = createTrustRoot({
  type: 'writ.trust-root/v1',
  version: 1,
  issuedAt: '2026-01-01T00:00:00Z',
  threshold: 1,
  keys: [1, 2].map((n) => ({
    keyId: key(n).keyId,
    publicKey: toBase64Url(key(n).publicKey),
    roles: n === 1 ? ['root' as const] : ['authority' as const],
    owner: `o${n}`,
    validFrom: '2026-01-01T00:00:00Z',
    status: 'active' as const,
  })),
});
const signer = createSigner(key(2));
const NOW = new Date('2026-02-01T12:00:00Z');
const LATER = new Date('2026-02-01T12:00:10Z');

const parent = mintToken({
  signer,
  issuer: 'orchestrator',
  subject: 'agent:planner',
  actor: 'user:alice',
  audience: ['gw-a', 'gw-b'],
  command: 'payments.*',
  resource: 'ledger:acct:alice/*',
  now: NOW,
  ttlSeconds: 300,
  constraints: {
    hops: 2,
    maxUses: 3,
    rate: { count: 5, perSeconds: 60 },
    bytes: { request: 1000 },
    args: { amount: { min: 0, max: 100 } },
    region: ['eu', 'us'],
  },
});

const base: DelegateTokenOptions = { parent: parent.envelope, trustRoot, signer, subject: 'agent:payer', now: LATER };

describe('delegateToken', () => {
  it('mints a narrower child that verifies with its parent and extends the act chain', () => {
    const child = delegateToken({ ...base, audience: 'gw-a', command: 'payments.transfer', resource: 'ledger:acct:alice/main', constraints: { args: { amount: { min: 0, max: 50 } } } });
    expect(child.payload.parent).toBe(parent.digest);
    expect(child.payload.act).toEqual(['user:alice', 'agent:planner']);
    expect(child.payload.constraints.hops).toBe(1);
    const call: TokenCall = { command: 'payments.transfer', resource: 'ledger:acct:alice/main', args: { amount: 20 }, region: 'eu', requestBytes: 10 };
    expect(verifyToken(child.envelope, { trustRoot, now: LATER, audience: 'gw-a', call, parents: [parent.envelope] }).digest).toBe(child.digest);
    expect(code(() => verifyToken(child.envelope, { trustRoot, now: LATER, audience: 'gw-a', call }))).toBe('ERR_TOKEN_PARENT');
    expect(code(() => verifyToken(child.envelope, { trustRoot, now: LATER, audience: 'gw-a', call: { ...call, args: { amount: 60 } }, parents: [parent.envelope] }))).toBe(
      'ERR_TOKEN_ARGUMENT_BOUNDS',
    );
  });
  it('refuses every widening with ERR_DELEGATION_WIDENS', () => {
    const widenings: Partial<DelegateTokenOptions>[] = [
      { audience: ['gw-a', 'gw-c'] },
      { command: 'email.send' },
      { command: '*' },
      { resource: 'ledger:acct:bob/main' },
      { constraints: { exp: Math.floor(NOW.getTime() / 1000) + 301 } },
      { constraints: { maxUses: 4 } },
      { constraints: { rate: { count: 6, perSeconds: 60 } } },
      { constraints: { bytes: { request: 1001 } } },
      { constraints: { args: { amount: { min: -1, max: 100 } } } },
      { constraints: { args: {} } },
      { constraints: { region: ['eu', 'ap'] } },
      { constraints: { secrets: true } },
    ];
    for (const widening of widenings) expect([widening, code(() => delegateToken({ ...base, ...widening }))]).toEqual([widening, 'ERR_DELEGATION_WIDENS']);
  });
  it('counts hops down and refuses delegation when none are left', () => {
    const child = delegateToken(base);
    const grandchild = delegateToken({ ...base, parent: child.envelope, subject: 'agent:c' });
    expect(grandchild.payload.constraints.hops).toBe(0);
    expect(code(() => delegateToken({ ...base, parent: grandchild.envelope, subject: 'agent:d' }))).toBe('ERR_TOKEN_HOPS');
    expect(code(() => delegateToken({ ...base, constraints: { hops: 2 } }))).toBe('ERR_TOKEN_HOPS');
    const call: TokenCall = { command: 'payments.x', resource: 'ledger:acct:alice/1', region: 'us', requestBytes: 1 };
    expect(verifyToken(grandchild.envelope, { trustRoot, now: LATER, audience: 'gw-b', call, parents: [child.envelope, parent.envelope] }).payload.act).toEqual([
      'user:alice',
      'agent:planner',
      'agent:payer',
    ]);
  });
  it('refuses an expired or forged parent and malformed options', () => {
    expect(code(() => delegateToken({ ...base, now: new Date('2026-02-01T12:05:00Z') }))).toBe('ERR_TOKEN_EXPIRED');
    expect(code(() => delegateToken({ ...base, parent: { ...parent.envelope, payload: parent.envelope.payload.slice(0, -4) + 'AAAA' } }))).toMatch(/^ERR_TOKEN_(MALFORMED|SIGNATURE)$/);
    expect(code(() => delegateToken(null as never))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => delegateToken({ ...base, subject: 7 as never }))).toBe('ERR_INVALID_ARGUMENT');
  });
  it('never widens: whatever a successfully delegated child accepts, its parent accepts', () => {
    let minted = 0;
    let refused = 0;
    const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
    const request = fc.record({
      audience: optional(fc.constantFrom(['gw-a'], ['gw-b'], ['gw-a', 'gw-b'], ['gw-c'])),
      command: optional(fc.constantFrom('payments.*', 'payments.transfer', 'payments.refund', 'email.send', '*', 'payments.eu.*')),
      resource: optional(fc.constantFrom('ledger:acct:alice/*', 'ledger:acct:alice/main', 'ledger:acct:bob/*', 'ledger:*')),
      amount: optional(fc.record({ min: optional(fc.integer({ min: -2, max: 110 })), max: optional(fc.integer({ min: -2, max: 110 })) })),
      region: optional(fc.constantFrom(['eu'], ['us'], ['eu', 'us'], ['eu', 'ap'])),
      request: optional(fc.integer({ min: 0, max: 1100 })),
      secrets: fc.constantFrom(undefined, undefined, false, true),
    });
    const call = fc.record({
      audience: fc.constantFrom('gw-a', 'gw-b', 'gw-c'),
      command: fc.constantFrom('payments.transfer', 'payments.refund', 'payments.eu.sepa', 'email.send'),
      resource: optional(fc.constantFrom('ledger:acct:alice/main', 'ledger:acct:alice/x', 'ledger:acct:bob/main')),
      amount: optional(fc.integer({ min: -20, max: 250 })),
      region: optional(fc.constantFrom('eu', 'us', 'ap')),
      requestBytes: optional(fc.integer({ min: 0, max: 2500 })),
      touchesSecrets: optional(fc.boolean()),
    });
    fc.assert(
      fc.property(request, fc.array(call, { minLength: 10, maxLength: 10 }), (wish, calls) => {
        const amount = wish.amount && (wish.amount.min !== undefined || wish.amount.max !== undefined) ? { amount: JSON.parse(JSON.stringify(wish.amount)) } : undefined;
        let child;
        try {
          child = delegateToken({
            ...base,
            ...(wish.audience ? { audience: wish.audience } : {}),
            ...(wish.command ? { command: wish.command } : {}),
            ...(wish.resource ? { resource: wish.resource } : {}),
            constraints: JSON.parse(
              JSON.stringify({ args: amount, region: wish.region, bytes: wish.request === undefined ? undefined : { request: wish.request }, secrets: wish.secrets }),
            ),
          });
          minted++;
        } catch (error) {
          if (!WritError.isInstance(error)) throw error;
          expect(['ERR_DELEGATION_WIDENS', 'ERR_INVALID_ARGUMENT']).toContain(error.code);
          refused++;
          return;
        }
        for (const c of calls) {
          const tokenCall: TokenCall = { ...c, args: c.amount === undefined ? {} : { amount: c.amount } };
          const childOk = code(() => verifyToken(child.envelope, { trustRoot, now: LATER, audience: c.audience, call: tokenCall, parents: [parent.envelope] })) === undefined;
          const parentOk = code(() => verifyToken(parent.envelope, { trustRoot, now: LATER, audience: c.audience, call: tokenCall })) === undefined;
          if (childOk) expect(parentOk).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
    expect(minted).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(5);
  });
});

describe('verifyToken with a forged chain', () => {
  it('refuses a child whose narrowing was not checked at mint time (signed directly with a wider scope)', () => {
    const wide = mintToken({
      signer,
      issuer: 'orchestrator',
      subject: 'agent:payer',
      actor: ['user:alice', 'agent:planner'],
      audience: 'gw-a',
      command: 'email.send',
      now: LATER,
      parent: parent.digest,
      intent: digest({ any: 1 }),
    });
    const call: TokenCall = { command: 'email.send', intent: digest({ any: 1 }) };
    expect(code(() => verifyToken(wide.envelope, { trustRoot, now: LATER, audience: 'gw-a', call, parents: [parent.envelope] }))).toBe('ERR_DELEGATION_WIDENS');
  });
});
