// @writ/core public API — a flat list of named exports, grouped by capability.

// errors
export { WritError, isWritError } from './errors.ts';
export type { WritErrorCode, WritErrorOptions } from './errors.ts';

// canonical JSON (RFC 8785)
export { canonicalize, canonicalBytes, MAX_CANONICAL_DEPTH } from './canonical/canonicalize.ts';

// stores
export type {
  ApprovalRecord,
  ApprovalStatus,
  ApprovalStore,
  CheckpointRecord,
  EntryDraft,
  JsonObject,
  JsonValue,
  LedgerHead,
  LedgerStore,
  NonceStore,
  ReadRange,
  Sha256Digest,
  StoredEntry,
} from './stores/types.ts';
export { MemoryLedgerStore } from './stores/memory-ledger-store.ts';
export { MemoryNonceStore } from './stores/memory-nonce-store.ts';
export { MemoryApprovalStore } from './stores/memory-approval-store.ts';
export { FileLedgerStore, ENTRIES_FILE, CHECKPOINTS_DIR } from './stores/file-ledger-store.ts';
export type { FileLedgerStoreOptions } from './stores/file-ledger-store.ts';
export { copyLedger } from './stores/copy-ledger.ts';
export { readBodyCapped } from './http/read-body-capped.ts';
export type { CopyLedgerOptions, CopyLedgerResult } from './stores/copy-ledger.ts';
export { FileWitnessState, WITNESS_STATE_TYPE } from './stores/file-witness-state.ts';
export { readEvidenceFile, writeFileDurably } from './stores/regular-file.ts';
export { FileNonceStore } from './stores/file-nonce-store.ts';
export { FileApprovalStore } from './stores/file-approval-store.ts';

// transcript
export {
  GENESIS_HASH,
  MAX_ENTRY_BYTES,
  sealEntry,
  parseEntry,
  assertEntryDraft,
  hashToDigest,
  digestToHash,
} from './transcript/entry.ts';
export type { LedgerEntry } from './transcript/entry.ts';
export {
  HASH_SIZE,
  emptyRoot,
  leafHash,
  nodeHash,
  rootFromInclusionProof,
  verifyInclusion,
  verifyConsistency,
} from './transcript/merkle.ts';
export type { InclusionInput, ConsistencyInput } from './transcript/merkle.ts';
export { MerkleFrontier } from './transcript/merkle-frontier.ts';
export { MerkleTree } from './transcript/merkle-tree.ts';
export {
  noteKeyHash,
  formatVerifierKey,
  parseVerifierKey,
  signNote,
  parseNote,
  openNote,
} from './transcript/signed-note.ts';
export type {
  NoteVerifierKey,
  NoteSignature,
  OpenedNote,
  SignNoteOptions,
} from './transcript/signed-note.ts';
export { formatCheckpoint, parseCheckpoint, signCheckpoint } from './transcript/checkpoint.ts';
export { cosignCheckpoint, cosignerKeyHash, formatCosignerKey, parseCosignerKey, verifyCosignatures } from './transcript/cosignature.ts';
export type { CosignerKey, VerifiedCosignature } from './transcript/cosignature.ts';
export { createWitness, submitCheckpoint, formatAddCheckpoint, MemoryWitnessState, MAX_PROOF_LINES, TLOG_SIZE_CONTENT_TYPE } from './transcript/witness.ts';
export type { Witness, WitnessOptions, WitnessState, AddCheckpointResponse, SubmitCheckpointOptions } from './transcript/witness.ts';
export type { Checkpoint } from './transcript/checkpoint.ts';
export { Ledger } from './transcript/ledger.ts';
export type { CheckpointPolicy, LedgerOptions } from './transcript/ledger.ts';
export { ENTRY_TYPES } from './transcript/entry-types.ts';
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
} from './transcript/entry-types.ts';
export { redact, verifyReveal, commitment, isCommitMarker, MemoryVault, FileVault } from './transcript/redaction.ts';
export type { CommitMarker, Vault, VaultItem, RedactOptions } from './transcript/redaction.ts';
export { verifyTranscript, verifyCheckpointNotes, EntryChecker, TranscriptCheckError } from './transcript/verify-transcript.ts';
export type { TranscriptCheck, TranscriptFailure, TranscriptReport, VerifyTranscriptOptions, WitnessPolicy } from './transcript/verify-transcript.ts';
export { isUtcTime } from './transcript/time.ts';
export { exportBundle, verifyBundle, BUNDLE_TYPE } from './transcript/bundle.ts';
export type { EvidenceBundle, ExportBundleOptions } from './transcript/bundle.ts';
export { openTranscriptDirectory, readTranscriptEntries, saveWitnessedCheckpoint, submitTranscriptDirectory, TRUST_ROOT_FILE, WITNESSED_DIR } from './transcript/transcript-directory.ts';
export type { KeptWitnessedCheckpoint, SaveWitnessedCheckpointOptions } from './transcript/transcript-directory.ts';
export type { SkippedCheckpoint, SubmitTranscriptDirectoryOptions, SubmittedTranscriptDirectory, TranscriptDirectory } from './transcript/transcript-directory.ts';

