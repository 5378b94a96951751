// @writ/core/transcript — the transcript capability alone (ledger entries, Merkle proofs,
// signed checkpoints, stores, verifier), for auditors who read one capability at a time.

export {
  GENESIS_HASH,
  MAX_ENTRY_BYTES,
  sealEntry,
  parseEntry,
  assertEntryDraft,
  hashToDigest,
  digestToHash,
} from './entry.ts';
export type { LedgerEntry } from './entry.ts';
export {
  HASH_SIZE,
  emptyRoot,
  leafHash,
  nodeHash,
  rootFromInclusionProof,
  verifyInclusion,
  verifyConsistency,
} from './merkle.ts';
export type { InclusionInput, ConsistencyInput } from './merkle.ts';
export { isCanonicalJson } from './canonical-check.ts';
export { MerkleFrontier } from './merkle-frontier.ts';
export { MerkleTree } from './merkle-tree.ts';
export {
  noteKeyHash,
  formatVerifierKey,
  parseVerifierKey,
  signNote,
  parseNote,
  openNote,
} from './signed-note.ts';
export type { NoteVerifierKey, NoteSignature, OpenedNote, SignNoteOptions } from './signed-note.ts';
export { formatCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint.ts';
export { cosignCheckpoint, cosignerKeyHash, formatCosignerKey, parseCosignerKey, verifyCosignatures } from './cosignature.ts';
export type { CosignerKey, VerifiedCosignature } from './cosignature.ts';
export { createWitness, submitCheckpoint, formatAddCheckpoint, MemoryWitnessState, MAX_PROOF_LINES, TLOG_SIZE_CONTENT_TYPE } from './witness.ts';
export type { Witness, WitnessOptions, WitnessState, AddCheckpointResponse, SubmitCheckpointOptions } from './witness.ts';
export type { Checkpoint } from './checkpoint.ts';
export { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
export { MemoryNonceStore } from '../stores/memory-nonce-store.ts';
export { MemoryApprovalStore } from '../stores/memory-approval-store.ts';
export { FileLedgerStore, ENTRIES_FILE, CHECKPOINTS_DIR } from '../stores/file-ledger-store.ts';
export type { FileLedgerStoreOptions } from '../stores/file-ledger-store.ts';
export { FileNonceStore } from '../stores/file-nonce-store.ts';
export type * from '../stores/types.ts';
export { Ledger } from './ledger.ts';
export type { CheckpointPolicy, LedgerOptions } from './ledger.ts';
export { ENTRY_TYPES } from './entry-types.ts';
export type {
  EntryType,
  EnvironmentBody,
  SessionStartedBody,
  SessionEndedBody,
  DecisionMadeBody,
  TokenIssuedBody,
  ActionDeniedBody,
  ApprovalRecordedBody,
  EffectExecutedBody,
  EffectReconciledBody,
  EffectRolledBackBody,
  ReleaseUnfinishedBody,
  ReleaseResolvedBody,
  BudgetHoldRecord,
} from './entry-types.ts';
export {
  redact,
  verifyReveal,
  commitment,
  isCommitMarker,
  MemoryVault,
  FileVault,
} from './redaction.ts';
export type { CommitMarker, Vault, VaultItem, RedactOptions } from './redaction.ts';
export {
  verifyTranscript,
  verifyCheckpointNotes,
  EntryChecker,
  TranscriptCheckError,
} from './verify-transcript.ts';
export type {
  TranscriptCheck,
  TranscriptFailure,
  TranscriptReport,
  VerifyTranscriptOptions,
  WitnessPolicy,
} from './verify-transcript.ts';
export { isUtcTime } from './time.ts';
export {
  sampleKeys,
  sampleTrustRootDocument,
  trustEntry,
  writeSampleTranscript,
} from './sample-transcript.ts';
export type { SampleKeys, SampleTranscriptOptions } from './sample-transcript.ts';
export { exportBundle, verifyBundle, BUNDLE_TYPE } from './bundle.ts';
export type { EvidenceBundle, ExportBundleOptions } from './bundle.ts';
export { openTranscriptDirectory, readTranscriptEntries, saveWitnessedCheckpoint, submitTranscriptDirectory, TRUST_ROOT_FILE, WITNESSED_DIR } from './transcript-directory.ts';
export type { KeptWitnessedCheckpoint, SaveWitnessedCheckpointOptions } from './transcript-directory.ts';
export type { SkippedCheckpoint, SubmitTranscriptDirectoryOptions, SubmittedTranscriptDirectory, TranscriptDirectory } from './transcript-directory.ts';
export { FileApprovalStore } from '../stores/file-approval-store.ts';
