/**
 * A running authority's ledger, read page by page over `GET /v1/transcript?from=N` (approver
 * token), as the source of `copyLedger`: `writ pull https://authority…`. Nothing it answers is
 * trusted: each line's hash is computed here, `appendStored` checks the chain on the way in,
 * and the copy is verified like any transcript directory. Memory stays bounded by one page.
 */
import { GENESIS_HASH, WritError, hashToDigest, leafHash, parseCheckpoint, parseEntry, parseNote, readBodyCapped } from '@writ/core';
import type { CheckpointRecord, LedgerHead, ReadRange, Sha256Digest, StoredEntry } from '@writ/core';

/** Options of {@link AuthorityLedgerSource}. */
export interface AuthorityLedgerSourceOptions {
  /** Base URL of the authority (`https://authority.example`). */
  readonly url: string;
  /** An approver's bearer token. */
  readonly token: string;
  /** Where the head scan starts: the entries the copy holds already (it needs the one before). */
  readonly known?: number;
  /** Deadline per request (default 30 s). */
  readonly timeoutMs?: number;
  /** Largest answer read (default 64 MiB; a page is at most 5000 entries). */
  readonly maxBytes?: number;
  readonly fetch?: typeof fetch;
}

interface Page {
  readonly entries: readonly string[];
}

function tooLarge(maxBytes: number): WritError {
  return new WritError('ERR_STORE_IO', `the authority's answer is larger than ${maxBytes} bytes`, { details: { operation: 'read' } });
}

/** The body as UTF-8, at most `maxBytes` bytes (`readBodyCapped`), giving up when `signal` aborts. */
async function readCapped(response: Response, maxBytes: number, signal: AbortSignal): Promise<string> {
  const bytes = await readBodyCapped(response, maxBytes, signal);
  if (bytes === undefined) throw tooLarge(maxBytes);
  try {
    // Fatal: replacing bad bytes with U+FFFD would hash other bytes than the ones served.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WritError('ERR_STORE_IO', "the authority's answer is not UTF-8", { details: { operation: 'read' } });
  }
}

const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Reads a ledger from an authority's transcript pages. */
export class AuthorityLedgerSource {
  readonly #url: string;
  readonly #token: string;
  readonly #known: number;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #fetch: typeof fetch;
  #head: LedgerHead | undefined;

  constructor(options: AuthorityLedgerSourceOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WritError('ERR_INVALID_ARGUMENT', 'the authority URL must be http(s)', { details: { parameter: 'url' } });
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
      throw new WritError('ERR_INVALID_ARGUMENT', 'the authority URL must not carry credentials, a query or a fragment', { details: { parameter: 'url' } });
    }
    this.#url = url.toString().replace(/\/$/u, '');
    this.#token = options.token;
    this.#known = options.known ?? 0;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#fetch = options.fetch ?? fetch;
  }

  /** GET `path` with the token; the answer's JSON, or a clear error. */
  async #get(path: string): Promise<unknown> {
    const where = `${this.#url}${path}`;
    let response: Response;
    let text: string;
    try {
      const signal = AbortSignal.timeout(this.#timeoutMs);
      response = await this.#fetch(where, { headers: { authorization: `Bearer ${this.#token}`, accept: 'application/json' }, redirect: 'error', signal });
      const length = Number(response.headers.get('content-length') ?? '0');
      if (length > this.#maxBytes) throw tooLarge(this.#maxBytes);
      text = await readCapped(response, this.#maxBytes, signal);
    } catch (error) {
      if (WritError.isInstance(error)) throw error;
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new WritError('ERR_STORE_IO', `cannot read the transcript from ${this.#url}${typeof code === 'string' ? ` (${code})` : ''}`, { cause: error, details: { operation: 'read' } });
    }
    if (response.status === 401 || response.status === 403) {
      throw new WritError('ERR_INVALID_ARGUMENT', `the authority refused the token (HTTP ${response.status}): an approver's token reads the transcript`, { details: { parameter: 'token', httpStatus: response.status } });
    }
    if (!response.ok) throw new WritError('ERR_STORE_IO', `the authority answered HTTP ${response.status} for ${where}`, { details: { operation: 'read', httpStatus: response.status } });
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new WritError('ERR_STORE_IO', `the authority's answer for ${where} is not JSON`, { details: { operation: 'read' } });
    }
  }

  /** Entries from `from`, without checkpoints (those are paged from /v1/checkpoints). */
  async #page(from: number): Promise<Page> {
    const path = `/v1/transcript?from=${from}&checkpoints=none`;
    const page = (await this.#get(path)) as { from?: unknown; entries?: unknown } | null;
    if (typeof page !== 'object' || page === null || page.from !== from || !strings(page.entries)) {
      throw new WritError('ERR_STORE_IO', `the authority's answer for ${this.#url}${path} is not a transcript page`, { details: { operation: 'read' } });
    }
    return { entries: page.entries };
  }

  /** Entries `[from, to)` with their hashes computed here. */
  async *read(range: ReadRange = {}): AsyncIterable<StoredEntry> {
    let seq = range.from ?? 0;
    const to = range.to ?? Number.POSITIVE_INFINITY;
    while (seq < to) {
      const { entries } = await this.#page(seq);
      if (entries.length === 0) return;
      for (const line of entries) {
        if (seq >= to) return;
        yield { seq, hash: hashToDigest(leafHash(line)), line };
        seq += 1;
      }
    }
  }

  /**
   * Size and last hash, by reading pages from the entry before the known ones to the end; read
   * once (a pull copies the ledger as it was then).
   */
  async head(): Promise<LedgerHead> {
    this.#head ??= await this.#scanHead();
    return this.#head;
  }

  async #scanHead(): Promise<LedgerHead> {
    for (const start of this.#known > 0 ? [this.#known - 1, 0] : [0]) {
      let size = start;
      let hash: Sha256Digest | undefined;
      for (;;) {
        const { entries } = await this.#page(size);
        if (entries.length === 0) break;
        // Each entry where the page says it is and linked to the one before: a page served
        // again (or from another place) ends the scan here instead of extending it forever.
        for (const line of entries) {
          const entry = parseEntry(line);
          if (entry.seq !== size) throw new WritError('ERR_TRANSCRIPT_SEQUENCE', `entry has seq ${entry.seq}, expected ${size}`, { details: { seq: size, found: entry.seq } });
          if (hash !== undefined && entry.prev !== hash) throw new WritError('ERR_TRANSCRIPT_CHAIN', `entry ${size} does not follow the hash before it`, { details: { seq: size } });
          hash = hashToDigest(leafHash(line));
          size += 1;
        }
      }
      if (hash !== undefined) return { size, hash };
    }
    return { size: 0, hash: GENESIS_HASH };
  }

  /** The checkpoints of the last page read, as records. */
  async *checkpoints(): AsyncIterable<CheckpointRecord> {
    // Public pages of at most 1000 notes, oldest first, `next` while more follow.
    for (let from = 0; ; ) {
      const path = `/v1/checkpoints?from=${from}`;
      const page = (await this.#get(path)) as { from?: unknown; checkpoints?: unknown; next?: unknown } | null;
      if (typeof page !== 'object' || page === null || page.from !== from || !strings(page.checkpoints)) {
        throw new WritError('ERR_STORE_IO', `the authority's answer for ${this.#url}${path} is not a checkpoint page`, { details: { operation: 'read' } });
      }
      for (const note of page.checkpoints) {
        const checkpoint = parseCheckpoint(parseNote(note).text);
        yield { size: checkpoint.size, root: hashToDigest(checkpoint.root), note };
      }
      if (page.next === undefined) return;
      // A next that does not move on would page forever.
      if (page.next !== from + page.checkpoints.length || page.checkpoints.length === 0) {
        throw new WritError('ERR_STORE_IO', `the authority's answer for ${this.#url}${path} names a next page that does not follow it`, { details: { operation: 'read' } });
      }
      from = page.next;
    }
  }
}
