import { createHash } from 'node:crypto';
import type { Sha256Digest, StoredEntry } from '@writ/core';
import { WritError } from '@writ/core';

/** One `ledger_entries` row as read back. */
export interface EntryRow {
  readonly seq: string;
  readonly hash: Buffer;
  readonly prev_hash: Buffer;
  readonly line: Buffer;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const LEAF_PREFIX = Buffer.from([0x00]);

/** `sha256:<hex>` → 32 raw bytes (input already validated). */
export function digestToBuffer(digest: Sha256Digest): Buffer {
  return Buffer.from(digest.slice('sha256:'.length), 'hex');
}

/** 32 raw bytes → `sha256:<hex>`. */
export function bufferToDigest(bytes: Buffer): Sha256Digest {
  return `sha256:${bytes.toString('hex')}`;
}

function corrupt(seq: number, reason: string): WritError {
  return new WritError('ERR_STORE_CORRUPT', 'PostgreSQL ledger entry fails its own hash or chain', {
    details: { seq, reason },
  });
}

/**
 * Turns a row into a {@link StoredEntry}, re-checking what the database cannot: the
 * stored bytes still hash to the stored leaf hash (RFC 6962: SHA-256(0x00 || line)), and
 * the line itself names the expected `seq` and `prev`.
 * @throws WritError `ERR_STORE_CORRUPT`.
 */
export function checkedEntry(
  row: EntryRow,
  expected: { readonly seq: number; readonly prev: Buffer },
): StoredEntry {
  const seq = Number(row.seq);
  if (seq !== expected.seq) throw corrupt(expected.seq, 'gap in sequence numbers');
  if (!row.prev_hash.equals(expected.prev)) throw corrupt(seq, 'previous hash does not match');
  const computed = createHash('sha256').update(LEAF_PREFIX).update(row.line).digest();
  if (!computed.equals(row.hash)) throw corrupt(seq, 'leaf hash does not match the stored bytes');
  let line: string;
  let fields: { seq?: unknown; prev?: unknown };
  try {
    line = decoder.decode(row.line);
    fields = JSON.parse(line) as { seq?: unknown; prev?: unknown };
  } catch {
    throw corrupt(seq, 'stored bytes are not UTF-8 JSON');
  }
  if (fields.seq !== seq || fields.prev !== bufferToDigest(row.prev_hash)) {
    throw corrupt(seq, 'entry names another position in the chain');
  }
  return { seq, hash: bufferToDigest(row.hash), line };
}
