/**
 * Assembles the `writ.input/v1` document from the outputs of steps 1–3 (request,
 * classification, basis report) plus who acts, verified approvals, session context and
 * the mode. The result is plain canonical JSON: no `undefined`, absent values are `null`.
 */
import { canonicalize } from '../canonical/canonicalize.ts';
import { isDigest } from '../crypto/digest.ts';
import { WritError } from '../errors.ts';
import type { BasisReport } from '../basis/basis-report.ts';
import type { FirewallMode } from '../firewall/types.ts';
import type { Classification } from '../registry/classify-tool-call.ts';
import { isPlainObject } from '../registry/tool-declaration.ts';
import type { JsonObject, Sha256Digest } from '../stores/types.ts';
import type {
  PolicyInput,
  PolicyInputApproval,
  PolicyInputBudget,
  PolicyInputHistory,
} from './policy-input.ts';
import { POLICY_INPUT_VERSION } from './policy-input.ts';
import { isKeptSources, keptPolicyItems } from './kept-basis-lists.ts';

/** A verified approval as the approval verifier hands it over. */
export interface VerifiedApprovalInput {
  readonly approver: string;
  readonly key?: string;
  readonly role: string;
  readonly intent: Sha256Digest;
  readonly rule?: string;
  /** RFC 3339. */
  readonly issuedAt: string;
  /** RFC 3339. */
  readonly expiresAt?: string;
}

/** Options of {@link buildPolicyInput}. */
export interface BuildPolicyInputOptions {
  /** The normalised request (step 1). */
  readonly request: {
    readonly tool: string;
    readonly args: JsonObject;
    readonly intentDigest: Sha256Digest;
    readonly callId?: string;
    readonly cmd?: string;
    readonly target?: string;
    readonly resource?: string;
  };
  /** Step 2. */
  readonly classification: Classification;
  /** Step 3. */
  readonly basisReport: BasisReport;
  readonly principal: {
    readonly id: string;
    readonly roles?: readonly string[];
    readonly tenant?: string;
  };
  readonly agent: {
    readonly id: string;
    readonly framework?: string;
    readonly model?: string;
    readonly environment?: Sha256Digest;
  };
  /** Verified approvals for this intent (never raw statements). */
  readonly approvals?: readonly VerifiedApprovalInput[];
  readonly context: {
    readonly now: Date;
    readonly session: string;
    readonly history?: PolicyInputHistory;
    readonly budgets?: readonly PolicyInputBudget[];
  };
  readonly mode: FirewallMode;
}

const MODES: readonly FirewallMode[] = ['shadow', 'advisory', 'enforce'];
const EMPTY_HISTORY: PolicyInputHistory = {
  attempts: 0,
  recentDenials: [],
  signals: {
    repeatedDenials: 0,
    alternateToolAfterDenial: false,
    scopeExpansionAfterNarrowing: false,
  },
};

function invalid(parameter: string, message: string): WritError {
  return new WritError('ERR_POLICY_INPUT_INVALID', `${parameter} ${message}`, {
    details: { parameter },
  });
}

function text(value: unknown, parameter: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096)
    throw invalid(parameter, 'must be a non-empty string');
  return value;
}

