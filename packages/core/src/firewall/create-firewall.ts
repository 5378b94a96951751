/**
 * `createFirewall`: the framework-neutral action firewall.
 */
import { randomUUID } from 'node:crypto';
import { WritError } from '../errors.ts';
import { submitApproval } from './approval-flow.ts';
import type { CreateFirewallOptions } from './firewall-options.ts';
import { parseFirewallOptions } from './firewall-options.ts';
import { FirewallContext } from './firewall-context.ts';
import { createFirewallSession, evictSession, evictable } from './firewall-session.ts';
import type { SessionState } from './session-state.ts';
import { checkSessionOptions } from './guard-input.ts';
import { findUnfinishedReleases } from './recovery.ts';
import type { RecoveryLimits } from './recovery.ts';
import { resolveUnfinished } from './resolve-unfinished.ts';
import { rollbackEffect } from './rollback.ts';
import { sessionEnvironment } from './session-environment.ts';
import { digest } from '../crypto/digest.ts';
import { Ledger } from '../transcript/ledger.ts';
import type { Firewall, FirewallSession, UnfinishedRelease } from './types.ts';

/**
 * Create a firewall over a policy, keys, a trust root and stores. On open it scans the
 * ledger for releases without an outcome (a crash between release and outcome), records
 * each as `release-unfinished` for reconciliation and lists them in `unfinished()`.
 *
 * @throws `ERR_INVALID_ARGUMENT` naming the option, `ERR_FIREWALL_MODE_INVALID` (mode or
 *   `WRIT_MODE`), `ERR_TOOL_DECLARATION_INVALID`, store errors while scanning the ledger.
 * @example
 * ```ts
 * const firewall = await createFirewall({
 *   policy: await loadRegoPolicy({ path: 'policies' }),
 *   keys: { authority: createSigner(authorityKey) },
 *   trustRoot,
 *   stores: { ledger, nonces, approvals },
 *   tools: { tools: [{ name: 'send_email', actionClass: 'A3', effects: ['customer-visible'], audience: 'customer' }] },
 * });
 * const session = await firewall.openSession({ principal: { id: 'alice' }, agent: { id: 'bot' } });
 * ```
 */
export function createFirewall(options: CreateFirewallOptions): Promise<Firewall> {
  return openFirewall(options, {});
}

/**
 * {@link createFirewall} with its internal limits chosen by the caller (tests lower them);
 * not part of the package API.
 */
export async function openFirewall(options: CreateFirewallOptions, limits: RecoveryLimits): Promise<Firewall> {
  const settings = parseFirewallOptions(options);
  const { ledger: store } = settings.stores;
  const ledger =
    store instanceof Ledger
      ? store
      : await Ledger.open({ store, origin: settings.origin, signer: settings.ledgerSigner, now: settings.clock, ...(settings.checkpoints === undefined ? {} : { policy: settings.checkpoints }) });
  const context = new FirewallContext(settings, ledger);
  // Unfinished releases by token id, until resolved (resolveUnfinished).
  const unfinished = new Map<string, UnfinishedRelease>();
  for (const release of await findUnfinishedReleases({ context, ...limits })) unfinished.set(release.tokenId, release);
  // Open sessions only: an ended one leaves at `end()` (its id stays in
  // `context.endedSessions`), an idle one at a sweep (`sessions.idleMs`).
  const sessions = new Map<string, { readonly session: FirewallSession; readonly state: SessionState }>();
  const live = (): void => {
    if (context.closed) throw new WritError('ERR_FIREWALL_CLOSED', 'the firewall is closed');
  };
  let lastSweep = context.now().getTime();
  const sweep = (): void => {
    const { idleMs, onEvicted } = context.settings.sessions;
    if (idleMs === undefined) return;
    const now = context.now().getTime();
    // A sweep visits every open session, so at most one per tenth of `idleMs`: a session is
    // evicted at most ~10% later than it could be.
    if (now - lastSweep < idleMs / 10) return;
    lastSweep = now;
    const limits = { now, idleMs, approvalTtlMs: context.settings.approvalTtlMs, tokenTtlMs: context.settings.tokenTtlMs };
    for (const [id, open] of sessions) {
      if (!evictable(open.state, limits)) continue;
      sessions.delete(id);
      evictSession(open.state);
      try {
        onEvicted?.(id);
      } catch {
        // The caller's hook must not fail an unrelated session's open.
      }
    }
  };

  return {
    async openSession(input) {
      live();
      const open = checkSessionOptions(input);
      const id = open.sessionId ?? randomUUID();
      const existing = sessions.get(id);
      if (existing !== undefined) return existing.session;
      // An ended session stays ended, in this process and (per the ledger) after a restart.
      if (open.sessionId !== undefined && context.sessionEnded(id)) throw new WritError('ERR_FIREWALL_SESSION_ENDED', `session ${id} has ended; open a new session`);
      sweep();
      const environment = sessionEnvironment({ settings: context.settings, open });
      const created = createFirewallSession({ context, id, open, environmentDigest: digest(environment), onEnd: () => sessions.delete(id) });
      const { session } = created;
      sessions.set(id, created);
      await context.recorder.flush();
      await context.ledger.startSession({
        sessionId: id,
        time: context.now().toISOString(),
        principal: { id: open.principal.id, roles: [...(open.principal.roles ?? [])], tenant: open.principal.tenant ?? null },
        agent: { id: open.agent.id, framework: open.agent.framework ?? null, model: open.agent.model ?? null },
        environment,
      });
      return session;
    },
    submitApproval(input) {
      live();
      return submitApproval({ context, requestId: input?.requestId, statement: input?.statement });
    },
    rollback(tokenId) {
      live();
      return rollbackEffect({ context, tokenId });
    },
    // In release order (a resolution that could not be recorded puts its release back at the end).
    unfinished: () => [...unfinished.values()].sort((a, b) => a.releasedSeq - b.releasedSeq),
    async resolveUnfinished(tokenId, resolution) {
      live();
      return resolveUnfinished({ context, unfinished, tokenId, resolution });
    },
    async close() {
      if (context.closed) return;
      context.closed = true;
      await context.recorder.flush().catch(() => undefined);
      // Checkpoint what is uncovered; the stores themselves belong to the caller.
      await ledger.checkpoint().catch(() => undefined);
    },
  };
}
