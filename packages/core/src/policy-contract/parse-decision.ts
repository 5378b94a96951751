/**
 * Parses what a policy returned into a {@link ParsedDecision}. Anything malformed is an
 * error, never an allow: the firewall turns the error into a fail-closed deny.
 */
import { digest } from '../crypto/digest.ts';
import { WritError } from '../errors.ts';
import type { DecisionKind, DecisionReason } from '../firewall/types.ts';
import { isPlainObject } from '../registry/tool-declaration.ts';
import type { ArgumentBound } from '../token/token-payload.ts';
import type { ApprovalRule, DecisionConstraints, ParsedDecision } from './decision.ts';
import { DECISION_VERSION } from './decision.ts';

const KINDS: readonly DecisionKind[] = [
  'allow',
  'deny',
  'require-approval',
  'allow-with-constraints',
];
const CODE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const MAX_SECONDS = 366 * 24 * 3600;

function bad(parameter: string): WritError {
  return new WritError(
    'ERR_POLICY_DECISION_INVALID',
    `policy decision is malformed at ${parameter}`,
    { details: { parameter } },
  );
}

function onlyKeys(value: Record<string, unknown>, keys: readonly string[], at: string): void {
  for (const key of Object.keys(value)) if (!keys.includes(key)) throw bad(`${at}.${key}`);
}

function integer(
  value: unknown,
  at: string,
  range: { readonly min: number; readonly max: number },
): number {
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < range.min ||
    value > range.max
  )
    throw bad(at);
  return value;
}

function strings(value: unknown, at: string, max = 100): string[] {
  if (!Array.isArray(value) || value.length > max) throw bad(at);
  return value.map((item: unknown, index) => {
    if (typeof item !== 'string' || item.length === 0 || item.length > 256)
      throw bad(`${at}[${index}]`);
    return item;
  });
}

function reasonOf(value: unknown, at: string): DecisionReason {
  if (!isPlainObject(value)) throw bad(at);
  onlyKeys(value, ['code', 'text'], at);
  if (typeof value.code !== 'string' || !CODE.test(value.code)) throw bad(`${at}.code`);
  if (typeof value.text !== 'string' || value.text.length > 4000) throw bad(`${at}.text`);
  return { code: value.code, text: value.text };
}

function boundOf(value: unknown, at: string): ArgumentBound {
  if (!isPlainObject(value)) throw bad(at);
  onlyKeys(value, ['min', 'max', 'oneOf', 'maxLength'], at);
  const bound: {
    min?: number;
    max?: number;
    oneOf?: (string | number | boolean | null)[];
    maxLength?: number;
  } = {};
  for (const key of ['min', 'max'] as const) {
    const limit = value[key];
    if (limit === undefined) continue;
    if (typeof limit !== 'number' || !Number.isFinite(limit)) throw bad(`${at}.${key}`);
    bound[key] = limit;
  }
  if (bound.min !== undefined && bound.max !== undefined && bound.min > bound.max)
    throw bad(`${at}.min`);
  if (value.oneOf !== undefined) {
    if (!Array.isArray(value.oneOf) || value.oneOf.length === 0 || value.oneOf.length > 1000)
      throw bad(`${at}.oneOf`);
    bound.oneOf = value.oneOf.map((item: unknown, index) => {
      if (
        item === null ||
        ['string', 'boolean'].includes(typeof item) ||
        (typeof item === 'number' && Number.isFinite(item))
      ) {
        return item as string | number | boolean | null;
      }
      throw bad(`${at}.oneOf[${index}]`);
    });
  }
  if (value.maxLength !== undefined)
    bound.maxLength = integer(value.maxLength, `${at}.maxLength`, { min: 0, max: 2 ** 31 });
  return bound;
}

function constraintsOf(value: unknown, at: string): DecisionConstraints {
  if (!isPlainObject(value)) throw bad(at);
  onlyKeys(
    value,
    ['ttlSeconds', 'maxUses', 'rate', 'bytes', 'args', 'region', 'hops', 'secrets'],
    at,
  );
  const out: Record<string, unknown> = {};
  if (value.ttlSeconds !== undefined) {
    out.ttlSeconds = integer(value.ttlSeconds, `${at}.ttlSeconds`, { min: 1, max: MAX_SECONDS });
  }
  if (value.maxUses !== undefined) {
    out.maxUses = integer(value.maxUses, `${at}.maxUses`, { min: 1, max: 1_000_000 });
  }
  if (value.hops !== undefined) out.hops = integer(value.hops, `${at}.hops`, { min: 0, max: 64 });
  if (value.rate !== undefined) {
    if (!isPlainObject(value.rate)) throw bad(`${at}.rate`);
    onlyKeys(value.rate, ['count', 'perSeconds'], `${at}.rate`);
    out.rate = {
      count: integer(value.rate.count, `${at}.rate.count`, { min: 1, max: 1_000_000 }),
      perSeconds: integer(value.rate.perSeconds, `${at}.rate.perSeconds`, {
        min: 1,
        max: MAX_SECONDS,
      }),
    };
  }
  if (value.bytes !== undefined) {
    if (!isPlainObject(value.bytes)) throw bad(`${at}.bytes`);
    onlyKeys(value.bytes, ['request', 'response'], `${at}.bytes`);
    const bytes: { request?: number; response?: number } = {};
    for (const key of ['request', 'response'] as const) {
      const limit = value.bytes[key];
      if (limit !== undefined)
        bytes[key] = integer(limit, `${at}.bytes.${key}`, { min: 0, max: Number.MAX_SAFE_INTEGER });
    }
    out.bytes = bytes;
  }
  if (value.region !== undefined) out.region = strings(value.region, `${at}.region`);
  if (value.secrets !== undefined) {
    if (typeof value.secrets !== 'boolean') throw bad(`${at}.secrets`);
    out.secrets = value.secrets;
  }
  if (value.args !== undefined) {
    const bounds = value.args;
    if (!isPlainObject(bounds) || Object.keys(bounds).length > 1000) throw bad(`${at}.args`);
    const parsed: Record<string, ArgumentBound> = {};
    for (const [path, bound] of Object.entries(bounds)) {
      if (path === '' || path.length > 512) throw bad(`${at}.args`);
      // defineProperty: a `__proto__` path stays data instead of replacing the prototype.
      Object.defineProperty(parsed, path, {
        value: boundOf(bound, `${at}.args[${JSON.stringify(path)}]`),
        enumerable: true,
        writable: false,
      });
    }
    out.args = parsed;
  }
  return out;
}

