/**
 * Steps 7–9 of the flow: the gateway checks the released token against the actual call
 * and consumes its nonce (no token, no effect), runs the tool, writes the outcome receipt
 * binding what was performed, settles the budget and runs the reconciliation observer.
 *
 * The gateway runs in the process that minted the token, so it does not re-verify the
 * signature it just made nor re-parse its bytes (auditors and remote gateways do); it checks
 * everything else on the payload the minter kept (held-tokens.ts): key validity, intent
 * digest of the actual arguments, expiry, audience, constraints, and single use (nonce store).
 */
import { digest, digestBytes } from '../crypto/digest.ts';
import { utf8 } from '../crypto/encoding.ts';
import { WritError } from '../errors.ts';
import type { JsonObject, JsonValue, Sha256Digest } from '../stores/types.ts';
import { receiptIdText } from './canonical-shapes.ts';
import type { FirewallContext } from './firewall-context.ts';
import { withTimeout } from './firewall-context.ts';
import type { CheckedCall } from './guard-input.ts';
import type { Release } from './judge-call.ts';
import { refusalText } from './judge-call.ts';
import { checkRelease, denyRelease, intentOf, receiptPayload, signReceipt } from './ports.ts';
import { observeEffect } from './reconciliation.ts';
import type { Observation } from './reconciliation.ts';
import type { SessionState } from './session-state.ts';
import type { DecisionReason, ExecuteResult, GuardBlock, GuardExecute, OutcomeReceipt, ToolFunction } from './types.ts';

/** An executed result with its reconciliation, when the tool has an observer. */
export type GatewayResult<T> = ExecuteResult<T> & { readonly reconciliation?: Observation };

function resultDigest(result: unknown): Sha256Digest | undefined {
  try {
    return digest(result === undefined ? null : result);
  } catch {
    return undefined;
  }
}

function errorSummary(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name.slice(0, 100), message: error.message.slice(0, 500) };
  return { name: 'NonError', message: 'a non-Error value was thrown' };
}

/** Refuse at the gateway: signed denial, recorded, a block result the model can read. */
async function refuse(options: {
  readonly context: FirewallContext;
  readonly session: SessionState;
  readonly call: CheckedCall;
  readonly guard: GuardExecute;
  readonly reasons: readonly DecisionReason[];
}): Promise<GuardBlock> {
  const { context, session, call, guard, reasons } = options;
  const now = context.now();
  const denial = denyRelease({ context, session, call, intentDigest: guard.intentDigest, stage: 'gateway', reasons, now });
  await context.recorder
    .write(
      [
        {
          type: 'action-denied',
          time: now.toISOString(),
          body: {
            sessionId: session.id,
            callId: call.callId,
            tokenId: session.releases.get(call.callId)?.token?.id ?? null,
            denialId: denial.payload.id,
            stage: 'gateway',
            denial: denial.envelope as unknown as JsonObject,
          },
        },
      ],
      'sync',
    )
    .catch(() => undefined);
  return { ...guard, verdict: 'block', decision: 'deny', reasons, reason: refusalText(call.tool, reasons), denialId: denial.payload.id };
}

/** Check the release against the call; `undefined` when the call may run. */
async function admit(options: {
  readonly context: FirewallContext;
  readonly session: SessionState;
  readonly call: CheckedCall;
  readonly intentDigest: Sha256Digest;
  readonly release: Release | undefined;
}): Promise<DecisionReason[] | undefined> {
  const { context, session, call, intentDigest, release } = options;
  const before = session.executedBeforeRestart.get(call.callId);
  if (before === 'executed') return [{ code: 'gateway.already-executed', text: 'this call already ran' }];
  // Never under this call id again, also once resolved `not-executed`: its release (and token)
  // stays the call's, and no execution may follow such a resolution.
  if (before === 'unknown') return [{ code: 'gateway.outcome-unknown', text: 'this call was released before a restart without a recorded outcome; it does not run again under this call id (resolve the release, then run the call under a new call id)' }];
  if (release === undefined) return [{ code: 'gateway.no-token', text: 'no release was recorded for this call' }];
  // The release answers for the intent it was judged for (tool, arguments, principal,
  // audience) — checked here for token-free releases too, which carry no token to check.
  if (release.intentDigest !== intentDigest) return [{ code: 'gateway.intent-mismatch', text: 'the release was judged for another call' }];
  const { token, classification } = release;
  if (token === undefined) {
    return context.settings.tokenFreeClasses.has(classification.actionClass)
      ? undefined
      : [{ code: 'gateway.no-token', text: 'no action token was released for this call' }];
  }
  const touchesSecrets = classification.detections.some((d) => d.code === 'detect.secret');
  try {
    checkRelease({ context, token, call, intentDigest, touchesSecrets, now: context.now() });
  } catch (error) {
    const code = WritError.isInstance(error) ? error.code : 'ERR_INTERNAL';
    return [{ code: `gateway.${code}`, text: 'the action token does not cover this call' }];
  }
  try {
    const first = await withTimeout(context.settings.stores.nonces.consume({ id: token.id, expiresAt: token.expiresAt, maxUses: token.token.payload.constraints.maxUses ?? 1 }), context.settings.timeoutMs);
    if (!first) return [{ code: 'gateway.ERR_TOKEN_CONSUMED', text: 'the action token was already used' }];
  } catch {
    return [{ code: 'firewall.store-error', text: 'the nonce store failed' }];
  }
  return undefined;
}

/**
 * Run `run` for an admitted call and record its outcome.
 * In enforce a failed admission refuses; in shadow and advisory it is recorded and the tool runs.
 */
