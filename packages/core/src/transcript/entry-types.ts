/**
 * The entry types of a Writ transcript and the body each carries. The firewall writes
 * exactly these shapes; `verifyTranscript` checks them (signatures and linkage). Every
 * body is JSON; digests are `sha256:<hex>`; times are RFC 3339 UTC. Bodies may carry
 * additional fields (the verifier ignores fields it does not check), and any field may be
 * a redaction marker `{ "$commit": "sha256:..." }` except those listed as checked below.
 *
 * Linkage the verifier enforces (all within one transcript):
 * 1. every `token-issued` follows a `decision-made` with the same `decisionId` whose
 *    `verdict` is `execute`, or whose `verdict` is `approval-required` and every approval
 *    the token names (signed `approvals`, at least one) has an `approval-recorded` entry for
 *    the same intent before the token (the release after approval cites the original
 *    decision and carries the re-check as `recheck`: one decision per tool call); the
 *    token's signed `intent` equals that decision's `intentDigest`;
 * 2. every `effect-executed` with a `tokenId` follows the `token-issued` of that token, and
 *    the token's signed `intent` equals the execution's `intentDigest` (the digest of the
 *    canonical intent built from the arguments actually executed);
 * 3. a token is executed at most `constraints.maxUses` times (default once), each time with
 *    another receipt, and no receipt is signed more than 5 minutes before its token;
 * 4. a token's signed `policy.decision` is the `decisionId` of its entry, its signed `env` the
 *    `environmentDigest` of its session, and its decision is for the same session and call;
 * 5. every field a receipt carries (`callId`, `argsDigest`, `status`, `id` as `receiptId`)
 *    equals the execution entry's;
 * 6. an unsigned (token-free) receipt closes an open decision of its call (verdict `execute`
 *    or `approval-required`, no token released): not a blocked call, not a second run;
 * 7. checkpoints of larger trees are not signed (beyond 5 minutes of skew) before those of
 *    smaller ones;
 * 8. a `release-unfinished` names a token issued before it and not used since; a
 *    `release-resolved` resolves a release flagged unfinished (once), with an `outcome` of
 *    `executed` (one use of the token) or `not-executed` (no execution under that token may
 *    follow) and a non-empty `by`; one that carries a `statement` (an approver's signed
 *    resolution, ADR 0039) must verify — payload type `application/vnd.writ.resolution+json`,
 *    signed by a key with the approver role and the claimed business role when signed and not
 *    compromised by the entry's time (else a `signature` failure) — and name the entry's token,
 *    outcome and note, with `by` = `approver:<keyId> as <role>`, recorded within its window
 *    (else `linkage`). One without a statement is the writer's own statement.
 *
 * @packageDocumentation
 */
import type { Envelope } from '../dsse/envelope.ts';
import type { JsonObject, Sha256Digest } from '../stores/types.ts';

/** All entry type names, in the noun-verb style of event names. */
export const ENTRY_TYPES = [
  'session-started',
  'session-ended',
  'decision-made',
  'token-issued',
  'action-denied',
  'approval-recorded',
  'approval-rejected',
  'effect-executed',
  'effect-reconciled',
  'effect-rolled-back',
  'release-unfinished',
  'release-resolved',
] as const;

/** A known entry type. Other types are allowed (and only chain-checked). */
export type EntryType = (typeof ENTRY_TYPES)[number];

/**
 * The environment of a session (TraceScript "seal the toolchain"): what a replay must
 * reproduce. Its digest is bound into every token as `env`.
 */
export interface EnvironmentBody {
  /** Model id and revision (or endpoint) the agent used. */
  readonly model: { readonly id: string; readonly revision?: string };
  /** Every tool the agent could call: name, version and digest of its canonical definition. */
  readonly tools: readonly {
    readonly name: string;
    readonly version: string;
    readonly definitionDigest: Sha256Digest;
  }[];
  /** Digest of the canonical firewall configuration. */
  readonly configDigest: Sha256Digest;
  /** Digest of the policy bundle in force. */
  readonly policyDigest: Sha256Digest;
}

/** `session-started`: the first entry of each session; carries the environment digest entry. */
export interface SessionStartedBody {
  readonly sessionId: string;
  readonly principal: JsonObject;
  readonly agent: JsonObject;
  readonly environment: EnvironmentBody;
  /** `sha256:` of the canonical `environment` (checked by the verifier). */
  readonly environmentDigest: Sha256Digest;
}

/** `session-ended`: written by `end()`, followed by a checkpoint covering it. */
export interface SessionEndedBody {
  readonly sessionId: string;
}

/**
 * What one release reserved on one capability budget, as its entry records it (`budgets`):
 * the rule id, the scope it counted under and who in that scope (principal id, agent id or
 * session id), and the amount.
 */
export interface BudgetHoldRecord {
  readonly id: string;
  readonly scope: 'principal' | 'agent' | 'session';
  readonly holder: string;
  readonly amount: number;
}

/** `decision-made`: the policy decision for one call, after the mode was applied. */
export interface DecisionMadeBody {
  readonly sessionId: string;
  readonly callId: string;
  /** Unique id; tokens and denials name it. */
  readonly decisionId: string;
  readonly tool: string;
  /** Digest of the canonical intent judged. */
  readonly intentDigest: Sha256Digest;
  readonly policyDigest: Sha256Digest;
  /** `allow | deny | require-approval | allow-with-constraints` — what the policy said. */
  readonly decision: string;
  /** `shadow | advisory | enforce`. */
  readonly mode: string;
  /** What the firewall did: `execute` (a release may follow), `block`, `approval-required`. */
  readonly verdict: 'execute' | 'block' | 'approval-required';
  readonly reasons: readonly { readonly code: string; readonly text: string }[];
  /**
   * What a token-free release reserved on the capability budgets (verdict `execute`, a class
   * that needs no token, and some budget applies); a release with a token records it on its
   * `token-issued` entry instead. A firewall rebuilds its budgets from these on open.
   */
  readonly budgets?: readonly BudgetHoldRecord[];
}

