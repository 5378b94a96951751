/**
 * The offline transcript verifier. It streams entries once, in order, with memory that
 * does not grow with the number of entries (only with the number of checkpoints and of
 * decisions and tokens it must link), and checks:
 *
 * - entry format: JSON, the five entry fields, canonical (RFC 8785) bytes;
 * - sequence: `seq` is 0, 1, 2, ... (catches deletion, insertion, reorder, duplication);
 * - chain: each `prev` is the previous entry's leaf hash;
 * - checkpoints: C2SP signed notes by a `ledger` key of the trust root, valid at the
 *   checkpoint's `writ-time` (which may not precede the entries it covers), one origin,
 *   increasing sizes, and every root equal to the recomputed RFC 6962 root of that
 *   prefix (which also proves consecutive checkpoints consistent); no checkpoint beyond
 *   the last entry (truncation), no entries after the last checkpoint (unless allowed),
 *   no checkpoint of a larger tree signed before one of a smaller tree (5 minutes' skew);
 * - signatures inside entries (tokens, denials, approvals, receipts) against the trust
 *   root at their signing time;
 * - linkage (see `entry-types.ts`).
 *
 * The first failure stops verification and is reported with its check, code and entry.
 */
import { digest } from '../crypto/digest.ts';
import { fromBase64Any, fromUtf8, toHex } from '../crypto/encoding.ts';
import { verifyEnvelope, writPayloadType } from '../dsse/envelope.ts';
import { WritError } from '../errors.ts';
import type { WritErrorCode } from '../errors.ts';
import { verifyTokenSignature } from '../token/verify-token.ts';
import { APPROVAL_PAYLOAD_TYPE, readApproval } from '../approval/approval-statement.ts';
import { REJECTION_PAYLOAD_TYPE, readRejection } from '../approval/rejection-statement.ts';
import { RESOLUTION_PAYLOAD_TYPE, readResolution, resolutionBy } from '../approval/resolution-statement.ts';
import { checkStatementSigner } from '../approval/verify-approval.ts';
import { verifyDenial } from '../denial/denial.ts';
import type { KeyRole, TrustRoot } from '../trust/trust-root.ts';
import { parseCheckpoint } from './checkpoint.ts';
import { MAX_ENTRY_BYTES, digestMatchesHash, hashToDigest, isEntryDigest, parseEntry } from './entry.ts';
import type { LedgerEntry } from './entry.ts';
import { MerkleFrontier } from './merkle-frontier.ts';
import { equalHashes, leafHash } from './merkle.ts';
import { isCommitMarker } from './redaction.ts';
import { noteKeyHash, openNote } from './signed-note.ts';
import { isUtcTime, utcTimeMs } from './time.ts';
import type { NoteVerifierKey } from './signed-note.ts';
import { assertCosignerKey, assertCosignerKeys, parseCosignerKey, verifyCosignatures } from './cosignature.ts';
import type { CosignerKey } from './cosignature.ts';
import { assertOptions, invalidArgument } from '../invalid-argument.ts';

/** The checks the verifier runs, as named in its reports. */
export type TranscriptCheck =
  | 'entry-format'
  | 'sequence'
  | 'chain'
  | 'checkpoint-format'
  | 'checkpoint-signature'
  | 'checkpoint-key'
  | 'checkpoint-consistency'
  | 'checkpoint-root'
  | 'checkpoint-beyond-end'
  | 'checkpoint-anchor'
  | 'checkpoint-witness'
  | 'unsigned-tail'
  | 'environment-digest'
  | 'signature'
  | 'linkage'
  | 'inclusion-proof';

/** Why verification failed. */
export interface TranscriptFailure {
  readonly check: TranscriptCheck;
  readonly code: WritErrorCode;
  /** Fixed, generic text. */
  readonly message: string;
  /** The first bad entry, when the failure is about an entry (or the first missing one). */
  readonly seq?: number;
  readonly entryType?: string;
  /** The checkpoint size, when the failure is about a checkpoint. */
  readonly checkpointSize?: number;
  /** The underlying code (e.g. `ERR_KEY_COMPROMISED`) when it adds precision. */
  readonly cause?: string;
}

/** A verification report. */
export interface TranscriptReport {
  readonly valid: boolean;
  /** Entries read. */
  readonly entries: number;
  /** Checkpoints verified. */
  readonly checkpoints: number;
  /** Entries covered by the last verified checkpoint. */
  readonly signedSize: number;
  readonly origin: string | undefined;
  /** Root of all entries read, `sha256:<hex>`. */
  readonly root: string;
  /** Anchors (checkpoints held outside the transcript) the entries were found to extend. */
  readonly anchors: number;
  /**
   * With `witnesses`: the checkpoint size the witnesses cosigned (the transcript's latest) and
   * the quorum found there, each witness once with its latest cosignature time.
   */
  readonly witnessed?: {
    readonly size: number;
    readonly cosigners: readonly { readonly name: string; readonly time: string }[];
    /** The policy's `since`, when it had one: only cosignatures from then on counted. */
    readonly since?: string;
  };
  /**
   * When the transcript flags releases without an outcome (`release-unfinished`): how many, how
   * many were resolved (`release-resolved`), and the token ids of those still open (at most
   * {@link MAX_LISTED_UNFINISHED}). Not a failure — a crash leaves them — but an open question an
   * auditor follows up: the effect may or may not have happened.
   */
  readonly unfinished?: { readonly flagged: number; readonly resolved: number; readonly open: number; readonly openTokens: readonly string[] };
  readonly failure?: TranscriptFailure;
}

/** How many open unfinished releases a report names by token id. */
export const MAX_LISTED_UNFINISHED = 100;

