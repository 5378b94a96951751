/**
 * Resolving a release found without an outcome (`resolveUnfinished`): before it, such a
 * release was flagged on open and listed by `unfinished()` forever — every restart listed it
 * again, nobody could record what was found, and its budget could never be freed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signApproval } from '../approval/approval-statement.ts';
import { signRejection } from '../approval/rejection-statement.ts';
import { signResolution } from '../approval/resolution-statement.ts';
import type { SignResolutionOptions } from '../approval/resolution-statement.ts';
import { digest } from '../crypto/digest.ts';
import { fromBase64Any, toBase64Url } from '../crypto/encoding.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import { WritError } from '../errors.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import type { EntryDraft, StoredEntry } from '../stores/types.ts';
import { Ledger } from '../transcript/ledger.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import { createFirewall } from './create-firewall.ts';
import type { CreateFirewallOptions } from './firewall-options.ts';
import { allow, entries, firewallOptions, frozenClock, keys, policyDouble, trustRootFor, verifyLedger } from './test-support.ts';

const who = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot' } };
const refund = (amount: number, callId: string) => ({ tool: 'refund', args: { amount }, callId });
const by = 'ops:carol';

/** A memory ledger whose appends fail once `broken` is set. */
class BreakableLedger extends MemoryLedgerStore {
  broken = false;
  override append(drafts: readonly EntryDraft[]): Promise<StoredEntry[]> {
    if (this.broken) return Promise.reject(new WritError('ERR_STORE_IO', 'disk full'));
    return super.append(drafts);
  }
}

/** A firewall released two refunds (c1, c2) and stopped before running them; the next open. */
async function crashed(over: Partial<CreateFirewallOptions> = {}) {
  const clock = frozenClock();
  const k = keys();
  const options = firewallOptions({
    keys: { authority: k.authority },
    trustRoot: trustRootFor(k),
    policy: policyDouble(() => allow),
    clock: clock.now,
    mode: 'enforce',
    budgets: [{ id: 'refunds', scope: 'principal', tools: ['refund'], measure: { argument: 'amount' }, limit: 100, windowMs: 86_400_000 }],
    ...over,
  });
  const first = await createFirewall(options);
  const s = await first.openSession({ ...who, sessionId: 's1' });
  const c1 = await s.guard(refund(60, 'c1'));
  const c2 = await s.guard(refund(30, 'c2'));
  if (c1.verdict !== 'execute' || c2.verdict !== 'execute') throw new Error('expected releases');
  const reopen = () => createFirewall(options);
  const verify = () => verifyLedger(options.stores.ledger, options.trustRoot);
  /** The approver's (role manager) signed resolution of `tokenId`, signed at the firewall's clock. */
  const sign = (tokenId: string, over: Partial<SignResolutionOptions> = {}) =>
    signResolution({ signer: k.approver, role: 'manager', tokenId, outcome: 'not-executed', now: clock.now(), ...over });
  return { options, clock, reopen, verify, sign, keys: k, approver: k.approver, tokens: { c1: c1.tokenId!, c2: c2.tokenId! } };
}

