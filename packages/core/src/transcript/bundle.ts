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
import { EntryChecker, TranscriptCheckError, checkWitnesses, cosignatureTime, verifyCheckpointNotes, witnessShortfall } from './verify-transcript.ts';
import type { TranscriptFailure, TranscriptReport, WitnessPolicy } from './verify-transcript.ts';
import { verifyCosignatures } from './cosignature.ts';
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
  /**
   * The signed checkpoint note to prove against, instead of the store's latest: e.g. one a
   * witness cosigned (`writ witness cosign`), so the bundle carries its cosignatures. It must
   * be for this log and a size the store's checkpoints cover, with the root of the stored
   * entries at that size; its signatures are the verifier's business.
   */
  readonly checkpoint?: string;
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
  const latest = await options.store.latestCheckpoint();
  if (latest === undefined)
    throw invalid('store', 'has no checkpoint to prove entries against');
  const checkpoint = options.checkpoint === undefined ? latest : givenCheckpoint(options.checkpoint, latest);
  const from = options.from ?? 0;
  const to = options.to ?? checkpoint.size;
  if (!Number.isSafeInteger(from) || from < 0)
    throw invalid('from', 'must be a non-negative integer');
  if (!Number.isSafeInteger(to) || to <= from || to > checkpoint.size)
    throw invalid('to', `must be above from and within the checkpoint (size ${checkpoint.size})`);
  const tree = new MerkleTree();
  const entries: string[] = [];
  for await (const entry of options.store.read({ to: checkpoint.size })) {
    tree.push(leafHash(entry.line));
    if (entry.seq >= from && entry.seq < to) entries.push(entry.line);
  }
  if (hashToDigest(tree.root()) !== checkpoint.root) {
    if (options.checkpoint !== undefined) {
      // The stored entries are not the history this checkpoint signed: evidence, not a typo.
      throw new WritError('ERR_TRANSCRIPT_ANCHOR', `options.checkpoint does not match the stored entries at size ${checkpoint.size} (a forked or rewritten history)`, {
        details: { parameter: 'options.checkpoint', size: checkpoint.size },
      });
    }
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

// The record of a checkpoint note given to exportBundle: parsed, for the store's log, within
// what the store's checkpoints cover (its root is compared with the stored entries after).
function givenCheckpoint(note: unknown, latest: { readonly size: number; readonly note: string }): { size: number; root: string; note: string } {
  let body;
  try {
    if (typeof note !== 'string') throw new Error('not a string');
    body = parseCheckpoint(parseNote(note).text);
  } catch {
    throw invalid('options.checkpoint', 'must be a signed checkpoint note');
  }
  const origin = parseCheckpoint(parseNote(latest.note).text).origin;
  if (body.origin !== origin) throw invalid('options.checkpoint', `is for log ${body.origin}, not ${origin}`);
  if (body.size === 0 || body.size > latest.size) {
    throw invalid('options.checkpoint', `size ${body.size} is not within the store's checkpoints (1..${latest.size})`);
  }
  return { size: body.size, root: hashToDigest(body.root), note };
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
  /** Require the bundle's checkpoint to carry a quorum of these witnesses' cosignatures. */
  readonly witnesses?: WitnessPolicy;
}): TranscriptReport {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.trustRoot?.checkKey !== 'function'
  ) {
    throw invalid('options.trustRoot', 'must be a TrustRoot');
  }
  const witnesses = checkWitnesses(options.witnesses, options.trustRoot);
  let witnessed: TranscriptReport['witnessed'];
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
    if (witnesses !== undefined) {
      let found;
      try {
        found = verifyCosignatures(checkpoint, witnesses.keys);
      } catch (error) {
        fail({ check: 'checkpoint-witness', code: 'ERR_TRANSCRIPT_WITNESS', message: 'witness cosignature is invalid', checkpointSize: head.size, cause: WritError.isInstance(error) ? error.code : undefined });
      }
      const shortfall = witnessShortfall(found.map(({ timestamp }) => timestamp), witnesses, 'checkpoint');
      if (shortfall !== undefined) fail({ check: 'checkpoint-witness', code: 'ERR_TRANSCRIPT_WITNESS', message: shortfall, checkpointSize: head.size });
      witnessed = { size: head.size, cosigners: found.map(({ key, timestamp }) => ({ name: key.name, time: cosignatureTime(timestamp) })), ...(witnesses.since !== undefined && { since: witnesses.since.text }) };
    }
    return { valid: true, entries: count, checkpoints: 1, signedSize, origin, root, anchors: 0, ...(witnessed && { witnessed }) };
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
