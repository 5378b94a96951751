/**
 * Crash recovery: a release (token issued) without an outcome (execution receipt) means
 * the process stopped between release and outcome — the effect may or may not have
 * happened. Such releases are never silently dropped: on open each one is recorded once as
 * `release-unfinished` (for reconciliation) and reported by `firewall.unfinished()`.
 */
import { parseEntry } from '../transcript/entry.ts';
import type { FirewallContext } from './firewall-context.ts';
import type { UnfinishedRelease } from './types.ts';

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Scan the ledger (streamed) and flag releases without an outcome.
 * @throws store errors (`ERR_STORE_*`), `ERR_TRANSCRIPT_MALFORMED`.
 */
export async function findUnfinishedReleases(options: { readonly context: FirewallContext }): Promise<UnfinishedRelease[]> {
  const { context } = options;
  const { ledger } = context.settings.stores;
  const released = new Map<string, UnfinishedRelease>();
  const flagged = new Set<string>();
  for await (const stored of ledger.read()) {
    const entry = parseEntry(stored.line);
    const tokenId = text(entry.body.tokenId);
    if (tokenId === undefined) continue;
    if (entry.type === 'token-issued') {
      released.set(tokenId, { tokenId, callId: text(entry.body.callId) ?? '', tool: text(entry.body.tool) ?? '', releasedSeq: entry.seq });
    } else if (entry.type === 'effect-executed' || entry.type === 'gateway-overridden' || entry.type === 'action-denied') {
      // An outcome: executed, run without admission (shadow), or refused at the gateway.
      released.delete(tokenId);
    } else if (entry.type === 'release-unfinished') {
      flagged.add(tokenId);
    }
  }
  const unfinished = [...released.values()];
  const fresh = unfinished.filter((release) => !flagged.has(release.tokenId));
  if (fresh.length > 0) {
    const time = context.now().toISOString();
    await context.recorder.write(
      fresh.map((release) => ({ type: 'release-unfinished', time, body: { ...release, status: 'repair-required' } })),
      'sync',
    );
  }
  return unfinished;
}
