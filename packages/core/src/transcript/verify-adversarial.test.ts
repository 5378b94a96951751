/**
 * Adversarial review of the transcript verifier. The attacker controls the machine that wrote
 * the transcript: every unsigned field of every entry is theirs, and (modelling a ledger signer
 * that notarizes whatever the writer hands it) they may have the edited entries re-sealed and
 * checkpointed with the ledger key. They do not hold the authority, gateway or approver keys,
 * so every token, denial, approval and gateway receipt in the transcript is one those keys
 * really signed. A second attacker holds a key that was retired (or is compromised) and may
 * sign with it, choosing whatever signing time helps.
 *
 * Each case builds a transcript the verifier must refuse. Cases commented GAP were accepted
 * before the checks they name were added; the rest were refused already and stay as
 * regression tests.
 */
import { describe, expect, it } from 'vitest';
import { digest } from '../crypto/digest.ts';
import { PrivateKey } from '../crypto/keys.ts';
import { createSigner } from '../crypto/signer.ts';
import type { Signer } from '../crypto/signer.ts';
import { canonicalBytes } from '../canonical/canonicalize.ts';
import { signEnvelope, writPayloadType } from '../dsse/envelope.ts';
import { signApproval } from '../approval/approval-statement.ts';
import { signResolution } from '../approval/resolution-statement.ts';
import { fromBase64Any, toBase64Url } from '../crypto/encoding.ts';
import { createFirewall } from '../firewall/create-firewall.ts';
import { allow, deny, firewallOptions, frozenClock, keys, policyDouble, toolOf, trustRootFor } from '../firewall/test-support.ts';
import type { FirewallPolicy } from '../firewall/firewall-options.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import type { EntryDraft, JsonObject } from '../stores/types.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import { exportBundle, verifyBundle } from './bundle.ts';
import { Ledger } from './ledger.ts';
import { sampleKeys, sampleTrustRootDocument, trustEntry, writeSampleTranscript } from './sample-transcript.ts';
import { verifyTranscript } from './verify-transcript.ts';

const who = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot' } };

interface Draft {
  type: string;
  time: string;
  body: Record<string, unknown>;
}

interface Written {
  readonly trustRoot: TrustRoot;
  /** The key holding the ledger role (in these firewall tests it also holds authority and gateway). */
  readonly ledgerKey: Signer;
  readonly origin: string;
  readonly drafts: Draft[];
  readonly lines: string[];
  readonly notes: string[];
}

async function readStore(store: MemoryLedgerStore): Promise<{ lines: string[]; notes: string[] }> {
  const lines: string[] = [];
  for await (const stored of store.read()) lines.push(stored.line);
  const notes: string[] = [];
  for await (const checkpoint of store.checkpoints()) notes.push(checkpoint.note);
  return { lines, notes };
}

function draftsOf(lines: readonly string[]): Draft[] {
  return lines.map((line) => {
    const { type, time, body } = JSON.parse(line) as Draft;
    return { type, time, body };
  });
}

/** A real firewall session over memory stores; `script` drives it. */
async function firewallTranscript(
  over: { policy: FirewallPolicy; mode?: 'enforce' | 'shadow' | 'advisory' },
  script: (session: Awaited<ReturnType<Awaited<ReturnType<typeof createFirewall>>['openSession']>>) => Promise<void>,
): Promise<Written> {
  const options = firewallOptions(over);
  const firewall = await createFirewall(options);
  const session = await firewall.openSession(who);
  await script(session);
  await session.end();
  await firewall.close();
  const { lines, notes } = await readStore(options.stores.ledger as MemoryLedgerStore);
  return {
    trustRoot: options.trustRoot,
    ledgerKey: (options.keys as { authority: Signer }).authority,
    origin: notes[0]!.split('\n')[0]!,
    drafts: draftsOf(lines),
    lines,
    notes,
  };
}

/** Re-seal edited entries into a fresh chain and checkpoint it with the ledger key. */
async function reseal(written: Pick<Written, 'ledgerKey' | 'origin'>, drafts: readonly Draft[]): Promise<{ lines: string[]; notes: string[] }> {
  const store = new MemoryLedgerStore();
  const latest = drafts.reduce((max, d) => (d.time > max ? d.time : max), '');
  const ledger = await Ledger.open({ store, origin: written.origin, signer: written.ledgerKey, now: () => new Date(latest) });
  await ledger.append(drafts as unknown as EntryDraft[]);
  await ledger.checkpoint();
  return readStore(store);
}

