/**
 * Evidence bundles: a self-contained slice of a transcript that verifies on another
 * machine — the entries, an RFC 9162 inclusion proof for each to one signed checkpoint,
 * that checkpoint, and the trust root.
 *
 * ```json
 * { "type": "writ.evidence-bundle/v1", "from": 10, "entries": ["<entry line>", ...],
 *   "proofs": [["<base64 hash>", ...], ...], "checkpoint": "<signed note>",
 *   "trustRoot": { <trust-root document> } }
 * ```
 */
import { fromBase64, toBase64 } from '../crypto/encoding.ts';
import { WritError } from '../errors.ts';
import type { LedgerStore } from '../stores/types.ts';
import type { TrustRoot, TrustRootDocument } from '../trust/trust-root.ts';
import { parseCheckpoint } from './checkpoint.ts';
import { hashToDigest, parseEntry } from './entry.ts';
import type { LedgerEntry } from './entry.ts';
import { MerkleTree } from './merkle-tree.ts';
import { leafHash, verifyInclusion } from './merkle.ts';
import { parseNote } from './signed-note.ts';
import { EntryChecker, TranscriptCheckError, verifyCheckpointNotes } from './verify-transcript.ts';
import type { TranscriptFailure, TranscriptReport } from './verify-transcript.ts';
import { assertMethods } from '../invalid-argument.ts';
import { LEDGER_STORE_METHODS } from './ledger.ts';

/** Bundle format identifier. */
export const BUNDLE_TYPE = 'writ.evidence-bundle/v1';

/** An evidence bundle. */
export interface EvidenceBundle {
  readonly type: typeof BUNDLE_TYPE;
  /** `seq` of the first entry. */
  readonly from: number;
  readonly entries: readonly string[];
  /** Inclusion proof of each entry (base64 hashes) in the checkpoint's tree. */
  readonly proofs: readonly (readonly string[])[];
  readonly checkpoint: string;
  readonly trustRoot: TrustRootDocument;
}

/** Options of {@link exportBundle}. */
export interface ExportBundleOptions {
  readonly store: LedgerStore;
  /** First entry (default 0). */
  readonly from?: number;
  /** One past the last entry (default: the checkpoint size). */
  readonly to?: number;
  readonly trustRoot: TrustRootDocument;
}

function invalid(parameter: string, what: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `${parameter} ${what}`, { details: { parameter } });
}

/**
 * Export entries `[from, to)` with inclusion proofs to the latest checkpoint.
 * Memory: 64 bytes per entry up to the checkpoint (the proof tree).
 * @throws `ERR_INVALID_ARGUMENT` (range outside the latest checkpoint, no checkpoint), store errors.
 */
export async function exportBundle(options: ExportBundleOptions): Promise<EvidenceBundle> {
  if (typeof options !== 'object' || options === null)
    throw invalid('options', 'must be an object');
  assertMethods(options.store, 'options.store', { methods: LEDGER_STORE_METHODS, what: 'a LedgerStore' });
  if (typeof options.trustRoot !== 'object' || options.trustRoot === null)
    throw invalid('options.trustRoot', 'must be a trust-root document');
  const checkpoint = await options.store.latestCheckpoint();
  if (checkpoint === undefined)
    throw invalid('store', 'has no checkpoint to prove entries against');
  const from = options.from ?? 0;
  const to = options.to ?? checkpoint.size;
  if (!Number.isSafeInteger(from) || from < 0)
    throw invalid('from', 'must be a non-negative integer');
  if (!Number.isSafeInteger(to) || to <= from || to > checkpoint.size)
    throw invalid('to', 'must be above from and within the latest checkpoint');
  const tree = new MerkleTree();
  const entries: string[] = [];
  for await (const entry of options.store.read({ to: checkpoint.size })) {
    tree.push(leafHash(entry.line));
    if (entry.seq >= from && entry.seq < to) entries.push(entry.line);
  }
  if (hashToDigest(tree.root()) !== checkpoint.root) {
    throw new WritError('ERR_STORE_CORRUPT', 'latest checkpoint does not match the stored entries');
  }
  const proofs = entries.map((_, i) =>
    tree.inclusionProof(from + i, checkpoint.size).map((hash) => toBase64(hash)),
  );
  return {
    type: BUNDLE_TYPE,
    from,
    entries,
    proofs,
    checkpoint: checkpoint.note,
    trustRoot: options.trustRoot,
  };
}

