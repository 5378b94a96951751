/**
 * A dry run of steps 1–4 for one action request, for policy authors and tests
 * (`writ decide`): classify, score the basis given with the request, build the
 * `writ.input/v1` document, evaluate the policy and parse its decision. Nothing is signed,
 * stored or executed.
 */
import { BasisLedger } from '../basis/basis-ledger.ts';
import type { BasisReport } from '../basis/basis-report.ts';
import { scoreBasis } from '../basis/score-basis.ts';
import { WritError } from '../errors.ts';
import { buildPolicyInput } from '../policy-contract/build-policy-input.ts';
import type { ParsedDecision } from '../policy-contract/decision.ts';
import { parseDecision } from '../policy-contract/parse-decision.ts';
import type { PolicyInput, PolicyInputBudget, PolicyInputHistory } from '../policy-contract/policy-input.ts';
import type { Classification } from '../registry/classify-tool-call.ts';
import type { ToolRegistry } from '../registry/tool-registry.ts';
import type { Sha256Digest } from '../stores/types.ts';
import type { FirewallPolicy } from './firewall-options.ts';
import { checkCall } from './guard-input.ts';
import { isFirewallMode } from './mode.ts';
import { intentOf } from './ports.ts';
import type { BasisItemInput, FirewallMode } from './types.ts';
import { assertMethods, assertOptions } from '../invalid-argument.ts';

/** What `decideRequest` returns. */
export interface DecideResult {
  readonly decision: ParsedDecision;
  readonly intentDigest: Sha256Digest;
  readonly policyDigest: string;
  readonly classification: Classification;
  readonly basis: BasisReport;
  readonly input: PolicyInput;
}

function plain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An RFC 3339 string as a Date (an invalid one becomes an invalid Date, refused by the caller). */
function time(value: unknown): Date {
  return new Date(typeof value === 'string' ? value : Number.NaN);
}

function bad(parameter: string, message: string): WritError {
  return new WritError('ERR_INVALID_ARGUMENT', `${parameter} ${message}`, { details: { parameter } });
}

/**
 * Decide one action request (JSON as `writ decide` reads it):
 * `{ tool, args, callId?, principal?: { id, roles?, tenant? }, agent?: { id, framework?, model? },
 *    basis?: [{ kind, content, source, authority, observedAt?, maxAgeMs?, derivedFrom?, ... }],
 *    mode?, now?, history?, budgets?, audience? }`.
 * @throws `ERR_INVALID_ARGUMENT` naming the malformed field, `ERR_BASIS_ITEM_*`, the policy's
 *   `ERR_POLICY_*` codes, `ERR_DECISION_INVALID`-class codes from the decision parser.
 */
export async function decideRequest(options: { readonly policy: FirewallPolicy; readonly registry: ToolRegistry; readonly request: unknown }): Promise<DecideResult> {
  assertOptions(options);
  const { policy, registry, request } = options;
  assertMethods(policy, 'options.policy', { methods: ['evaluate'], what: 'a FirewallPolicy' });
  assertMethods(registry, 'options.registry', { methods: ['classify'], what: 'a ToolRegistry' });
  if (!plain(request)) throw bad('request', 'must be a JSON object');
  const call = checkCall({ tool: request.tool, args: request.args, callId: request.callId ?? 'decide' }, 'request');
  const principal = plain(request.principal) ? request.principal : { id: 'principal' };
  const agent = plain(request.agent) ? request.agent : { id: 'agent' };
  if (typeof principal.id !== 'string' || typeof agent.id !== 'string') throw bad('request.principal.id', 'and request.agent.id must be strings');
  const tenant = typeof principal.tenant === 'string' ? principal.tenant : undefined;
  if (request.mode !== undefined && !isFirewallMode(request.mode)) throw bad('request.mode', 'must be shadow, advisory or enforce');
  const mode: FirewallMode = isFirewallMode(request.mode) ? request.mode : 'enforce';
  const now = request.now === undefined ? new Date() : time(request.now);
  if (!Number.isFinite(now.getTime())) throw bad('request.now', 'must be an RFC 3339 time');
  const items = request.basis ?? [];
  if (!Array.isArray(items)) throw bad('request.basis', 'must be an array of basis items');

  const ledger = new BasisLedger({ ...(tenant === undefined ? {} : { tenant }), now: () => now });
  items.forEach((item: unknown, index) => {
    if (!plain(item)) throw bad(`request.basis[${index}]`, 'must be an object');
    const observedAt = item.observedAt === undefined ? undefined : time(item.observedAt);
    try {
      ledger.add({ ...(item as unknown as BasisItemInput), ...(observedAt === undefined ? {} : { observedAt }) });
    } catch (error) {
      // The ledger names the field of "item"; say which item of the request it is.
      if (WritError.isInstance(error)) throw new WritError(error.code, `request.basis[${index}]: ${error.message}`, { cause: error, details: { ...error.details, parameter: `request.basis[${index}]` } });
      throw error;
    }
  });
  const classification = registry.classify({ tool: call.tool, args: call.args });
  const audience = typeof request.audience === 'string' ? request.audience : 'writ-gateway';
  const { intentDigest } = intentOf({ call, principal: { id: principal.id, ...(tenant === undefined ? {} : { tenant }) }, audience });
  const basis = scoreBasis({ items: ledger.items(), actionClass: classification.actionClass, consequential: classification.consequential, ...(tenant === undefined ? {} : { tenant }), now });
  const input = buildPolicyInput({
    request: { tool: call.tool, args: call.args, intentDigest, callId: call.callId, target: audience },
    classification,
    basisReport: basis,
    principal: principal as { id: string },
    agent: agent as { id: string },
    context: {
      now,
      session: typeof request.session === 'string' ? request.session : 'decide',
      ...(plain(request.history) ? { history: request.history as unknown as PolicyInputHistory } : {}),
      ...(Array.isArray(request.budgets) ? { budgets: request.budgets as PolicyInputBudget[] } : {}),
    },
    mode,
  });
  const raw = policy.evaluateSync !== undefined ? policy.evaluateSync(input, { now }) : await policy.evaluate(input, { now });
  return { decision: parseDecision(raw), intentDigest, policyDigest: policy.digest, classification, basis, input };
}
