/**
 * Store interfaces shared by every backend (memory, file, PostgreSQL).
 *
 * A second implementation must match these semantics exactly; the conformance suite in
 * `./conformance.ts` checks them. All methods are async. After `close()` every method
 * rejects with `ERR_STORE_CLOSED`. Arguments are validated at the boundary and rejected
 * with `ERR_INVALID_ARGUMENT` naming the parameter. I/O failures surface as
 * `ERR_STORE_IO` (the cause attached, never a raw system error).
 */

/** A digest written `sha256:<64 lowercase hex>`. */
export type Sha256Digest = `sha256:${string}`;

/** Any JSON value that RFC 8785 (JCS) can canonicalize. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * What a writer hands to {@link LedgerStore.append}: everything of an entry except the
 * sequence number and previous hash, which the store assigns atomically.
 */
export interface EntryDraft {
  /** Entry type, e.g. `decision`, `token-issued` (see `transcript/entry-types.ts`). */
  readonly type: string;
  /** RFC 3339 UTC time with millisecond precision, e.g. `2026-01-01T00:00:00.000Z`. */
  readonly time: string;
  /** Type-specific body. Sensitive fields are already replaced by `{ "$commit": ... }`. */
  readonly body: JsonObject;
}

/**
 * One entry as stored. `line` is the exact JCS serialization of
 * `{ type, seq, time, prev, body }` (no trailing newline); `hash` is its RFC 6962 leaf
 * hash `SHA-256(0x00 || line)`, which is also the `prev` of the next entry. Build both
 * with `sealEntry` from `@writ/core` — never serialize entries another way.
 */
export interface StoredEntry {
  /** 0-based position in the ledger; equals the Merkle leaf index. */
  readonly seq: number;
  /** Leaf hash of `line`. */
  readonly hash: Sha256Digest;
  /** The canonical entry bytes as a string. */
  readonly line: string;
}

/** The current end of a ledger. */
export interface LedgerHead {
  /** Number of entries (the next entry gets `seq === size`). */
  readonly size: number;
  /** Hash of the last entry, or the genesis hash (`sha256:` + 64 zeros) when empty. */
  readonly hash: Sha256Digest;
}

/** A signed checkpoint as stored: a C2SP tlog-checkpoint signed note. */
export interface CheckpointRecord {
  /** Tree size the checkpoint commits to (`> 0`). */
  readonly size: number;
  /** RFC 6962 root hash of the first `size` entries. */
  readonly root: Sha256Digest;
  /** The complete signed note text (checkpoint body, blank line, signature lines). */
  readonly note: string;
}

/** Range for {@link LedgerStore.read}: entries with `from <= seq < to`. */
export interface ReadRange {
  /** First sequence number (default 0). */
  readonly from?: number;
  /** One past the last sequence number (default: the head at the time `read` starts). */
  readonly to?: number;
}

/**
 * An append-only ledger of hash-chained entries.
 *
 * Invariants every implementation keeps, also across processes and hosts sharing it:
 * - **No gaps, no forks.** `seq` values are exactly `0..size-1`; entry `n`'s `prev` is the
 *   `hash` of entry `n-1` (genesis hash for entry 0). Concurrent `append` calls are
 *   serialized by the store; each call's entries get consecutive `seq` values.
 * - **Atomic batches.** An `append` with any malformed draft stores nothing. After a crash,
 *   an append that was never acknowledged may survive as a prefix of its entries (the file
 *   store) or not at all (PostgreSQL); every surviving entry is complete and chained.
 * - **Durability.** When `append` resolves, the entries survive a process crash (and, for
 *   the file store, a power loss: the data is fsync'd). An entry that was never
 *   acknowledged may or may not be present after a crash, but never partially.
 * - **Immutability.** Stored entries and checkpoints never change or disappear.
 */
export interface LedgerStore {
  /**
   * Seal and store `drafts` as the next entries, atomically.
   * @returns the stored entries, in order.
   * @throws `ERR_INVALID_ARGUMENT` (empty or malformed drafts), `ERR_STORE_CLOSED`,
   *   `ERR_STORE_IO`, `ERR_STORE_LOCKED` (the file store lost its writer lock).
   */
  append(drafts: readonly EntryDraft[]): Promise<StoredEntry[]>;
  /**
   * Stream stored entries in `seq` order. Entries appended after the stream started may
   * or may not be included unless `to` names them. Memory use is independent of range size.
   * @throws `ERR_INVALID_ARGUMENT` (bad range, `to` beyond the head), `ERR_STORE_CLOSED`,
   *   `ERR_STORE_CORRUPT` (stored bytes fail their own hash or chain).
   */
  read(range?: ReadRange): AsyncIterable<StoredEntry>;
  /** The current head. @throws `ERR_STORE_CLOSED`. */
  head(): Promise<LedgerHead>;
  /**
   * Store a signed checkpoint. Idempotent for an identical record. Checkpoints are kept in
   * increasing size order; a second checkpoint for a size already stored with a different
   * root or note is refused (a ledger never holds two views of one tree size).
   * @throws `ERR_INVALID_ARGUMENT`, `ERR_STORE_CHECKPOINT_CONFLICT` (same size, different
   *   record; or size beyond the head; or size below the latest stored checkpoint),
   *   `ERR_STORE_CLOSED`, `ERR_STORE_IO`.
   */
  putCheckpoint(checkpoint: CheckpointRecord): Promise<void>;
  /** All checkpoints in increasing size order (streamed). @throws `ERR_STORE_CLOSED`. */
  checkpoints(): AsyncIterable<CheckpointRecord>;
  /** The checkpoint with the largest size, or `undefined`. @throws `ERR_STORE_CLOSED`. */
  latestCheckpoint(): Promise<CheckpointRecord | undefined>;
  /** Flush, release locks and handles. Idempotent. */
  close(): Promise<void>;
}

