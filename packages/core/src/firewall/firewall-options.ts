/**
 * Options of {@link createFirewall} and their validation at the public boundary.
 */
import type { Signer } from '../crypto/signer.ts';
import { WritError } from '../errors.ts';
import type { ToolRegistry } from '../registry/tool-registry.ts';
import { TrustRoot } from '../trust/trust-root.ts';
import type { CheckpointPolicy } from '../transcript/ledger.ts';
import { createToolRegistry } from '../registry/tool-registry.ts';
import type { ApprovalStore, LedgerStore, NonceStore } from '../stores/types.ts';
import type { BudgetRule } from './budgets.ts';
import type { ModeConfig, ModeTable } from './mode.ts';
import { parseModeConfig, parseModeEnv } from './mode.ts';
import type { ToolReconciler } from './reconciliation.ts';
import { parseReconcilers } from './reconciliation.ts';
import type { Durability } from './recorder.ts';
import type { ActionClassId, FirewallMode } from './types.ts';

/**
 * The policy seam: what the firewall needs from a `PolicyEvaluator` of `@writ/policy`
 * (structural, so core does not depend on the policy package).
 */
export interface FirewallPolicy {
  /** `sha256:<hex>` over exactly what is evaluated; bound into every token and decision. */
  readonly digest: string;
  /**
   * Evaluate `data.writ.decision` for a `writ.input/v1` document. `now` is the decision
   * time (the firewall passes the time recorded in the input): the policy's `time.now_ns`.
   */
  evaluate(input: unknown, options?: { readonly now?: Date; readonly timeoutMs?: number }): Promise<unknown>;
  /**
   * Synchronous evaluation, used when present (no promise hop on the hot path). No timer can
   * interrupt it, so the firewall passes its `timeoutMs`: an evaluator that can stop itself
   * (`@writ/policy`'s Rego engine) throws `ERR_POLICY_TIMEOUT` past it — a `firewall.policy-timeout`
   * deny in enforce, like the asynchronous path's timer.
   */
  evaluateSync?(input: unknown, options?: { readonly now?: Date; readonly timeoutMs?: number }): unknown;
}

/** Durability per action class. */
export interface DurabilityConfig {
  /** Default for classes not listed. Default `batched` for A0–A2 and `sync` for A3–A5. */
  readonly default?: Durability;
  readonly classes?: Readonly<Partial<Record<ActionClassId, Durability>>>;
  /** Batched loss window (ms). Default 5. */
  readonly flushIntervalMs?: number;
  /**
   * Batched flush size (entries). Default 16. Each flush seals its entries within one call's
   * time, so this bounds that pause; when a tool starts, at most twice this many recorded
   * entries are not yet in the ledger (the gateway waits otherwise). ADR 0025.
   */
  readonly maxBatch?: number;
}

/** Options of `createFirewall`. */
export interface CreateFirewallOptions {
  /** The policy evaluator (`loadRegoPolicy` / `loadWasmPolicy` of `@writ/policy`). */
  readonly policy: FirewallPolicy;
  /**
   * `authority` signs tokens and denials; `gateway` signs outcome receipts and `ledger`
   * signs checkpoints (both default to the authority key, which then needs those roles in
   * the trust root too).
   */
  readonly keys: { readonly authority: Signer; readonly gateway?: Signer; readonly ledger?: Signer };
  /** Trust root listing the authority key (tokens) and the approver keys (approvals). */
  readonly trustRoot: TrustRoot;
  /** Token issuer (custodian): this orchestrator instance. Default `writ-firewall`. */
  readonly issuer?: string;
  readonly stores: { readonly ledger: LedgerStore; readonly nonces: NonceStore; readonly approvals: ApprovalStore };
  /** The tool registry, or declarations to build one from. */
  readonly tools?: ToolRegistry | { readonly tools: readonly unknown[]; readonly egressAllowlist?: readonly string[] };
  /** Global mode or a mode table. Default `enforce`. */
  readonly mode?: FirewallMode | ModeConfig;
  /** Environment read for `WRIT_MODE`. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Token audience: the target system the gateway stands for. Default `writ-gateway`. */
  readonly audience?: string;
  /** Ledger origin for checkpoints (a key name without spaces). Default `writ/ledger`. */
  readonly origin?: string;
  /** When the transcript writer checkpoints besides session end and close. Default: only then. */
  readonly checkpoints?: CheckpointPolicy;
  readonly durability?: DurabilityConfig;
  readonly budgets?: readonly BudgetRule[];
  readonly reconcilers?: Readonly<Record<string, ToolReconciler>>;
  /** Classes whose calls run without a token (observations). Default `['A0', 'A1']`. */
  readonly tokenFreeClasses?: readonly ActionClassId[];
  /** Clock (freeze it in tests). Default `() => new Date()`. */
  readonly clock?: () => Date;
  /** Policy evaluation and store call timeout. Default 2000 ms. */
  readonly timeoutMs?: number;
  /** Token lifetime. Default 5 minutes. */
  readonly tokenTtlMs?: number;
  /** Pending approval lifetime. Default 24 hours. */
  readonly approvalTtlMs?: number;
  /**
   * Verify tokens this firewall minted in full at its own gateway (decode the envelope,
   * verify the signature). Default false: the in-process gateway checks the frozen payload it
   * minted (`verifyHeldToken`: key validity, expiry, audience, command, intent digest of the
   * actual call, bounds, region, bytes, secrets; the nonce store enforces single use) instead
   * of re-reading the bytes and signature it made itself; auditors and remote gateways always
   * verify fully.
   */
  readonly verifyOwnSignatures?: boolean;
  /**
   * Sign the outcome receipt of a token-free call (a class in `tokenFreeClasses`, admitted
   * without a token) with the gateway key as well. Default false: such a receipt is recorded
   * unsigned in its `effect-executed` entry, attested by the transcript itself (hash chain and
   * ledger-signed checkpoints) — ADR 0023. Receipts of calls that used a token, and of calls run
   * without their token (shadow/advisory overrides), are always signed.
   */
  readonly signObservationReceipts?: boolean;
  /**
   * What the firewall keeps of its sessions in memory. An ended session always leaves memory
   * (its id is remembered compactly, so opening it again is refused with
   * `ERR_FIREWALL_SESSION_ENDED`). With `idleMs`, a session that has done nothing for that long
   * — no call running, none waiting for approval, no released call not yet executed — is
   * evicted when another session opens: its methods then reject with
   * `ERR_FIREWALL_SESSION_EVICTED`, `openSession` with its id opens it afresh (a new
   * `session-started` entry and an empty basis, as after a restart), and a re-run of one of its
   * call ids is refused (`firewall.call-id-evicted`) rather than judged and run again.
   * Default: no idle eviction (the caller holds its sessions; a server should set it).
   */
  readonly sessions?: SessionLimits;
}