function malformed(reason: string): never {
  throw new TranscriptCheckError({
    check: 'entry-format',
    code: 'ERR_BUNDLE_MALFORMED',
    message: `bundle is malformed: ${reason}`,
  });
}

function fail(failure: TranscriptFailure): never {
  throw new TranscriptCheckError(failure);
}

/**
 * Verify an evidence bundle against `trustRoot` (pin it; the bundle's own trust root is
 * only a convenience). Linkage to entries outside the slice is not checked.
 * @throws `ERR_INVALID_ARGUMENT` (bad options).
 */
export function verifyBundle(options: {
  readonly bundle: unknown;
  readonly trustRoot: TrustRoot;
}): TranscriptReport {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.trustRoot?.checkKey !== 'function'
  ) {
    throw invalid('options.trustRoot', 'must be a TrustRoot');
  }
  let origin: string | undefined;
  let count = 0;
  let signedSize = 0;
  let root = '';
  try {
    const bundle = options.bundle as Partial<EvidenceBundle> | null;
    if (typeof bundle !== 'object' || bundle === null || bundle.type !== BUNDLE_TYPE)
      malformed('type');
    const { from, entries, proofs, checkpoint } = bundle;
    if (!Number.isSafeInteger(from) || (from as number) < 0) malformed('from');
    if (
      !Array.isArray(entries) ||
      !Array.isArray(proofs) ||
      entries.length !== proofs.length ||
      entries.length === 0
    )
      malformed('entries/proofs');
    if (typeof checkpoint !== 'string') malformed('checkpoint');
    const verified = verifyCheckpointNotes({ notes: [checkpoint], trustRoot: options.trustRoot });
    origin = verified.origin;
    const head = verified.checkpoints[0]!;
    root = hashToDigest(parseCheckpoint(parseNote(checkpoint).text).root);
    const checker = new EntryChecker({ trustRoot: options.trustRoot, complete: false });
    let prev: string | undefined;
    let lastTime = 0;
    for (let i = 0; i < entries.length; i++) {
      const seq = (from as number) + i;
      const line: unknown = (entries as unknown[])[i];
      let entry: LedgerEntry;
      try {
        entry = parseEntry(line);
      } catch {
        fail({
          check: 'entry-format',
          code: 'ERR_TRANSCRIPT_MALFORMED',
          message: 'entry is malformed',
          seq,
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
      if (prev !== undefined && entry.prev !== prev)
        fail({
          check: 'chain',
          code: 'ERR_TRANSCRIPT_CHAIN',
          message: 'entry does not link to the previous entry',
          ...at,
        });
      const leaf = leafHash(line as string);
      let proof: Uint8Array[];
      try {
        const raw: unknown = (proofs as unknown[])[i];
        if (!Array.isArray(raw)) throw new Error('proof');
        proof = raw.map((hash: unknown) => fromBase64(hash as string));
        verifyInclusion({
          leafIndex: seq,
          treeSize: head.size,
          leafHash: leaf,
          proof,
          root: head.root,
        });
      } catch (error) {
        fail({
          check: 'inclusion-proof',
          code: 'ERR_TRANSCRIPT_PROOF',
          message: 'entry is not included in the checkpoint',
          cause: WritError.isInstance(error) ? error.code : undefined,
          ...at,
        });
      }
      prev = hashToDigest(leaf);
      lastTime = Math.max(lastTime, Date.parse(entry.time));
      checker.check(entry);
      count += 1;
    }
    if (head.time < lastTime)
      fail({
        check: 'checkpoint-key',
        code: 'ERR_TRANSCRIPT_CHECKPOINT_KEY',
        message: 'checkpoint signed before the entries it covers',
        checkpointSize: head.size,
      });
    signedSize = head.size;
    return { valid: true, entries: count, checkpoints: 1, signedSize, origin, root, anchors: 0 };
  } catch (error) {
    if (error instanceof TranscriptCheckError)
      return {
        valid: false,
        entries: count,
        checkpoints: 0,
        signedSize,
        origin,
        root,
        anchors: 0,
        failure: error.failure,
      };
    throw error;
  }
}