/**
 * Single-use nonces (action token ids). `consume` returns `true` for exactly one caller
 * per id, even when many processes sharing the store call it at the same instant.
 */
export interface NonceStore {
  /**
   * Record one use of `id`, kept until `expiresAt`. A nonce may be used `maxUses` times
   * (default 1: single use) — a token's `constraints.maxUses`.
   * @returns `true` if this call is one of the first `maxUses` uses of `id` (exactly that
   *   many callers get `true`, however many present it at once), `false` once they are spent
   *   (whether or not the record has expired but not yet been purged). Each call is judged
   *   by the `maxUses` it passes; one token always passes the same value.
   * @throws `ERR_INVALID_ARGUMENT` (empty id, invalid date, `maxUses` not a positive safe
   *   integer), `ERR_STORE_CLOSED`, `ERR_STORE_IO`.
   */
  consume(input: { readonly id: string; readonly expiresAt: Date; readonly maxUses?: number }): Promise<boolean>;
  /**
   * Forget records whose `expiresAt` is strictly before `now`. Safe only because callers
   * reject expired tokens before consuming them. @returns the number removed.
   */
  purgeExpired(now: Date): Promise<number>;
  /** Release resources. Idempotent. */
  close(): Promise<void>;
}

/** Status of an approval request. Transitions: pending → approved | rejected | expired; approved → consumed. */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'consumed';

/** A pending or resolved approval request, keyed by the intent digest it asks about. */
export interface ApprovalRecord {
  readonly intentDigest: Sha256Digest;
  readonly status: ApprovalStatus;
  /** RFC 3339 time the request was first made. */
  readonly requestedAt: string;
  /** RFC 3339 time after which a pending request may be marked expired. */
  readonly expiresAt: string;
  /** Caller-defined request details (summary, policy digest, rule id...). */
  readonly request: JsonObject;
  /** Signed approval statements (DSSE envelopes as JSON), in the order added, unique by content. */
  readonly statements: readonly JsonObject[];
  /** RFC 3339 time of the last status change. */
  readonly updatedAt: string;
}

/**
 * Approval requests and their signed statements. Every transition is a compare-and-set:
 * among concurrent callers exactly one succeeds.
 */
export interface ApprovalStore {
  /**
   * Create a pending request for `intentDigest`, or return the existing record unchanged
   * (frameworks re-run approval callbacks on resume; the second call must not reset it).
   * @throws `ERR_INVALID_ARGUMENT`, `ERR_STORE_CLOSED`, `ERR_STORE_IO`.
   */
  request(input: {
    readonly intentDigest: Sha256Digest;
    readonly requestedAt: Date;
    readonly expiresAt: Date;
    readonly request: JsonObject;
  }): Promise<ApprovalRecord>;
  /** The record for `intentDigest`, or `undefined`. */
  get(intentDigest: Sha256Digest): Promise<ApprovalRecord | undefined>;
  /**
   * Append a signed statement (deduplicated by canonical content). Allowed while pending or approved.
   * @throws `ERR_STORE_NOT_FOUND`, `ERR_STORE_CONFLICT` (request rejected, expired or consumed).
   */
  addStatement(input: {
    readonly intentDigest: Sha256Digest;
    readonly statement: JsonObject;
  }): Promise<ApprovalRecord>;
  /**
   * Move a pending request to `approved`, `rejected` or `expired`.
   * @returns `true` if this call made the transition, `false` if the request was not pending.
   * @throws `ERR_STORE_NOT_FOUND`.
   */
  resolve(input: {
    readonly intentDigest: Sha256Digest;
    readonly status: 'approved' | 'rejected' | 'expired';
    readonly at: Date;
  }): Promise<boolean>;
  /**
   * Consume an approved request: `true` for exactly one caller, `false` otherwise
   * (not approved, already consumed). @throws `ERR_STORE_NOT_FOUND`.
   */
  consume(input: { readonly intentDigest: Sha256Digest; readonly at: Date }): Promise<boolean>;
  /** Pending requests in `requestedAt` order (streamed). */
  pending(): AsyncIterable<ApprovalRecord>;
  /** Release resources. Idempotent. */
  close(): Promise<void>;
}
