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
