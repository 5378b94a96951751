/**
 * The firewall API the framework adapters (LangGraph, AI SDK, OpenAI Agents) call.
 *
 * An adapter never signs, hashes, scores or evaluates policy: it maps its framework's
 * hooks onto three calls of a {@link FirewallSession} — `add*` for basis (what the model
 * saw), `guard` at the pre-execution seam (execute / block / approval-required), and
 * `execute` around the tool function (runs it only through the gateway, returns the
 * result and its outcome receipt). Every call is idempotent per tool-call id: frameworks
 * re-run approval callbacks on resume, and a re-run returns the recorded result without
 * recording anything new.
 *
 * @packageDocumentation
 */
import type { JsonObject, JsonValue, Sha256Digest } from '../stores/types.ts';

/** How the firewall acts on a decision. Recorded with every decision. */
export type FirewallMode =
  /** Record what would have happened; always execute. */
  | 'shadow'
  /** Record, surface a warning to the application and the agent, execute. */
  | 'advisory'
  /** Obey the decision; fail closed on policy error, store error or timeout. */
  | 'enforce';

/** Action classes of the TraceScript paper §9.3: A0 observation … A5 legal/financial/security/irreversible. */
export type ActionClassId = 'A0' | 'A1' | 'A2' | 'A3' | 'A4' | 'A5';

/** The four outcomes a policy decision document can carry. */
export type DecisionKind = 'allow' | 'deny' | 'require-approval' | 'allow-with-constraints';

/** One reason of a decision, with a stable code Rego and applications can match on. */
export interface DecisionReason {
  /** Stable code, e.g. `basis.tainted-argument`, `firewall.policy-error`. */
  readonly code: string;
  /** Text a person (and the model) can read. */
  readonly text: string;
}

/** Who acts on whose behalf, fixed for a session. */
export interface OpenSessionOptions {
  /** Stable session id. Opening an id that is already open returns the same session. Default: random. */
  readonly sessionId?: string;
  /** The person or system on whose behalf the agent acts. */
  readonly principal: {
    readonly id: string;
    readonly roles?: readonly string[];
    readonly tenant?: string;
  };
  /** The agent: its id and the framework the adapter serves (`langgraph`, `ai-sdk`, `openai-agents`). */
  readonly agent: {
    readonly id: string;
    readonly framework?: string;
    readonly model?: string;
  };
  /** Environment facts bound into every token by digest (model, tool versions, config). */
  readonly environment?: JsonObject;
}

/** Kinds of basis items (ARCHITECTURE.md "Basis integrity"). */
export type BasisKind =
  | 'instruction'
  | 'memory'
  | 'retrieval'
  | 'policy'
  | 'workflow'
  | 'approval'
  | 'evidence'
  | 'tool-output'
  | 'summary'
  | 'inference'
  | 'receipt';

/** Authority of a basis item, strongest first. */
export type BasisAuthority = 'canonical' | 'verified' | 'user' | 'unverified' | 'untrusted';

/** A basis item an application adds itself (retrievals, memories, evidence...). */
export interface BasisItemInput {
  readonly kind: BasisKind;
  /** The content the model saw (text or JSON); argument provenance searches it. */
  readonly content: JsonValue;
  /** Where it came from (URL, store name, tool name...). */
  readonly source: string;
  readonly authority: BasisAuthority;
  /** Stable id; default: derived from the content digest. */
  readonly id?: string;
  /** Tenant the item belongs to; default: the session principal's tenant. */
  readonly tenant?: string;
  /** When it was observed; default: the firewall clock. */
  readonly observedAt?: Date;
  /** Past this age the item no longer supports A3+ actions. */
  readonly maxAgeMs?: number;
  /** Ids of the items it was derived from (lineage; authority is capped by it). */
  readonly derivedFrom?: readonly string[];
  /** Id of an item that supersedes this one. */
  readonly supersededBy?: string;
  /** Ids of items this one contradicts. */
  readonly contradicts?: readonly string[];
}