describe('resolveUnfinished', () => {
  it('GAP: takes a release out of unfinished(), here and after a restart, and records who found what (release-resolved); the transcript verifies', async () => {
    const t = await crashed();
    const second = await t.reopen();
    expect(second.unfinished().map((r) => [r.callId, r.sessionId])).toEqual([['c1', 's1'], ['c2', 's1']]);
    expect(await second.resolveUnfinished(t.tokens.c1, { outcome: 'not-executed', by, note: 'no refund c1 at the bank' })).toEqual({ outcome: 'not-executed', by, note: 'no refund c1 at the bank' });
    expect(second.unfinished().map((r) => r.callId)).toEqual(['c2']);
    // Checkpointed at once: a copy taken before the firewall closes verifies, resolution signed.
    expect(await t.verify()).toMatchObject({ valid: true });
    await second.close();

    const third = await t.reopen();
    expect(third.unfinished().map((r) => r.callId)).toEqual(['c2']);
    await third.close();
    const resolved = (await entries(t.options.stores.ledger)).filter((e) => e.type === 'release-resolved');
    expect(resolved.map((e) => e.body)).toEqual([
      { tokenId: t.tokens.c1, sessionId: 's1', callId: 'c1', tool: 'refund', releasedSeq: expect.any(Number), outcome: 'not-executed', by, note: 'no refund c1 at the bank' },
    ]);
    // The verifier tells an auditor what stays open (not a failure: a crash leaves these).
    expect((await t.verify()).unfinished).toEqual({ flagged: 2, resolved: 1, open: 1, openTokens: [t.tokens.c2] });
    // Flagged once (on the second open), resolved once: the third open flagged nothing new.
    expect((await entries(t.options.stores.ledger)).filter((e) => e.type === 'release-unfinished').map((e) => e.body.callId)).toEqual(['c1', 'c2']);
    expect(await t.verify()).toMatchObject({ valid: true });
  });

  it('frees the budget of a release found not executed; one found executed keeps counting', async () => {
    const t = await crashed();
    const second = await t.reopen();
    const s = await second.openSession({ ...who, sessionId: 's2' });
    // 60 + 30 count as performed: 11 more does not fit.
    expect((await s.guard(refund(11, 'd1'))).verdict).toBe('block');
    await second.resolveUnfinished(t.tokens.c2, { outcome: 'executed', by });
    expect((await s.guard(refund(11, 'd2'))).verdict).toBe('block');
    await second.resolveUnfinished(t.tokens.c1, { outcome: 'not-executed', by });
    expect((await s.guard(refund(70, 'd3'))).verdict).toBe('execute');
    await second.close();
    // The same after the next restart: the resolutions are read back.
    const third = await t.reopen();
    const u = await third.openSession({ ...who, sessionId: 's3' });
    // 30 (c2, executed) + 70 (d3, released, no outcome: counts) = 100.
    expect((await u.guard(refund(1, 'e1'))).verdict).toBe('block');
    await third.resolveUnfinished(third.unfinished().find((r) => r.callId === 'd3')!.tokenId, { outcome: 'not-executed', by });
    expect((await u.guard(refund(70, 'e2'))).verdict).toBe('execute');
  });

  it('after a restart, a call resolved as executed is refused as already executed, not as of unknown outcome', async () => {
    const t = await crashed();
    const second = await t.reopen();
    await second.resolveUnfinished(t.tokens.c1, { outcome: 'executed', by });
    await second.close();
    const third = await t.reopen();
    const s = await third.openSession({ ...who, sessionId: 's1' });
    let runs = 0;
    const again = await s.execute(refund(60, 'c1'), () => ++runs);
    expect(again.status).toBe('blocked');
    expect(again.guard.reasons.map((r) => r.code)).toEqual(['gateway.already-executed']);
    expect((await s.execute(refund(30, 'c2'), () => ++runs)).guard.reasons.map((r) => r.code)).toEqual(['gateway.outcome-unknown']);
    expect(runs).toBe(0);
  });

  it('leaves the call refused at the gateway: it runs again only under a new call id', async () => {
    const t = await crashed();
    const second = await t.reopen();
    await second.resolveUnfinished(t.tokens.c1, { outcome: 'not-executed', by });
    const s = await second.openSession({ ...who, sessionId: 's1' });
    let runs = 0;
    const again = await s.execute(refund(60, 'c1'), () => ++runs);
    expect(again.status).toBe('blocked');
    expect(runs).toBe(0);
    expect((await s.execute(refund(60, 'c1-retry'), () => ++runs)).status).toBe('executed');
    expect(runs).toBe(1);
  });

  it('refuses a token that is not an unfinished release, a second resolution, and two at once (ERR_FIREWALL_TOKEN_UNKNOWN)', async () => {
    const t = await crashed();
    const second = await t.reopen();
    await expect(second.resolveUnfinished('tok_never', { outcome: 'executed', by })).rejects.toMatchObject({ code: 'ERR_FIREWALL_TOKEN_UNKNOWN' });
    const results = await Promise.allSettled([
      second.resolveUnfinished(t.tokens.c1, { outcome: 'executed', by }),
      second.resolveUnfinished(t.tokens.c1, { outcome: 'not-executed', by }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_FIREWALL_TOKEN_UNKNOWN' });
    await expect(second.resolveUnfinished(t.tokens.c1, { outcome: 'executed', by })).rejects.toMatchObject({ code: 'ERR_FIREWALL_TOKEN_UNKNOWN' });
    expect((await entries(t.options.stores.ledger)).filter((e) => e.type === 'release-resolved')).toHaveLength(1);
    await second.close();
    await expect(second.resolveUnfinished(t.tokens.c2, { outcome: 'executed', by })).rejects.toMatchObject({ code: 'ERR_FIREWALL_CLOSED' });
  });

  it.each([
    [['', { outcome: 'executed', by }], 'tokenId'],
    [[42, { outcome: 'executed', by }], 'tokenId'],
    [['T', undefined], 'resolution'],
    [['T', []], 'resolution'],
    [['T', { outcome: 'done', by }], 'resolution.outcome'],
    [['T', { by }], 'resolution.outcome'],
    [['T', { outcome: 'executed' }], 'resolution.by'],
    [['T', { outcome: 'executed', by: '   ' }], 'resolution.by'],
    [['T', { outcome: 'executed', by: 'x'.repeat(257) }], 'resolution.by'],
    [['T', { outcome: 'executed', by, note: 7 }], 'resolution.note'],
    [['T', { outcome: 'executed', by, note: 'x'.repeat(4097) }], 'resolution.note'],
    [['T', Object.create({ outcome: 'executed', by }) as object], 'resolution.outcome'],
  ] as const)('refuses malformed arguments %j with ERR_INVALID_ARGUMENT naming %s', async (args, parameter) => {
    const t = await crashed();
    const second = await t.reopen();
    const [tokenId, resolution] = args as unknown as [string, never];
    await expect(second.resolveUnfinished(tokenId === 'T' ? t.tokens.c1 : tokenId, resolution)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter } });
    expect(second.unfinished()).toHaveLength(2);
  });

  it('keeps the release unfinished when the resolution cannot be recorded, and says why', async () => {
    const ledger = new BreakableLedger();
    const t = await crashed({ stores: { ...firewallOptions({ policy: policyDouble(() => allow) }).stores, ledger } });
    const second = await t.reopen();
    ledger.broken = true;
    await expect(second.resolveUnfinished(t.tokens.c1, { outcome: 'not-executed', by })).rejects.toMatchObject({ code: 'ERR_STORE_IO' });
    expect(second.unfinished().map((r) => r.callId)).toEqual(['c1', 'c2']);
  });
});

describe('resolveUnfinished with a signed resolution', () => {
  it('records the verified statement: outcome and note from it, the approver key and role as resolver; the transcript verifies', async () => {
    const t = await crashed();
    const second = await t.reopen();
    const s = await second.openSession({ ...who, sessionId: 's2' });
    expect((await s.guard(refund(11, 'd1'))).verdict).toBe('block');
    const resolution = t.sign(t.tokens.c1, { note: 'no refund c1 at the bank' });
    expect(await second.resolveUnfinished(t.tokens.c1, { statement: resolution.envelope as never })).toEqual({ outcome: 'not-executed', by: `approver:${t.approver.keyId} as manager`, note: 'no refund c1 at the bank' });
    expect(second.unfinished().map((r) => r.callId)).toEqual(['c2']);
    // not-executed, signed: its budget is freed as an unsigned one's is.
    expect((await s.guard(refund(11, 'd2'))).verdict).toBe('execute');
    const resolved = (await entries(t.options.stores.ledger)).filter((e) => e.type === 'release-resolved');
    expect(resolved.map((e) => e.body)).toEqual([
      { tokenId: t.tokens.c1, sessionId: 's1', callId: 'c1', tool: 'refund', releasedSeq: expect.any(Number), outcome: 'not-executed', by: `approver:${t.approver.keyId} as manager`, note: 'no refund c1 at the bank', statement: resolution.envelope },
    ]);
    // (The session s2 opened since writes past the resolution's checkpoint: verified once closed.)
    await second.close();
    expect(await t.verify()).toMatchObject({ valid: true });
  });

  it('refuses a bad statement with its stable code and records nothing', async () => {
    const t = await crashed();
    const second = await t.reopen();
    const outsider = createSigner(PrivateKey.generate());
    const intent = digest({ tool: 'refund', args: { amount: 60 } });
    const policy = { digest: digest({ bundle: 'v1' }), rule: 'refunds' };
    const now = t.clock.now();
    const good = t.sign(t.tokens.c1).envelope;
    const payload = fromBase64Any(good.payload, 'payload');
    const tampered = payload.slice();
    tampered[tampered.length - 3] = tampered[tampered.length - 3]! ^ 1;
    const cases: [string, unknown, string][] = [
      ['an approval presented as a resolution', signApproval({ signer: t.approver, role: 'manager', intent, policy, now }).envelope, 'ERR_APPROVAL_MALFORMED'],
      ['a rejection presented as a resolution', signRejection({ signer: t.approver, role: 'manager', intent, policy, now }).envelope, 'ERR_APPROVAL_MALFORMED'],
      ['a resolution of another release', t.sign(t.tokens.c2).envelope, 'ERR_APPROVAL_TOKEN_MISMATCH'],
      ['a key the trust root does not know', signResolution({ signer: outsider, role: 'manager', tokenId: t.tokens.c1, outcome: 'executed', now }).envelope, 'ERR_APPROVAL_SIGNER_INVALID'],
      ['the authority key (not an approver)', t.sign(t.tokens.c1, { signer: t.options.keys.authority }).envelope, 'ERR_APPROVAL_SIGNER_INVALID'],
      ['a role the key does not hold', t.sign(t.tokens.c1, { role: 'finance' }).envelope, 'ERR_APPROVAL_SIGNER_INVALID'],
      ['an expired one', t.sign(t.tokens.c1, { now: new Date(now.getTime() - 3_600_000) }).envelope, 'ERR_APPROVAL_EXPIRED'],
      ['one dated in the future', t.sign(t.tokens.c1, { now: new Date(now.getTime() + 3_600_000) }).envelope, 'ERR_APPROVAL_NOT_YET_VALID'],
      ['a tampered payload', { ...good, payload: toBase64Url(tampered) }, 'ERR_APPROVAL_MALFORMED'],
      ['JSON text instead of the envelope object', JSON.stringify(good), 'ERR_INVALID_ARGUMENT'],
    ];
    for (const [name, statement, code] of cases) {
      await expect(second.resolveUnfinished(t.tokens.c1, { statement } as never), name).rejects.toMatchObject({ code });
    }
    expect(second.unfinished()).toHaveLength(2);
    expect((await entries(t.options.stores.ledger)).filter((e) => e.type === 'release-resolved')).toEqual([]);
  });

  it('refuses a statement signed with a key compromised between its signing and its use', async () => {
    const t = await crashed();
    const now = t.clock.now();
    // Signed a minute ago (valid then); the key is reported compromised as of 30 s ago.
    const statement = t.sign(t.tokens.c1, { now: new Date(now.getTime() - 60_000) }).envelope;
    const document = trustRootFor(t.keys).toJSON() as unknown as { keys: Record<string, unknown>[] };
    const since = new Date(now.getTime() - 30_000).toISOString();
    const compromised = { ...document, keys: document.keys.map((key) => (key.keyId === t.approver.keyId ? { ...key, status: 'compromised', since } : key)) };
    const second = await createFirewall({ ...t.options, trustRoot: createTrustRoot(compromised as never) });
    await expect(second.resolveUnfinished(t.tokens.c1, { statement } as never)).rejects.toMatchObject({ code: 'ERR_APPROVAL_SIGNER_INVALID' });
    expect(second.unfinished()).toHaveLength(2);
    // The same statement under the trust root without the compromise: accepted.
    const third = await t.reopen();
    await third.resolveUnfinished(t.tokens.c1, { statement } as never);
    expect(third.unfinished()).toHaveLength(1);
  });

  it.each([
    [{ statement: null }, 'resolution.statement'],
    [{ statement: [] }, 'resolution.statement'],
    [{ statement: 'x' }, 'resolution.statement'],
    [{ statement: {}, outcome: 'executed' }, 'resolution.outcome'],
    [{ statement: {}, by: 'ops:carol' }, 'resolution.by'],
    [{ statement: {}, note: 'n' }, 'resolution.note'],
  ])('refuses %j with ERR_INVALID_ARGUMENT naming %s', async (resolution, parameter) => {
    const t = await crashed();
    const second = await t.reopen();
    await expect(second.resolveUnfinished(t.tokens.c1, resolution as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter } });
    expect(second.unfinished()).toHaveLength(2);
  });

  it('property: any single-byte change to a signed resolution\'s payload is refused and records nothing', async () => {
    const t = await crashed();
    const second = await t.reopen();
    const { envelope } = t.sign(t.tokens.c1);
    const bytes = fromBase64Any(envelope.payload, 'payload');
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, flip) => {
        const changed = bytes.slice();
        changed[index] = changed[index]! ^ flip;
        await expect(second.resolveUnfinished(t.tokens.c1, { statement: { ...envelope, payload: toBase64Url(changed) } } as never)).rejects.toMatchObject({
          code: expect.stringMatching(/^ERR_(APPROVAL_MALFORMED|SIGNATURE_INVALID|APPROVAL_SIGNER_INVALID|APPROVAL_TOKEN_MISMATCH)$/),
        });
      }),
      { numRuns: 150 },
    );
    expect(second.unfinished()).toHaveLength(2);
    expect((await entries(t.options.stores.ledger)).filter((e) => e.type === 'release-resolved')).toEqual([]);
  });
});

