/**
 * The firewall's use of the other capabilities of @writ/core, gathered in one place:
 * basis scoring, the policy contract, tokens, denials and receipts. Each function is a
 * thin call into the owning module; nothing here re-implements a check.
 */
import { AUTHORITIES, isAuthority, weakerAuthority } from '../basis/authority.ts';
import { BasisLedger } from '../basis/basis-ledger.ts';
import type { BasisReport } from '../basis/basis-report.ts';
import { BasisReportCache } from '../basis/basis-report-cache.ts';
import { digestBytes } from '../crypto/digest.ts';
import { utf8 } from '../crypto/encoding.ts';
import type { Denial, DenialStage } from '../denial/denial.ts';
import { signDenial } from '../denial/denial.ts';
import { signEnvelope, writPayloadType } from '../dsse/envelope.ts';
import type { Envelope } from '../dsse/envelope.ts';
import type { ParsedDecision } from '../policy-contract/decision.ts';
import type { Classification } from '../registry/classify-tool-call.ts';
import type { JsonObject, JsonValue, Sha256Digest } from '../stores/types.ts';
import type { ActionToken } from '../token/action-token.ts';
import { mintToken } from '../token/mint-token.ts';
import type { TokenConstraints } from '../token/token-payload.ts';
import { verifyHeldToken, verifyToken } from '../token/verify-token.ts';
import { approvalRequestText, intentObject, intentText, receiptText } from './canonical-shapes.ts';
import type { ReceiptPayload } from './canonical-shapes.ts';
import type { FirewallContext } from './firewall-context.ts';
import { knownCanonicalArgs } from './guard-input.ts';
import type { SessionState } from './session-state.ts';
import type { BasisItemInput, BasisItemRef, DecisionReason, OutcomeReceipt, ToolOutputInput } from './types.ts';
import { assertOptions, invalidArgument } from '../invalid-argument.ts';

/** The per-session basis ledger as the firewall uses it. */
export interface SessionBasis {
  add(item: BasisItemInput): BasisItemRef;
  report(options: { readonly classification: Classification; readonly now: Date }): BasisReport;
}

/** A released token. */
export interface ReleasedToken {
  readonly id: string;
  readonly token: ActionToken;
  /** When its nonce record may be purged (expiry plus the largest clock skew). */
  readonly expiresAt: Date;
}

/** A basis ledger for one session (the basis capability's `BasisLedger` and `scoreBasis`). */
export function createSessionBasis(options: { readonly context: FirewallContext; readonly tenant: string | undefined }): SessionBasis {
  const { context, tenant } = options;
  const ledger = new BasisLedger({ ...(tenant === undefined ? {} : { tenant }), now: () => context.now() });
  // Scored once per item set and call shape (the ledger's revision invalidates it).
  const reports = new BasisReportCache({ ledger, tenant });
  return {
    add: (item) => ledger.add(item),
    report: ({ classification, now }) => reports.report({ actionClass: classification.actionClass, consequential: classification.consequential, now }),
  };
}

/** A tool output as a basis item, with the declared trust of the tool that produced it. */
export function basisForTool(options: { readonly context: FirewallContext; readonly input: ToolOutputInput }): BasisItemInput {
  const { context, input } = options;
  const tool = typeof input?.tool === 'string' ? input.tool : '';
  const declared = context.settings.registry.get(tool)?.trust ?? 'untrusted';
  const atMost: unknown = input?.atMost;
  if (atMost !== undefined && !isAuthority(atMost)) throw invalidArgument('input.atMost', `must be one of ${AUTHORITIES.join(', ')}`);
  const trust = atMost === undefined ? declared : weakerAuthority(declared, atMost);
  return { kind: 'tool-output', content: input?.output, source: `tool:${tool}#${String(input?.callId)}`, authority: trust };
}

/**
 * The canonical intent of a call: what is to be done, for whom, against which target.
 * Approvals and tokens bind to its digest; another principal, tool, target or any other
 * argument value gives another digest.
 */
export function intentOf(options: {
  readonly call: { readonly tool: string; readonly args: JsonObject; readonly sensitive?: readonly string[] };
  readonly principal: { readonly id: string; readonly tenant?: string };
  readonly audience: string;
}): { intent: JsonObject; intentDigest: Sha256Digest } {
  assertOptions(options);
  const { call, principal, audience } = options;
  assertOptions(call, 'options.call');
  if (typeof call.tool !== 'string') throw invalidArgument('options.call.tool', 'must be a string');
  assertOptions(call.args, 'options.call.args');
  assertOptions(principal, 'options.principal');
  if (typeof principal.id !== 'string') throw invalidArgument('options.principal.id', 'must be a string');
  if (principal.tenant !== undefined && typeof principal.tenant !== 'string') throw invalidArgument('options.principal.tenant', 'must be a string');
  if (typeof audience !== 'string') throw invalidArgument('options.audience', 'must be a string');
  // The judge and the gateway ask for the same call object's intent: compute it once.
  const cached = intents.get(call);
  if (cached !== undefined && cached.principal === principal.id && cached.tenant === principal.tenant && cached.audience === audience) return cached.value;
  const fields = { tool: call.tool, args: call.args, audience, principal: principal.id, tenant: principal.tenant ?? null };
  // A checked call carries its canonical arguments: the intent's text is built around them.
  const value = { intent: intentObject(fields), intentDigest: digestBytes(utf8(intentText(fields, knownCanonicalArgs(call)))) };
  intents.set(call, { principal: principal.id, tenant: principal.tenant, audience, value });
  return value;
}

