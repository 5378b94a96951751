/**
 * Matching and narrowing of token scopes: command and resource patterns, argument
 * bounds. Every "covers" relation here is what delegation relies on: if `covers(p, c)`
 * then every concrete value matching `c` also matches `p`.
 */
import { WritError } from '../errors.ts';
import type { ArgumentBound, ArgumentScalar } from './token-payload.ts';

function assertText(value: unknown, parameter: string): asserts value is string {
  if (typeof value !== 'string') throw new WritError('ERR_INVALID_ARGUMENT', `${parameter} must be a string`, { details: { parameter } });
}

function commandPrefix(pattern: string): string | undefined {
  if (pattern === '*') return '';
  return pattern.endsWith('.*') || pattern.endsWith('/*') ? pattern.slice(0, -1) : undefined;
}

/** A concrete command matches `pattern`: equal, or under a `a.*` / `a/*` subtree (`*` matches all). */
export function commandMatches(pattern: string, command: string): boolean {
  assertText(pattern, 'pattern');
  assertText(command, 'command');
  const prefix = commandPrefix(pattern);
  return prefix === undefined ? pattern === command : command.startsWith(prefix) && command.length > prefix.length;
}

/** Every command matching `child` also matches `parent`. */
export function commandCovers(parent: string, child: string): boolean {
  const parentPrefix = commandPrefix(parent);
  if (parentPrefix === undefined) return parent === child;
  const childPrefix = commandPrefix(child);
  return childPrefix === undefined ? commandMatches(parent, child) : childPrefix.startsWith(parentPrefix);
}

/** A concrete resource matches `pattern` (absent pattern: any; trailing `*`: prefix). */
export function resourceMatches(pattern: string | undefined, resource: string | undefined): boolean {
  if (pattern === undefined) return true;
  if (resource === undefined) return false;
  assertText(pattern, 'pattern');
  assertText(resource, 'resource');
  return pattern.endsWith('*') ? resource.startsWith(pattern.slice(0, -1)) : pattern === resource;
}

/** Every resource matching `child` also matches `parent`. */
export function resourceCovers(parent: string | undefined, child: string | undefined): boolean {
  if (parent === undefined) return true;
  if (child === undefined) return false;
  if (!parent.endsWith('*')) return parent === child;
  return child.startsWith(parent.slice(0, -1));
}

/** The value at a dotted path of own properties, or `undefined`. Never walks prototypes. */
export function valueAt(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** `value` satisfies `bound`. A missing value (`undefined`) satisfies every bound. */
export function boundHolds(bound: ArgumentBound, value: unknown): boolean {
  if (value === undefined) return true;
  if (bound.min !== undefined && !(typeof value === 'number' && value >= bound.min)) return false;
  if (bound.max !== undefined && !(typeof value === 'number' && value <= bound.max)) return false;
  if (bound.maxLength !== undefined) {
    const length = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
    if (length === undefined || length > bound.maxLength) return false;
  }
  if (bound.oneOf !== undefined && !bound.oneOf.some((allowed) => Object.is(allowed, value) || allowed === value)) return false;
  return true;
}

/** Every value satisfying `child` also satisfies `parent` (`child` absent: unbounded). */
export function boundCovers(parent: ArgumentBound, child: ArgumentBound | undefined): boolean {
  if (child === undefined) return false;
  if (parent.min !== undefined && !(child.min !== undefined && child.min >= parent.min) && !oneOfWithin(child.oneOf, parent)) return false;
  if (parent.max !== undefined && !(child.max !== undefined && child.max <= parent.max) && !oneOfWithin(child.oneOf, parent)) return false;
  if (parent.maxLength !== undefined && !(child.maxLength !== undefined && child.maxLength <= parent.maxLength) && !oneOfWithin(child.oneOf, parent)) {
    return false;
  }
  if (parent.oneOf !== undefined && !(child.oneOf !== undefined && child.oneOf.every((value) => boundHolds({ oneOf: parent.oneOf }, value)))) {
    return false;
  }
  return true;
}

// A child pinned to a list of values is within the parent when each value satisfies it.
function oneOfWithin(oneOf: readonly ArgumentScalar[] | undefined, parent: ArgumentBound): boolean {
  return oneOf !== undefined && oneOf.every((value) => boundHolds(parent, value));
}
