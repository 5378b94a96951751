/**
 * The transcript writer: a {@link LedgerStore} decorator that keeps the Merkle tree head
 * and writes signed checkpoints on a policy — every N entries, every T milliseconds, on
 * demand, and always at the end of a session and on close. Roots are always computed
 * from the store's own entries (including those other processes appended), and the
 * store refuses a second checkpoint for a size, so a ledger never signs two
 * inconsistent checkpoints.
 */
import type { Signer } from '../crypto/signer.ts';
import { digest } from '../crypto/digest.ts';
import { WritError } from '../errors.ts';
import type {
  CheckpointRecord,
  EntryDraft,
  JsonObject,
  LedgerHead,
  LedgerStore,
  ReadRange,
  StoredEntry,
} from '../stores/types.ts';
import { parseCheckpoint } from './checkpoint.ts';
import { signCheckpoint } from './checkpoint.ts';
import { digestToHash, hashToDigest, parseEntry } from './entry.ts';
import type { EnvironmentBody } from './entry-types.ts';
import { MerkleFrontier } from './merkle-frontier.ts';
import { equalHashes } from './merkle.ts';
import { redact } from './redaction.ts';
import type { Vault } from './redaction.ts';
import { parseNote } from './signed-note.ts';
import { utcTimeMs } from './time.ts';
import { assertMethods, assertOptions, invalidArgument } from '../invalid-argument.ts';

const LEAF_DIGEST = /^sha256:[0-9a-f]{64}$/;
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/**
 * `digestToHash(hash)` for the frontier, which every append feeds: a well-formed digest is
 * decoded by `Buffer` in one step (the per-byte decode was ~0.5 µs and 32 small strings per
 * entry); anything else, or no `Buffer` (a browser), goes to `digestToHash` as before.
 */
function leafOf(hash: StoredEntry['hash']): Uint8Array {
  if (NodeBuffer === undefined || !LEAF_DIGEST.test(hash)) return digestToHash(hash);
  return NodeBuffer.from(hash.slice(7), 'hex');
}

/** When checkpoints are written (besides on demand, at session end and on close). */
export interface CheckpointPolicy {
  /** After this many entries since the last checkpoint. */
  readonly everyEntries?: number;
  /** This many milliseconds after the first entry not covered by a checkpoint. */
  readonly everyMs?: number;
}

/** Options of {@link Ledger.open}. */
export interface LedgerOptions {
  readonly store: LedgerStore;
  /** The log origin (checkpoint first line and note key name), e.g. `writ.example/ledger/prod`. */
  readonly origin: string;
  /** A key with the `ledger` role in the trust root. */
  readonly signer: Signer;
  readonly policy?: CheckpointPolicy;
  /** Clock for checkpoint times (tests freeze it). Default `() => new Date()`. */
  readonly now?: () => Date;
  /** Where {@link Ledger.appendRedacted} keeps redacted values and salts. */
  readonly vault?: Vault;
}

/** What {@link Ledger.open} (and the bundle export) call on a store. */
export const LEDGER_STORE_METHODS = ['append', 'read', 'head', 'putCheckpoint', 'checkpoints', 'latestCheckpoint', 'close'] as const;

/** A checkpointing transcript ledger over any {@link LedgerStore}. */
export class Ledger implements LedgerStore {
  readonly #store: LedgerStore;
  readonly #origin: string;
  readonly #signer: Signer;
  readonly #policy: CheckpointPolicy;
  readonly #now: () => Date;
  readonly #vault: Vault | undefined;
  readonly #frontier = new MerkleFrontier();
  // The latest entry time the frontier holds (text and ms): no checkpoint is dated before it.
  // The latest, not the last: a clock stepped back between two entries must not let a
  // checkpoint predate the earlier one (the verifier checks against the latest).
  #maxTime = '';
  #maxTimeMs = Number.NEGATIVE_INFINITY;
  #checkpointed = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failure: unknown;
  #closed = false;

  private constructor(options: LedgerOptions) {
    this.#store = options.store;
    this.#origin = options.origin;
    this.#signer = options.signer;
    this.#policy = options.policy ?? {};
    this.#now = options.now ?? (() => new Date());
    this.#vault = options.vault;
  }

