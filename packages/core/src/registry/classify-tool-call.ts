/**
 * Step 2 of the flow ("classify"): the declared class, effects and audience of a call,
 * plus the effects detection finds in its arguments. Declared and detected effects are
 * kept apart so policy can tell a tool that admits egress from one that hides it.
 */
import { WritError } from '../errors.ts';
import type { BasisAuthority } from '../firewall/types.ts';
import type { JsonValue } from '../stores/types.ts';
import type { ActionClassId, ArgumentKind, Audience, EffectClass } from './action-class.ts';
import type { ArgumentValue } from './argument-path.ts';
import { selectArgumentValues, walkLeaves } from './argument-path.ts';
import { detectBulkRead } from './detect-bulk-read.ts';
import type { HostObservation } from './detect-hosts.ts';
import { detectHosts, hostAllowed } from './detect-hosts.ts';
import { detectSecrets } from './detect-secrets.ts';
import type { ToolDeclaration } from './tool-declaration.ts';
import { isPlainObject } from './tool-declaration.ts';
import type { ToolRegistry } from './tool-registry.ts';
import { assertObject } from './assert-input.ts';

/** Stable codes of detections. */
export type DetectionCode =
  | 'detect.unregistered-tool'
  | 'detect.egress-host'
  | 'detect.internal-host'
  | 'detect.metadata-endpoint'
  | 'detect.secret'
  | 'detect.high-entropy'
  | 'detect.bulk-read'
  | 'detect.external-recipient'
  | 'detect.arguments-too-large';

/** Something detection found that the declaration may not say. Never carries a secret value. */
export interface Detection {
  readonly code: DetectionCode;
  /** The effect this detection implies, when it implies one. */
  readonly effect?: EffectClass;
  /** Concrete argument path (`''` for the call as a whole). */
  readonly argument: string;
  /** Non-secret detail: the host, the kind of secret, the bulk-read reason. */
  readonly detail: string;
  readonly confidence: 'high' | 'low';
}

/** A consequential argument value, to be traced to the basis. */
export interface ConsequentialValue {
  readonly path: string;
  readonly kind: ArgumentKind;
  readonly value: JsonValue;
}

/** A network destination with its allowlist verdict. */
export interface ClassifiedHost extends HostObservation {
  /** True when the registry-wide or the tool's egress allowlist admits it. */
  readonly allowed: boolean;
}

/** Result of classifying one call. */
export interface Classification {
  readonly tool: string;
  readonly registered: boolean;
  readonly actionClass: ActionClassId;
  readonly audience: Audience;
  readonly declaredEffects: readonly EffectClass[];
  /** Effects detections imply that the declaration does not list. */
  readonly detectedEffects: readonly EffectClass[];
  readonly detections: readonly Detection[];
  readonly hosts: readonly ClassifiedHost[];
  readonly consequential: readonly ConsequentialValue[];
  /** Concrete paths of sensitive arguments present in the call. */
  readonly sensitive: readonly string[];
  /** Size of the call's scope when the tool declares a scope path. */
  readonly scope: number | undefined;
  /** Tenant named by the call's tenant argument, when declared and present. */
  readonly tenant: string | undefined;
  /** Trust its output will have in the basis. */
  readonly trust: BasisAuthority;
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const IBAN = /^[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){11,30}$/i;
const PHONE = /^\+?[\d ()./-]{7,20}$/;

const EMAIL_IN_TEXT =
  /[A-Za-z0-9._%+-]+@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)/g;

/** Domains of the email addresses in `text` that are not the organisation's own. */
function externalDomains(text: string, internal: readonly string[]): string[] {
  const out = new Set<string>();
  for (const match of text.matchAll(EMAIL_IN_TEXT)) {
    const domain = (match[1] ?? '').toLowerCase();
    if (!hostAllowed(domain, internal)) out.add(domain);
  }
  return [...out];
}

/** Best guess of what a value of an undeclared argument denotes (unregistered tools). */
export function inferArgumentKind(value: unknown): ArgumentKind {
  if (typeof value === 'number') return 'amount';
  if (typeof value !== 'string') return 'text';
  const text = value.trim();
  if (EMAIL.test(text)) return 'email';
  if (IBAN.test(text)) return 'iban';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return 'url';
  if (PHONE.test(text) && (text.match(/\d/g) ?? []).length >= 7) return 'phone';
  return 'text';
}

function measure(values: readonly ArgumentValue[]): number | undefined {
  let total: number | undefined;
  for (const { value } of values) {
    let size: number | undefined;
    if (typeof value === 'number' && Number.isFinite(value)) size = value;
    else if (Array.isArray(value)) size = value.length;
    else if (isPlainObject(value)) size = Object.keys(value).length;
    else if (typeof value === 'string') size = 1;
    if (size !== undefined) total = (total ?? 0) + size;
  }
  return total;
}