const intents = new WeakMap<object, { principal: string; tenant: string | undefined; audience: string; value: { intent: JsonObject; intentDigest: Sha256Digest } }>();

/**
 * The id of the approval request of one call: approvals are single use and bound to the
 * call that asked (frameworks keep the tool-call id across a resume), while the statement
 * itself signs the intent digest.
 */
export function approvalRequestId(options: { readonly sessionId: string; readonly callId: string; readonly intentDigest: Sha256Digest }): Sha256Digest {
  assertOptions(options);
  for (const field of ['sessionId', 'callId', 'intentDigest'] as const) {
    if (typeof options[field] !== 'string') throw invalidArgument(`options.${field}`, 'must be a string');
  }
  return digestBytes(utf8(approvalRequestText({ session: options.sessionId, call: options.callId, intent: options.intentDigest })));
}

/** One line a person can read: `tool(arg=value, ...)`, long values cut. Never enforced. */
export function summarizeIntent(options: { readonly tool: string; readonly args: JsonObject; readonly sensitive?: readonly string[] }): string {
  // A sensitive argument (declared by its tool) never appears in a summary: summaries are
  // signed into tokens and denials, written to the transcript and shown to approvers.
  assertOptions(options);
  if (typeof options.tool !== 'string') throw invalidArgument('options.tool', 'must be a string');
  assertOptions(options.args, 'options.args');
  const sensitive = options.sensitive ?? [];
  if (!Array.isArray(sensitive) || !sensitive.every((path) => typeof path === 'string')) {
    throw invalidArgument('options.sensitive', 'must be an array of strings');
  }
  const hidden = (key: string) => sensitive.some((path) => path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`));
  const parts = Object.entries(options.args)
    .slice(0, 12)
    .map(([key, value]: [string, JsonValue]) => {
      if (hidden(key)) return `${key}=<sensitive>`;
      const text = jsonText(value);
      if (text === undefined) throw invalidArgument(`options.args.${key}`, 'must be a JSON value');
      return `${key}=${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
    });
  return `${options.tool}(${parts.join(', ')})`.slice(0, 1000);
}

/** JSON text of a value, or undefined when it has none (a function, a BigInt, a cycle). */
function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

// A copy of a JSON value (plain objects and arrays), so the frozen token payload shares
// nothing with the decision it came from.
function copyJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJson);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyJson((value as Record<string, unknown>)[key]);
  return out;
}

/** Decision constraints as token constraints (the same vocabulary, minus the lifetime). */
function tokenConstraints(decision: ParsedDecision): Partial<TokenConstraints> {
  const { ttlSeconds: _ttl, ...constraints } = decision.constraints;
  return copyJson(constraints) as Partial<TokenConstraints>;
}

/** Mint the action token of a release (core `mintToken`). */
export function mintRelease(options: {
  readonly context: FirewallContext;
  readonly session: SessionState;
  readonly call: { readonly tool: string; readonly args: JsonObject; readonly sensitive?: readonly string[] };
  readonly intentDigest: Sha256Digest;
  readonly basis: BasisReport;
  readonly decision: ParsedDecision;
  readonly decisionId: string;
  readonly approvals: readonly Sha256Digest[];
  readonly now: Date;
}): ReleasedToken {
  const { context, session, call, intentDigest, basis, decision, decisionId, approvals, now } = options;
  const { settings } = context;
  const ttl = decision.constraints.ttlSeconds ?? Math.max(1, Math.floor(settings.tokenTtlMs / 1000));
  const token = mintToken({
    signer: settings.authority,
    issuer: settings.issuer,
    subject: session.agent.id,
    actor: session.principal.id,
    audience: settings.audience,
    command: call.tool,
    intent: intentDigest,
    now,
    ttlSeconds: Math.min(ttl, Math.max(1, Math.floor(settings.tokenTtlMs / 1000))),
    constraints: tokenConstraints(decision),
    policy: { digest: settings.policy.digest as Sha256Digest, decision: decisionId },
    basis: { digest: basis.digest, score: basis.score },
    env: session.environmentDigest,
    ...(approvals.length > 0 ? { approvals: [...approvals] } : {}),
    summary: summarizeIntent(call),
  });
  if (!settings.verifyOwnSignatures) context.held.hold(token);
  return { id: token.payload.id, token, expiresAt: new Date((token.payload.constraints.exp + 300) * 1000) };
}

