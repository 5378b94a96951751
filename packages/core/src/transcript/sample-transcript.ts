/**
 * Builds realistic, fully signed and linked sample transcripts (a trust root, a session
 * with decisions, tokens, executions with gateway receipts, a denial, an approval, and
 * checkpoints) from deterministic seeds. Used by tests, the tamper and crash suites, the
 * CLI tests and benchmarks; also handy for trying `writ verify`.
 */
import { digest } from '../crypto/digest.ts';
import { WritError } from '../errors.ts';
import { toBase64Url } from '../crypto/encoding.ts';
import { signApproval } from '../approval/approval-statement.ts';
import { signDenial } from '../denial/denial.ts';
import { PrivateKey } from '../crypto/keys.ts';
import type { Signer } from '../crypto/signer.ts';
import { createSigner } from '../crypto/signer.ts';
import { signEnvelope, writPayloadType } from '../dsse/envelope.ts';
import { canonicalBytes } from '../canonical/canonicalize.ts';
import type { EntryDraft, JsonObject, LedgerStore } from '../stores/types.ts';
import { mintToken } from '../token/mint-token.ts';
import type { KeyRole, TrustRootDocument, TrustRootKeyEntry } from '../trust/trust-root.ts';
import { createTrustRoot } from '../trust/trust-root.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import type { EnvironmentBody } from './entry-types.ts';
import { Ledger } from './ledger.ts';
import type { CheckpointPolicy } from './ledger.ts';

/** The keys of a sample deployment. */
export interface SampleKeys {
  readonly authority: Signer;
  readonly gateway: Signer;
  readonly approver: Signer;
  readonly ledger: Signer;
  readonly root: Signer;
}

/** Deterministic keys from a one-byte seed family (never use outside tests and demos). */
export function sampleKeys(seed = 1): SampleKeys {
  if (!Number.isSafeInteger(seed)) throw invalid('seed', 'must be an integer');
  const key = (n: number): Signer =>
    createSigner(PrivateKey.fromSeed(new Uint8Array(32).fill((seed * 7 + n) % 256)));
  return { authority: key(1), gateway: key(2), approver: key(3), ledger: key(4), root: key(5) };
}

/** A trust-root key entry for a signer. */
export function trustEntry(
  signer: Signer,
  options: {
    roles: KeyRole[];
    validFrom?: string;
    validUntil?: string;
    status?: TrustRootKeyEntry['status'];
    since?: string;
  },
): TrustRootKeyEntry {
  if (typeof signer !== 'object' || signer === null || typeof signer.keyId !== 'string' || !(signer.publicKey instanceof Uint8Array)) {
    throw invalid('signer', 'must be a Signer');
  }
  if (typeof options !== 'object' || options === null || !Array.isArray(options.roles) || !options.roles.every((role) => typeof role === 'string')) {
    throw invalid('options.roles', 'must be an array of key roles');
  }
  return {
    keyId: signer.keyId,
    publicKey: toBase64Url(signer.publicKey),
    roles: options.roles,
    owner: `sample-${options.roles.join('-')}`,
    validFrom: options.validFrom ?? '2020-01-01T00:00:00Z',
    ...(options.validUntil !== undefined && { validUntil: options.validUntil }),
    status: options.status ?? 'active',
    ...(options.since !== undefined && { since: options.since }),
  };
}

/** A trust-root document listing the sample keys (plus `extra` entries). */
export function sampleTrustRootDocument(
  keys: SampleKeys,
  extra: readonly TrustRootKeyEntry[] = [],
): TrustRootDocument {
  if (typeof keys !== 'object' || keys === null) throw invalid('keys', 'must be SampleKeys');
  const list: unknown = extra;
  if (!Array.isArray(list)) throw invalid('extra', 'must be an array of trust-root key entries');
  return {
    type: 'writ.trust-root/v1',
    version: 1,
    issuedAt: '2020-01-01T00:00:00Z',
    threshold: 1,
    keys: [
      trustEntry(keys.root, { roles: ['root'] }),
      trustEntry(keys.authority, { roles: ['authority'] }),
      trustEntry(keys.gateway, { roles: ['gateway'] }),
      { ...trustEntry(keys.approver, { roles: ['approver'] }), approvalRoles: ['finance'] },
      trustEntry(keys.ledger, { roles: ['ledger'] }),
      ...extra,
    ],
  };
}