/** See {@link CreateFirewallOptions.sessions}. */
export interface SessionLimits {
  /** Evict a session idle this long (ms, firewall clock) when another session opens. */
  readonly idleMs?: number;
  /** Called once per evicted session (not for ended ones), after it left memory. */
  readonly onEvicted?: (sessionId: string) => void;
}

/** Validated options. */
export interface FirewallSettings {
  readonly policy: FirewallPolicy;
  readonly authority: Signer;
  readonly ledgerSigner: Signer;
  readonly gateway: Signer;
  readonly trustRoot: TrustRoot;
  readonly issuer: string;
  readonly stores: CreateFirewallOptions['stores'];
  readonly registry: ToolRegistry;
  readonly modes: ModeTable;
  readonly audience: string;
  readonly origin: string;
  readonly checkpoints: CheckpointPolicy | undefined;
  readonly durability: Required<Pick<DurabilityConfig, 'flushIntervalMs' | 'maxBatch'>> & {
    readonly forClass: (actionClass: ActionClassId) => Durability;
  };
  readonly budgets: readonly BudgetRule[];
  readonly reconcilers: ReadonlyMap<string, ToolReconciler>;
  readonly tokenFreeClasses: ReadonlySet<ActionClassId>;
  readonly clock: () => Date;
  readonly timeoutMs: number;
  readonly tokenTtlMs: number;
  readonly approvalTtlMs: number;
  readonly sessions: { readonly idleMs: number | undefined; readonly onEvicted: ((sessionId: string) => void) | undefined };
  readonly verifyOwnSignatures: boolean;
  readonly signObservationReceipts: boolean;
}

function bad(parameter: string, message: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `${parameter} ${message}`, { details: { parameter } });
}

function object(value: unknown, parameter: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(parameter, 'must be an object');
  return value as Record<string, unknown>;
}

function hasMethods(value: unknown, parameter: string, methods: readonly string[]): void {
  const record = object(value, parameter);
  for (const method of methods) if (typeof record[method] !== 'function') throw bad(`${parameter}.${method}`, 'must be a function');
}

function positive(value: unknown, parameter: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw bad(parameter, 'must be a positive number');
  return value;
}

function signer(value: unknown, parameter: string): Signer {
  const record = object(value, parameter);
  if (typeof record.sign !== 'function' || typeof record.keyId !== 'string') throw bad(parameter, 'must be a Signer');
  return value as Signer;
}

const CLASSES: readonly ActionClassId[] = ['A0', 'A1', 'A2', 'A3', 'A4', 'A5'];

function durability(value: unknown): FirewallSettings['durability'] {
  const config = value === undefined ? {} : object(value, 'durability');
  const valid = (d: unknown, parameter: string): Durability => {
    if (d !== 'sync' && d !== 'batched') throw bad(parameter, 'must be sync or batched');
    return d;
  };
  const fallback = config.default === undefined ? undefined : valid(config.default, 'durability.default');
  const classes = new Map<ActionClassId, Durability>();
  for (const [name, d] of Object.entries(config.classes === undefined ? {} : object(config.classes, 'durability.classes'))) {
    if (!CLASSES.includes(name as ActionClassId)) throw bad('durability.classes', 'keys must be A0..A5');
    classes.set(name as ActionClassId, valid(d, `durability.classes.${name}`));
  }
  return {
    flushIntervalMs: positive(config.flushIntervalMs, 'durability.flushIntervalMs', 5),
    maxBatch: positive(config.maxBatch, 'durability.maxBatch', 16),
    forClass: (actionClass) => classes.get(actionClass) ?? fallback ?? (CLASSES.indexOf(actionClass) >= 3 ? 'sync' : 'batched'),
  };
}