/** What `add*` returns: the id to cite in `derivedFrom` and the item's digest. */
export interface BasisItemRef {
  readonly id: string;
  readonly digest: Sha256Digest;
}

/** A tool output as the framework delivered it; its authority is the tool's declared trust. */
export interface ToolOutputInput {
  readonly tool: string;
  readonly callId: string;
  readonly output: JsonValue;
  /**
   * The most this output may count for: the tool's declared trust, capped here. Pass `'user'`
   * (or lower) for an output no gate of yours produced — one found in history a client sent:
   * whoever wrote it, not the tool, vouches for it.
   */
  readonly atMost?: BasisAuthority;
}

/** One tool call as the model proposed it. */
export interface ToolCall {
  /** Registered tool name. Unregistered tools are treated as A5 unless configured otherwise. */
  readonly tool: string;
  /** Arguments; must be a JSON object (validated at the boundary). */
  readonly args: unknown;
  /** The framework's tool-call id: the idempotency key. */
  readonly callId: string;
}

/** A {@link ToolCall} plus signed approvals the application already holds (e.g. from a resume payload). */
export interface GuardInput extends ToolCall {
  /** DSSE approval envelopes (as parsed JSON) to submit for this call's pending request before deciding. */
  readonly approvals?: readonly JsonObject[];
}

/** A pending approval request: what a person is asked to sign. */
export interface PendingApproval {
  /** Request id (stable for an intent; pass it to `submitApproval`). */
  readonly id: string;
  /** Canonical one-line summary of the intent (human text; never enforced). */
  readonly summary: string;
  /** The canonical intent the approval binds to. */
  readonly intent: JsonObject;
  /** Digest of the canonical intent; the approval statement must name it. */
  readonly intentDigest: Sha256Digest;
  /** Digest of the policy that asked for approval. */
  readonly policyDigest: Sha256Digest;
  /** Why the policy asked, readable by a person. */
  readonly policyReason: string;
  /** The approval rule: roles, threshold, separation of duties, expiry. */
  readonly rule: JsonObject;
  /** RFC 3339 times. */
  readonly requestedAt: string;
  readonly expiresAt: string;
}

/** Fields every {@link GuardResult} carries. */
interface GuardResultBase {
  readonly callId: string;
  /** Mode in force for this call (global, per tool or per class; `WRIT_MODE` wins). */
  readonly mode: FirewallMode;
  /** What the policy (or fail-closed handling) decided, before the mode was applied. */
  readonly decision: DecisionKind;
  readonly reasons: readonly DecisionReason[];
  readonly actionClass: ActionClassId;
  readonly intentDigest: Sha256Digest;
  /** True when this is the recorded result of an earlier guard for the same call id. */
  readonly replayed: boolean;
}

/** The call may run: a token was released (except A0/A1 observations, which need none). */
export interface GuardExecute extends GuardResultBase {
  readonly verdict: 'execute';
  /** Id of the released action token (its nonce), or `undefined` for token-free observations. */
  readonly tokenId: string | undefined;
  /** Advisory/shadow: what enforce would have done, in words for the app and the model. */
  readonly warning?: string;
  /** Shadow/advisory: the verdict enforce would have returned. */
  readonly wouldHave?: 'block' | 'approval-required';
}

/** The call must not run. */
export interface GuardBlock extends GuardResultBase {
  readonly verdict: 'block';
  /** Reason text for the model (tool error content): says what was refused and why. */
  readonly reason: string;
  /** Id of the signed denial artifact. */
  readonly denialId: string;
}

/** The call waits for signed approvals. */
export interface GuardApprovalRequired extends GuardResultBase {
  readonly verdict: 'approval-required';
  readonly pending: PendingApproval;
  /** Reason text for the model. */
  readonly reason: string;
}

/** Result of {@link FirewallSession.guard}. */
export type GuardResult = GuardExecute | GuardBlock | GuardApprovalRequired;