  /**
   * Open a ledger over `store`: rebuild the tree head from the stored entries and check the
   * latest stored checkpoint against it.
   * @throws `ERR_INVALID_ARGUMENT`, `ERR_STORE_CORRUPT` (stored checkpoint disagrees with the entries), store errors.
   */
  static async open(options: LedgerOptions): Promise<Ledger> {
    if (typeof options !== 'object' || options === null) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'options must be an object', {
        details: { parameter: 'options' },
      });
    }
    if (typeof options.origin !== 'string' || !/^[^\s+]{1,256}$/u.test(options.origin)) {
      throw new WritError(
        'ERR_INVALID_ARGUMENT',
        'options.origin must be a key name without spaces or "+"',
        { details: { parameter: 'options.origin' } },
      );
    }
    if (
      typeof options.signer?.sign !== 'function' ||
      !(options.signer.publicKey instanceof Uint8Array)
    ) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'options.signer must be a Signer', {
        details: { parameter: 'options.signer' },
      });
    }
    assertMethods(options.store, 'options.store', { methods: LEDGER_STORE_METHODS, what: 'a LedgerStore' });
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw invalidArgument('options.now', 'must be a function returning a Date');
    }
    if (options.policy !== undefined && (typeof options.policy !== 'object' || options.policy === null)) {
      throw invalidArgument('options.policy', 'must be an object');
    }
    if (options.vault !== undefined) {
      assertMethods(options.vault, 'options.vault', { methods: ['put', 'get', 'erase'], what: 'a Vault' });
    }
    for (const field of ['everyEntries', 'everyMs'] as const) {
      const value = options.policy?.[field];
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
        throw new WritError(
          'ERR_INVALID_ARGUMENT',
          `options.policy.${field} must be a positive integer`,
          { details: { parameter: `options.policy.${field}` } },
        );
      }
    }
    const ledger = new Ledger(options);
    const latest = await options.store.latestCheckpoint();
    const head = await options.store.head();
    await ledger.#catchUp(head.size, latest);
    return ledger;
  }

  /** Entries covered by the latest checkpoint this ledger knows. */
  get checkpointedSize(): number {
    return this.#checkpointed;
  }

  /**
   * Append entries, then write a checkpoint when the policy says so.
   * @throws the store's errors; a failed background checkpoint surfaces here.
   */
  async append(drafts: readonly EntryDraft[]): Promise<StoredEntry[]> {
    this.#check();
    const stored = await this.#store.append(drafts);
    // The frontier takes the entries now when they follow what it holds (no other writer in
    // between), so a checkpoint does not read them back from the store; otherwise the next
    // checkpoint catches up from the store as before. Pushes happen only at exactly the
    // frontier's size, here and in #catchUp, so an entry is never counted twice.
    if (stored.length > 0 && stored[0]!.seq === this.#frontier.size) {
      for (const entry of stored) this.#frontier.push(leafOf(entry.hash));
      for (const draft of drafts) this.#noteTime(draft.time);
    }
    const everyEntries = this.#policy.everyEntries;
    const lastSeq = stored.at(-1)?.seq ?? 0;
    if (everyEntries !== undefined && lastSeq + 1 - this.#checkpointed >= everyEntries)
      await this.checkpoint();
    else if (this.#policy.everyMs !== undefined && this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.checkpoint().catch((error: unknown) => {
          this.#failure = error;
        });
      }, this.#policy.everyMs);
      this.#timer.unref?.();
    }
    return stored;
  }

  /**
   * Append entries whose `sensitive` fields (key paths into the body) are replaced by
   * commit markers; values and salts go to the vault first, so a stored commitment always
   * has its opening until the vault item is deliberately erased.
   * @throws `ERR_INVALID_ARGUMENT` (no vault configured, a path naming no field), store errors.
   * @example
   * ```ts
   * await ledger.appendRedacted([{ draft, sensitive: [['args', 'to']] }]);
   * ```
   */
  async appendRedacted(
    entries: readonly {
      readonly draft: EntryDraft;
      readonly sensitive: readonly (readonly string[])[];
    }[],
  ): Promise<StoredEntry[]> {
    const vault = this.#vault;
    if (vault === undefined)
      throw new WritError('ERR_INVALID_ARGUMENT', 'appendRedacted needs options.vault', {
        details: { parameter: 'options.vault' },
      });
    const list: unknown = entries;
    if (!Array.isArray(list))
      throw new WritError('ERR_INVALID_ARGUMENT', 'entries must be an array', {
        details: { parameter: 'entries' },
      });
    const drafts = entries.map(({ draft, sensitive }) => {
      const { body, items } = redact({ body: draft.body, paths: sensitive });
      return { draft: { type: draft.type, time: draft.time, body }, items };
    });
    for (const { items } of drafts) for (const item of items) await vault.put(item);
    return this.append(drafts.map(({ draft }) => draft));
  }

  /**
   * Sign and store a checkpoint of the current head (no-op when nothing new).
   * @returns the latest checkpoint afterwards, or `undefined` for an empty ledger.
   */
  checkpoint(): Promise<CheckpointRecord | undefined> {
    const run = this.#chain.then(() => this.#checkpointNow());
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Write the `session-started` entry with the environment and its digest.
   * @throws `ERR_INVALID_ARGUMENT`, `ERR_CANONICAL_UNSUPPORTED`, store errors.
   */
  async startSession(options: {
    sessionId: string;
    time: string;
    principal: JsonObject;
    agent: JsonObject;
    environment: EnvironmentBody;
  }): Promise<StoredEntry> {
    if (
      typeof options !== 'object' ||
      options === null ||
      typeof options.sessionId !== 'string' ||
      options.sessionId.length === 0
    ) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'options.sessionId must be a non-empty string', {
        details: { parameter: 'options.sessionId' },
      });
    }
    const environment = options.environment as unknown as JsonObject;
    const body = {
      sessionId: options.sessionId,
      principal: options.principal,
      agent: options.agent,
      environment,
      environmentDigest: digest(environment),
    };
    const [entry] = await this.append([{ type: 'session-started', time: options.time, body }]);
    return entry!;
  }

  /** Write `session-ended` and a checkpoint covering it. */
  async endSession(options: { sessionId: string; time: string }): Promise<CheckpointRecord> {
    assertOptions(options);
    await this.append([
      { type: 'session-ended', time: options.time, body: { sessionId: options.sessionId } },
    ]);
    const checkpoint = await this.checkpoint();
    return checkpoint!;
  }

  /** @inheritdoc */
  read(range?: ReadRange): AsyncIterable<StoredEntry> {
    return this.#store.read(range);
  }

  /** @inheritdoc */
  head(): Promise<LedgerHead> {
    return this.#store.head();
  }

  /** Stores a checkpoint record as given (e.g. a witness cosigned note); prefer {@link Ledger.checkpoint}. */
  putCheckpoint(checkpoint: CheckpointRecord): Promise<void> {
    return this.#store.putCheckpoint(checkpoint);
  }

  /** @inheritdoc */
  checkpoints(): AsyncIterable<CheckpointRecord> {
    return this.#store.checkpoints();
  }

  /** @inheritdoc */
  latestCheckpoint(): Promise<CheckpointRecord | undefined> {
    return this.#store.latestCheckpoint();
  }

  /** Checkpoint what is uncovered, then close the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    try {
      if (this.#failure === undefined) await this.checkpoint();
    } finally {
      this.#closed = true;
      await this.#store.close();
    }
  }

  #check(): void {
    if (this.#closed) throw new WritError('ERR_STORE_CLOSED', 'ledger is closed');
    if (this.#failure !== undefined)
      throw WritError.isInstance(this.#failure)
        ? this.#failure
        : new WritError('ERR_STORE_IO', 'checkpoint failed', { cause: this.#failure });
  }

  async #checkpointNow(): Promise<CheckpointRecord | undefined> {
    const head = await this.#store.head();
    await this.#catchUp(head.size, undefined);
    if (head.size === 0) return undefined;
    if (head.size === this.#checkpointed) return this.#store.latestCheckpoint();
    const root = this.#frontier.root();
    // The signing time never precedes the entries it covers, nor the latest checkpoint of a
    // smaller tree (another writer's, or this one's before a restart with a clock behind):
    // the verifier checks both.
    const latest = await this.#store.latestCheckpoint();
    const latestTime = latest === undefined ? undefined : parseCheckpoint(parseNote(latest.note).text).time;
    let time = this.#now().toISOString();
    for (const floor of [this.#maxTime, latestTime]) {
      if (floor !== undefined && floor !== '' && Date.parse(floor) > Date.parse(time)) time = floor;
    }
    const note = signCheckpoint({
      origin: this.#origin,
      size: head.size,
      root,
      time,
      signer: this.#signer,
    });
    const record: CheckpointRecord = { size: head.size, root: hashToDigest(root), note };
    await this.#store.putCheckpoint(record);
    this.#checkpointed = head.size;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    return record;
  }

  // Feed the frontier every stored entry it has not seen, up to `size`; check `latest`
  // against the prefix root when the stream passes its size.
  async #catchUp(size: number, latest: CheckpointRecord | undefined): Promise<void> {
    if (latest !== undefined && latest.size <= this.#frontier.size)
      throw new WritError('ERR_INTERNAL', 'checkpoint check out of order');
    const check = (): void => {
      if (latest === undefined || this.#frontier.size !== latest.size) return;
      const noteRoot = parseCheckpoint(parseNote(latest.note).text).root;
      const root = this.#frontier.root();
      if (!equalHashes(root, digestToHash(latest.root)) || !equalHashes(root, noteRoot)) {
        throw new WritError(
          'ERR_STORE_CORRUPT',
          'stored checkpoint does not match the stored entries',
          { details: { size: latest.size } },
        );
      }
      this.#checkpointed = latest.size;
    };
    if (this.#frontier.size >= size) return;
    for await (const entry of this.#store.read({ from: this.#frontier.size, to: size })) {
      // Taken by an append while this read was under way.
      if (entry.seq < this.#frontier.size) continue;
      this.#frontier.push(leafOf(entry.hash));
      check();
      this.#noteTime(entryTime(entry.line));
    }
  }

  #noteTime(time: string): void {
    const ms = utcTimeMs(time);
    if (ms > this.#maxTimeMs) {
      this.#maxTimeMs = ms;
      this.#maxTime = time;
    }
  }
}

// The `time` of a stored (canonical) entry line without parsing it all: its members are
// sorted (body, prev, seq, time, type), so the last `,"time":"` is the entry's own — one in the
// body comes before it. Anything unexpected falls back to the full parse.
const TIME_MEMBER = ',"time":"';
function entryTime(line: string): string {
  const at = line.lastIndexOf(TIME_MEMBER);
  const start = at + TIME_MEMBER.length;
  const end = at === -1 ? -1 : line.indexOf('"', start);
  return end === -1 ? parseEntry(line).time : line.slice(start, end);
}
