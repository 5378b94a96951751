/**
 * Per-session state: who acts, the basis ledger, the history and the call journal.
 */
import type { Sha256Digest } from '../stores/types.ts';
import type { CallJournal } from './call-journal.ts';
import type { Release } from './judge-call.ts';
import type { SessionBasis } from './ports.ts';
import type { SessionHistory } from './session-history.ts';
import type { ExecuteResult, GuardResult, OpenSessionOptions } from './types.ts';

/** The state of one open session. */
export interface SessionState {
  readonly id: string;
  readonly principal: OpenSessionOptions['principal'];
  readonly agent: OpenSessionOptions['agent'];
  readonly environmentDigest: Sha256Digest;
  readonly basis: SessionBasis;
  readonly history: SessionHistory;
  readonly journal: CallJournal<GuardResult, ExecuteResult<unknown>>;
  readonly releases: Map<string, Release>;
  /** Calls waiting for approval: call id → the `decision-made` id a release will cite. */
  readonly awaitingApproval: Map<string, string>;
  /** Latest expiry (ms) of the approval requests of this session's awaited calls (0: none known). */
  approvalsUntil: number;
  /**
   * Calls released before a restart that must not run again: `executed` (the ledger has
   * the outcome) or `unknown` (released without an outcome: it may have run).
   */
  readonly executedBeforeRestart: Map<string, 'executed' | 'unknown'>;
  ended: boolean;
  /** Evicted from memory after idling (`sessions.idleMs`): every method refuses. */
  evicted: boolean;
  /** Public method calls running now (a busy session is never evicted). */
  busy: number;
  /** Firewall-clock time (ms) the last public method call finished or started. */
  lastUsed: number;
}