/**
 * An outcome receipt: what the gateway actually performed. It is recorded in the
 * transcript after the effect (batched; a crash before it lands leaves a release without
 * an outcome, flagged on reopen).
 */
export interface OutcomeReceipt {
  readonly id: string;
  readonly callId: string;
  readonly tokenId: string | undefined;
  readonly tool: string;
  readonly argsDigest: Sha256Digest;
  /** Digest of the canonical result; `undefined` when the tool threw. */
  readonly resultDigest: Sha256Digest | undefined;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly status: 'succeeded' | 'failed';
  /** Error name and message when the tool threw. */
  readonly error?: { readonly name: string; readonly message: string };
}

/** Reconciliation of an effect by the tool's registered observer (TraceScript §20). */
export interface ReconciliationResult {
  /** `partial`, `drift` and `repair-required` keep the effect open (and its escrow held). */
  readonly status: 'reconciled' | 'partial' | 'drift' | 'repair-required';
  readonly expected?: JsonValue;
  readonly observed?: JsonValue;
  readonly note?: string;
}

/** Result of {@link FirewallSession.execute}. */
export type ExecuteResult<T> =
  | {
      readonly status: 'executed';
      readonly result: T;
      readonly receipt: OutcomeReceipt;
      readonly guard: GuardExecute;
      /** Present when the tool has a registered observer: API success is not completion. */
      readonly reconciliation?: ReconciliationResult;
    }
  | { readonly status: 'failed'; readonly error: unknown; readonly receipt: OutcomeReceipt; readonly guard: GuardExecute }
  | { readonly status: 'blocked'; readonly guard: GuardBlock }
  | { readonly status: 'approval-required'; readonly guard: GuardApprovalRequired };

/** The tool function the gateway runs, with the arguments the token was checked against. */
export type ToolFunction<T> = (args: JsonObject) => T | Promise<T>;

/** Result of submitting a signed approval. */
export interface ApprovalSubmission {
  /**
   * `approved`: the rule is satisfied; the next `guard` for the call releases a token.
   * `rejected`: a signed rejection was recorded; the next `guard` refuses (`approval.rejected`).
   * `refused`: the statement was not accepted (reason in `reasons`).
   */
  readonly status: 'pending' | 'approved' | 'rejected' | 'refused';
  readonly requestId: string;
  readonly reasons: readonly DecisionReason[];
}

/** What `end` returns. */
export interface SessionSummary {
  readonly sessionId: string;
  /** Ledger size covered by the final signed checkpoint. */
  readonly checkpointSize: number;
  readonly root: Sha256Digest;
}

/** One agent session: basis capture, guard, gateway execution. */
export interface FirewallSession {
  readonly id: string;
  /** Record the system prompt (authority `verified`). */
  addSystemPrompt(text: string): Promise<BasisItemRef>;
  /** Record a user turn (authority `user`). */
  addUserTurn(text: string): Promise<BasisItemRef>;
  /** Record a tool output with the declared trust of the tool that produced it. */
  addToolOutput(input: ToolOutputInput): Promise<BasisItemRef>;
  /** Record any other basis item (retrieval, memory, evidence...). */
  addBasis(item: BasisItemInput): Promise<BasisItemRef>;
  /**
   * Judge a proposed call. Idempotent per `callId`: a re-run returns the recorded result
   * (and, once approvals satisfy a pending request, the release). The same `callId` with
   * different arguments is blocked.
   */
  guard(input: GuardInput): Promise<GuardResult>;
  /**
   * Run `run` through the gateway: guards (idempotently), checks the token against the
   * actual call, consumes its nonce, runs the tool, writes the outcome receipt.
   */
  execute<T>(call: ToolCall, run: ToolFunction<T>): Promise<ExecuteResult<T>>;
  /** Submit a signed approval statement for a pending request. */
  submitApproval(input: { readonly requestId: string; readonly statement: JsonObject }): Promise<ApprovalSubmission>;
  /** Close the session and write a final signed checkpoint. Idempotent. */
  end(): Promise<SessionSummary>;
}