function registry(value: unknown): ToolRegistry {
  if (value === undefined) return createToolRegistry({ tools: [] });
  const record = object(value, 'tools');
  if (typeof record.classify === 'function' && typeof record.get === 'function') return value as ToolRegistry;
  return createToolRegistry(record as { tools: readonly unknown[] });
}

/**
 * Validate {@link CreateFirewallOptions}.
 * @throws `ERR_INVALID_ARGUMENT` naming the option, `ERR_FIREWALL_MODE_INVALID` (mode or
 *   `WRIT_MODE`), `ERR_TOOL_DECLARATION_INVALID`.
 */
export function parseFirewallOptions(value: unknown): FirewallSettings {
  const options = object(value, 'options') as Partial<CreateFirewallOptions>;
  hasMethods(options.policy, 'policy', ['evaluate']);
  if (typeof options.policy?.digest !== 'string') throw bad('policy.digest', 'must be a string');
  const keys = object(options.keys, 'keys');
  const authority = signer(keys.authority, 'keys.authority');
  const stores = object(options.stores, 'stores');
  hasMethods(stores.ledger, 'stores.ledger', ['append', 'read', 'head']);
  hasMethods(stores.nonces, 'stores.nonces', ['consume']);
  hasMethods(stores.approvals, 'stores.approvals', ['request', 'get', 'addStatement', 'resolve', 'consume']);
  if (!(options.trustRoot instanceof TrustRoot)) throw bad('trustRoot', 'must be a TrustRoot');
  const issuer = options.issuer ?? 'writ-firewall';
  if (typeof issuer !== 'string' || issuer === '') throw bad('issuer', 'must be a non-empty string');
  const env = options.env === undefined ? process.env : object(options.env, 'env');
  const audience = options.audience ?? 'writ-gateway';
  if (typeof audience !== 'string' || audience === '') throw bad('audience', 'must be a non-empty string');
  const origin = options.origin ?? 'writ/ledger';
  if (typeof origin !== 'string' || origin === '') throw bad('origin', 'must be a non-empty string');
  const tokenFree: unknown = options.tokenFreeClasses ?? ['A0', 'A1'];
  if (!Array.isArray(tokenFree) || !tokenFree.every((c: unknown) => CLASSES.includes(c as ActionClassId))) throw bad('tokenFreeClasses', 'must list A0..A5');
  if (options.budgets !== undefined && !Array.isArray(options.budgets)) throw bad('budgets', 'must be an array');
  if (options.clock !== undefined && typeof options.clock !== 'function') throw bad('clock', 'must be a function');
  if (options.signObservationReceipts !== undefined && typeof options.signObservationReceipts !== 'boolean')
    throw bad('signObservationReceipts', 'must be a boolean');
  // A misspelt `'true'` must not quietly leave the gateway trusting its own signatures.
  if (options.verifyOwnSignatures !== undefined && typeof options.verifyOwnSignatures !== 'boolean') throw bad('verifyOwnSignatures', 'must be a boolean');
  const sessions = options.sessions === undefined ? {} : (object(options.sessions, 'sessions') as SessionLimits);
  if (sessions.onEvicted !== undefined && typeof sessions.onEvicted !== 'function') throw bad('sessions.onEvicted', 'must be a function');
  return {
    policy: options.policy,
    authority,
    ledgerSigner: keys.ledger === undefined ? authority : signer(keys.ledger, 'keys.ledger'),
    gateway: keys.gateway === undefined ? authority : signer(keys.gateway, 'keys.gateway'),
    trustRoot: options.trustRoot,
    issuer,
    stores: stores as unknown as CreateFirewallOptions['stores'],
    registry: registry(options.tools),
    modes: { config: parseModeConfig(options.mode), env: parseModeEnv(typeof env.WRIT_MODE === 'string' ? env.WRIT_MODE : undefined) },
    audience,
    origin,
    checkpoints: options.checkpoints,
    durability: durability(options.durability),
    budgets: options.budgets ?? [],
    reconcilers: parseReconcilers(options.reconcilers),
    tokenFreeClasses: new Set(tokenFree as ActionClassId[]),
    clock: options.clock ?? (() => new Date()),
    timeoutMs: positive(options.timeoutMs, 'timeoutMs', 2000),
    tokenTtlMs: positive(options.tokenTtlMs, 'tokenTtlMs', 300_000),
    approvalTtlMs: positive(options.approvalTtlMs, 'approvalTtlMs', 86_400_000),
    sessions: { idleMs: sessions.idleMs === undefined ? undefined : positive(sessions.idleMs, 'sessions.idleMs', 0), onEvicted: sessions.onEvicted },
    verifyOwnSignatures: options.verifyOwnSignatures === true,
    signObservationReceipts: options.signObservationReceipts === true,
  };
}