/**
 * Check a released token against the actual call: key validity at issuance, expiry (exact for
 * a token held here, with the default clock skew otherwise),
 * audience, command, intent digest of the actual arguments, argument bounds, region, bytes,
 * secrets. A token this firewall minted and still holds is checked on the payload it kept
 * (`verifyHeldToken`, see held-tokens.ts); any other token — or every token, with
 * `verifyOwnSignatures` — by core `verifyToken`, signature included. Single use is the
 * nonce store's job.
 * @throws the token verifier's `ERR_TOKEN_*` / `ERR_KEY_*` codes.
 */
export function checkRelease(options: {
  readonly context: FirewallContext;
  readonly token: ReleasedToken;
  readonly call: { readonly tool: string; readonly args: JsonObject; readonly requestBytes: number };
  readonly intentDigest: Sha256Digest;
  readonly touchesSecrets: boolean;
  readonly now: Date;
}): void {
  const { context, token, call, intentDigest, touchesSecrets, now } = options;
  const verify = {
    trustRoot: context.settings.trustRoot,
    now,
    audience: context.settings.audience,
    call: { command: call.tool, intent: intentDigest, args: call.args, touchesSecrets, requestBytes: call.requestBytes },
  };
  // A token this firewall minted and holds was dated by the clock checking it now: no skew
  // between two clocks to allow for, so it is refused from its `exp` on (the verifiers' 30 s
  // default would let it run for half a minute past its lifetime). Any other token may come
  // from an authority on another host and gets the default skew.
  if (context.held.take(token.token)) verifyHeldToken(token.token, { ...verify, clockSkewSeconds: 0 });
  else verifyToken(token.token, verify);
}

/** Sign the denial artifact of a refused call (core `signDenial`). */
export function denyRelease(options: {
  readonly context: FirewallContext;
  readonly session: SessionState;
  readonly call: { readonly tool: string; readonly args: JsonObject; readonly sensitive?: readonly string[] };
  readonly intentDigest: Sha256Digest;
  readonly stage: DenialStage;
  readonly reasons: readonly DecisionReason[];
  readonly policy?: { readonly decisionId: string };
  readonly basis?: BasisReport;
  readonly now: Date;
}): Denial {
  const { context, session, call, intentDigest, stage, reasons, policy, basis, now } = options;
  const { settings } = context;
  return signDenial({
    signer: settings.authority,
    issuer: settings.issuer,
    subject: session.agent.id,
    actor: [session.principal.id],
    audience: [settings.audience],
    command: call.tool,
    intent: intentDigest,
    stage,
    reasons: (reasons.length > 0 ? reasons : [{ code: 'firewall.denied', text: 'denied' }]).slice(0, 64).map((r) => ({ code: r.code.slice(0, 256), message: r.text.slice(0, 2048) })),
    ...(policy === undefined ? {} : { policy: { digest: settings.policy.digest as Sha256Digest, decision: policy.decisionId } }),
    ...(basis === undefined ? {} : { basis: { digest: basis.digest, score: basis.score } }),
    env: session.environmentDigest,
    summary: summarizeIntent(call),
    now,
  });
}

/** Receipt payload type. */
export const RECEIPT_PAYLOAD_TYPE = writPayloadType('receipt');

/** The payload of an outcome receipt: what is signed, or recorded as is for a token-free call (ADR 0023). */
export function receiptPayload(options: { readonly context: FirewallContext; readonly receipt: OutcomeReceipt; readonly intentDigest: Sha256Digest; readonly now: Date }): ReceiptPayload {
  const { context, receipt, intentDigest, now } = options;
  return {
    v: 1,
    id: receipt.id,
    iss: context.settings.issuer,
    iat: Math.floor(now.getTime() / 1000),
    callId: receipt.callId,
    tokenId: receipt.tokenId ?? null,
    tool: receipt.tool,
    intentDigest,
    argsDigest: receipt.argsDigest,
    resultDigest: receipt.resultDigest ?? null,
    status: receipt.status,
    startedAt: receipt.startedAt,
    finishedAt: receipt.finishedAt,
    ...(receipt.error === undefined ? {} : { error: { name: receipt.error.name, message: receipt.error.message } }),
  };
}

/** Sign an outcome receipt with the gateway key (DSSE `application/vnd.writ.receipt+json`). */
export function signReceipt(options: { readonly context: FirewallContext; readonly receipt: OutcomeReceipt; readonly intentDigest: Sha256Digest; readonly now: Date }): Envelope {
  return signEnvelope({ payloadType: RECEIPT_PAYLOAD_TYPE, payload: utf8(receiptText(receiptPayload(options))), signers: [options.context.settings.gateway] });
}
