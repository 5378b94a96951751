/**
 * `rollback(tokenId)`: run the registered compensation for a performed effect, record it,
 * and report the residue that remains (TraceScript §21: rollback is not restoration).
 */
import { WritError } from '../errors.ts';
import type { JsonValue } from '../stores/types.ts';
import type { FirewallContext } from './firewall-context.ts';
import { compensateEffect } from './reconciliation.ts';
import type { RollbackReport } from './types.ts';

/**
 * @throws `ERR_INVALID_ARGUMENT` (tokenId not a string), `ERR_FIREWALL_TOKEN_UNKNOWN` (no
 *   effect performed under this token by this firewall), store errors.
 */
export async function rollbackEffect(options: { readonly context: FirewallContext; readonly tokenId: unknown }): Promise<RollbackReport> {
  const { context, tokenId } = options;
  if (typeof tokenId !== 'string' || tokenId === '') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'tokenId must be a non-empty string', { details: { parameter: 'tokenId' } });
  }
  const effect = context.effects.get(tokenId);
  if (effect === undefined) throw new WritError('ERR_FIREWALL_TOKEN_UNKNOWN', 'no effect was performed under this token');
  if (effect.rolledBack) {
    return { tokenId, status: 'failed', residue: ['the effect was already rolled back'] };
  }
  effect.rolledBack = true;
  const compensation = await compensateEffect(context.settings.reconcilers.get(effect.tool), {
    tokenId,
    callId: effect.callId,
    tool: effect.tool,
    args: effect.args,
    result: toJson(effect.result),
  });
  // A fully compensated effect frees its escrowed budget; anything less keeps it spent.
  effect.reservation?.release(compensation.status !== 'compensated');
  await context.recorder.write(
    [
      {
        type: 'effect-rolled-back',
        time: context.now().toISOString(),
        body: { tokenId, sessionId: effect.sessionId, callId: effect.callId, status: compensation.status, residue: [...compensation.residue] },
      },
    ],
    'sync',
  );
  return { tokenId, status: compensation.status, residue: compensation.residue };
}

function toJson(value: unknown): JsonValue {
  try {
    return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
  } catch {
    return null;
  }
}