async function verifyEdited(written: Written, drafts: readonly Draft[]) {
  const { lines, notes } = await reseal(written, drafts);
  return verifyTranscript({ entries: lines, checkpoints: notes, trustRoot: written.trustRoot });
}

const byType = (drafts: readonly Draft[], type: string) => drafts.filter((d) => d.type === type);
const clone = (drafts: readonly Draft[]): Draft[] => JSON.parse(JSON.stringify(drafts)) as Draft[];

async function emailSession(calls = 1, policy: FirewallPolicy = policyDouble(() => allow)): Promise<Written> {
  return firewallTranscript({ policy }, async (s) => {
    for (let i = 0; i < calls; i++) {
      const run = await s.execute({ tool: 'email.send', args: { to: `a${i}@b.example` }, callId: `c${i}` }, () => 'sent');
      expect(run.status).toBe('executed');
    }
  });
}

describe('the re-sealing harness', () => {
  it('an unedited firewall transcript re-sealed with the ledger key verifies', async () => {
    const written = await emailSession(2);
    expect((await verifyTranscript({ entries: written.lines, checkpoints: written.notes, trustRoot: written.trustRoot })).valid).toBe(true);
    const report = await verifyEdited(written, written.drafts);
    expect(report.failure).toBeUndefined();
  });
});

describe('executions and their receipts', () => {
  it('refuses an execution whose intent digest differs from its token and receipt', async () => {
    const written = await emailSession();
    const drafts = clone(written.drafts);
    byType(drafts, 'effect-executed')[0]!.body.intentDigest = digest({ tool: 'email.send', args: { to: 'mallory@evil.example' } });
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', entryType: 'effect-executed' });
  });

  it('refuses a token-using execution whose receipt was replaced by an unsigned one', async () => {
    const written = await emailSession();
    const drafts = clone(written.drafts);
    const executed = byType(drafts, 'effect-executed')[0]!;
    const envelope = executed.body.receipt as { payload: string };
    executed.body.receipt = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as JsonObject;
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'signature', code: 'ERR_TRANSCRIPT_SIGNATURE', entryType: 'effect-executed' });
  });

  it('refuses a receipt hidden behind a redaction marker', async () => {
    const written = await emailSession();
    const drafts = clone(written.drafts);
    byType(drafts, 'effect-executed')[0]!.body.receipt = { $commit: digest('receipt') };
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'signature', entryType: 'effect-executed' });
  });

  // GAP: the signed receipt says the call failed; the entry (unsigned) says it succeeded.
  it('refuses an execution entry whose status contradicts its signed receipt', async () => {
    const written = await firewallTranscript({ policy: policyDouble(() => allow) }, async (s) => {
      const run = await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c0' }, () => {
        throw new Error('smtp down');
      });
      expect(run.status).toBe('failed');
    });
    const drafts = clone(written.drafts);
    const executed = byType(drafts, 'effect-executed')[0]!;
    expect(executed.body.status).toBe('failed');
    executed.body.status = 'succeeded';
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', code: 'ERR_TRANSCRIPT_LINKAGE', entryType: 'effect-executed' });
  });

  // GAP: the entry claims other arguments were executed than the gateway signed for.
  it('refuses an execution entry whose arguments digest contradicts its signed receipt', async () => {
    const written = await emailSession();
    const drafts = clone(written.drafts);
    byType(drafts, 'effect-executed')[0]!.body.argsDigest = digest({ to: 'someone-else@b.example' });
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', entryType: 'effect-executed' });
  });

  // GAP: a signed receipt of call c0 presented as the execution of call c1 (c1 never ran).
  it('refuses an execution entry whose call id or receipt id contradicts its signed receipt', async () => {
    const written = await emailSession();
    const drafts = clone(written.drafts);
    const executed = byType(drafts, 'effect-executed')[0]!;
    executed.body.callId = 'c1';
    executed.body.receiptId = 'rcpt_forged';
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', entryType: 'effect-executed' });
  });
});