export async function runThroughGateway<T>(options: {
  readonly context: FirewallContext;
  readonly session: SessionState;
  readonly call: CheckedCall;
  readonly guard: GuardExecute;
  readonly run: ToolFunction<T>;
}): Promise<GatewayResult<T>> {
  const { context, session, call, guard, run } = options;
  const release = session.releases.get(call.callId);
  // The intent of the arguments actually executed (not the ones judged).
  const { intentDigest } = intentOf({ call, principal: session.principal, audience: context.settings.audience });
  const refused = await admit({ context, session, call, intentDigest, release });
  // From here on the call runs (admitted, or overridden in shadow/advisory): its reservation
  // counts until the outcome, even when that comes after its token's expiry.
  if (refused === undefined || guard.mode !== 'enforce') release?.reservation?.admit();
  if (refused !== undefined) {
    if (guard.mode === 'enforce') {
      release?.reservation?.settle(false);
      return { status: 'blocked', guard: await refuse({ context, session, call, guard, reasons: refused }) };
    }
    context.recorder
      .write(
        [
          {
            type: 'gateway-overridden',
            time: context.now().toISOString(),
            body: { sessionId: session.id, callId: call.callId, tokenId: release?.token?.id ?? null, mode: guard.mode, reasons: refused.map((r) => ({ ...r })) },
          },
        ],
        'batched',
      )
      .catch(() => undefined);
  }

  // An effect the gateway did not admit (shadow/advisory override) ran without its token:
  // its receipt names no token, so the transcript never shows it as a use of the release.
  const tokenId = refused === undefined ? release?.token?.id : undefined;
  // The batched loss window: no effect starts while more than 2 × `maxBatch` recorded
  // entries are still on their way to the ledger (only a store that appends asynchronously
  // lags; a caller that never yields to the event loop would otherwise outrun it).
  const backlog = context.recorder.backlog();
  if (backlog !== undefined) await backlog;
  const startedAt = context.now();
  let status: OutcomeReceipt['status'] = 'succeeded';
  let value: T | undefined;
  let thrown: unknown;
  try {
    // The tool gets its own copy of the released arguments: one that changes them in place
    // (normalizing, or on purpose) must not change what the firewall keeps for the history,
    // reconciliation and rollback of this call.
    value = await run(privateArgs(call));
  } catch (error) {
    status = 'failed';
    thrown = error;
  }
  const finishedAt = context.now();
  const receipt: OutcomeReceipt = {
    id: `rcpt_${digestBytes(utf8(receiptIdText({ callId: call.callId, sessionId: session.id, tokenId: tokenId ?? null }))).slice(7, 39)}`,
    callId: call.callId,
    tokenId,
    tool: call.tool,
    argsDigest: call.argsDigest,
    resultDigest: status === 'succeeded' ? resultDigest(value) : undefined,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    status,
    ...(status === 'failed' ? { error: errorSummary(thrown) } : {}),
  };
  // The outcome follows the effect; a crash before it lands leaves a release without an
  // outcome, which the firewall flags on reopen.
  // A call admitted without a token (a token-free class) records its receipt unsigned unless
  // configured otherwise: the transcript attests it (ADR 0023). Every other receipt is signed.
  const unsigned = refused === undefined && tokenId === undefined && !context.settings.signObservationReceipts;
  const recorded = unsigned ? receiptPayload({ context, receipt, intentDigest, now: finishedAt }) : signReceipt({ context, receipt, intentDigest, now: finishedAt });
  context.recorder
    .write(
      [
        {
          type: 'effect-executed',
          time: receipt.finishedAt,
          body: {
            sessionId: session.id,
            callId: call.callId,
            tokenId: tokenId ?? null,
            intentDigest,
            argsDigest: receipt.argsDigest,
            status,
            receiptId: receipt.id,
            receipt: recorded as unknown as JsonObject,
          },
        },
      ],
      'batched',
    )
    .catch(() => undefined);
  release?.reservation?.settle(status === 'succeeded');

  if (status === 'failed') return { status: 'failed', error: thrown, receipt, guard };
  const result = value as T;
  if (tokenId !== undefined) {
    context.rememberEffect({
      tokenId,
      callId: call.callId,
      sessionId: session.id,
      tool: call.tool,
      args: call.args,
      result,
      reservation: release?.reservation,
      rolledBack: false,
    });
  }
  const reconciler = context.settings.reconcilers.get(call.tool);
  if (reconciler?.observe === undefined) return { status: 'executed', result, receipt, guard };
  const observation = await observeEffect(reconciler, {
    tokenId: tokenId ?? '',
    callId: call.callId,
    tool: call.tool,
    args: privateArgs(call),
    result: toJson(result),
  });
  if (observation.status === 'reconciled') release?.reservation?.release(true);
  context.recorder
    .write(
      [
        {
          type: 'effect-reconciled',
          time: context.now().toISOString(),
          body: {
            sessionId: session.id,
            callId: call.callId,
            tokenId: tokenId ?? null,
            status: observation.status,
            ...(observation.expected === undefined ? {} : { expectedDigest: resultDigest(observation.expected) ?? null }),
            ...(observation.observed === undefined ? {} : { observedDigest: resultDigest(observation.observed) ?? null }),
            ...(observation.note === undefined ? {} : { note: observation.note }),
          },
        },
      ],
      'batched',
    )
    .catch(() => undefined);
  return { status: 'executed', result, receipt, guard, reconciliation: observation };
}

/** A fresh copy of the call's arguments (parsed from the canonical text they were judged as). */
function privateArgs(call: CheckedCall): JsonObject {
  return JSON.parse(call.canonicalArgs) as JsonObject;
}

function toJson(value: unknown): JsonValue {
  try {
    digest(value === undefined ? null : value);
    return (value === undefined ? null : value) as JsonValue;
  } catch {
    return null;
  }
}

