/**
 * The basis ledger of one session: every item the model saw, with its provenance, in the
 * order it was seen. Adapters add the system prompt, user turns and tool outputs (with
 * the tool's declared trust); applications add retrievals, memories, approvals, receipts.
 */
import { WritError } from '../errors.ts';
import type { BasisAuthority, BasisItemInput, BasisItemRef, BasisKind } from '../firewall/types.ts';
import type { JsonValue } from '../stores/types.ts';
import type { BasisItem } from './basis-item.ts';
import { BASIS_KINDS, createBasisItem } from './basis-item.ts';
import { assertOptions } from '../invalid-argument.ts';

/** Fields an application may set on the convenience `add*` methods. */
export type BasisExtras = Partial<
  Pick<BasisItemInput, 'id' | 'tenant' | 'observedAt' | 'maxAgeMs' | 'derivedFrom' | 'contradicts'>
>;

/** Options of {@link BasisLedger}. */
export interface BasisLedgerOptions {
  /** Tenant of the session principal; the default tenant of every item. */
  readonly tenant?: string;
  /** Clock for `observedAt` defaults. Default: `() => new Date()`. */
  readonly now?: () => Date;
  /** Most items kept (oldest items are never dropped: adding past the limit throws). Default 10 000. */
  readonly maxItems?: number;
  /**
   * Max age per kind for items that set none (e.g. `{ 'tool-output': 3_600_000 }`): past it
   * an item no longer supports A3+ actions. Default: none (items never go stale).
   */
  readonly defaultMaxAgeMs?: Readonly<Partial<Record<BasisKind, number>>>;
}

/** Convenience methods take a string or an object; anything else is named, not a TypeError. */
function checkInput(given: {
  readonly text?: unknown;
  readonly extras?: unknown;
  readonly input?: unknown;
}): void {
  if ('text' in given && typeof given.text !== 'string') {
    throw new WritError('ERR_BASIS_ITEM_INVALID', 'text must be a string', {
      details: { parameter: 'text' },
    });
  }
  for (const name of ['extras', 'input'] as const) {
    if (
      name in given &&
      (typeof given[name] !== 'object' || given[name] === null || Array.isArray(given[name]))
    ) {
      throw new WritError('ERR_BASIS_ITEM_INVALID', `${name} must be an object`, {
        details: { parameter: name },
      });
    }
  }
}

const SAME_FIELDS = ['kind', 'source', 'authority', 'tenant', 'digest'] as const;

/** A per-session ledger of basis items. */
export class BasisLedger {
  readonly #items = new Map<string, BasisItem>();
  readonly #tenant: string | undefined;
  readonly #now: () => Date;
  readonly #maxItems: number;
  readonly #defaultMaxAgeMs: Readonly<Partial<Record<BasisKind, number>>>;
  #revision = 0;