// firewall
export type {
  FirewallMode,
  ActionClassId,
  DecisionKind,
  DecisionReason,
  OpenSessionOptions,
  BasisKind,
  BasisAuthority,
  BasisItemInput,
  BasisItemRef,
  ToolOutputInput,
  ToolCall,
  GuardInput,
  PendingApproval,
  GuardExecute,
  GuardBlock,
  GuardApprovalRequired,
  GuardResult,
  OutcomeReceipt,
  ReconciliationResult,
  ExecuteResult,
  ToolFunction,
  ApprovalSubmission,
  SessionSummary,
  FirewallSession,
  RollbackReport,
  UnfinishedRelease,
  UnfinishedResolution,
  SignedUnfinishedResolution,
  Firewall,
} from './firewall/types.ts';
export { createFirewall } from './firewall/create-firewall.ts';
export type { CreateFirewallOptions, DurabilityConfig, FirewallPolicy, SessionLimits } from './firewall/firewall-options.ts';
export { KeyTombstones } from './firewall/call-fingerprints.ts';
export { isFirewallMode, parseModeConfig, parseModeEnv, resolveMode } from './firewall/mode.ts';
export type { ModeConfig, ModeTable } from './firewall/mode.ts';
export type { BudgetRule, BudgetView } from './firewall/budgets.ts';
export type { Compensation, EffectContext, Observation, ReconciliationStatus, ToolReconciler } from './firewall/reconciliation.ts';
export type { Durability } from './firewall/recorder.ts';
export { approvalRequestId, intentOf as canonicalIntent, RECEIPT_PAYLOAD_TYPE, summarizeIntent } from './firewall/ports.ts';
export { decideRequest } from './firewall/decide-request.ts';
export type { DecideResult } from './firewall/decide-request.ts';

// crypto: encodings, digests, Ed25519 keys and the Signer/Verifier seam
export {
  toHex,
  fromHex,
  toBase64,
  fromBase64,
  toBase64Url,
  fromBase64Url,
  fromBase64Any,
  utf8,
  fromUtf8,
  bytesEqual,
} from './crypto/encoding.ts';
export {
  sha256,
  digest,
  digestBytes,
  isDigest,
  parseDigest,
  digestToBytes,
} from './crypto/digest.ts';
export type { Digest } from './crypto/digest.ts';
export type { Ed25519Backend } from './crypto/ed25519-backend.ts';
export { nodeBackend, hasNodeBackend } from './crypto/node-backend.ts';
export { nobleBackend } from './crypto/noble-backend.ts';
export { PrivateKey, generateKeyPair, keyIdOf, defaultBackend } from './crypto/keys.ts';
export type { KeyPair } from './crypto/keys.ts';
export { parseKeyFile } from './crypto/key-file.ts';
export { createSigner, createVerifier, verifySignature } from './crypto/signer.ts';
export type { Signer, Verifier, VerifySignatureOptions } from './crypto/signer.ts';

// DSSE v1 envelopes
export {
  pae,
  signEnvelope,
  parseEnvelope,
  verifyEnvelope,
  writPayloadType,
  MAX_ENVELOPE_PAYLOAD_BYTES,
  MAX_ENVELOPE_SIGNATURES,
} from './dsse/envelope.ts';
export type {
  Envelope,
  EnvelopeSignature,
  WritPayloadKind,
  SignEnvelopeOptions,
  TrustedKey,
  VerifyEnvelopeOptions,
  VerifiedEnvelope,
} from './dsse/envelope.ts';