function approvalOf(value: unknown, at: string): ApprovalRule {
  if (!isPlainObject(value)) throw bad(at);
  onlyKeys(value, ['rule', 'roles', 'threshold', 'separationOfDuties', 'expiresInSeconds'], at);
  if (typeof value.rule !== 'string' || !CODE.test(value.rule)) throw bad(`${at}.rule`);
  const roles = strings(value.roles, `${at}.roles`);
  if (roles.length === 0) throw bad(`${at}.roles`);
  if (typeof value.separationOfDuties !== 'boolean') throw bad(`${at}.separationOfDuties`);
  return {
    rule: value.rule,
    roles,
    threshold: integer(value.threshold, `${at}.threshold`, { min: 1, max: 100 }),
    separationOfDuties: value.separationOfDuties,
    expiresInSeconds: integer(value.expiresInSeconds, `${at}.expiresInSeconds`, {
      min: 1,
      max: MAX_SECONDS,
    }),
  };
}

/**
 * Checks a policy result and returns the decision.
 * @throws WritError `ERR_POLICY_DECISION_INVALID` (details.parameter names the offending
 * field) for anything that is not a well-formed decision: an unknown decision, a missing
 * or malformed reason, `require-approval` without an approval rule, `allow-with-constraints`
 * without constraints, `allow` with constraints, unknown fields, out-of-range numbers.
 */
export function parseDecision(value: unknown): ParsedDecision {
  if (!isPlainObject(value)) throw bad('decision');
  onlyKeys(
    value,
    ['version', 'decision', 'reasons', 'risk', 'constraints', 'approval', 'obligations'],
    'decision',
  );
  if (value.version !== undefined && value.version !== DECISION_VERSION)
    throw bad('decision.version');
  const kind = value.decision;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind))
    throw bad('decision.decision');
  if (!Array.isArray(value.reasons) || value.reasons.length > 100) throw bad('decision.reasons');
  const reasons = value.reasons.map((reason: unknown, index) =>
    reasonOf(reason, `decision.reasons[${index}]`),
  );
  let risk: number | undefined;
  if (value.risk !== undefined) {
    if (
      typeof value.risk !== 'number' ||
      !Number.isFinite(value.risk) ||
      value.risk < 0 ||
      value.risk > 100
    )
      throw bad('decision.risk');
    risk = value.risk;
  }
  const constraints =
    value.constraints === undefined ? {} : constraintsOf(value.constraints, 'decision.constraints');
  const approval =
    value.approval === undefined ? undefined : approvalOf(value.approval, 'decision.approval');
  const obligations =
    value.obligations === undefined ? [] : strings(value.obligations, 'decision.obligations');
  const decision = kind as DecisionKind;
  const constrained = Object.keys(constraints).length > 0;
  if (decision === 'require-approval' && approval === undefined) throw bad('decision.approval');
  if (decision !== 'require-approval' && decision !== 'deny' && approval !== undefined)
    throw bad('decision.approval');
  if (decision === 'allow-with-constraints' && !constrained) throw bad('decision.constraints');
  if (decision === 'allow' && constrained) throw bad('decision.constraints');
  if (decision === 'deny' && reasons.length === 0) throw bad('decision.reasons');
  // A deny keeps no constraints or approval: nothing is released.
  const kept = decision === 'deny' ? {} : constraints;
  const keptApproval = decision === 'require-approval' ? approval : undefined;
  const document = {
    version: DECISION_VERSION,
    decision,
    reasons,
    ...(risk === undefined ? {} : { risk }),
    constraints: kept,
    ...(keptApproval === undefined ? {} : { approval: keptApproval }),
    obligations,
  };
  return {
    decision,
    reasons,
    risk,
    constraints: kept,
    approval: keptApproval,
    obligations,
    id: digest(document),
  };
}
