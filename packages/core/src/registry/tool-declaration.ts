/**
 * What a tool declares about itself, and the parser that turns an untrusted tools file
 * (`writ decide --tools FILE`) into checked declarations.
 */
import { WritError } from '../errors.ts';
import type { BasisAuthority } from '../firewall/types.ts';
import type { ActionClassId, ArgumentKind, Audience, EffectClass } from './action-class.ts';
import { isActionClass, isArgumentKind, isAudience, isEffectClass } from './action-class.ts';
import { assertParameterName } from '../invalid-argument.ts';

/** A tool's declaration in the registry. */
export interface ToolDeclaration {
  /** Tool name as the agent calls it (`email.send`). */
  readonly name: string;
  /** Risk class of the tool's effect, A0 observation … A5 irreversible. */
  readonly actionClass: ActionClassId;
  /** Effects the tool is known to have. Detection adds the ones it misses. */
  readonly effects: readonly EffectClass[];
  /** Who sees the effect. */
  readonly audience: Audience;
  /** Consequential arguments: declared path (`to`, `recipients.*`) → what it denotes. */
  readonly consequential?: Readonly<Record<string, ArgumentKind>>;
  /** Sensitive argument paths: redacted by commitment in the transcript. */
  readonly sensitive?: readonly string[];
  /** Trust of the tool's output when it enters the basis. Default `untrusted`. */
  readonly trust?: BasisAuthority;
  /** Hosts this tool may reach in addition to the registry-wide allowlist. */
  readonly egress?: readonly string[];
  /** Argument paths not scanned by the high-entropy heuristic (attachments, blobs). */
  readonly opaque?: readonly string[];
  /** Record count above which a limit-like argument is a bulk read (default 1000). */
  readonly bulkReadThreshold?: number;
  /** Path whose size measures the call's scope (array length, number, object key count). */
  readonly scope?: string;
  /** Path of the argument naming the tenant the call acts on. */
  readonly tenant?: string;
  /** Human description, for approvers. */
  readonly description?: string;
}

const AUTHORITIES: readonly BasisAuthority[] = [
  'canonical',
  'verified',
  'user',
  'unverified',
  'untrusted',
];
const KEYS = new Set([
  'name',
  'actionClass',
  'effects',
  'audience',
  'consequential',
  'sensitive',
  'trust',
  'egress',
  'opaque',
  'bulkReadThreshold',
  'scope',
  'tenant',
  'description',
]);
const PATH = /^(?:[A-Za-z0-9_$-]+|\*)(?:\.(?:[A-Za-z0-9_$-]+|\*))*$/;

function invalid(parameter: string, message: string): WritError {
  assertParameterName(parameter);
  return new WritError('ERR_TOOL_DECLARATION_INVALID', `${parameter} ${message}`, {
    details: { parameter },
  });
}

/** True for a plain JSON object (not an array, not a class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function stringList(
  value: unknown,
  parameter: string,
  check: (item: string) => boolean = () => true,
): string[] {
  if (!Array.isArray(value) || value.length > 1000)
    throw invalid(parameter, 'must be an array of strings');
  return value.map((item: unknown, index) => {
    if (typeof item !== 'string' || item.length === 0 || item.length > 512 || !check(item)) {
      throw invalid(`${parameter}[${index}]`, 'is not valid');
    }
    return item;
  });
}

function optionalPath(value: unknown, parameter: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !PATH.test(value))
    throw invalid(parameter, 'must be an argument path');
  return value;
}

function consequential(
  value: unknown,
  parameter: string,
): Record<string, ArgumentKind> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw invalid(parameter, 'must map argument paths to argument kinds');
  const out: Record<string, ArgumentKind> = Object.create(null) as Record<string, ArgumentKind>;
  for (const [path, kind] of Object.entries(value)) {
    if (!PATH.test(path))
      throw invalid(`${parameter}[${JSON.stringify(path)}]`, 'is not an argument path');
    if (!isArgumentKind(kind))
      throw invalid(`${parameter}[${JSON.stringify(path)}]`, 'is not an argument kind');
    out[path] = kind;
  }
  return out;
}

/**
 * Checks one declaration from untrusted JSON and returns it typed and frozen.
 * @throws WritError `ERR_TOOL_DECLARATION_INVALID` naming the offending field.
 */
export function parseToolDeclaration(value: unknown, parameter = 'tool'): ToolDeclaration {
  assertParameterName(parameter);
  if (!isPlainObject(value)) throw invalid(parameter, 'must be an object');
  for (const key of Object.keys(value))
    if (!KEYS.has(key)) throw invalid(`${parameter}.${key}`, 'is not a known field');
  const { name, actionClass, effects, audience, trust, bulkReadThreshold, description } = value;
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.:/-]{1,200}$/.test(name))
    throw invalid(`${parameter}.name`, 'must be a tool name');
  if (!isActionClass(actionClass))
    throw invalid(`${parameter}.actionClass`, 'must be one of A0..A5');
  if (!isAudience(audience)) throw invalid(`${parameter}.audience`, 'is not an audience');
  if (trust !== undefined && !AUTHORITIES.includes(trust as BasisAuthority))
    throw invalid(`${parameter}.trust`, 'is not an authority');
  if (
    bulkReadThreshold !== undefined &&
    (typeof bulkReadThreshold !== 'number' ||
      !Number.isSafeInteger(bulkReadThreshold) ||
      bulkReadThreshold < 0)
  ) {
    throw invalid(`${parameter}.bulkReadThreshold`, 'must be a non-negative integer');
  }
  if (description !== undefined && (typeof description !== 'string' || description.length > 4096)) {
    throw invalid(`${parameter}.description`, 'must be a string');
  }
  const declaration: ToolDeclaration = {
    name,
    actionClass,
    effects: stringList(effects, `${parameter}.effects`, isEffectClass) as EffectClass[],
    audience,
    consequential: consequential(value.consequential, `${parameter}.consequential`),
    sensitive:
      value.sensitive === undefined
        ? undefined
        : stringList(value.sensitive, `${parameter}.sensitive`, (p) => PATH.test(p)),
    trust: trust as BasisAuthority | undefined,
    egress:
      value.egress === undefined ? undefined : stringList(value.egress, `${parameter}.egress`),
    opaque:
      value.opaque === undefined
        ? undefined
        : stringList(value.opaque, `${parameter}.opaque`, (p) => PATH.test(p)),
    bulkReadThreshold: bulkReadThreshold,
    scope: optionalPath(value.scope, `${parameter}.scope`),
    tenant: optionalPath(value.tenant, `${parameter}.tenant`),
    description: description,
  };
  return Object.freeze(declaration);
}