/** Options of {@link writeSampleTranscript}. */
export interface SampleTranscriptOptions {
  readonly store: LedgerStore;
  readonly keys?: SampleKeys;
  /** Number of executed tool calls (each: decision, token, execution). Default 5. */
  readonly calls?: number;
  readonly origin?: string;
  readonly policy?: CheckpointPolicy;
  /** Start time; each entry is one second later. Default 2026-01-01T00:00:00Z. */
  readonly start?: Date;
  readonly sessionId?: string;
}

const sampleEnvironment: EnvironmentBody = {
  model: { id: 'sample-model', revision: '2026-01' },
  tools: [
    {
      name: 'email.send',
      version: '1.0.0',
      definitionDigest: digest({ name: 'email.send', args: ['to', 'body'] }),
    },
  ],
  configDigest: digest({ mode: 'enforce' }),
  policyDigest: digest({ policy: 'sample' }),
};

function receipt(options: {
  signer: Signer;
  tokenId: string | null;
  intentDigest: string;
  argsDigest: string;
  iat: number;
}): JsonObject {
  const payload = {
    v: 1,
    tokenId: options.tokenId,
    intentDigest: options.intentDigest,
    argsDigest: options.argsDigest,
    status: 'succeeded',
    iat: options.iat,
  };
  return signEnvelope({
    payloadType: writPayloadType('receipt'),
    payload: canonicalBytes(payload),
    signers: [options.signer],
  }) as unknown as JsonObject;
}

/** Most executed calls {@link writeSampleTranscript} writes. */
const MAX_SAMPLE_CALLS = 10_000;

function invalid(parameter: string, what: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `${parameter} ${what}`, { details: { parameter } });
}

/**
 * Write a complete sample session through a {@link Ledger} and close it (final checkpoint).
 * @returns the trust root that verifies it and the number of entries written.
 * @throws `ERR_INVALID_ARGUMENT` (bad options), ledger and store errors.
 */