describe('tokens and the decisions that released them', () => {
  it('refuses a token used by two executions, the second in another session', async () => {
    const written = await emailSession();
    const drafts = clone(written.drafts);
    const executed = byType(drafts, 'effect-executed')[0]!;
    const replay: Draft = { ...executed, body: { ...executed.body, sessionId: 'session-other', callId: 'c9' } };
    drafts.splice(drafts.indexOf(executed) + 1, 0, replay);
    const report = await verifyEdited(written, drafts);
    expect(report.failure).toMatchObject({ check: 'linkage', entryType: 'effect-executed', seq: drafts.indexOf(replay) });
  });

  it('refuses a token whose decision was removed, or blocked', async () => {
    const written = await emailSession();
    const removed = clone(written.drafts).filter((d) => d.type !== 'decision-made');
    expect((await verifyEdited(written, removed)).failure).toMatchObject({ check: 'linkage', entryType: 'token-issued' });
    const blocked = clone(written.drafts);
    byType(blocked, 'decision-made')[0]!.body.verdict = 'block';
    expect((await verifyEdited(written, blocked)).failure).toMatchObject({ check: 'linkage', entryType: 'token-issued' });
  });

  it('refuses a token tied to a decision for another intent', async () => {
    const written = await emailSession(2);
    const drafts = clone(written.drafts);
    const [first, second] = byType(drafts, 'decision-made');
    // Token of c1 claims the decision of c0 (another intent); c0's token entry is dropped.
    const [token0, token1] = byType(drafts, 'token-issued');
    token1!.body.decisionId = first!.body.decisionId;
    const edited = drafts.filter((d) => d !== token0 && d !== second && !(d.type === 'effect-executed' && d.body.callId === 'c0'));
    expect((await verifyEdited(written, edited)).failure).toMatchObject({ check: 'linkage', entryType: 'token-issued' });
  });

  // GAP: two calls with the same arguments (same intent). c1 was a shadow-mode deny (its
  // decision says enforce would block); its token is re-attributed to c0's allow, and c0's
  // unused token and c1's decision are dropped. The token's signed policy.decision names c1's.
  it('refuses a token re-attributed to another call’s decision with the same intent', async () => {
    let n = 0;
    const written = await firewallTranscript({ policy: policyDouble(() => (n++ === 0 ? allow : deny)), mode: 'shadow' }, async (s) => {
      const call = { tool: 'email.send', args: { to: 'a@b.example' } };
      expect((await s.guard({ ...call, callId: 'c0' })).verdict).toBe('execute');
      expect((await s.execute({ ...call, callId: 'c1' }, () => 'sent')).status).toBe('executed');
    });
    const drafts = clone(written.drafts);
    const [d0, d1] = byType(drafts, 'decision-made');
    expect(d1!.body).toMatchObject({ decision: 'deny', wouldHave: 'block' });
    const [t0, t1] = byType(drafts, 'token-issued');
    t1!.body.decisionId = d0!.body.decisionId;
    t1!.body.callId = 'c0';
    const edited = drafts.filter((d) => d !== t0 && d !== d1);
    expect((await verifyEdited(written, edited)).failure).toMatchObject({ check: 'linkage', entryType: 'token-issued' });
  });

  // GAP: the session-started entry rewritten to another environment (model, policy) with a
  // matching digest; every token the authority signed binds the real environment digest.
  it('refuses a session environment that differs from the one its tokens bind', async () => {
    const written = await emailSession();
    const drafts = clone(written.drafts);
    const started = byType(drafts, 'session-started')[0]!;
    const environment = { ...(started.body.environment as Record<string, unknown>), model: { id: 'a-model-that-was-not-used' } };
    started.body.environment = environment;
    started.body.environmentDigest = digest(environment);
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', entryType: 'token-issued' });
  });

  it('refuses a session environment edited without its digest', async () => {
    const written = await emailSession();
    const drafts = clone(written.drafts);
    const started = byType(drafts, 'session-started')[0]!;
    started.body.environment = { ...(started.body.environment as Record<string, unknown>), model: { id: 'other' } };
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'environment-digest', entryType: 'session-started' });
  });

  it('refuses a token used more often than its maxUses (2)', async () => {
    const written = await firewallTranscript(
      { policy: policyDouble(() => ({ decision: 'allow-with-constraints', reasons: [], constraints: { maxUses: 2 } })) },
      async (s) => {
        expect((await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c0' }, () => 'sent')).status).toBe('executed');
      },
    );
    const drafts = clone(written.drafts);
    const token = byType(drafts, 'token-issued')[0]!;
    const payload = JSON.parse(Buffer.from((token.body.token as { payload: string }).payload, 'base64').toString('utf8')) as { constraints: { maxUses?: number } };
    expect(payload.constraints.maxUses).toBe(2);
    const executed = byType(drafts, 'effect-executed')[0]!;
    const at = drafts.indexOf(executed);
    drafts.splice(at + 1, 0, clone([executed])[0]!, clone([executed])[0]!);
    // Without the gateway key the extra uses can only repeat its receipt: refused at the first.
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', entryType: 'effect-executed', seq: at + 1 });
  });

  // GAP: one gateway receipt recorded twice claims two effects; maxUses 2 lets the count pass.
  it('refuses the same signed receipt recorded as two executions', async () => {
    const written = await firewallTranscript(
      { policy: policyDouble(() => ({ decision: 'allow-with-constraints', reasons: [], constraints: { maxUses: 2 } })) },
      async (s) => {
        expect((await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c0' }, () => 'sent')).status).toBe('executed');
      },
    );
    const drafts = clone(written.drafts);
    const executed = byType(drafts, 'effect-executed')[0]!;
    drafts.splice(drafts.indexOf(executed) + 1, 0, clone([executed])[0]!);
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', entryType: 'effect-executed' });
  });
});

describe('denials and token-free executions', () => {
  // GAP: enforce blocked a token-free call (signed denial recorded); the writer adds an
  // execution of that very call with an unsigned receipt (which needs no key to forge).
  it('refuses a token-free execution of a call whose decision blocked it', async () => {
    const policy = policyDouble((input) => (toolOf(input) === 'search' ? deny : allow));
    const written = await firewallTranscript({ policy }, async (s) => {
      expect((await s.execute({ tool: 'search', args: { q: 'x' }, callId: 'c0' }, () => 'ok')).status).toBe('blocked');
    });
    const drafts = clone(written.drafts);
    const decided = byType(drafts, 'decision-made')[0]!;
    expect(decided.body.verdict).toBe('block');
    expect(byType(drafts, 'action-denied')).toHaveLength(1);
    const time = byType(drafts, 'action-denied')[0]!.time;
    const argsDigest = decided.body.argsDigest as string;
    const forged: Draft = {
      type: 'effect-executed',
      time,
      body: {
        sessionId: decided.body.sessionId,
        callId: 'c0',
        tokenId: null,
        intentDigest: decided.body.intentDigest,
        argsDigest,
        status: 'succeeded',
        receiptId: 'rcpt_forged',
        receipt: {
          v: 1, id: 'rcpt_forged', iss: 'writ', iat: Math.floor(Date.parse(time) / 1000), callId: 'c0', tokenId: null, tool: 'search',
          intentDigest: decided.body.intentDigest as string, argsDigest, resultDigest: null, status: 'succeeded', startedAt: time, finishedAt: time,
        },
      },
    };
    drafts.splice(drafts.indexOf(byType(drafts, 'action-denied')[0]!) + 1, 0, forged);
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', entryType: 'effect-executed' });
  });

  // GAP: a token-free execution recorded twice (one observation claimed as two).
  it('refuses a token-free execution recorded twice for one call', async () => {
    const written = await firewallTranscript({ policy: policyDouble(() => allow) }, async (s) => {
      expect((await s.execute({ tool: 'search', args: { q: 'x' }, callId: 'c0' }, () => 'ok')).status).toBe('executed');
    });
    const drafts = clone(written.drafts);
    const executed = byType(drafts, 'effect-executed')[0]!;
    expect(executed.body.tokenId).toBeNull();
    drafts.splice(drafts.indexOf(executed) + 1, 0, clone([executed])[0]!);
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', entryType: 'effect-executed' });
  });

  it('refuses a denial whose signed payload was swapped for another call’s', async () => {
    const policy = policyDouble(() => deny);
    const written = await firewallTranscript({ policy }, async (s) => {
      expect((await s.execute({ tool: 'email.send', args: { to: 'a@b.example' }, callId: 'c0' }, () => 'x')).status).toBe('blocked');
      expect((await s.execute({ tool: 'email.send', args: { to: 'c@d.example' }, callId: 'c1' }, () => 'x')).status).toBe('blocked');
    });
    const drafts = clone(written.drafts);
    const [a, b] = byType(drafts, 'action-denied');
    a!.body.denial = b!.body.denial;
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', entryType: 'action-denied' });
  });
});

// Sample transcripts: one key per role, so a test can hold exactly the keys an attacker has.
async function sample(options: { calls?: number; keys?: ReturnType<typeof sampleKeys>; sessionId?: string } = {}) {
  const store = new MemoryLedgerStore();
  const result = await writeSampleTranscript({
    store,
    calls: options.calls ?? 3,
    ...(options.keys && { keys: options.keys }),
    ...(options.sessionId && { sessionId: options.sessionId }),
  });
  return { ...result, store, ...(await readStore(store)) };
}

function trustRootWith(keys: ReturnType<typeof sampleKeys>, replace: Record<string, ReturnType<typeof trustEntry>>, extra: ReturnType<typeof trustEntry>[] = []): TrustRoot {
  const document = sampleTrustRootDocument(keys, extra);
  return createTrustRoot({ ...document, keys: document.keys.map((key) => replace[key.keyId] ?? key) });
}

describe('unfinished releases and their resolutions', () => {
  // An executed call, with a flag and a resolution inserted between its release and execution.
  const withResolution = (written: Written, outcome: string): Draft[] => {
    const drafts = clone(written.drafts);
    const executed = drafts.findIndex((d) => d.type === 'effect-executed');
    const { tokenId, callId, sessionId } = drafts[executed]!.body;
    const time = drafts[executed]!.time;
    drafts.splice(
      executed,
      0,
      { type: 'release-unfinished', time, body: { tokenId, callId, sessionId, tool: 'email.send', releasedSeq: 0, status: 'repair-required' } },
      { type: 'release-resolved', time, body: { tokenId, callId, sessionId, tool: 'email.send', releasedSeq: 0, outcome, by: 'ops' } },
    );
    return drafts;
  };

  it('refuses an execution under a token whose release was resolved as not executed', async () => {
    const written = await emailSession(1);
    expect((await verifyEdited(written, withResolution(written, 'not-executed'))).failure).toMatchObject({ check: 'linkage', code: 'ERR_TRANSCRIPT_LINKAGE', entryType: 'effect-executed', message: expect.stringMatching(/resolved as not executed/u) });
  });

  it('counts a release resolved as executed as a use of its single-use token: a recorded execution after it is a second use', async () => {
    const written = await emailSession(1);
    expect((await verifyEdited(written, withResolution(written, 'executed'))).failure).toMatchObject({ check: 'linkage', entryType: 'effect-executed', message: expect.stringMatching(/used more often/u) });
  });

  it('refuses a release flagged unfinished after its outcome', async () => {
    const written = await emailSession(1);
    const drafts = clone(written.drafts);
    const executed = drafts.find((d) => d.type === 'effect-executed')!;
    drafts.push({ type: 'release-unfinished', time: executed.time, body: { tokenId: executed.body.tokenId, callId: executed.body.callId, tool: 'email.send', releasedSeq: 0, status: 'repair-required' } });
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', entryType: 'release-unfinished' });
  });
});

describe('signed resolutions of unfinished releases (ADR 0039)', () => {
  /**
   * A firewall released two emails and crashed before either ran; on the next open an approver
   * resolved c0 as not executed and c1 as executed, each with a signed resolution.
   */
  async function signedResolutions(): Promise<Written> {
    const k = keys();
    const clock = frozenClock();
    const options = firewallOptions({ policy: policyDouble(() => allow), keys: { authority: k.authority }, trustRoot: trustRootFor(k), clock: clock.now });
    const first = await createFirewall(options);
    const session = await first.openSession({ ...who, sessionId: 's1' });
    const tokens: string[] = [];
    for (const callId of ['c0', 'c1']) {
      const guard = await session.guard({ tool: 'email.send', args: { to: `${callId}@b.example` }, callId });
      if (guard.verdict !== 'execute') throw new Error('expected a release');
      tokens.push(guard.tokenId!);
    }
    const second = await createFirewall(options);
    for (const [index, outcome] of (['not-executed', 'executed'] as const).entries()) {
      const statement = signResolution({ signer: k.approver, role: 'manager', tokenId: tokens[index]!, outcome, note: `checked the outbox for c${index}`, now: clock.now() });
      await second.resolveUnfinished(tokens[index]!, { statement: statement.envelope as never });
    }
    await second.close();
    const { lines, notes } = await readStore(options.stores.ledger as MemoryLedgerStore);
    return { trustRoot: options.trustRoot, ledgerKey: k.authority, origin: notes[0]!.split('\n')[0]!, drafts: draftsOf(lines), lines, notes };
  }

  it('a transcript with signed resolutions verifies, also re-sealed unedited', async () => {
    const written = await signedResolutions();
    expect(byType(written.drafts, 'release-resolved').map((d) => d.body.statement !== undefined)).toEqual([true, true]);
    expect((await verifyTranscript({ entries: written.lines, checkpoints: written.notes, trustRoot: written.trustRoot })).failure).toBeUndefined();
    expect((await verifyEdited(written, written.drafts)).failure).toBeUndefined();
  });

  it('refuses the two statements swapped between their entries (each names the other token)', async () => {
    const written = await signedResolutions();
    const drafts = clone(written.drafts);
    const [a, b] = byType(drafts, 'release-resolved');
    [a!.body.statement, b!.body.statement] = [b!.body.statement, a!.body.statement];
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', entryType: 'release-resolved', message: expect.stringMatching(/does not match its entry/u) });
  });

  it('refuses an outcome rewritten beside its signed statement (not-executed turned executed)', async () => {
    const written = await signedResolutions();
    const drafts = clone(written.drafts);
    byType(drafts, 'release-resolved')[0]!.body.outcome = 'executed';
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'linkage', entryType: 'release-resolved' });
  });

  it('refuses a statement whose payload was edited (outcome flipped inside it)', async () => {
    const written = await signedResolutions();
    const drafts = clone(written.drafts);
    const entry = byType(drafts, 'release-resolved')[0]!;
    const statement = entry.body.statement as { payload: string };
    const payload = JSON.parse(new TextDecoder().decode(fromBase64Any(statement.payload, 'payload'))) as Record<string, unknown>;
    statement.payload = toBase64Url(canonicalBytes({ ...payload, outcome: 'executed' }));
    entry.body.outcome = 'executed';
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'signature', code: 'ERR_TRANSCRIPT_SIGNATURE', entryType: 'release-resolved' });
  });

  it('refuses a statement re-signed by the ledger key (it holds no approver role)', async () => {
    const written = await signedResolutions();
    const drafts = clone(written.drafts);
    const entry = byType(drafts, 'release-resolved')[0]!;
    const forged = signResolution({ signer: written.ledgerKey, role: 'manager', tokenId: String(entry.body.tokenId), outcome: 'not-executed', note: String(entry.body.note), now: new Date(entry.time) });
    entry.body.statement = forged.envelope;
    entry.body.by = `approver:${written.ledgerKey.keyId} as manager`;
    expect((await verifyEdited(written, drafts)).failure).toMatchObject({ check: 'signature', entryType: 'release-resolved' });
  });

  it('accepts a statement stripped from its entry as the writer\'s own (unsigned) resolution — what writ report counts apart', async () => {
    const written = await signedResolutions();
    const drafts = clone(written.drafts);
    delete byType(drafts, 'release-resolved')[0]!.body.statement;
    // The limit of linkage rule 8: an unsigned resolution is a writer's statement, accepted as such.
    expect((await verifyEdited(written, drafts)).failure).toBeUndefined();
  });
});

