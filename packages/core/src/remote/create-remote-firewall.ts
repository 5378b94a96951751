/**
 * The remote mode of the firewall: the same {@link Firewall} API as `createFirewall`, with
 * judgement, tokens, approvals and the transcript held by a Writ authority (apps/authority)
 * and only the tool functions running in this process. Every call has a deadline; no
 * answer means no execution (fail closed).
 *
 * `execute` is two-phase: the authority's gateway admits the call (checks the released
 * token against it and consumes its nonce), this process runs the tool, then reports the
 * result so the authority writes the outcome receipt. If the report cannot be delivered,
 * `execute` throws `ERR_FIREWALL_TIMEOUT` after the effect happened; the authority records
 * the call as failed once its own wait expires.
 */
import { WritError } from '../errors.ts';
import type { JsonObject } from '../stores/types.ts';
import type {
  ApprovalSubmission,
  BasisItemInput,
  BasisItemRef,
  ExecuteResult,
  Firewall,
  FirewallSession,
  GuardExecute,
  GuardInput,
  GuardResult,
  OpenSessionOptions,
  OutcomeReceipt,
  ReconciliationResult,
  RollbackReport,
  SessionSummary,
  ToolCall,
  ToolFunction,
  ToolOutputInput,
  UnfinishedRelease,
  UnfinishedResolution,
} from '../firewall/types.ts';
import { compensateEffect, parseReconcilers } from '../firewall/reconciliation.ts';
import type { EffectContext, ToolReconciler } from '../firewall/reconciliation.ts';
import { RemoteTransport } from './remote-transport.ts';
import type { RemoteTransportOptions } from './remote-transport.ts';
import { assertOptions } from '../invalid-argument.ts';

/** Options of {@link createRemoteFirewall}. */
export type RemoteFirewallOptions = RemoteTransportOptions & {
  /**
   * Compensations of the tools this process runs, by tool name: `rollback(tokenId)` asks the
   * authority for the effect (arguments, result) and runs the tool's `compensate` here; the
   * authority records the outcome and the residue. A tool without one is not compensable.
   */
  readonly reconcilers?: Readonly<Record<string, ToolReconciler>>;
};

const segment = (value: string, name: string): string => {
  if (typeof value !== 'string' || !/^[A-Za-z0-9._:@-]{1,128}$/.test(value)) {
    throw new WritError('ERR_INVALID_ARGUMENT', `${name} must be 1-128 characters of [A-Za-z0-9._:@-]`, { details: { parameter: name } });
  }
  return encodeURIComponent(value);
};

function errorOf(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}

class RemoteSession implements FirewallSession {
  readonly id: string;
  readonly #transport: RemoteTransport;
  readonly #base: string;

  constructor(options: { id: string; transport: RemoteTransport }) {
    this.id = options.id;
    this.#transport = options.transport;
    this.#base = `/v1/sessions/${segment(options.id, 'sessionId')}`;
  }

  async #basis(body: JsonObject): Promise<BasisItemRef> {
    return (await this.#transport.post(`${this.#base}/basis`, body)) as unknown as BasisItemRef;
  }

  addSystemPrompt(text: string): Promise<BasisItemRef> {
    return this.#basis({ kind: 'system-prompt', text });
  }

  addUserTurn(text: string): Promise<BasisItemRef> {
    return this.#basis({ kind: 'user-turn', text });
  }

  addToolOutput(input: ToolOutputInput): Promise<BasisItemRef> {
    return this.#basis({ kind: 'tool-output', tool: input.tool, callId: input.callId, output: input.output, ...(input.atMost !== undefined && { atMost: input.atMost }) });
  }

  addBasis(item: BasisItemInput): Promise<BasisItemRef> {
    const observedAt = item.observedAt instanceof Date ? item.observedAt.toISOString() : item.observedAt;
    return this.#basis({ kind: 'item', item: { ...item, ...(observedAt === undefined ? {} : { observedAt }) } as unknown as JsonObject });
  }