export async function writeSampleTranscript(
  options: SampleTranscriptOptions,
): Promise<{ trustRoot: TrustRoot; entries: number; keys: SampleKeys }> {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object');
  const calls = options.calls ?? 5;
  // A sample, not a load generator: an unbounded count would write until memory runs out.
  if (!Number.isSafeInteger(calls) || calls < 0 || calls > MAX_SAMPLE_CALLS) {
    throw invalid('options.calls', `must be an integer from 0 to ${MAX_SAMPLE_CALLS}`);
  }
  const keys = options.keys ?? sampleKeys();
  if (typeof keys !== 'object' || keys === null) throw invalid('options.keys', 'must be SampleKeys');
  for (const role of ['authority', 'gateway', 'approver', 'ledger', 'root'] as const) {
    if (typeof keys[role]?.sign !== 'function' || !(keys[role].publicKey instanceof Uint8Array)) {
      throw invalid(`options.keys.${role}`, 'must be a Signer');
    }
  }
  if (options.start !== undefined && !(options.start instanceof Date && Number.isFinite(options.start.getTime()))) {
    throw invalid('options.start', 'must be a valid Date');
  }
  if (options.sessionId !== undefined && (typeof options.sessionId !== 'string' || options.sessionId === '')) {
    throw invalid('options.sessionId', 'must be a non-empty string');
  }
  const start = (options.start ?? new Date('2026-01-01T00:00:00Z')).getTime();
  let tick = 0;
  const at = (): Date => new Date(start + 1000 * tick++);
  const ledger = await Ledger.open({
    store: options.store,
    origin: options.origin ?? 'writ.test/sample',
    signer: keys.ledger,
    ...(options.policy && { policy: options.policy }),
    now: () => new Date(start + 1000 * tick),
  });
  const sessionId = options.sessionId ?? 'session-1';
  await ledger.startSession({
    sessionId,
    time: at().toISOString(),
    principal: { id: 'user:alice' },
    agent: { id: 'agent:mailer' },
    environment: sampleEnvironment,
  });
  let entries = 1;
  for (let call = 0; call < calls; call++) {
    const callId = `call-${call}`;
    const args = { to: `bob${call}@example.com`, body: `hello ${call}` };
    const intentDigest = digest({ tool: 'email.send', args });
    const decisionId = `decision-${call}`;
    const decided = at();
    const drafts: EntryDraft[] = [
      {
        type: 'decision-made',
        time: decided.toISOString(),
        body: {
          sessionId,
          callId,
          decisionId,
          tool: 'email.send',
          intentDigest,
          policyDigest: sampleEnvironment.policyDigest,
          decision: 'allow',
          mode: 'enforce',
          verdict: 'execute',
          reasons: [],
        },
      },
    ];
    const token = mintToken({
      signer: keys.authority,
      issuer: 'orchestrator-1',
      subject: 'agent:mailer',
      audience: 'smtp',
      command: 'email.send',
      intent: intentDigest,
      now: decided,
      id: `token-${call}`,
    });
    drafts.push({
      type: 'token-issued',
      time: at().toISOString(),
      body: {
        sessionId,
        callId,
        decisionId,
        tokenId: token.payload.id,
        token: token.envelope as unknown as JsonObject,
      },
    });
    const executed = at();
    drafts.push({
      type: 'effect-executed',
      time: executed.toISOString(),
      body: {
        sessionId,
        callId,
        tokenId: token.payload.id,
        intentDigest,
        argsDigest: digest(args),
        status: 'succeeded',
        receipt: receipt({
          signer: keys.gateway,
          tokenId: token.payload.id,
          intentDigest,
          argsDigest: digest(args),
          iat: Math.floor(executed.getTime() / 1000),
        }),
      },
    });
    if (call % 3 === 2) {
      const denied = at();
      const refused = { sessionId, callId: `${callId}-x`, decisionId: `${decisionId}-x` };
      const denial = signDenial({
        signer: keys.authority,
        issuer: 'orchestrator-1',
        subject: 'agent:mailer',
        command: 'http.post',
        intent: intentDigest,
        stage: 'policy',
        reasons: [{ code: 'basis.tainted-argument', message: 'recipient came from a web page' }],
        now: denied,
        id: `denial-${call}`,
      });
      drafts.push({
        type: 'decision-made',
        time: denied.toISOString(),
        body: {
          ...refused,
          tool: 'http.post',
          intentDigest,
          policyDigest: sampleEnvironment.policyDigest,
          decision: 'deny',
          mode: 'enforce',
          verdict: 'block',
          reasons: [{ code: 'basis.tainted-argument', text: 'recipient came from a web page' }],
        },
      });
      drafts.push({
        type: 'action-denied',
        time: denied.toISOString(),
        body: {
          ...refused,
          denialId: denial.payload.id,
          denial: denial.envelope as unknown as JsonObject,
        },
      });
      const approval = signApproval({
        signer: keys.approver,
        role: 'finance',
        intent: intentDigest,
        policy: { digest: sampleEnvironment.policyDigest, rule: 'email.external' },
        now: denied,
      });
      drafts.push({
        type: 'approval-recorded',
        time: denied.toISOString(),
        body: {
          sessionId,
          requestId: `request-${call}`,
          intentDigest,
          statement: approval.envelope as unknown as JsonObject,
        },
      });
    }
    await ledger.append(drafts);
    entries += drafts.length;
  }
  await ledger.endSession({ sessionId, time: at().toISOString() });
  entries += 1;
  // The caller owns the store: leave it open (endSession already wrote the final checkpoint).
  return { trustRoot: createTrustRoot(sampleTrustRootDocument(keys)), entries, keys };
}