// firewall judgement: registry, basis, policy contract (begin)
// firewall: tool registry and effect detection
export {
  ACTION_CLASSES,
  AUDIENCES,
  ARGUMENT_KINDS,
  EFFECT_CLASSES,
  actionClassRank,
  isActionClass,
  isArgumentKind,
  isAudience,
  isEffectClass,
} from './registry/action-class.ts';
export type { ArgumentKind, Audience, EffectClass } from './registry/action-class.ts';
export { selectArgumentValues } from './registry/argument-path.ts';
export { classifyToolCall, inferArgumentKind } from './registry/classify-tool-call.ts';
export type {
  Classification,
  ClassifiedHost,
  ConsequentialValue,
  Detection,
  DetectionCode,
} from './registry/classify-tool-call.ts';
export { DEFAULT_BULK_READ_THRESHOLD, detectBulkRead } from './registry/detect-bulk-read.ts';
export type { BulkReadReason, BulkReadSignal } from './registry/detect-bulk-read.ts';
export { detectHosts, hostAllowed, internalReason, parseHost } from './registry/detect-hosts.ts';
export type { HostObservation, InternalReason } from './registry/detect-hosts.ts';
export { detectSecrets, isHighEntropyToken, shannonEntropy } from './registry/detect-secrets.ts';
export type { SecretKind, SecretMatch } from './registry/detect-secrets.ts';
export { parseToolDeclaration } from './registry/tool-declaration.ts';
export type { ToolDeclaration } from './registry/tool-declaration.ts';
export { createToolRegistry, parseToolRegistry } from './registry/tool-registry.ts';
export type {
  ToolRegistry,
  ToolRegistryOptions,
  UnregisteredToolPolicy,
} from './registry/tool-registry.ts';
// firewall: basis integrity
export { AUTHORITIES, AUTHORITY_WEIGHT, authorityRank, isAuthority, weakerAuthority } from './basis/authority.ts';
export { BASIS_KINDS, createBasisItem } from './basis/basis-item.ts';
export type { BasisItem } from './basis/basis-item.ts';
export { BasisLedger } from './basis/basis-ledger.ts';
export type { BasisExtras, BasisLedgerOptions } from './basis/basis-ledger.ts';
export { BASIS_FINDING_CODES } from './basis/basis-report.ts';
export type { ArgumentProvenance, BasisFinding, BasisFindingCode, BasisItemSummary, BasisReport, FindingSeverity } from './basis/basis-report.ts';
export { explainBasis } from './basis/explain-basis.ts';
export { DEFAULT_BASIS_THRESHOLDS, basisReportDigest, scoreBasis } from './basis/score-basis.ts';
export type { ScoreBasisOptions } from './basis/score-basis.ts';
// firewall: policy contract (writ.input/v1 and writ.decision/v1)
export { buildPolicyInput } from './policy-contract/build-policy-input.ts';
export type { BuildPolicyInputOptions, VerifiedApprovalInput } from './policy-contract/build-policy-input.ts';
export { DECISION_VERSION } from './policy-contract/decision.ts';
export type { ApprovalRule, DecisionConstraints, DecisionDocument, ParsedDecision } from './policy-contract/decision.ts';
export { parseDecision } from './policy-contract/parse-decision.ts';
export { POLICY_INPUT_VERSION } from './policy-contract/policy-input.ts';
export type { PolicyInput, PolicyInputAction, PolicyInputApproval, PolicyInputBasis, PolicyInputBudget, PolicyInputHistory } from './policy-contract/policy-input.ts';
export { POLICY_INPUTS_FILE, openPolicyInputLog, parsePolicyInputLog, readPolicyInputLog, recordPolicyInputs } from './policy-contract/policy-input-log.ts';
export type { OpenPolicyInputLogOptions, PolicyInputLog, PolicyInputRecord, ReadPolicyInputLogOptions } from './policy-contract/policy-input-log.ts';
// firewall judgement (end)