  async guard(input: GuardInput): Promise<GuardResult> {
    const answer = await this.#transport.post(`${this.#base}/calls/${segment(input.callId, 'callId')}/guard`, {
      tool: input.tool,
      args: input.args,
      ...(input.approvals === undefined ? {} : { approvals: input.approvals }),
    });
    return answer.guard as GuardResult;
  }

  async execute<T>(call: ToolCall, run: ToolFunction<T>): Promise<ExecuteResult<T>> {
    const path = `${this.#base}/calls/${segment(call.callId, 'callId')}`;
    const started = await this.#transport.post(`${path}/start`, { tool: call.tool, args: call.args });
    if (started.phase !== 'run') return started.result as ExecuteResult<T>;
    let outcome: { ok: true; result: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, result: await run(started.args as JsonObject) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const finished = (await this.#transport.post(`${path}/finish`, outcome.ok ? { result: outcome.result as never } : { error: errorOf(outcome.error) })) as {
      status: 'executed' | 'failed';
      receipt: OutcomeReceipt;
      guard: GuardExecute;
      reconciliation?: ReconciliationResult;
    };
    if (outcome.ok && finished.status === 'executed') {
      return { status: 'executed', result: outcome.result, receipt: finished.receipt, guard: finished.guard, ...(finished.reconciliation === undefined ? {} : { reconciliation: finished.reconciliation }) };
    }
    return { status: 'failed', error: outcome.ok ? new WritError('ERR_INTERNAL', 'the authority recorded the call as failed') : outcome.error, receipt: finished.receipt, guard: finished.guard };
  }

  async submitApproval(input: { readonly requestId: string; readonly statement: JsonObject }): Promise<ApprovalSubmission> {
    assertOptions(input, 'input');
    return (await this.#transport.post(`${this.#base}/approvals`, { requestId: input.requestId, statement: input.statement })) as unknown as ApprovalSubmission;
  }

  async end(): Promise<SessionSummary> {
    return (await this.#transport.post(`${this.#base}/end`, {})) as unknown as SessionSummary;
  }
}

/**
 * A firewall whose judgement happens in a Writ authority.
 * @throws `ERR_INVALID_ARGUMENT` naming a bad option. Calls throw `ERR_FIREWALL_TIMEOUT`
 *   when the authority does not answer in time (nothing is executed), `ERR_FIREWALL_CLOSED`
 *   after `close`.
 */
export function createRemoteFirewall(options: RemoteFirewallOptions): Firewall {
  const transport = new RemoteTransport(options);
  const reconcilers = parseReconcilers(options.reconcilers);
  let closed = false;
  const open = (): void => {
    if (closed) throw new WritError('ERR_FIREWALL_CLOSED', 'the firewall is closed');
  };
  return {
    async openSession(session: OpenSessionOptions): Promise<FirewallSession> {
      open();
      const answer = await transport.post('/v1/sessions', session);
      if (typeof answer.sessionId !== 'string') throw new WritError('ERR_INTERNAL', 'the authority answered without a session id');
      return new RemoteSession({ id: answer.sessionId, transport });
    },
    async submitApproval(input): Promise<ApprovalSubmission> {
      open();
      assertOptions(input, 'input');
      return (await transport.post('/v1/agent/approvals', { requestId: input.requestId, statement: input.statement })) as unknown as ApprovalSubmission;
    },
    async rollback(tokenId: string): Promise<RollbackReport> {
      open();
      const id = segment(tokenId, 'tokenId');
      const started = await transport.post(`/v1/agent/rollbacks/${id}/start`, {});
      if (started.phase === 'done') return started.report as RollbackReport;
      const effect = started.effect as EffectContext | undefined;
      if (started.phase !== 'run' || typeof effect !== 'object' || effect === null || typeof effect.tool !== 'string') {
        throw new WritError('ERR_INTERNAL', 'the authority answered the rollback without an effect');
      }
      // The compensation runs here, where the tool ran; a throwing one is reported as partial.
      const compensation = await compensateEffect(reconcilers.get(effect.tool), effect);
      const finished = await transport.post(`/v1/agent/rollbacks/${id}/finish`, { status: compensation.status, residue: [...compensation.residue] });
      return finished.report as RollbackReport;
    },
    unfinished(): readonly UnfinishedRelease[] {
      return [];
    },
    resolveUnfinished(): Promise<UnfinishedResolution> {
      // The authority's firewall holds the ledger and its unfinished releases, not this one.
      return Promise.reject(new WritError('ERR_FIREWALL_TOKEN_UNKNOWN', 'a remote firewall holds no unfinished releases: the authority found them on its open, and resolves them'));
    },
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
  };
}