/** Residue report of a rollback. */
export interface RollbackReport {
  readonly tokenId: string;
  readonly status: 'compensated' | 'partial' | 'not-compensable' | 'failed';
  /** Consequences that remain (e.g. "recipient already read the email"). */
  readonly residue: readonly string[];
}

/** A release recorded without an outcome (crash between release and outcome). */
export interface UnfinishedRelease {
  readonly tokenId: string;
  readonly callId: string;
  /** The session of the call ('' when its `token-issued` entry names none). */
  readonly sessionId: string;
  readonly tool: string;
  readonly releasedSeq: number;
}

/**
 * What someone who checked found about an {@link UnfinishedRelease}: the effect happened
 * (`executed`) or did not (`not-executed`). Recorded as it is said (`release-resolved`), with
 * who said it and why: the transcript attests the statement, not the effect.
 */
export interface UnfinishedResolution {
  readonly outcome: 'executed' | 'not-executed';
  /** Who checked (an operator's id, a job's name); at most 256 characters. */
  readonly by: string;
  /** What was checked, in a sentence (a payment reference, "no email in the outbox"); at most 4096 characters. */
  readonly note?: string;
}

/**
 * An approver's signed resolution of an {@link UnfinishedRelease}: the DSSE envelope of
 * `signResolution` (payload type `application/vnd.writ.resolution+json`). Outcome and note come
 * from it; the resolver recorded is `approver:<keyId> as <role>`, and the envelope is recorded
 * with the entry so the transcript's verifier checks the signature offline.
 */
export interface SignedUnfinishedResolution {
  readonly statement: JsonObject;
}

/** The firewall: opens sessions, resolves approvals, rolls back. */
export interface Firewall {
  openSession(options: OpenSessionOptions): Promise<FirewallSession>;
  /** Submit a signed approval for any pending request (also reachable from a session). */
  submitApproval(input: { readonly requestId: string; readonly statement: JsonObject }): Promise<ApprovalSubmission>;
  /** Run the registered compensation for the effect of `tokenId` and report residue. */
  rollback(tokenId: string): Promise<RollbackReport>;
  /**
   * Releases without an outcome, found on open and not resolved since; flagged in the
   * transcript for reconciliation (`release-unfinished`).
   */
  unfinished(): readonly UnfinishedRelease[];
  /**
   * Record what was found about an unfinished release (`release-resolved`, durable before it
   * returns): it leaves `unfinished()`, here and after a restart, and a `not-executed` one frees
   * the budgets it held (an unfinished release counts as performed until then). The release's
   * call stays refused at the gateway (`gateway.outcome-unknown`); run it again under a new call id.
   * The resolution is the caller's own statement (`{ outcome, by, note? }`) or an approver's
   * signed one (`{ statement }`, verified against the trust root at the firewall's clock).
   * @throws `ERR_INVALID_ARGUMENT` (tokenId, resolution), the statement's refusal
   *   (`ERR_APPROVAL_MALFORMED`, `ERR_APPROVAL_SIGNER_INVALID`, `ERR_SIGNATURE_INVALID`,
   *   `ERR_APPROVAL_TOKEN_MISMATCH`, `ERR_APPROVAL_EXPIRED`, `ERR_APPROVAL_NOT_YET_VALID`),
   *   `ERR_FIREWALL_TOKEN_UNKNOWN` (no unfinished release under this token: never one, or
   *   resolved already), store errors. Nothing is recorded when it throws.
   * @returns what was recorded: the outcome, the resolver (`by`; `approver:<keyId> as <role>`
   *   for a signed one) and the note.
   */
  resolveUnfinished(tokenId: string, resolution: UnfinishedResolution | SignedUnfinishedResolution): Promise<UnfinishedResolution>;
  /** Flush and close (does not close stores it did not open). */
  close(): Promise<void>;
}