type Crashed = Awaited<ReturnType<typeof crashed>>;
type Tokens = Crashed['tokens'];

describe('the verifier and release resolutions (linkage rule 8)', () => {
  /** A verified transcript with c1 and c2 flagged unfinished, plus `extra` entries and a checkpoint. */
  async function transcriptWith(extra: (tokens: Tokens, t: Crashed) => EntryDraft[]) {
    const t = await crashed();
    const second = await t.reopen();
    await second.close();
    // The firewall's checkpoint origin: the first line of its notes.
    let origin = '';
    for await (const checkpoint of t.options.stores.ledger.checkpoints()) origin = checkpoint.note.split('\n')[0]!;
    const ledger = await Ledger.open({ store: t.options.stores.ledger, origin, signer: t.options.keys.authority, now: t.clock.now });
    const time = t.clock.now().toISOString();
    await ledger.append(extra(t.tokens, t).map((draft) => ({ ...draft, time })));
    await ledger.checkpoint();
    return t.verify();
  }
  const resolved = (tokenId: string, outcome: string, more: Record<string, unknown> = {}): EntryDraft => ({
    type: 'release-resolved',
    time: '',
    body: { tokenId, sessionId: 's1', callId: 'c', tool: 'refund', releasedSeq: 0, outcome, by, ...more },
  });

  it('accepts a resolution of each flagged release', async () => {
    expect(await transcriptWith((k) => [resolved(k.c1, 'executed'), resolved(k.c2, 'not-executed')])).toMatchObject({ valid: true });
  });

  /** A `release-resolved` entry made from the approver's signed resolution of `tokenId`, as the firewall writes it. */
  const signedEntry = (t: Awaited<ReturnType<typeof crashed>>, tokenId: string, over: Partial<SignResolutionOptions> = {}, body: Record<string, unknown> = {}): EntryDraft => {
    const resolution = t.sign(tokenId, over);
    const { payload } = resolution;
    return resolved(tokenId, payload.outcome, { by: `approver:${payload.approver} as ${payload.role}`, ...(payload.note === undefined ? {} : { note: payload.note }), statement: resolution.envelope, ...body });
  };

  it('accepts a signed resolution, and an unsigned one beside it', async () => {
    const report = await transcriptWith((k, t) => [signedEntry(t, k.c1, { note: 'checked the bank' }), resolved(k.c2, 'executed')]);
    expect(report).toMatchObject({ valid: true });
  });

  it.each([
    ['a statement of another token (swapped in)', (t: Crashed, k: Tokens) => [{ ...resolved(k.c1, 'not-executed'), body: { ...signedEntry(t, k.c2).body, tokenId: k.c1 } }], 'linkage'],
    ['a statement of the other outcome', (t: Crashed, k: Tokens) => [signedEntry(t, k.c1, { outcome: 'executed' }, { outcome: 'not-executed' })], 'linkage'],
    ['a resolver other than the signer', (t: Crashed, k: Tokens) => [signedEntry(t, k.c1, {}, { by: 'ops:carol' })], 'linkage'],
    ['a note the approver did not sign', (t: Crashed, k: Tokens) => [signedEntry(t, k.c1, { note: 'bank says no' }, { note: 'bank says yes' })], 'linkage'],
    ['a statement recorded long after its window', (t: Crashed, k: Tokens) => [signedEntry(t, k.c1, { now: new Date(t.clock.now().getTime() - 86_400_000) })], 'linkage'],
    ['a tampered statement', (t: Crashed, k: Tokens) => {
      const entry = signedEntry(t, k.c1);
      const statement = entry.body.statement as { payload: string };
      const bytes = fromBase64Any(statement.payload, 'payload');
      bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 1;
      return [{ ...entry, body: { ...entry.body, statement: { ...statement, payload: toBase64Url(bytes) } } }];
    }, 'signature'],
    ['a statement signed by a key without the approver role (the authority\'s)', (t: Crashed, k: Tokens) => [signedEntry(t, k.c1, { signer: t.options.keys.authority })], 'signature'],
    ['a statement signed by a key the trust root does not know', (t: Crashed, k: Tokens) => [signedEntry(t, k.c1, { signer: createSigner(PrivateKey.generate()) })], 'signature'],
    ['a statement claiming a role the key does not hold', (t: Crashed, k: Tokens) => [signedEntry(t, k.c1, { role: 'finance' })], 'signature'],
    ['an approval in place of the statement', (t: Crashed, k: Tokens) => {
      const approval = signApproval({ signer: t.approver, role: 'manager', intent: digest({ a: 1 }), policy: { digest: digest({ p: 1 }), rule: 'r' }, now: t.clock.now() });
      return [{ ...signedEntry(t, k.c1), body: { ...signedEntry(t, k.c1).body, statement: approval.envelope } }];
    }, 'signature'],
    ['a statement that is not an envelope', (t: Crashed, k: Tokens) => [signedEntry(t, k.c1, {}, { statement: 'signed, trust me' })], 'signature'],
  ] as const)('fails %s', async (_name, extra, check) => {
    const report = await transcriptWith((k, t) => extra(t, k) as EntryDraft[]);
    expect(report.valid).toBe(false);
    expect(report.failure).toMatchObject({ check, entryType: 'release-resolved' });
  });

  it.each([
    ['a resolution of a release never flagged', () => [resolved('tok_other', 'executed')], 'linkage'],
    ['a second resolution', (k: { c1: string }) => [resolved(k.c1, 'executed'), resolved(k.c1, 'not-executed')], 'linkage'],
    ['an outcome that is neither', (k: { c1: string }) => [resolved(k.c1, 'maybe')], 'entry-format'],
    ['no one who checked', (k: { c1: string }) => [resolved(k.c1, 'executed', { by: '' })], 'entry-format'],
    ['a flag of a token never issued', () => [{ type: 'release-unfinished', time: '', body: { tokenId: 'tok_other', callId: 'c', tool: 'refund', releasedSeq: 0, status: 'repair-required' } }], 'linkage'],
  ] as const)('fails %s', async (_name, extra, check) => {
    const report = await transcriptWith(extra);
    expect(report.valid).toBe(false);
    expect(report.failure).toMatchObject({ check });
  });
});