/** Witnesses whose cosignatures a transcript's latest checkpoint must carry. */
export interface WitnessPolicy {
  /** Witness keys (C2SP cosignature/v1 Ed25519 verifier keys, or parsed with `parseCosignerKey`). */
  readonly keys: readonly (string | CosignerKey)[];
  /** How many distinct witnesses must have cosigned (default: all of `keys`). */
  readonly quorum?: number;
  /**
   * Count only cosignatures made at or after this RFC 3339 UTC time (their `time`, whole
   * seconds). A witness cosigns only the newest checkpoint it has seen, so a writer that cut
   * its transcript back to an older checkpoint cannot get fresh cosignatures for it: with
   * `since` (say, a day before the audit) the cut-back transcript fails, which a quorum alone
   * cannot show. Re-submitting an unchanged checkpoint refreshes its cosignatures.
   */
  readonly since?: string;
}

/** A witness policy as checked: parsed keys, the quorum, and `since` in ms (or undefined). */
export interface CheckedWitnessPolicy {
  readonly keys: CosignerKey[];
  readonly quorum: number;
  readonly since: { readonly text: string; readonly ms: number } | undefined;
}

/**
 * @internal How many of `found` (witness → latest cosignature time, in seconds) count under
 * `policy`, and the message when they are too few (undefined: enough).
 */
export function witnessShortfall(found: readonly number[], policy: CheckedWitnessPolicy, subject: string): string | undefined {
  const fresh = policy.since === undefined ? found.length : found.filter((seconds) => seconds * 1000 >= policy.since!.ms).length;
  if (fresh >= policy.quorum) return undefined;
  if (policy.since === undefined) return `${subject} has ${fresh} of the ${policy.quorum} witness cosignatures required`;
  const stale = found.length - fresh;
  return `${subject} has ${fresh} of the ${policy.quorum} witness cosignatures required since ${policy.since.text}${stale > 0 ? ` (${stale} older)` : ''}`;
}

/** Options of {@link verifyTranscript}. */
export interface VerifyTranscriptOptions {
  /** Entry lines in order (exact bytes, no newline). */
  readonly entries: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
  /** Signed checkpoint notes (any order). */
  readonly checkpoints: readonly string[];
  readonly trustRoot: TrustRoot;
  /** Expected origin; default: the origin of the checkpoints (which must agree). */
  readonly origin?: string;
  /** Accept entries after the last checkpoint (a live transcript). Default false. */
  readonly allowUnsignedTail?: boolean;
  /**
   * Signed checkpoint notes the auditor obtained outside the transcript (from a witness, an
   * earlier audit, a published copy): each must be a valid checkpoint of this log, and the
   * entries must extend it — same root at its size — so a transcript cut short or rewritten
   * after that checkpoint was seen fails (`checkpoint-anchor`), even with its checkpoints
   * removed alike.
   */
  readonly anchors?: readonly string[];
  /**
   * Require the transcript's latest checkpoint to be cosigned by a quorum of these witnesses
   * (cosignatures on that checkpoint's notes, in the transcript or in `anchors`). A cosignature
   * by a listed witness that does not verify fails the transcript wherever it appears.
   */
  readonly witnesses?: WitnessPolicy;
  /** Called every `progressEvery` entries with the count so far (progress bars). */
  readonly onProgress?: (entries: number) => void;
  readonly progressEvery?: number;
}

/** A failure raised inside a check; caught by the verifier and turned into a report. */
export class TranscriptCheckError extends WritError {
  readonly failure: TranscriptFailure;
  constructor(failure: TranscriptFailure) {
    super(failure.code, failure.message, { details: { ...failure } });
    this.failure = failure;
  }
}

/** The failure message of a line over {@link MAX_ENTRY_BYTES}. */
export const ENTRY_TOO_LARGE = `entry is larger than ${MAX_ENTRY_BYTES} bytes (16 MiB), the most one transcript entry may hold`;

// Whether a line handed to the verifier (bytes, or a string: UTF-8 bytes are at least its
// UTF-16 units and at most three times as many) is over MAX_ENTRY_BYTES.
function entryBytesOver(raw: unknown): boolean {
  if (raw instanceof Uint8Array) return raw.length > MAX_ENTRY_BYTES;
  // Anything else is left to the format checks that follow.
  if (typeof raw !== 'string') return false;
  if (raw.length > MAX_ENTRY_BYTES) return true;
  return 3 * raw.length > MAX_ENTRY_BYTES && new TextEncoder().encode(raw).length > MAX_ENTRY_BYTES;
}

function fail(failure: TranscriptFailure): never {
  throw new TranscriptCheckError(failure);
}

function causeOf(error: unknown): string | undefined {
  return WritError.isInstance(error) ? error.code : undefined;
}

/**
 * Clock skew tolerated between signers (the token verifier's largest, 5 minutes): between two
 * checkpoints (several ledger writers) and between an authority and a gateway.
 */
const CHECKPOINT_CLOCK_SKEW_MS = 300_000;
const SIGNER_CLOCK_SKEW_SECONDS = 300;

interface VerifiedCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  readonly time: number;
}