describe('checkpoints and key validity', () => {
  it('refuses a checkpoint signed by a key without the ledger role', async () => {
    const { store, keys, trustRoot } = await sample();
    const drafts = draftsOf((await readStore(store)).lines);
    const resealed = await reseal({ ledgerKey: keys.gateway, origin: 'writ.test/sample' }, drafts);
    const report = await verifyTranscript({ entries: resealed.lines, checkpoints: resealed.notes, trustRoot });
    expect(report.failure).toMatchObject({ check: 'checkpoint-signature', code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE' });
  });

  it('refuses a checkpoint signed by a retired ledger key after its retirement', async () => {
    const keys = sampleKeys(11);
    const { lines, notes } = await sample({ keys });
    const trustRoot = trustRootWith(keys, { [keys.ledger.keyId]: trustEntry(keys.ledger, { roles: ['ledger'], status: 'retired', since: '2025-12-31T00:00:00Z' }) });
    const report = await verifyTranscript({ entries: lines, checkpoints: notes, trustRoot });
    expect(report.failure).toMatchObject({ check: 'checkpoint-key', cause: 'ERR_KEY_NOT_VALID_AT' });
  });

  // GAP: the retired ledger key (retired at R) extends the log past a checkpoint that its
  // successor signed after R, backdating its own checkpoint (and the new entries) before R.
  it('refuses a larger checkpoint signed earlier than a smaller one (retired key, backdated)', async () => {
    const keys = sampleKeys(13);
    const successor = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(200)));
    const retiredAt = '2026-01-01T12:00:00Z';
    const trustRoot = trustRootWith(
      keys,
      { [keys.ledger.keyId]: trustEntry(keys.ledger, { roles: ['ledger'], status: 'retired', since: retiredAt }) },
      [trustEntry(successor, { roles: ['ledger'], validFrom: retiredAt })],
    );
    const { lines } = await sample({ keys, calls: 2 });
    const drafts = draftsOf(lines);
    const store = new MemoryLedgerStore();
    // The honest part: entries written before R, checkpointed by the successor after R.
    const honest = await Ledger.open({ store, origin: 'writ.test/sample', signer: successor, now: () => new Date('2026-01-02T00:00:00Z') });
    await honest.append(drafts as unknown as EntryDraft[]);
    await honest.checkpoint();
    // The retired key's holder appends an entry and signs a checkpoint backdated before R
    // with its own tooling (over the same chain, so the root matches).
    const extra: Draft = { type: 'note', time: '2026-01-01T10:59:00.000Z', body: { text: 'appended by the retired key' } };
    await store.append([extra as unknown as EntryDraft]);
    const copy = new MemoryLedgerStore();
    await copy.append([...drafts, extra] as unknown as EntryDraft[]);
    const forger = await Ledger.open({ store: copy, origin: 'writ.test/sample', signer: keys.ledger, now: () => new Date('2026-01-01T11:00:00Z') });
    await forger.checkpoint();
    const forged = { lines: (await readStore(store)).lines, notes: [...(await readStore(store)).notes, ...(await readStore(copy)).notes] };
    expect(forged.notes).toHaveLength(2);
    const report = await verifyTranscript({ entries: forged.lines, checkpoints: forged.notes, trustRoot });
    expect(report.failure).toMatchObject({ check: 'checkpoint-consistency' });
  });

  it('refuses a checkpoint by a ledger key compromised at its signing time, and a trust root that is not the pinned one', async () => {
    const keys = sampleKeys(14);
    const { lines, notes } = await sample({ keys });
    const compromised = trustRootWith(keys, { [keys.ledger.keyId]: trustEntry(keys.ledger, { roles: ['ledger'], status: 'compromised', since: '2025-12-01T00:00:00Z' }) });
    expect((await verifyTranscript({ entries: lines, checkpoints: notes, trustRoot: compromised })).failure).toMatchObject({ check: 'checkpoint-key', cause: 'ERR_KEY_COMPROMISED' });
    const other = createTrustRoot(sampleTrustRootDocument(sampleKeys(15)));
    expect((await verifyTranscript({ entries: lines, checkpoints: notes, trustRoot: other })).failure).toMatchObject({ check: 'checkpoint-signature' });
  });

  it('refuses entries after the last checkpoint, duplicate sequence numbers and a dropped final checkpoint', async () => {
    const { store, trustRoot, lines, notes } = await sample();
    await store.append([{ type: 'note', time: '2026-02-01T00:00:00.000Z', body: {} }]);
    const tail = (await readStore(store)).lines;
    expect((await verifyTranscript({ entries: tail, checkpoints: notes, trustRoot })).failure).toMatchObject({ check: 'unsigned-tail' });
    const duplicated = [...lines.slice(0, 3), lines[2]!, ...lines.slice(3)];
    expect((await verifyTranscript({ entries: duplicated, checkpoints: notes, trustRoot })).failure).toMatchObject({ check: 'sequence', seq: 3 });
    // Dropping the last entries and the checkpoint over them leaves a valid prefix only when
    // an earlier checkpoint covers exactly that prefix; otherwise the tail is unsigned.
    expect((await verifyTranscript({ entries: lines.slice(0, -1), checkpoints: notes.slice(0, -1), trustRoot })).valid).toBe(false);
  });
});

