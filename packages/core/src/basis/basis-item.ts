/**
 * Basis items: the runtime objects behind an action (TraceScript §9.5, §12). An item is
 * content the model saw plus its provenance — kind, source, authority, tenant, time,
 * lineage, supersession and contradiction — and a digest of its content.
 */
import { digest } from '../crypto/digest.ts';
import type { Digest } from '../crypto/digest.ts';
import { WritError } from '../errors.ts';
import type { BasisAuthority, BasisItemInput, BasisKind } from '../firewall/types.ts';
import type { JsonValue } from '../stores/types.ts';
import { isPlainObject } from '../registry/tool-declaration.ts';
import { AUTHORITIES, isAuthority } from './authority.ts';
import { assertOptions } from '../invalid-argument.ts';

/** Every basis kind. */
export const BASIS_KINDS: readonly BasisKind[] = [
  'instruction',
  'memory',
  'retrieval',
  'policy',
  'workflow',
  'approval',
  'evidence',
  'tool-output',
  'summary',
  'inference',
  'receipt',
];

/** A recorded basis item. */
export interface BasisItem {
  readonly id: string;
  readonly kind: BasisKind;
  readonly source: string;
  /** Authority as declared when the item was added (lineage may lower it when scored). */
  readonly authority: BasisAuthority;
  readonly tenant: string | undefined;
  /** RFC 3339 time it was observed. */
  readonly observedAt: string;
  readonly maxAgeMs: number | undefined;
  /** `sha256:` of the canonical content. */
  readonly digest: Digest;
  readonly derivedFrom: readonly string[];
  readonly supersededBy: string | undefined;
  readonly contradicts: readonly string[];
  readonly content: JsonValue;
}

const ID = /^[A-Za-z0-9_.:#/@-]{1,200}$/;
const KEYS = new Set([
  'kind',
  'content',
  'source',
  'authority',
  'id',
  'tenant',
  'observedAt',
  'maxAgeMs',
  'derivedFrom',
  'supersededBy',
  'contradicts',
]);

function invalid(parameter: string, message: string): WritError {
  return new WritError('ERR_BASIS_ITEM_INVALID', `${parameter} ${message}`, {
    details: { parameter },
  });
}

function ids(value: unknown, parameter: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 1000)
    throw invalid(parameter, 'must be an array of item ids');
  return value.map((id: unknown, index) => {
    if (typeof id !== 'string' || !ID.test(id))
      throw invalid(`${parameter}[${index}]`, 'is not an item id');
    return id;
  });
}

/**
 * Checks an item from an application or adapter and completes it (id, digest, tenant,
 * time). The default id is derived from kind, source and content digest, so re-adding the
 * same content from the same source (a framework resuming a run) yields the same item, and
 * the same content from two sources (two tool calls with identical outputs) two items.
 * @throws WritError `ERR_BASIS_ITEM_INVALID` naming the offending field;
 * `ERR_CANONICAL_UNSUPPORTED` when the content is not JSON.
 */
export function createBasisItem(options: {
  readonly input: unknown;
  readonly tenant?: string;
  readonly now: Date;
}): BasisItem {
  assertOptions(options);
  const { input, now } = options;
  if (!isPlainObject(input)) throw invalid('item', 'must be an object');
  for (const key of Object.keys(input))
    if (!KEYS.has(key)) throw invalid(`item.${key}`, 'is not a known field');
  const raw = input as Partial<Record<keyof BasisItemInput, unknown>>;
  if (typeof raw.kind !== 'string' || !(BASIS_KINDS as readonly string[]).includes(raw.kind))
    throw invalid('item.kind', `is not a basis kind (one of ${BASIS_KINDS.join(', ')})`);
  if (typeof raw.source !== 'string' || raw.source.length === 0 || raw.source.length > 1000)
    throw invalid('item.source', 'must be a non-empty string');
  if (!isAuthority(raw.authority)) throw invalid('item.authority', `is not an authority (one of ${AUTHORITIES.join(', ')})`);
  if (raw.content === undefined) throw invalid('item.content', 'is required');
  if (raw.id !== undefined && (typeof raw.id !== 'string' || !ID.test(raw.id)))
    throw invalid('item.id', 'is not an item id');
  if (raw.tenant !== undefined && (typeof raw.tenant !== 'string' || raw.tenant.length === 0))
    throw invalid('item.tenant', 'must be a non-empty string');
  if (
    raw.observedAt !== undefined &&
    !(raw.observedAt instanceof Date && Number.isFinite(raw.observedAt.getTime()))
  ) {
    throw invalid('item.observedAt', 'must be a valid Date');
  }
  if (
    raw.maxAgeMs !== undefined &&
    (typeof raw.maxAgeMs !== 'number' || !Number.isSafeInteger(raw.maxAgeMs) || raw.maxAgeMs < 0)
  ) {
    throw invalid('item.maxAgeMs', 'must be a non-negative integer');
  }
  if (
    raw.supersededBy !== undefined &&
    (typeof raw.supersededBy !== 'string' || !ID.test(raw.supersededBy))
  ) {
    throw invalid('item.supersededBy', 'is not an item id');
  }
  if (!(now instanceof Date) || !Number.isFinite(now.getTime()))
    throw invalid('now', 'must be a valid Date');
  const content = raw.content as JsonValue;
  const contentDigest = digest(content);
  const kind = raw.kind as BasisKind;
  return Object.freeze({
    id: raw.id ?? `${kind}:${digest({ source: raw.source, content: contentDigest }).slice(7, 23)}`,
    kind,
    source: raw.source,
    authority: raw.authority,
    tenant: raw.tenant ?? options.tenant,
    observedAt: (raw.observedAt ?? now).toISOString(),
    maxAgeMs: raw.maxAgeMs,
    digest: contentDigest,
    derivedFrom: Object.freeze(ids(raw.derivedFrom, 'item.derivedFrom')),
    supersededBy: raw.supersededBy,
    contradicts: Object.freeze(ids(raw.contradicts, 'item.contradicts')),
    content,
  });
}