/** Verify every checkpoint note up front; returns them in size order. */
export function verifyCheckpointNotes(options: {
  readonly notes: readonly string[];
  readonly trustRoot: TrustRoot;
  readonly origin?: string;
}): { origin: string | undefined; checkpoints: VerifiedCheckpoint[] } {
  assertOptions(options);
  if (typeof options.trustRoot?.checkKey !== 'function') throw invalidArgument('options.trustRoot', 'must be a TrustRoot');
  const notes: unknown = options.notes;
  if (!Array.isArray(notes)) throw invalidArgument('options.notes', 'must be an array of notes');
  if (options.origin !== undefined && typeof options.origin !== 'string') throw invalidArgument('options.origin', 'must be a string');
  let origin = options.origin;
  const out: VerifiedCheckpoint[] = [];
  for (const note of options.notes) {
    let body;
    try {
      const split = typeof note === 'string' ? note.lastIndexOf('\n\n') : -1;
      body = parseCheckpoint(split < 0 ? undefined : note.slice(0, split + 1));
    } catch (error) {
      fail({
        check: 'checkpoint-format',
        code: 'ERR_CHECKPOINT_MALFORMED',
        message: 'checkpoint is malformed',
        cause: causeOf(error),
      });
    }
    const at = { checkpointSize: body.size };
    origin ??= body.origin;
    if (body.origin !== origin)
      fail({
        check: 'checkpoint-consistency',
        code: 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT',
        message: 'checkpoint is for another log',
        ...at,
      });
    if (body.time === undefined)
      fail({
        check: 'checkpoint-format',
        code: 'ERR_CHECKPOINT_MALFORMED',
        message: 'checkpoint has no signing time',
        ...at,
      });
    const keys: (NoteVerifierKey & { keyId: string })[] = options.trustRoot
      .keys('ledger')
      .map((key) => ({
        name: body.origin,
        keyHash: noteKeyHash(body.origin, key.publicKeyBytes),
        publicKey: key.publicKeyBytes,
        keyId: key.keyId,
      }));
    let signers;
    try {
      signers = openNote(note, keys).verified;
    } catch (error) {
      fail({
        check: 'checkpoint-signature',
        code: 'ERR_TRANSCRIPT_CHECKPOINT_SIGNATURE',
        message: 'checkpoint signature is invalid',
        cause: causeOf(error),
        ...at,
      });
    }
    let keyError: unknown;
    const valid = signers.some((signature) => {
      try {
        options.trustRoot.checkKey({
          keyId: (signature.key as unknown as { keyId: string }).keyId,
          role: 'ledger',
          at: body.time!,
        });
        return true;
      } catch (error) {
        keyError ??= error;
        return false;
      }
    });
    if (!valid)
      fail({
        check: 'checkpoint-key',
        code: 'ERR_TRANSCRIPT_CHECKPOINT_KEY',
        message: 'checkpoint key was not valid at signing time',
        cause: causeOf(keyError),
        ...at,
      });
    out.push({ size: body.size, root: body.root, time: Date.parse(body.time) });
  }
  out.sort((a, b) => a.size - b.size);
  // Latest signing time among checkpoints of strictly smaller trees.
  let smallerTime = -Infinity;
  let sizeTime = -Infinity;
  for (let i = 0; i < out.length; i++) {
    const previous = out[i - 1];
    const current = out[i]!;
    if (previous !== undefined && previous.size === current.size && !equalHashes(previous.root, current.root)) {
      fail({
        check: 'checkpoint-consistency',
        code: 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT',
        message: 'two checkpoints disagree on one tree size',
        checkpointSize: current.size,
      });
    }
    if (previous !== undefined && previous.size !== current.size) {
      smallerTime = Math.max(smallerTime, sizeTime);
      sizeTime = -Infinity;
    }
    sizeTime = Math.max(sizeTime, current.time);
    // A larger tree signed before a smaller one: a key signing with a claimed time that helps
    // it (a retired or compromised key backdating past its successor's checkpoints).
    if (current.time + CHECKPOINT_CLOCK_SKEW_MS < smallerTime) {
      fail({
        check: 'checkpoint-consistency',
        code: 'ERR_TRANSCRIPT_CHECKPOINT_INCONSISTENT',
        message: 'checkpoint signed before a checkpoint of a smaller tree',
        checkpointSize: current.size,
      });
    }
  }
  return {
    origin,
    checkpoints: out.filter((checkpoint, i) => i === 0 || checkpoint.size !== out[i - 1]!.size),
  };
}

// An unsigned receipt payload (`v: 1`, no DSSE `payloadType`): see EffectExecutedBody.receipt.
function isUnsignedReceipt(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && (value as Record<string, unknown>).v === 1 && !('payloadType' in value);
}

// A call within its session (call ids are unique per session only).
function callKey(body: Record<string, unknown>): string {
  return `${String(body.sessionId)}\u0000${String(body.callId)}`;
}

interface TokenState {
  readonly intent: string | undefined;
  readonly maxUses: number;
  /** Signing time (seconds). */
  readonly iat: number;
  uses: number;
  /** Receipts recorded for a token of several uses (one receipt is one use, never two). */
  receipts?: Set<string>;
}

/** Entry-level checks shared by the directory and bundle verifiers. */
export class EntryChecker {
  readonly #trustRoot: TrustRoot;
  /** Open decisions that may release a token: id → intent digest, and whether approval is needed. */
  readonly #decisions = new Map<string, { readonly intent: string; readonly approval: boolean; readonly call: string }>();
  /**
   * The open decision of each call (session id and call id → decision id): a call whose class
   * needs no token (A0/A1 observations) closes its decision with its token-free execution, so
   * open decisions stay bounded by calls in flight, not by the transcript's length.
   */
  readonly #decisionOfCall = new Map<string, string>();
  /** Recorded approval statements: statement digest → the intent it approves, and whether it is single-use. */
  readonly #approvals = new Map<string, { readonly intent: string; readonly singleUse: boolean }>();
  /** Single-use approval statements a token already relied on (one release each). */
  readonly #spentApprovals = new Set<string>();
  readonly #tokens = new Map<string, TokenState>();
  /** Releases flagged `release-unfinished` and not resolved since (by token id). */
  readonly #unfinished = new Set<string>();
  /** Counts of `release-unfinished` and `release-resolved` entries checked. */
  #flagged = 0;
  #resolved = 0;
  /** Releases resolved `not-executed`: an execution under their token contradicts it. */
  readonly #notExecuted = new Set<string>();
  /** Environment digest of each open session (session-started until session-ended). */
  readonly #environments = new Map<string, unknown>();
  /** False in bundle mode: references to entries outside the slice are not failures. */
  readonly #complete: boolean;