  /** @throws WritError `ERR_INVALID_ARGUMENT` for malformed options. */
  constructor(options: BasisLedgerOptions = {}) {
    assertOptions(options);
    if (
      options.tenant !== undefined &&
      (typeof options.tenant !== 'string' || options.tenant === '')
    ) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'options.tenant must be a non-empty string', {
        details: { parameter: 'options.tenant' },
      });
    }
    this.#tenant = options.tenant;
    this.#now = options.now ?? (() => new Date());
    this.#maxItems = options.maxItems ?? 10_000;
    const ages = options.defaultMaxAgeMs ?? {};
    for (const [kind, age] of Object.entries(ages)) {
      if (
        !(BASIS_KINDS as readonly string[]).includes(kind) ||
        typeof age !== 'number' ||
        !Number.isSafeInteger(age) ||
        age < 0
      ) {
        throw new WritError(
          'ERR_INVALID_ARGUMENT',
          `options.defaultMaxAgeMs.${kind} must be a non-negative integer for a basis kind`,
          {
            details: { parameter: `options.defaultMaxAgeMs.${kind}` },
          },
        );
      }
    }
    this.#defaultMaxAgeMs = { ...ages };
  }

  /**
   * Records an item. Re-adding an identical item (same id, kind, source, authority, tenant,
   * content) returns the existing reference: frameworks re-deliver on resume.
   * @throws WritError `ERR_BASIS_ITEM_INVALID`, `ERR_BASIS_ITEM_DUPLICATE` when the id is
   * taken by a different item, `ERR_BASIS_LEDGER_FULL` past `maxItems`.
   */
  add(input: BasisItemInput): BasisItemRef {
    const kind = (input as { kind?: unknown } | null)?.kind;
    const age = typeof kind === 'string' ? this.#defaultMaxAgeMs[kind as BasisKind] : undefined;
    const withAge =
      age !== undefined && (input as { maxAgeMs?: unknown }).maxAgeMs === undefined
        ? { ...input, maxAgeMs: age }
        : input;
    const item = createBasisItem({ input: withAge, tenant: this.#tenant, now: this.#now() });
    const existing = this.#items.get(item.id);
    if (existing) {
      if (SAME_FIELDS.every((field) => existing[field] === item[field]))
        return { id: existing.id, digest: existing.digest };
      throw new WritError(
        'ERR_BASIS_ITEM_DUPLICATE',
        'a different basis item already has this id',
        { details: { parameter: 'item.id' } },
      );
    }
    if (this.#items.size >= this.#maxItems) {
      throw new WritError('ERR_BASIS_LEDGER_FULL', 'the basis ledger is full', {
        details: { parameter: 'item' },
      });
    }
    this.#items.set(item.id, item);
    this.#revision++;
    return { id: item.id, digest: item.digest };
  }

  /** The system prompt: authority `verified` (the deployer wrote it). */
  addSystemPrompt(text: string, extras: BasisExtras = {}): BasisItemRef {
    checkInput({ text, extras });
    return this.add({
      kind: 'instruction',
      content: text,
      source: 'system',
      authority: 'verified',
      ...extras,
    });
  }

  /** A user turn: authority `user`. */
  addUserTurn(text: string, extras: BasisExtras = {}): BasisItemRef {
    checkInput({ text, extras });
    return this.add({
      kind: 'instruction',
      content: text,
      source: 'user',
      authority: 'user',
      ...extras,
    });
  }

  /** A tool output, with the declared trust of the tool that produced it (default `untrusted`). */
  addToolOutput(
    input: {
      readonly tool: string;
      readonly callId: string;
      readonly output: JsonValue;
      readonly trust?: BasisAuthority;
    } & BasisExtras,
  ): BasisItemRef {
    checkInput({ input });
    const { tool, callId, output, trust = 'untrusted', ...extras } = input;
    return this.add({
      kind: 'tool-output',
      content: output,
      source: `tool:${tool}#${callId}`,
      authority: trust,
      ...extras,
    });
  }

  /** A retrieved document: authority `unverified` unless the application vouches for it. */
  addRetrieval(
    input: {
      readonly content: JsonValue;
      readonly source: string;
      readonly authority?: BasisAuthority;
    } & BasisExtras,
  ): BasisItemRef {
    checkInput({ input });
    const { authority = 'unverified', ...rest } = input;
    return this.add({ kind: 'retrieval', authority, ...rest });
  }

  /** A memory: authority `unverified` unless the application vouches for it. */
  addMemory(
    input: {
      readonly content: JsonValue;
      readonly source: string;
      readonly authority?: BasisAuthority;
    } & BasisExtras,
  ): BasisItemRef {
    checkInput({ input });
    const { authority = 'unverified', ...rest } = input;
    return this.add({ kind: 'memory', authority, ...rest });
  }

  /** A verified approval statement (only add approvals the approval verifier accepted). */
  addApproval(
    input: { readonly content: JsonValue; readonly source: string } & BasisExtras,
  ): BasisItemRef {
    checkInput({ input });
    return this.add({ kind: 'approval', authority: 'verified', ...input });
  }

  /** A prior outcome receipt of this firewall (verified by construction). */
  addReceipt(
    input: { readonly content: JsonValue; readonly source: string } & BasisExtras,
  ): BasisItemRef {
    checkInput({ input });
    return this.add({ kind: 'receipt', authority: 'verified', ...input });
  }

  /**
   * Marks `id` as superseded by `by` (a newer canonical object replaces it).
   * @throws WritError `ERR_BASIS_ITEM_INVALID` when either id is unknown.
   */
  supersede(id: string, by: string): void {
    if (!this.#items.has(id))
      throw new WritError('ERR_BASIS_ITEM_INVALID', 'id is not in the ledger', {
        details: { parameter: 'id' },
      });
    if (!this.#items.has(by))
      throw new WritError('ERR_BASIS_ITEM_INVALID', 'by is not in the ledger', {
        details: { parameter: 'by' },
      });
    const item = this.#items.get(id) as BasisItem;
    // Replace rather than patch on read, so callers keep getting one stable object per item.
    this.#items.set(id, Object.freeze({ ...item, supersededBy: by }));
    this.#revision++;
  }

  /** The item with `id`, with supersession applied. */
  get(id: string): BasisItem | undefined {
    return this.#items.get(id);
  }

  /** Every item in the order it was added, with supersession applied. */
  items(): BasisItem[] {
    return [...this.#items.values()];
  }

  /**
   * Counts changes of the item set: it moves on every `add` that records a new item and on
   * every `supersede`, so a value computed from `items()` is current while it is unchanged.
   */
  get revision(): number {
    return this.#revision;
  }

  /** Number of items. */
  get size(): number {
    return this.#items.size;
  }
}