function underAny(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some(
    (prefix) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`),
  );
}

/**
 * Classifies one call against `registry`.
 * @throws WritError `ERR_INVALID_ARGUMENT` when `tool` is not a string or `args` not a JSON object.
 */
export function classifyToolCall(options: {
  readonly registry: ToolRegistry;
  readonly tool: unknown;
  readonly args: unknown;
}): Classification {
  assertObject(options, 'options');
  const { registry, tool, args } = options;
  if (typeof registry?.get !== 'function') {
    throw new WritError('ERR_INVALID_ARGUMENT', 'registry must be a ToolRegistry', {
      details: { parameter: 'registry' },
    });
  }
  if (typeof tool !== 'string' || tool.length === 0 || tool.length > 200) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'tool must be a non-empty string', {
      details: { parameter: 'tool' },
    });
  }
  if (!isPlainObject(args)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'args must be a JSON object', {
      details: { parameter: 'args' },
    });
  }
  const declaration: ToolDeclaration | undefined = registry.get(tool);
  const detections: Detection[] = [];
  if (!declaration)
    detections.push({
      code: 'detect.unregistered-tool',
      argument: '',
      detail: tool,
      confidence: 'high',
    });

  const allowlist = [...registry.egressAllowlist, ...(declaration?.egress ?? [])];
  const hostPaths = new Set<string>();
  const consequential: ConsequentialValue[] = [];
  for (const [pattern, kind] of Object.entries(declaration?.consequential ?? {})) {
    for (const { path, value } of selectArgumentValues(args, pattern)) {
      consequential.push({ path, kind, value: value as JsonValue });
      // Only url/host arguments are read as bare hosts: a `destination` may be an account or a path.
      if (kind === 'url' || kind === 'host') hostPaths.add(path);
    }
  }
  const opaque = [...(declaration?.opaque ?? [])].flatMap((pattern) =>
    selectArgumentValues(args, pattern).map((v) => v.path),
  );
  const threshold = declaration?.bulkReadThreshold ?? registry.bulkReadThreshold;
  const audience = declaration?.audience ?? registry.unregistered.audience;
  const watchRecipients =
    registry.internalDomains.length > 0 &&
    (audience === 'none' || audience === 'self' || audience === 'internal');
  const recipients: { path: string; domain: string }[] = [];
  const hosts = new Map<string, ClassifiedHost>();

  const complete = walkLeaves(args, ({ path, value, key }) => {
    if (!declaration && typeof value !== 'boolean')
      consequential.push({ path, kind: inferArgumentKind(value), value: value as JsonValue });
    for (const signal of detectBulkRead({ key, value, argument: path, threshold })) {
      detections.push({
        code: 'detect.bulk-read',
        effect: 'bulk-read',
        argument: path,
        detail: signal.reason,
        confidence: 'high',
      });
    }
    if (typeof value !== 'string') return;
    if (watchRecipients) {
      for (const domain of externalDomains(value, registry.internalDomains)) {
        recipients.push({ path, domain });
      }
    }
    for (const observation of detectHosts(value, { argument: path, asHost: hostPaths.has(path) })) {
      const allowed =
        observation.internal !== 'metadata' && hostAllowed(observation.host, allowlist);
      if (!hosts.has(observation.host)) hosts.set(observation.host, { ...observation, allowed });
    }
    const skipEntropy = underAny(path, opaque);
    for (const match of detectSecrets(value, key)) {
      if (match.kind === 'high-entropy' && skipEntropy) continue;
      const code = match.kind === 'high-entropy' ? 'detect.high-entropy' : 'detect.secret';
      detections.push({
        code,
        effect: 'secret-exposure',
        argument: path,
        detail: match.kind,
        confidence: match.confidence,
      });
    }
  });
  if (!complete) {
    detections.push({
      code: 'detect.arguments-too-large',
      argument: '',
      detail: 'arguments exceed the scan limits',
      confidence: 'high',
    });
  }
  for (const { path, domain } of recipients) {
    detections.push({
      code: 'detect.external-recipient',
      effect: 'customer-visible',
      argument: path,
      detail: domain,
      confidence: 'high',
    });
  }
  for (const host of hosts.values()) {
    if (host.internal === 'metadata') {
      detections.push({
        code: 'detect.metadata-endpoint',
        effect: 'internal-network',
        argument: host.argument,
        detail: host.host,
        confidence: 'high',
      });
    } else if (!host.allowed && host.internal !== undefined) {
      detections.push({
        code: 'detect.internal-host',
        effect: 'internal-network',
        argument: host.argument,
        detail: host.host,
        confidence: 'high',
      });
    } else if (!host.allowed) {
      detections.push({
        code: 'detect.egress-host',
        effect: 'network-egress',
        argument: host.argument,
        detail: host.host,
        confidence: 'high',
      });
    }
  }

  const declaredEffects = declaration?.effects ?? registry.unregistered.effects;
  const detectedEffects = [
    ...new Set(detections.flatMap((d) => (d.effect === undefined ? [] : [d.effect]))),
  ].filter((effect) => !declaredEffects.includes(effect));
  const sensitive = (declaration?.sensitive ?? []).flatMap((pattern) =>
    selectArgumentValues(args, pattern).map((v) => v.path),
  );
  const tenantValue =
    declaration?.tenant === undefined ? [] : selectArgumentValues(args, declaration.tenant);
  const tenant =
    tenantValue.length === 1 && typeof tenantValue[0]?.value === 'string'
      ? tenantValue[0].value
      : undefined;
  return {
    tool,
    registered: declaration !== undefined,
    actionClass: declaration?.actionClass ?? registry.unregistered.actionClass,
    audience,
    declaredEffects: [...declaredEffects],
    detectedEffects,
    detections,
    hosts: [...hosts.values()],
    consequential,
    sensitive,
    scope:
      declaration?.scope === undefined
        ? undefined
        : measure(selectArgumentValues(args, declaration.scope)),
    tenant,
    trust: declaration?.trust ?? 'untrusted',
  };
}