// trust root: key roles, validity at signing time, TUF-style rotation
export { TrustRoot, createTrustRoot, parseTrustRootDocument, KEY_ROLES } from './trust/trust-root.ts';
export type { KeyRole, KeyStatus, TrustRootKeyEntry, TrustRootDocument, TrustedKeyRecord, CheckKeyOptions } from './trust/trust-root.ts';
export { signTrustRoot, verifyTrustRootChain, TRUST_ROOT_PAYLOAD_TYPE } from './trust/trust-root-chain.ts';
export type { SignTrustRootOptions, VerifyTrustRootChainOptions } from './trust/trust-root-chain.ts';
export { toMillis, isTimestamp } from './trust/time.ts';
export type { Instant } from './trust/time.ts';

// action tokens: mint, verify, delegate (narrow-only), consume
export { ACTION_TOKEN_PAYLOAD_TYPE, parseTokenPayload } from './token/token-payload.ts';
export type { ActionTokenPayload, TokenConstraints, ArgumentBound, ArgumentScalar } from './token/token-payload.ts';
export type { ActionToken } from './token/action-token.ts';
export { mintToken, newTokenId, DEFAULT_TOKEN_TTL_SECONDS } from './token/mint-token.ts';
export type { MintTokenOptions } from './token/mint-token.ts';
export { verifyToken, readTokenPayload, DEFAULT_CLOCK_SKEW_SECONDS, MAX_CLOCK_SKEW_SECONDS, MAX_TOKEN_BYTES } from './token/verify-token.ts';
export type { VerifyTokenOptions, TokenCall } from './token/verify-token.ts';
export { delegateToken } from './token/delegate-token.ts';
export type { DelegateTokenOptions } from './token/delegate-token.ts';
export { consumeToken } from './token/consume-token.ts';
export type { NonceConsumer } from './token/consume-token.ts';
export { commandMatches, resourceMatches } from './token/scope.ts';

// denial artifacts
export { signDenial, verifyDenial, parseDenialPayload, DENIAL_PAYLOAD_TYPE } from './denial/denial.ts';
export type { Denial, DenialPayload, DenialReason, DenialStage, SignDenialOptions, VerifyDenialOptions } from './denial/denial.ts';

// approvals: statements and the approval-rule verifier
export { signApproval, readApproval, parseApprovalPayload, APPROVAL_PAYLOAD_TYPE, DEFAULT_APPROVAL_TTL_SECONDS } from './approval/approval-statement.ts';
export type { Approval, ApprovalPayload, SignApprovalOptions } from './approval/approval-statement.ts';
export { verifyApproval } from './approval/verify-approval.ts';
export type { VerifyApprovalOptions, VerifiedApproval, ConsumedApprovals } from './approval/verify-approval.ts';
export { verifyApprovalRule } from './approval/verify-approval-rule.ts';
export type { ApprovalRequirement, VerifyApprovalRuleOptions, ApprovalRuleResult } from './approval/verify-approval-rule.ts';
export { signRejection, readRejection, parseRejectionPayload, isRejectionEnvelope, REJECTION_PAYLOAD_TYPE } from './approval/rejection-statement.ts';
export type { Rejection, RejectionPayload, SignRejectionOptions } from './approval/rejection-statement.ts';
export { verifyRejection } from './approval/verify-rejection.ts';
export type { VerifyRejectionOptions, VerifiedRejection } from './approval/verify-rejection.ts';
export { signResolution, readResolution, parseResolutionPayload, RESOLUTION_PAYLOAD_TYPE } from './approval/resolution-statement.ts';
export type { Resolution, ResolutionPayload, ResolutionOutcome, SignResolutionOptions } from './approval/resolution-statement.ts';
export { verifyResolution } from './approval/verify-resolution.ts';
export type { VerifyResolutionOptions, VerifiedResolution } from './approval/verify-resolution.ts';
export { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS } from './token/verify-token.ts';

// remote mode: the firewall API over HTTP to a Writ authority (apps/authority)
export { createRemoteFirewall } from './remote/create-remote-firewall.ts';
export type { RemoteFirewallOptions } from './remote/create-remote-firewall.ts';
export { RemoteTransport } from './remote/remote-transport.ts';
export type { RemoteTransportOptions } from './remote/remote-transport.ts';