  constructor(options: { readonly trustRoot: TrustRoot; readonly complete: boolean }) {
    assertOptions(options);
    if (typeof options.trustRoot?.checkKey !== 'function') throw invalidArgument('options.trustRoot', 'must be a TrustRoot');
    this.#trustRoot = options.trustRoot;
    this.#complete = options.complete;
  }

  /** Run type-specific checks on one parsed entry. @throws TranscriptCheckError */
  check(entry: LedgerEntry): void {
    if (typeof entry !== 'object' || entry === null) throw invalidArgument('entry', 'must be a parsed ledger entry');
    const at = { seq: entry.seq, entryType: entry.type };
    const body = entry.body as Record<string, unknown>;
    const linkage = (message: string): never =>
      fail({ check: 'linkage', code: 'ERR_TRANSCRIPT_LINKAGE', message, ...at });
    switch (entry.type) {
      case 'session-started': {
        this.#environments.set(String(body.sessionId), body.environmentDigest);
        if (isCommitMarker(body.environment)) return;
        let ok = false;
        try {
          ok = digest(body.environment) === body.environmentDigest;
        } catch {
          ok = false;
        }
        if (!ok)
          fail({
            check: 'environment-digest',
            code: 'ERR_TRANSCRIPT_MALFORMED',
            message: 'environment digest does not match the environment',
            ...at,
          });
        return;
      }
      case 'session-ended':
        this.#environments.delete(String(body.sessionId));
        return;
      case 'decision-made':
        if (typeof body.decisionId !== 'string') linkage('decision has no id');
        // A token may follow a decision that executes, or one that required approval once an
        // approval-recorded entry approves its intent (checked at the token).
        if (body.verdict === 'execute' || body.verdict === 'approval-required') {
          const call = callKey(body);
          this.#decisions.set(body.decisionId as string, {
            intent: String(body.intentDigest),
            approval: body.verdict === 'approval-required',
            call,
          });
          this.#decisionOfCall.set(call, body.decisionId as string);
        }
        return;
      case 'token-issued': {
        let payload;
        try {
          ({ payload } = verifyTokenSignature(body.token, { trustRoot: this.#trustRoot }));
        } catch (error) {
          fail({
            check: 'signature',
            code: 'ERR_TRANSCRIPT_SIGNATURE',
            message: 'token signature is invalid',
            cause: causeOf(error),
            ...at,
          });
        }
        if (payload.id !== body.tokenId) linkage('token id does not match the signed token');
        // The authority signed which decision released the token and the session environment.
        if (payload.policy?.decision !== undefined && payload.policy.decision !== body.decisionId)
          linkage('token was released for another decision');
        const environment = this.#environments.get(String(body.sessionId));
        if (payload.env !== undefined && environment !== undefined && payload.env !== environment)
          linkage('token binds another environment than its session');
        const decision = this.#decisions.get(String(body.decisionId));
        if (decision === undefined) {
          if (this.#complete) linkage('token was not preceded by a decision that allowed it');
        } else if (payload.intent !== decision.intent) {
          linkage('token intent differs from the decision');
        } else if (decision.call !== callKey(body)) {
          linkage('token and its decision are for different calls');
        } else if (decision.approval) {
          // Released after approval: the token names the approvals it relies on, and each was
          // recorded in this transcript for the same intent.
          const approvals = payload.approvals ?? [];
          if (approvals.length === 0)
            linkage('token after an approval-required decision names no approval');
          for (const approval of approvals) {
            const recorded = this.#approvals.get(approval);
            if (recorded === undefined) {
              if (this.#complete)
                linkage('token relies on an approval that was not recorded before it');
            } else if (recorded.intent !== decision.intent) linkage('token relies on an approval for another intent');
            else if (recorded.singleUse) {
              // A single-use statement releases one call (the firewall spends it at release:
              // approval.statement-used); a second token relying on it is a second release.
              if (this.#spentApprovals.has(approval)) linkage('token relies on a single-use approval another token already used');
              this.#spentApprovals.add(approval);
            }
          }
        }
        // One release per decision: forgetting it keeps memory bounded by open decisions.
        this.#forgetDecision(String(body.decisionId));
        if (this.#tokens.has(payload.id)) linkage('token issued twice');
        this.#tokens.set(payload.id, {
          intent: payload.intent,
          maxUses: payload.constraints.maxUses ?? 1,
          iat: payload.iat,
          uses: 0,
        });
        return;
      }
      case 'action-denied':
        try {
          // Denials are signed by the authority (policy) or the gateway, valid at the refusal time.
          const denial = verifyDenial(body.denial, { trustRoot: this.#trustRoot });
          if (typeof body.denialId === 'string' && denial.payload.id !== body.denialId)
            linkage('denial id does not match the signed denial');
        } catch (error) {
          if (error instanceof TranscriptCheckError) throw error;
          fail({
            check: 'signature',
            code: 'ERR_TRANSCRIPT_SIGNATURE',
            message: 'denial signature is invalid',
            cause: causeOf(error),
            ...at,
          });
        }
        return;
      case 'approval-recorded': {
        let approval;
        try {
          approval = readApproval(body.statement);
          // Offline, an approval is checked as signed then: not against today's clock.
          verifyEnvelope(approval.envelope, {
            payloadType: APPROVAL_PAYLOAD_TYPE,
            keys: this.#trustRoot.resolver({
              role: 'approver',
              at: new Date(approval.payload.iat * 1000),
            }),
          });
        } catch (error) {
          fail({
            check: 'signature',
            code: 'ERR_TRANSCRIPT_SIGNATURE',
            message: 'approval signature is invalid',
            cause: causeOf(error),
            ...at,
          });
        }
        if (approval.payload.intent !== body.intentDigest)
          linkage('approval is for another intent');
        this.#approvals.set(approval.digest, { intent: approval.payload.intent, singleUse: approval.payload.singleUse });
        return;
      }
      case 'approval-rejected': {
        let rejection;
        try {
          rejection = readRejection(body.statement);
          // Offline, like approvals: an approver key valid when the rejection was signed.
          verifyEnvelope(rejection.envelope, {
            payloadType: REJECTION_PAYLOAD_TYPE,
            keys: this.#trustRoot.resolver({
              role: 'approver',
              at: new Date(rejection.payload.iat * 1000),
            }),
          });
        } catch (error) {
          fail({
            check: 'signature',
            code: 'ERR_TRANSCRIPT_SIGNATURE',
            message: 'rejection signature is invalid',
            cause: causeOf(error),
            ...at,
          });
        }
        if (rejection.payload.intent !== body.intentDigest || rejection.payload.id !== body.rejectionId)
          linkage('rejection does not match its entry');
        return;
      }
      case 'effect-executed': {
        const unsigned = isUnsignedReceipt(body.receipt);
        const receipt = unsigned
          ? this.#unsignedReceipt(body, at)
          : this.#envelope({
              envelope: body.receipt,
              kind: 'receipt',
              role: 'gateway',
              at,
            });
        // What the gateway signed is what happened: the entry may not say otherwise about any
        // field the receipt carries (receipts of older gateways carry fewer).
        const differs = (field: string, entryField = field): boolean =>
          receipt[field] !== undefined && receipt[field] !== body[entryField];
        if (
          (receipt.tokenId ?? null) !== body.tokenId ||
          receipt.intentDigest !== body.intentDigest ||
          differs('callId') ||
          differs('argsDigest') ||
          differs('status') ||
          (body.receiptId !== undefined && differs('id', 'receiptId'))
        ) {
          linkage('receipt does not match the execution entry');
        }
        if (body.tokenId === null) {
          // A token-free execution: its call's decision can release no token any more (a
          // decision that released one was closed by its token-issued entry).
          const decisionId = this.#decisionOfCall.get(callKey(body));
          // An unsigned receipt is only ever written for a call admitted without a token, which
          // its own open decision allowed (not one that blocked it, released a token, or ran).
          if (unsigned && decisionId === undefined && this.#complete)
            linkage('token-free execution has no open decision that allowed it');
          if (decisionId !== undefined) this.#forgetDecision(decisionId);
          return;
        }
        const token = typeof body.tokenId === 'string' ? this.#tokens.get(body.tokenId) : undefined;
        if (token === undefined) {
          if (this.#complete) linkage('execution has no issued token');
          return;
        }
        if (this.#notExecuted.has(body.tokenId as string)) linkage('execution under a token whose release was resolved as not executed');
        if (token.intent !== body.intentDigest)
          linkage('executed intent differs from the token intent');
        if (typeof receipt.iat === 'number' && receipt.iat + SIGNER_CLOCK_SKEW_SECONDS < token.iat)
          linkage('receipt signed before its token was issued');
        token.uses += 1;
        if (token.uses > token.maxUses) linkage('token used more often than allowed');
        if (token.maxUses > 1) {
          const key = String((body.receipt as { payload?: unknown }).payload);
          token.receipts ??= new Set();
          if (token.receipts.has(key)) linkage('receipt recorded for two executions');
          token.receipts.add(key);
        }
        return;
      }
      case 'release-unfinished': {
        // The firewall found, on open, a release without an outcome: its token was issued here
        // and not used since.
        const tokenId = typeof body.tokenId === 'string' ? body.tokenId : linkage('unfinished release names no token');
        const token = this.#tokens.get(tokenId);
        if (token === undefined) {
          if (this.#complete) linkage('unfinished release has no issued token');
        } else if (token.uses > 0) linkage('release flagged unfinished after its outcome');
        this.#unfinished.add(tokenId);
        this.#flagged += 1;
        return;
      }
      case 'release-resolved': {
        const tokenId = typeof body.tokenId === 'string' ? body.tokenId : linkage('resolution names no token');
        if (body.outcome !== 'executed' && body.outcome !== 'not-executed')
          fail({ check: 'entry-format', code: 'ERR_TRANSCRIPT_MALFORMED', message: "resolution outcome is not 'executed' or 'not-executed'", ...at });
        if (typeof body.by !== 'string' || body.by === '')
          fail({ check: 'entry-format', code: 'ERR_TRANSCRIPT_MALFORMED', message: 'resolution names no one who checked', ...at });
        if (body.statement !== undefined) this.#signedResolution({ body, time: entry.time, at, linkage });
        // Only a release flagged unfinished, and only once.
        if (!this.#unfinished.delete(tokenId) && this.#complete) linkage('resolution of a release not flagged unfinished (or resolved already)');
        this.#resolved += 1;
        const token = this.#tokens.get(tokenId);
        if (body.outcome === 'not-executed') this.#notExecuted.add(tokenId);
        else if (token !== undefined) {
          // Found to have run: one use of its token, as an execution entry would be.
          token.uses += 1;
          if (token.uses > token.maxUses) linkage('token used more often than allowed');
        }
        return;
      }
      default:
        return;
    }
  }

  // A resolution an approver signed (ADR 0039): the statement verifies as signed then, by a key
  // that held the approver role and the claimed business role, and says what the entry says.
  #signedResolution(options: {
    readonly body: Record<string, unknown>;
    readonly time: string;
    readonly at: { seq: number; entryType: string };
    readonly linkage: (message: string) => never;
  }): void {
    const { body, at, linkage } = options;
    // Entry times are checked RFC 3339 by the entry format; the firewall stamps its own clock.
    const recorded = Date.parse(options.time) / 1000;
    let resolution;
    try {
      resolution = readResolution(body.statement);
      // Used when recorded: a key compromised before the entry was written voids it.
      checkStatementSigner({
        approval: resolution,
        options: { trustRoot: this.#trustRoot },
        now: Number.isNaN(recorded) ? resolution.payload.iat : recorded,
        payloadType: RESOLUTION_PAYLOAD_TYPE,
      });
    } catch (error) {
      fail({
        check: 'signature',
        code: 'ERR_TRANSCRIPT_SIGNATURE',
        message: 'resolution signature is invalid',
        cause: causeOf(error),
        ...at,
      });
    }
    const { payload } = resolution;
    if (
      payload.tokenId !== body.tokenId ||
      payload.outcome !== body.outcome ||
      body.by !== resolutionBy(payload) ||
      (payload.note ?? null) !== (body.note ?? null)
    )
      linkage('resolution statement does not match its entry');
    // The firewall refuses a statement outside its window at the clock it stamps the entry with.
    if (!(recorded >= payload.iat - SIGNER_CLOCK_SKEW_SECONDS && recorded < payload.exp + SIGNER_CLOCK_SKEW_SECONDS))
      linkage('resolution recorded outside its statement\'s window');
  }

  // A token-free call's receipt recorded unsigned (ADR 0023): allowed only without a token,
  // and it must repeat what the entry says was executed.
  #unsignedReceipt(body: Record<string, unknown>, at: { seq: number; entryType: string }): Record<string, unknown> {
    const receipt = body.receipt as Record<string, unknown>;
    if (body.tokenId !== null)
      fail({
        check: 'signature',
        code: 'ERR_TRANSCRIPT_SIGNATURE',
        message: 'receipt of an execution with a token is not signed',
        ...at,
      });
    if (
      receipt.id !== body.receiptId ||
      receipt.callId !== body.callId ||
      receipt.argsDigest !== body.argsDigest ||
      receipt.status !== body.status ||
      typeof receipt.tool !== 'string' ||
      typeof receipt.iss !== 'string' ||
      !Number.isSafeInteger(receipt.iat) ||
      !isUtcTime(receipt.startedAt) ||
      !isUtcTime(receipt.finishedAt) ||
      !(receipt.resultDigest === null || isEntryDigest(receipt.resultDigest))
    )
      fail({
        check: 'linkage',
        code: 'ERR_TRANSCRIPT_LINKAGE',
        message: 'unsigned receipt does not match the execution entry',
        ...at,
      });
    return receipt;
  }

  /** Releases flagged unfinished so far, resolved, and still open (see {@link TranscriptReport.unfinished}). */
  get unfinishedReleases(): TranscriptReport['unfinished'] {
    if (this.#flagged === 0) return undefined;
    const openTokens: string[] = [];
    for (const tokenId of this.#unfinished) {
      if (openTokens.length === MAX_LISTED_UNFINISHED) break;
      openTokens.push(tokenId);
    }
    return { flagged: this.#flagged, resolved: this.#resolved, open: this.#unfinished.size, openTokens };
  }

  /** Open decisions and the call index: for tests of the memory bound. @internal */
  get openDecisions(): number {
    return this.#decisions.size + this.#decisionOfCall.size;
  }

  #forgetDecision(decisionId: string): void {
    const decision = this.#decisions.get(decisionId);
    if (decision === undefined) return;
    this.#decisions.delete(decisionId);
    // The call's index entry, unless a later decision of the same call replaced it.
    if (this.#decisionOfCall.get(decision.call) === decisionId) this.#decisionOfCall.delete(decision.call);
  }

  // Verify a DSSE artifact signed by `role` at the payload's own signing time.
  #envelope(options: {
    envelope: unknown;
    kind: string;
    role: KeyRole;
    at: { seq: number; entryType: string };
  }): Record<string, unknown> {
    const { envelope, kind, role, at } = options;
    try {
      const payloadText = fromUtf8(
        fromBase64Any((envelope as { payload?: unknown }).payload as string),
      );
      const payload = JSON.parse(payloadText) as Record<string, unknown>;
      const time =
        typeof payload.iat === 'number'
          ? new Date(payload.iat * 1000)
          : typeof payload.issuedAt === 'string'
            ? payload.issuedAt
            : undefined;
      if (time === undefined)
        throw new WritError('ERR_ENVELOPE_MALFORMED', 'payload has no signing time');
      verifyEnvelope(envelope, {
        payloadType: writPayloadType(kind),
        keys: this.#trustRoot.resolver({ role, at: time }),
      });
      return payload;
    } catch (error) {
      return fail({
        check: 'signature',
        code: 'ERR_TRANSCRIPT_SIGNATURE',
        message: `${kind} signature is invalid`,
        cause: causeOf(error),
        ...at,
      });
    }
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function checkAnchors(value: unknown): readonly string[] {
  if (value === undefined) return [];
  // Array.from visits the holes of a sparse array, which every() would skip.
  const notes: unknown[] = Array.isArray(value) ? Array.from(value as unknown[]) : [undefined];
  if (!notes.every((note): note is string => typeof note === 'string')) {
    throw invalidArgument('options.anchors', 'must be an array of signed checkpoint notes');
  }
  return notes;
}

/** @internal The witness policy of verifier options, checked (shared with verifyBundle). */
export function checkWitnesses(value: unknown, trustRoot?: TrustRoot): CheckedWitnessPolicy | undefined {
  if (value === undefined) return undefined;
  assertOptions(value, 'options.witnesses');
  const { keys, quorum, since } = value as Partial<WitnessPolicy>;
  if (!Array.isArray(keys) || keys.length === 0) throw invalidArgument('options.witnesses.keys', 'must be a non-empty array of witness keys');
  // Array.from, not map(): map() skips the holes of a sparse array.
  const parsed = Array.from(keys as unknown[], (key: unknown, i) => {
    if (typeof key !== 'string') {
      assertCosignerKey(key, `options.witnesses.keys[${i}]`);
      return key;
    }
    try {
      return parseCosignerKey(key);
    } catch (error) {
      throw new WritError('ERR_INVALID_ARGUMENT', `options.witnesses.keys[${i}] is not a cosignature/v1 witness key`, {
        details: { parameter: `options.witnesses.keys[${i}]`, reason: WritError.isInstance(error) ? error.details?.reason : undefined },
      });
    }
  });
  // One witness once: not one name twice, nor one public key under two names (the cosigned
  // message does not commit to the name, so a relabelled line would count again).
  assertCosignerKeys(parsed, 'options.witnesses.keys');
  // The log's own keys are not witnesses: whoever holds the ledger key (the writer) would
  // cosign its own rewrite and count toward the quorum.
  const own = new Set((trustRoot?.keys() ?? []).map((key) => toHex(key.publicKeyBytes)));
  parsed.forEach((key, i) => {
    if (own.has(toHex(key.publicKey))) {
      throw invalidArgument(`options.witnesses.keys[${i}]`, 'is a key of the trust root: a witness must be independent of the log it witnesses');
    }
  });
  const needed = quorum === undefined ? parsed.length : quorum;
  if (!Number.isSafeInteger(needed) || needed < 1 || needed > parsed.length) {
    throw invalidArgument('options.witnesses.quorum', `must be an integer within 1..${parsed.length} (the number of witness keys)`);
  }
  if (since !== undefined && !isUtcTime(since)) {
    throw invalidArgument('options.witnesses.since', 'must be an RFC 3339 UTC time (e.g. 2026-01-01T00:00:00Z)');
  }
  return { keys: parsed, quorum: needed, since: since === undefined ? undefined : { text: since, ms: utcTimeMs(since) } };
}

// Verify anchors as checkpoints of this log; a failure is reported as the anchor's.
function verifyAnchors(notes: readonly string[], trustRoot: TrustRoot, origin: string | undefined): { origin: string | undefined; anchors: VerifiedCheckpoint[] } {
  if (notes.length === 0) return { origin, anchors: [] };
  try {
    const verified = verifyCheckpointNotes({ notes, trustRoot, ...(origin !== undefined && { origin }) });
    return { origin: verified.origin, anchors: verified.checkpoints };
  } catch (error) {
    if (!(error instanceof TranscriptCheckError)) throw error;
    return fail({ ...error.failure, check: 'checkpoint-anchor', message: `anchor: ${error.failure.message}` });
  }
}

// Every listed witness's cosignatures on every note, by checkpoint size.
function witnessCosignatures(notes: readonly string[], keys: readonly CosignerKey[]): Map<number, Map<CosignerKey, number>> {
  const bySize = new Map<number, Map<CosignerKey, number>>();
  for (const note of notes) {
    const size = parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1)).size;
    let cosignatures;
    try {
      cosignatures = verifyCosignatures(note, keys);
    } catch (error) {
      return fail({
        check: 'checkpoint-witness',
        code: 'ERR_TRANSCRIPT_WITNESS',
        message: 'witness cosignature is invalid',
        checkpointSize: size,
        cause: causeOf(error),
      });
    }
    const seen = bySize.get(size) ?? new Map<CosignerKey, number>();
    for (const { key, timestamp } of cosignatures) seen.set(key, Math.max(seen.get(key) ?? 0, timestamp));
    bySize.set(size, seen);
  }
  return bySize;
}

/** @internal A cosignature timestamp as reported. */
export function cosignatureTime(seconds: number): string {
  const ms = seconds * 1000;
  return Number.isFinite(ms) && ms <= 8.64e15 ? new Date(ms).toISOString() : `+${seconds}s`;
}

/**
 * Verify a transcript: entries streamed in order plus its checkpoint notes.
 * @returns a report; `valid` is false with `failure` set on the first failed check.
 * @throws `ERR_INVALID_ARGUMENT` for bad options only.
 * @example
 * ```ts
 * const report = await verifyTranscript({ entries: lines, checkpoints: notes, trustRoot });
 * if (!report.valid) console.error(report.failure);
 * ```
 */
export async function verifyTranscript(
  options: VerifyTranscriptOptions,
): Promise<TranscriptReport> {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.trustRoot?.checkKey !== 'function'
  ) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options.trustRoot must be a TrustRoot', {
      details: { parameter: 'options.trustRoot' },
    });
  }
  if (!Array.isArray(options.checkpoints)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'options.checkpoints must be an array of notes', {
      details: { parameter: 'options.checkpoints' },
    });
  }
  const entries = options.entries as unknown;
  if (
    typeof entries !== 'object' ||
    entries === null ||
    (typeof (entries as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] !== 'function' &&
      typeof (entries as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function')
  ) {
    throw invalidArgument('options.entries', 'must be an iterable or async iterable of entry lines');
  }
  const anchorNotes = checkAnchors(options.anchors);
  const witnesses = checkWitnesses(options.witnesses, options.trustRoot);
  const frontier = new MerkleFrontier();
  let origin = options.origin;
  let verified = 0;
  let signedSize = 0;
  let anchored = 0;
  let witnessed: TranscriptReport['witnessed'];
  const checker = new EntryChecker({ trustRoot: options.trustRoot, complete: true });
  const report = (failure?: TranscriptFailure): TranscriptReport => {
    const unfinished = checker.unfinishedReleases;
    return {
      valid: failure === undefined,
      entries: frontier.size,
      checkpoints: verified,
      signedSize,
      origin,
      root: hashToDigest(frontier.root()),
      anchors: anchored,
      ...(witnessed && { witnessed }),
      ...(unfinished && { unfinished }),
      ...(failure && { failure }),
    };
  };
  try {
    const notes = verifyCheckpointNotes({
      notes: options.checkpoints,
      trustRoot: options.trustRoot,
      ...(origin !== undefined && { origin }),
    });
    origin = notes.origin;
    const pending = notes.checkpoints;
    const anchorCheck = verifyAnchors(anchorNotes, options.trustRoot, origin);
    origin = anchorCheck.origin;
    const anchors = anchorCheck.anchors;
    const cosigned = witnesses === undefined ? undefined : witnessCosignatures([...(options.checkpoints as readonly string[]), ...anchorNotes], witnesses.keys);
    let lastTime = 0;
    // An anchor of size n must equal the root of the first n entries, signed no earlier than them.
    const meetAnchors = (seq: number | undefined): void => {
      while (anchors.length > 0 && anchors[0]!.size === frontier.size) {
        const anchor = anchors.shift()!;
        if (!equalHashes(frontier.root(), anchor.root)) {
          fail({
            check: 'checkpoint-anchor',
            code: 'ERR_TRANSCRIPT_ANCHOR',
            message: 'entries differ from an anchored checkpoint (history rewritten)',
            checkpointSize: anchor.size,
            ...(seq !== undefined && { seq }),
          });
        }
        if (anchor.time < lastTime) {
          fail({
            check: 'checkpoint-anchor',
            code: 'ERR_TRANSCRIPT_ANCHOR',
            message: 'anchored checkpoint signed before the entries it covers',
            checkpointSize: anchor.size,
            ...(seq !== undefined && { seq }),
          });
        }
        anchored += 1;
        // A ledger-signed checkpoint the entries match signs them, wherever it was kept.
        signedSize = Math.max(signedSize, anchor.size);
      }
    };
    meetAnchors(undefined);
    const every = options.progressEvery ?? 10_000;
    // The previous entry's leaf hash (raw bytes; all zeros before entry 0, the genesis `prev`).
    let prev: Uint8Array = new Uint8Array(32);
    for await (const raw of options.entries) {
      const seq = frontier.size;
      // No store writes a longer line (MAX_ENTRY_BYTES, checked at append): refused unparsed.
      if (entryBytesOver(raw)) fail({ check: 'entry-format', code: 'ERR_TRANSCRIPT_ENTRY_TOO_LARGE', message: ENTRY_TOO_LARGE, seq });
      let line: string;
      try {
        line = typeof raw === 'string' ? raw : decoder.decode(raw);
      } catch {
        fail({
          check: 'entry-format',
          code: 'ERR_TRANSCRIPT_MALFORMED',
          message: 'entry is not UTF-8',
          seq,
        });
      }
      let entry: LedgerEntry;
      try {
        entry = parseEntry(line);
      } catch (error) {
        fail({
          check: 'entry-format',
          code: 'ERR_TRANSCRIPT_MALFORMED',
          message: 'entry is malformed',
          seq,
          cause: causeOf(error),
        });
      }
      const at = { seq, entryType: entry.type };
      if (entry.seq !== seq)
        fail({
          check: 'sequence',
          code: 'ERR_TRANSCRIPT_SEQUENCE',
          message: 'entry is out of sequence',
          ...at,
        });
      if (!digestMatchesHash(entry.prev, prev))
        fail({
          check: 'chain',
          code: 'ERR_TRANSCRIPT_CHAIN',
          message: 'entry does not link to the previous entry',
          ...at,
        });
      const hash = typeof raw === 'string' ? leafHash(raw) : leafHash(raw);
      prev = hash;
      frontier.push(hash);
      lastTime = Math.max(lastTime, utcTimeMs(entry.time));
      checker.check(entry);
      while (pending.length > 0 && pending[0]!.size === frontier.size) {
        const checkpoint = pending.shift()!;
        if (!equalHashes(frontier.root(), checkpoint.root)) {
          fail({
            check: 'checkpoint-root',
            code: 'ERR_TRANSCRIPT_ROOT_MISMATCH',
            message: 'checkpoint root does not match the entries',
            checkpointSize: checkpoint.size,
            seq,
          });
        }
        if (checkpoint.time < lastTime) {
          fail({
            check: 'checkpoint-key',
            code: 'ERR_TRANSCRIPT_CHECKPOINT_KEY',
            message: 'checkpoint signed before the entries it covers',
            checkpointSize: checkpoint.size,
            seq,
          });
        }
        verified += 1;
        signedSize = checkpoint.size;
      }
      meetAnchors(seq);
      if (options.onProgress && frontier.size % every === 0) options.onProgress(frontier.size);
    }
    if (pending.length > 0) {
      fail({
        check: 'checkpoint-beyond-end',
        code: 'ERR_TRANSCRIPT_CHECKPOINT_BEYOND_END',
        message: 'a checkpoint covers entries that are missing',
        seq: frontier.size,
        checkpointSize: pending[0]!.size,
      });
    }
    if (anchors.length > 0) {
      fail({
        check: 'checkpoint-anchor',
        code: 'ERR_TRANSCRIPT_ANCHOR',
        message: 'the transcript ends before an anchored checkpoint (entries removed)',
        seq: frontier.size,
        checkpointSize: anchors[0]!.size,
      });
    }
    if (frontier.size > signedSize && options.allowUnsignedTail !== true) {
      fail({
        check: 'unsigned-tail',
        code: 'ERR_TRANSCRIPT_UNSIGNED_TAIL',
        message: 'entries after the last checkpoint are not signed',
        seq: signedSize,
      });
    }
    if (witnesses !== undefined && cosigned !== undefined) {
      const found = cosigned.get(signedSize) ?? new Map<CosignerKey, number>();
      const shortfall = signedSize === 0 ? 'no checkpoint for witnesses to cosign' : witnessShortfall([...found.values()], witnesses, 'latest checkpoint');
      if (shortfall !== undefined) {
        fail({ check: 'checkpoint-witness', code: 'ERR_TRANSCRIPT_WITNESS', message: shortfall, checkpointSize: signedSize });
      }
      witnessed = {
        size: signedSize,
        cosigners: [...found].map(([key, seconds]) => ({ name: key.name, time: cosignatureTime(seconds) })),
        ...(witnesses.since !== undefined && { since: witnesses.since.text }),
      };
    }
    options.onProgress?.(frontier.size);
    return report();
  } catch (error) {
    if (error instanceof TranscriptCheckError) return report(error.failure);
    throw error;
  }
}
