/**
 * The vocabulary of the tool registry: action classes (TraceScript §9.3), effect classes
 * (§9.4 plus the effects only detection adds), audiences and the kinds of consequential
 * arguments.
 */
import type { ActionClassId } from '../firewall/types.ts';
import { WritError } from '../errors.ts';

export type { ActionClassId } from '../firewall/types.ts';

/** Action classes, weakest first: A0 observation … A5 legal/financial/security/irreversible. */
export const ACTION_CLASSES: readonly ActionClassId[] = ['A0', 'A1', 'A2', 'A3', 'A4', 'A5'];

/** True when `value` is one of `A0`…`A5`. */
export function isActionClass(value: unknown): value is ActionClassId {
  return typeof value === 'string' && (ACTION_CLASSES as readonly string[]).includes(value);
}

/** 0 for A0 … 5 for A5. @throws WritError `ERR_INVALID_ARGUMENT` for anything else. */
export function actionClassRank(actionClass: ActionClassId): number {
  if (!isActionClass(actionClass)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'actionClass must be one of A0..A5', {
      details: { parameter: 'actionClass' },
    });
  }
  return ACTION_CLASSES.indexOf(actionClass);
}

/**
 * Effect classes. The first fifteen are TraceScript §9.4; the last four are only ever
 * *detected* from arguments (a tool may also declare them).
 */
export const EFFECT_CLASSES = [
  'none',
  'read',
  'ephemeral-write',
  'internal-write',
  'memory',
  'workflow',
  'customer-visible',
  'external-write',
  'financial',
  'legal',
  'security',
  'code',
  'deployment',
  'permission',
  'irreversible',
  // detected
  'network-egress',
  'secret-exposure',
  'internal-network',
  'bulk-read',
] as const;

/** One effect class; see {@link EFFECT_CLASSES}. */
export type EffectClass = (typeof EFFECT_CLASSES)[number];

/** True when `value` is an {@link EffectClass}. */
export function isEffectClass(value: unknown): value is EffectClass {
  return typeof value === 'string' && (EFFECT_CLASSES as readonly string[]).includes(value);
}

/** Who sees the effect of a tool. */
export const AUDIENCES = ['none', 'self', 'internal', 'partner', 'customer', 'public'] as const;

/** One audience; see {@link AUDIENCES}. */
export type Audience = (typeof AUDIENCES)[number];

/** True when `value` is an {@link Audience}. */
export function isAudience(value: unknown): value is Audience {
  return typeof value === 'string' && (AUDIENCES as readonly string[]).includes(value);
}

/**
 * What a consequential argument denotes. The kind selects how its value is normalised
 * when it is traced to the basis (an IBAN ignores spaces, an email ignores case...).
 */
export const ARGUMENT_KINDS = [
  'recipient',
  'email',
  'phone',
  'account',
  'iban',
  'amount',
  'url',
  'host',
  'path',
  'destination',
  'command',
  'identifier',
  'text',
] as const;

/** One argument kind; see {@link ARGUMENT_KINDS}. */
export type ArgumentKind = (typeof ARGUMENT_KINDS)[number];

/** True when `value` is an {@link ArgumentKind}. */
export function isArgumentKind(value: unknown): value is ArgumentKind {
  return typeof value === 'string' && (ARGUMENT_KINDS as readonly string[]).includes(value);
}
