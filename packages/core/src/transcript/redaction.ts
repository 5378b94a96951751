/**
 * Commit-then-reveal redaction. A sensitive field is replaced in the entry body by the
 * deterministic marker `{ "$commit": "sha256:<hex>" }` where the digest is
 * `SHA-256(JCS({ "salt": <base64url 32 random bytes>, "value": <original value> }))`.
 * The salt and value go to a {@link Vault}. The marker sits exactly where the value was,
 * so independent verifiers see the same structure; erasing the vault item leaves the
 * entry (and so the chain and every checkpoint) untouched; a holder of the value and
 * salt proves equality with {@link verifyReveal}.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalize } from '../canonical/canonicalize.ts';
import { digest } from '../crypto/digest.ts';
import { toBase64Url } from '../crypto/encoding.ts';
import { WritError } from '../errors.ts';
import { readRegularFile } from '../stores/regular-file.ts';
import { MAX_ENTRY_BYTES } from './entry.ts';
import type { JsonObject, JsonValue, Sha256Digest } from '../stores/types.ts';
import { assertOptions, invalidArgument } from '../invalid-argument.ts';

/** The marker that replaces a redacted value. */
export interface CommitMarker {
  readonly $commit: Sha256Digest;
}

/** What a vault keeps for one commitment. */
export interface VaultItem {
  readonly commitment: Sha256Digest;
  /** base64url salt (32 bytes). */
  readonly salt: string;
  readonly value: JsonValue;
}

/** Where redacted values live, apart from the transcript. */
export interface Vault {
  /** Keep an item (idempotent). */
  put(item: VaultItem): Promise<void>;
  /** The item, or `undefined` when unknown. @throws `ERR_VAULT_ERASED` when it was erased. */
  get(commitment: Sha256Digest): Promise<VaultItem | undefined>;
  /** Erase an item for good (privacy law); remembers that it was erased. */
  erase(commitment: Sha256Digest): Promise<void>;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** True for a `{ "$commit": "sha256:..." }` marker (and nothing else in the object). */
export function isCommitMarker(value: unknown): value is CommitMarker {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 1 &&
    keys[0] === '$commit' &&
    typeof (value as CommitMarker).$commit === 'string' &&
    DIGEST.test((value as CommitMarker).$commit)
  );
}

/** The commitment of `value` under `salt`. @throws `ERR_CANONICAL_UNSUPPORTED` */
export function commitment(value: JsonValue, salt: string): Sha256Digest {
  return digest({ salt, value });
}

/** Options of {@link redact}. */
export interface RedactOptions {
  readonly body: JsonObject;
  /** Paths of the sensitive fields, each a list of object keys from the body root. */
  readonly paths: readonly (readonly string[])[];
  /** Salt source (tests inject a fixed one); default 32 random bytes, base64url. */
  readonly salt?: () => string;
}

function isKeyPath(path: unknown): path is readonly string[] {
  return Array.isArray(path) && path.length > 0 && path.every((key) => typeof key === 'string');
}

function invalidPath(index: number): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `paths[${index}] must name an existing field`, {
    details: { parameter: `paths[${index}]` },
  });
}

/**
 * Replace the fields at `paths` by commit markers.
 * @returns the redacted body (a new object) and the vault items to keep.
 * @throws `ERR_INVALID_ARGUMENT` (a path that does not name a field), `ERR_CANONICAL_UNSUPPORTED`.
 * @example
 * ```ts
 * const { body, items } = redact({ body: { to: 'alice@example.com', amount: 10 }, paths: [['to']] });
 * await Promise.all(items.map((item) => vault.put(item)));
 * ```
 */