describe('approvals', () => {
  async function withApproval(signer: Signer, trustRoot: (keys: ReturnType<typeof sampleKeys>) => TrustRoot) {
    const keys = sampleKeys(21);
    const { lines } = await sample({ keys, calls: 3 });
    const drafts = draftsOf(lines);
    const recorded = byType(drafts, 'approval-recorded')[0]!;
    const approval = signApproval({
      signer,
      role: 'finance',
      intent: recorded.body.intentDigest as `sha256:${string}`,
      policy: { digest: `sha256:${'00'.repeat(32)}`, rule: 'email.external' },
      now: new Date(recorded.time),
    });
    recorded.body.statement = approval.envelope;
    const resealed = await reseal({ ledgerKey: keys.ledger, origin: 'writ.test/sample' }, drafts);
    return verifyTranscript({ entries: resealed.lines, checkpoints: resealed.notes, trustRoot: trustRoot(keys) });
  }

  it('refuses an approval signed by a key that is not an approver', async () => {
    const keys = sampleKeys(21);
    const report = await withApproval(keys.gateway, (k) => createTrustRoot(sampleTrustRootDocument(k)));
    expect(report.failure).toMatchObject({ check: 'signature', entryType: 'approval-recorded', cause: 'ERR_KEY_ROLE_MISMATCH' });
  });

  it('refuses an approval signed outside its key’s validity window', async () => {
    const keys = sampleKeys(21);
    const report = await withApproval(keys.approver, (k) =>
      trustRootWith(k, { [k.approver.keyId]: { ...trustEntry(k.approver, { roles: ['approver'], validFrom: '2026-06-01T00:00:00Z' }), approvalRoles: ['finance'] } }),
    );
    expect(report.failure).toMatchObject({ check: 'signature', entryType: 'approval-recorded', cause: 'ERR_KEY_NOT_VALID_AT' });
  });
});