function optionalText(value: unknown, parameter: string): string | null {
  return value === undefined ? null : text(value, parameter);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time (policies compare them with time.parse_rfc3339_ns). */
function time(value: unknown, parameter: string): string {
  if (typeof value !== 'string' || !RFC3339.test(value) || !Number.isFinite(Date.parse(value))) {
    throw invalid(parameter, 'must be an RFC 3339 time');
  }
  return value;
}

function approvalOf(value: unknown, index: number): PolicyInputApproval {
  const at = `approvals[${index}]`;
  if (!isPlainObject(value)) throw invalid(at, 'must be an object');
  if (!isDigest(value.intent)) throw invalid(`${at}.intent`, 'must be a sha256 digest');
  return {
    approver: text(value.approver, `${at}.approver`),
    key: optionalText(value.key, `${at}.key`),
    role: text(value.role, `${at}.role`),
    intent: value.intent,
    rule: optionalText(value.rule, `${at}.rule`),
    issuedAt: time(value.issuedAt, `${at}.issuedAt`),
    expiresAt: value.expiresAt === undefined ? null : time(value.expiresAt, `${at}.expiresAt`),
  };
}

/**
 * Builds the policy input document for one call.
 *
 * `action.args` carries the arguments as called, sensitive ones included (policy may need
 * them); `action.sensitive` lists their paths so whoever records the input in the transcript
 * stores those values as commitments, never in the clear.
 * @throws WritError `ERR_POLICY_INPUT_INVALID` naming the malformed option.
 * @example
 * ```ts
 * const input = buildPolicyInput({ request, classification, basisReport, principal, agent,
 *   approvals: [], context: { now, session: 's1', history, budgets }, mode: 'enforce' });
 * await policy.evaluate(input); // data.writ.decision
 * ```
 */
export function buildPolicyInput(options: BuildPolicyInputOptions): PolicyInput {
  if (!isPlainObject(options)) throw invalid('options', 'must be an object');
  const { request, classification: c, basisReport: b, principal, agent, context, mode } = options;
  if (!isPlainObject(request)) throw invalid('request', 'must be an object');
  const tool = text(request.tool, 'request.tool');
  if (!isPlainObject(request.args)) throw invalid('request.args', 'must be a JSON object');
  try {
    canonicalize(request.args);
  } catch (cause) {
    throw new WritError('ERR_POLICY_INPUT_INVALID', 'request.args must be canonical JSON', {
      cause,
      details: { parameter: 'request.args' },
    });
  }
  if (!isDigest(request.intentDigest))
    throw invalid('request.intentDigest', 'must be a sha256 digest');
  if (typeof c !== 'object' || c === null || c.tool !== tool)
    throw invalid('classification', 'must classify request.tool');
  if (
    typeof b !== 'object' ||
    b === null ||
    b.version !== 'writ.basis/v1' ||
    b.actionClass !== c.actionClass
  ) {
    throw invalid('basisReport', 'must be the basis report for this classification');
  }
  if (!isPlainObject(principal)) throw invalid('principal', 'must be an object');
  if (
    principal.roles !== undefined &&
    (!Array.isArray(principal.roles) || !principal.roles.every((r) => typeof r === 'string'))
  ) {
    throw invalid('principal.roles', 'must be an array of strings');
  }
  if (!isPlainObject(agent)) throw invalid('agent', 'must be an object');
  if (agent.environment !== undefined && !isDigest(agent.environment))
    throw invalid('agent.environment', 'must be a sha256 digest');
  if (!isPlainObject(context)) throw invalid('context', 'must be an object');
  if (!(context.now instanceof Date) || !Number.isFinite(context.now.getTime()))
    throw invalid('context.now', 'must be a valid Date');
  if (!MODES.includes(mode)) throw invalid('mode', 'must be shadow, advisory or enforce');
  const approvals = options.approvals ?? [];
  if (!Array.isArray(approvals)) throw invalid('approvals', 'must be an array');
  const budgets = context.budgets ?? [];
  if (!Array.isArray(budgets)) throw invalid('context.budgets', 'must be an array');
  if (context.history !== undefined && !isPlainObject(context.history))
    throw invalid('context.history', 'must be an object');

  return {
    version: POLICY_INPUT_VERSION,
    action: {
      tool,
      cmd: request.cmd === undefined ? tool : text(request.cmd, 'request.cmd'),
      args: request.args,
      intent: request.intentDigest,
      class: c.actionClass,
      registered: c.registered,
      audience: c.audience,
      target: optionalText(request.target, 'request.target'),
      resource: optionalText(request.resource, 'request.resource'),
      effects: { declared: [...c.declaredEffects], detected: [...c.detectedEffects] },
      detections: c.detections.map((d) => ({
        code: d.code,
        effect: d.effect ?? null,
        argument: d.argument,
        detail: d.detail,
        confidence: d.confidence,
      })),
      hosts: c.hosts.map((h) => ({
        host: h.host,
        argument: h.argument,
        internal: h.internal ?? null,
        allowed: h.allowed,
      })),
      consequential: c.consequential.map((v) => ({ path: v.path, kind: v.kind })),
      sensitive: [...c.sensitive],
      scope: c.scope ?? null,
      tenant: c.tenant ?? null,
    },
    agent: {
      id: text(agent.id, 'agent.id'),
      framework: optionalText(agent.framework, 'agent.framework'),
      model: optionalText(agent.model, 'agent.model'),
      environment: agent.environment ?? null,
    },
    principal: {
      id: text(principal.id, 'principal.id'),
      roles: [...(principal.roles ?? [])],
      tenant: optionalText(principal.tenant, 'principal.tenant'),
    },
    basis: {
      score: b.score,
      threshold: b.threshold,
      sufficient: b.sufficient,
      digest: b.digest,
      findings: b.findings.map((f) => ({
        code: f.code,
        severity: f.severity,
        item: f.item ?? null,
        argument: f.argument ?? null,
        text: f.text,
      })),
      tainted: [...b.tainted],
      // Lists a scorer kept frozen are carried as they are; any other is copied.
      arguments: b.arguments.map((a) => ({
        ...a,
        sources: isKeptSources(a.sources) ? a.sources : a.sources.map((s) => ({ ...s })),
      })),
      items: keptPolicyItems(b.items) ?? b.items.map(({ digest: _digest, ...item }) => item),
    },
    approvals: approvals.map(approvalOf),
    context: {
      time: context.now.toISOString(),
      epochSeconds: Math.floor(context.now.getTime() / 1000),
      session: text(context.session, 'context.session'),
      callId: optionalText(request.callId, 'request.callId'),
      history: context.history ?? EMPTY_HISTORY,
      budgets: budgets.map((budget, index) => {
        if (!isPlainObject(budget)) throw invalid(`context.budgets[${index}]`, 'must be an object');
        const { id, limit, used, reserved, requested, remaining } = budget as PolicyInputBudget;
        for (const [name, value] of Object.entries({
          limit,
          used,
          reserved,
          requested,
          remaining,
        })) {
          if (typeof value !== 'number' || !Number.isFinite(value))
            throw invalid(`context.budgets[${index}].${name}`, 'must be a finite number');
        }
        return {
          id: text(id, `context.budgets[${index}].id`),
          limit,
          used,
          reserved,
          requested,
          remaining,
        };
      }),
    },
    mode,
  };
}