export function redact(options: RedactOptions): { body: JsonObject; items: VaultItem[] } {
  assertOptions(options);
  if (options.salt !== undefined && typeof options.salt !== 'function') {
    throw invalidArgument('options.salt', 'must be a function returning a salt');
  }
  // Web Crypto's CSPRNG: a global in Node and browsers alike.
  const salt = options.salt ?? (() => toBase64Url(crypto.getRandomValues(new Uint8Array(32))));
  assertOptions(options.body, 'options.body');
  // Copy through JSON so the caller's object is never modified.
  let body: Record<string, JsonValue>;
  try {
    body = JSON.parse(JSON.stringify(options.body)) as Record<string, JsonValue>;
    // An object with a toJSON (a Date, say) may copy to something else than an object.
    assertOptions(body, 'options.body');
  } catch (error) {
    if (WritError.isInstance(error)) throw error;
    // BigInt, a cycle, or a throwing toJSON.
    throw new WritError('ERR_INVALID_ARGUMENT', 'options.body must be a JSON object', {
      cause: error,
      details: { parameter: 'options.body' },
    });
  }
  const items: VaultItem[] = [];
  if (!Array.isArray(options.paths))
    throw new WritError('ERR_INVALID_ARGUMENT', 'paths must be an array', {
      details: { parameter: 'paths' },
    });
  options.paths.forEach((candidate: unknown, index) => {
    if (!isKeyPath(candidate)) throw invalidPath(index);
    const path = candidate;
    let parent: Record<string, JsonValue> = body;
    for (const key of path.slice(0, -1)) {
      const next = Object.hasOwn(parent, key) ? parent[key] : undefined;
      if (typeof next !== 'object' || next === null || Array.isArray(next) || isCommitMarker(next))
        throw invalidPath(index);
      parent = next as Record<string, JsonValue>;
    }
    const last = path[path.length - 1]!;
    if (!Object.hasOwn(parent, last)) throw invalidPath(index);
    const value = parent[last]!;
    if (isCommitMarker(value)) return;
    const saltValue = salt();
    const sealed: VaultItem = { commitment: commitment(value, saltValue), salt: saltValue, value };
    // defineProperty: a key named __proto__ stays an own data property.
    Object.defineProperty(parent, last, {
      value: { $commit: sealed.commitment },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    items.push(sealed);
  });
  return { body, items };
}

/**
 * Check that `value` and `salt` open `commitment` (a holder proving what was redacted).
 * @throws `ERR_REDACTION_MISMATCH`.
 */
export function verifyReveal(reveal: {
  readonly commitment: Sha256Digest;
  readonly salt: string;
  readonly value: JsonValue;
}): void {
  let computed: string;
  try {
    computed = commitment(reveal.value, reveal.salt);
  } catch {
    throw new WritError('ERR_REDACTION_MISMATCH', 'revealed value does not match its commitment');
  }
  if (typeof reveal.commitment !== 'string' || computed !== reveal.commitment) {
    throw new WritError('ERR_REDACTION_MISMATCH', 'revealed value does not match its commitment');
  }
}

/** A {@link Vault} in memory. */
export class MemoryVault implements Vault {
  readonly #items = new Map<string, VaultItem>();
  readonly #erased = new Set<string>();

  /** @inheritdoc */
  put(item: VaultItem): Promise<void> {
    return new Promise((resolve) => {
      verifyReveal(item);
      if (!this.#erased.has(item.commitment)) this.#items.set(item.commitment, { ...item });
      resolve();
    });
  }

  /** @inheritdoc */
  get(commitment: Sha256Digest): Promise<VaultItem | undefined> {
    return new Promise((resolve) => {
      if (this.#erased.has(commitment))
        throw new WritError('ERR_VAULT_ERASED', 'vault item was erased');
      resolve(this.#items.get(commitment));
    });
  }

  /** @inheritdoc */
  erase(commitment: Sha256Digest): Promise<void> {
    this.#items.delete(commitment);
    this.#erased.add(commitment);
    return Promise.resolve();
  }
}

/**
 * The most bytes a {@link FileVault} item file holds (16 MiB + 1 KiB). A redacted value was part
 * of one transcript entry, whose canonical JSON is at most {@link MAX_ENTRY_BYTES}; its item
 * file is the value in the same canonical JSON beside the commitment and salt (~130 bytes).
 */
export const MAX_VAULT_ITEM_BYTES = MAX_ENTRY_BYTES + 1024;

/**
 * A {@link Vault} in a directory: one file per item, a tombstone per erased item. Item files are
 * read as the stores read theirs: non-blocking, no link followed, a regular file of at most
 * {@link MAX_VAULT_ITEM_BYTES} — a FIFO placed in the vault would otherwise hang every reveal.
 */
export class FileVault implements Vault {
  readonly #dir: string;

  /** @param dir the vault directory (created on first `put`). */
  constructor(dir: string) {
    if (typeof dir !== 'string' || dir.length === 0) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'dir must be a directory path', {
        details: { parameter: 'dir' },
      });
    }
    this.#dir = dir;
  }

  #path(commitment: string, suffix: string): string {
    if (typeof commitment !== 'string' || !DIGEST.test(commitment)) {
      throw new WritError('ERR_INVALID_ARGUMENT', 'commitment must be a sha256 digest', {
        details: { parameter: 'commitment' },
      });
    }
    return join(this.#dir, `${commitment.slice(7)}${suffix}`);
  }

  /** @inheritdoc */
  async put(item: VaultItem): Promise<void> {
    verifyReveal(item);
    if (existsSync(this.#path(item.commitment, '.erased'))) return;
    await mkdir(this.#dir, { recursive: true });
    const path = this.#path(item.commitment, '.json');
    const text = canonicalize({ commitment: item.commitment, salt: item.salt, value: item.value });
    // Never write an item `get` would refuse to read back.
    if (Buffer.byteLength(text) > MAX_VAULT_ITEM_BYTES) {
      throw new WritError('ERR_INVALID_ARGUMENT', `item.value is larger than a transcript entry may hold (${MAX_ENTRY_BYTES} bytes)`, {
        details: { parameter: 'item.value', limit: MAX_VAULT_ITEM_BYTES },
      });
    }
    await writeFile(`${path}.tmp`, text);
    await rename(`${path}.tmp`, path);
  }

  /**
   * @inheritdoc
   * @throws `ERR_VAULT_ERASED`; `ERR_STORE_CORRUPT` when the item file is not a regular file
   *   (`details.kind`: `fifo`, `symbolic-link`, `directory`, ...) or is over
   *   {@link MAX_VAULT_ITEM_BYTES} (`too-large`); `ERR_STORE_IO` when it cannot be read or parsed.
   */
  async get(commitment: Sha256Digest): Promise<VaultItem | undefined> {
    if (existsSync(this.#path(commitment, '.erased')))
      throw new WritError('ERR_VAULT_ERASED', 'vault item was erased');
    try {
      const text = await readRegularFile(this.#path(commitment, '.json'), { maxBytes: MAX_VAULT_ITEM_BYTES });
      return JSON.parse(text) as VaultItem;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
      if (WritError.isInstance(error)) throw error;
      throw new WritError('ERR_STORE_IO', 'vault read failed', { cause: error });
    }
  }

  /** @inheritdoc */
  async erase(commitment: Sha256Digest): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    await writeFile(this.#path(commitment, '.erased'), '');
    await rm(this.#path(commitment, '.json'), { force: true });
  }
}