describe('receipts signed with a retired gateway key', () => {
  // GAP: the retired gateway key (retired at R) forges a receipt for a token minted after R,
  // claiming a signing time before R: the receipt predates the token it says was used.
  it('refuses a receipt signed before the token it uses was issued', async () => {
    const keys = sampleKeys(31);
    const successor = createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill(201)));
    const { lines } = await sample({ keys, calls: 1 });
    const drafts = draftsOf(lines);
    const executed = byType(drafts, 'effect-executed')[0]!;
    const token = byType(drafts, 'token-issued')[0]!;
    const tokenIat = (JSON.parse(Buffer.from((token.body.token as { payload: string }).payload, 'base64').toString('utf8')) as { iat: number }).iat;
    const retiredAt = new Date((tokenIat - 3600) * 1000).toISOString().replace('.000', '');
    const trustRoot = trustRootWith(keys, { [keys.gateway.keyId]: trustEntry(keys.gateway, { roles: ['gateway'], status: 'retired', since: retiredAt }) }, [
      trustEntry(successor, { roles: ['gateway'], validFrom: retiredAt }),
    ]);
    executed.body.receipt = signEnvelope({
      payloadType: writPayloadType('receipt'),
      payload: canonicalBytes({ v: 1, tokenId: executed.body.tokenId, intentDigest: executed.body.intentDigest, argsDigest: executed.body.argsDigest, status: 'succeeded', iat: tokenIat - 7200 }),
      signers: [keys.gateway],
    });
    const resealed = await reseal({ ledgerKey: keys.ledger, origin: 'writ.test/sample' }, drafts);
    expect((await verifyTranscript({ entries: resealed.lines, checkpoints: resealed.notes, trustRoot })).failure).toMatchObject({ check: 'linkage', entryType: 'effect-executed' });
  });
});

