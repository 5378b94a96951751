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
  LedgerHead,
  LedgerStore,
  NonceStore,
  ReadRange,
  Sha256Digest,
  StoredEntry,
} from './stores/types.ts';

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
  ExecuteResult,
  ToolFunction,
  ApprovalSubmission,
  SessionSummary,
  FirewallSession,
  RollbackReport,
  UnfinishedRelease,
  Firewall,
} from './firewall/types.ts';

// crypto: encodings, digests, Ed25519 keys and the Signer/Verifier seam
export { toHex, fromHex, toBase64, fromBase64, toBase64Url, fromBase64Url, fromBase64Any, utf8, fromUtf8, bytesEqual } from './crypto/encoding.ts';
export { sha256, digest, digestBytes, isDigest, parseDigest, digestToBytes } from './crypto/digest.ts';
export type { Digest } from './crypto/digest.ts';
export type { Ed25519Backend } from './crypto/ed25519-backend.ts';
export { nodeBackend, hasNodeBackend } from './crypto/node-backend.ts';
export { nobleBackend } from './crypto/noble-backend.ts';
export { PrivateKey, generateKeyPair, keyIdOf, defaultBackend } from './crypto/keys.ts';
export type { KeyPair } from './crypto/keys.ts';
export { createSigner, createVerifier, verifySignature } from './crypto/signer.ts';
export type { Signer, Verifier, VerifySignatureOptions } from './crypto/signer.ts';

// DSSE v1 envelopes
export { pae, signEnvelope, parseEnvelope, verifyEnvelope, writPayloadType, MAX_ENVELOPE_PAYLOAD_BYTES, MAX_ENVELOPE_SIGNATURES } from './dsse/envelope.ts';
export type { Envelope, EnvelopeSignature, WritPayloadKind, SignEnvelopeOptions, TrustedKey, VerifyEnvelopeOptions, VerifiedEnvelope } from './dsse/envelope.ts';