/** `token-issued`: the signed action token released for a decision. */
export interface TokenIssuedBody {
  readonly sessionId: string;
  readonly callId: string;
  readonly decisionId: string;
  /** The token's `id` (its nonce); must equal the signed payload's `id`. */
  readonly tokenId: string;
  /** The DSSE action-token envelope, verified against the trust root (`authority` at `iat`). */
  readonly token: Envelope;
  /** What the release reserved on the capability budgets, when any applies (see `DecisionMadeBody.budgets`). */
  readonly budgets?: readonly BudgetHoldRecord[];
}

/** `action-denied`: the signed denial artifact of a blocked call. */
export interface ActionDeniedBody {
  readonly sessionId: string;
  readonly callId: string;
  readonly decisionId: string;
  readonly denialId: string;
  /**
   * The signed denial (`signDenial`), verified with `verifyDenial`: an `authority` or
   * `gateway` key valid at its `iat`; its payload `id` must equal `denialId`.
   */
  readonly denial: Envelope;
}

/** `approval-recorded`: a verified approval statement, as submitted. */
export interface ApprovalRecordedBody {
  readonly sessionId: string;
  readonly requestId: string;
  readonly intentDigest: Sha256Digest;
  /**
   * The signed approval statement (`signApproval`), checked by an `approver` key valid at
   * its `iat` (not against today's clock); its payload `intent` must equal `intentDigest`.
   */
  readonly statement: Envelope;
}

/** `approval-rejected`: a verified rejection statement; the request is refused from then on. */
export interface ApprovalRejectedBody {
  readonly sessionId: string;
  readonly requestId: string;
  readonly intentDigest: Sha256Digest;
  readonly rejectionId: string;
  /**
   * The signed rejection statement (`signRejection`), checked by an `approver` key valid at
   * its `iat`; its payload `intent` must equal `intentDigest` and its `id` `rejectionId`.
   */
  readonly statement: Envelope;
}

/** The payload of a token-free call's receipt, recorded unsigned (ADR 0023). */
export interface UnsignedReceipt {
  readonly v: 1;
  readonly id: string;
  readonly iss: string;
  readonly iat: number;
  readonly callId: string;
  readonly tokenId: null;
  readonly tool: string;
  readonly intentDigest: string;
  readonly argsDigest: string;
  readonly resultDigest: string | null;
  readonly status: 'succeeded' | 'failed';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly error?: { readonly name: string; readonly message: string };
}

/** `effect-executed`: the gateway ran the call; its outcome receipt (signed unless token-free). */
export interface EffectExecutedBody {
  readonly sessionId: string;
  readonly callId: string;
  /** The token the gateway checked, or `null` for a token-free observation (A0/A1). */
  readonly tokenId: string | null;
  /** Digest of the canonical intent built from the arguments actually executed. */
  readonly intentDigest: Sha256Digest;
  readonly argsDigest: Sha256Digest;
  readonly status: 'succeeded' | 'failed';
  /**
   * DSSE envelope of type `application/vnd.writ.receipt+json`, signed by a `gateway` key
   * valid at the payload's signing time (`iat` or `issuedAt`); its payload must repeat
   * `tokenId` and `intentDigest` with the same values as this body. For a token-free call
   * (`tokenId` null, a class admitted without a token) it may instead be the receipt payload
   * itself, unsigned (`v: 1`, repeating `callId`, `tokenId`, `intentDigest`, `argsDigest`,
   * `status` and the body's `receiptId` as `id`), attested by the transcript's hash chain and
   * ledger-signed checkpoints (ADR 0023). A receipt naming a token is always signed.
   */
  readonly receipt: Envelope | UnsignedReceipt;
}

/** `effect-reconciled`: the observer compared expected and observed state. */
export interface EffectReconciledBody {
  readonly sessionId: string;
  readonly callId: string;
  readonly tokenId: string | null;
  readonly status: 'reconciled' | 'partial' | 'drift' | 'repair-required';
  readonly expectedDigest?: Sha256Digest;
  readonly observedDigest?: Sha256Digest;
  readonly note?: string;
}

/** `effect-rolled-back`: a compensation ran for the effect of a token. */
export interface EffectRolledBackBody {
  readonly tokenId: string;
  readonly status: 'compensated' | 'partial' | 'not-compensable' | 'failed';
  readonly residue: readonly string[];
}

/**
 * `release-unfinished`: written on open for each release found without an outcome (the
 * process stopped between release and outcome; the effect may or may not have happened).
 */
export interface ReleaseUnfinishedBody {
  readonly tokenId: string;
  readonly callId: string;
  readonly sessionId?: string;
  readonly tool: string;
  /** Sequence number of the release's `token-issued` entry. */
  readonly releasedSeq: number;
  readonly status: 'repair-required';
}

/**
 * `release-resolved`: what someone who checked found about an unfinished release
 * (`Firewall.resolveUnfinished`): the statement of `by`, recorded as made — signed by an
 * approver when `statement` is present, the writer's own statement otherwise.
 */
export interface ReleaseResolvedBody {
  readonly tokenId: string;
  readonly sessionId: string;
  readonly callId: string;
  readonly tool: string;
  readonly releasedSeq: number;
  readonly outcome: 'executed' | 'not-executed';
  readonly by: string;
  readonly note?: string;
  /** The approver's signed resolution (DSSE envelope) the entry was made from, if any. */
  readonly statement?: Envelope;
}