describe('evidence bundles', () => {
  it('refuses a bundle whose entries are not the ones its proofs cover, and verifies against the pinned trust root only', async () => {
    const keys = sampleKeys(41);
    const { store, trustRoot } = await sample({ keys, calls: 3 });
    const bundle = await exportBundle({ store, from: 2, to: 6, trustRoot: trustRoot.toJSON() });
    expect(verifyBundle({ bundle, trustRoot }).valid).toBe(true);
    // Another transcript's entries at the same positions, with this bundle's proofs.
    const other = await sample({ keys, calls: 4, sessionId: 'session-other' });
    const swapped = { ...bundle, entries: other.lines.slice(2, 6) };
    expect(verifyBundle({ bundle: swapped, trustRoot }).failure).toMatchObject({ check: 'inclusion-proof' });
    // Entries shifted by one (from changed): seq and proofs disagree.
    expect(verifyBundle({ bundle: { ...bundle, from: 3 }, trustRoot }).valid).toBe(false);
    // A bundle carrying a forged trust root of its own still verifies against the pinned one only.
    const forger = sampleKeys(42);
    const forgedRoot = sampleTrustRootDocument(forger);
    expect(verifyBundle({ bundle: { ...bundle, trustRoot: forgedRoot }, trustRoot }).valid).toBe(true);
    expect(verifyBundle({ bundle, trustRoot: createTrustRoot(forgedRoot) }).failure).toMatchObject({ check: 'checkpoint-signature' });
  });
});
