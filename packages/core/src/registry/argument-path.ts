/**
 * Argument paths. A declared path is dot-separated keys where `*` matches every array
 * element or object key (`recipients.*`, `payment.iban`, `items.*.sku`). A concrete path
 * (what detections and provenance report) is written `payment.iban`, `recipients[0]`,
 * `headers["x-api-key"]`.
 */
import { assertString } from './assert-input.ts';

/** A value found at a concrete path. */
export interface ArgumentValue {
  readonly path: string;
  readonly value: unknown;
}

/** Upper bounds that keep a walk over hostile arguments cheap. */
export const WALK_LIMITS = { maxDepth: 64, maxNodes: 100_000 } as const;

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** Appends one key or index to a concrete path. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (IDENTIFIER.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function ownEntries(value: object): [string | number, unknown][] {
  if (Array.isArray(value)) return value.map((item: unknown, index) => [index, item]);
  return Object.keys(value).map((key) => [key, (value as Record<string, unknown>)[key]]);
}

/** Every value matching a declared path pattern (missing paths yield nothing). */
export function selectArgumentValues(args: unknown, pattern: string): ArgumentValue[] {
  assertString(pattern, 'pattern');
  const segments = pattern.split('.');
  let frontier: ArgumentValue[] = [{ path: '', value: args }];
  for (const segment of segments) {
    const next: ArgumentValue[] = [];
    for (const { path, value } of frontier) {
      if (typeof value !== 'object' || value === null) continue;
      if (segment === '*') {
        for (const [key, child] of ownEntries(value))
          next.push({ path: childPath(path, key), value: child });
        continue;
      }
      if (Array.isArray(value)) {
        const index = /^\d+$/.test(segment) ? Number(segment) : -1;
        if (index >= 0 && index < value.length)
          next.push({ path: childPath(path, index), value: value[index] });
      } else if (Object.hasOwn(value, segment)) {
        next.push({
          path: childPath(path, segment),
          value: (value as Record<string, unknown>)[segment],
        });
      }
    }
    frontier = next;
  }
  return frontier.filter((entry) => entry.path !== '');
}

/**
 * Visits every string, number and boolean leaf of `args` with its concrete path, depth first.
 * Stops descending past {@link WALK_LIMITS}; returns false when it had to stop early so a
 * caller can report the input as too large instead of silently scanning part of it.
 */
export function walkLeaves(
  args: unknown,
  visit: (leaf: ArgumentValue & { readonly key: string }) => void,
): boolean {
  let nodes = 0;
  let complete = true;
  const seen = new Set<object>();
  const walk = (
    value: unknown,
    at: { readonly path: string; readonly key: string; readonly depth: number },
  ): void => {
    const { path, key, depth } = at;
    if (++nodes > WALK_LIMITS.maxNodes) {
      complete = false;
      return;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      visit({ path, value, key });
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if (depth >= WALK_LIMITS.maxDepth || seen.has(value)) {
      complete = false;
      return;
    }
    seen.add(value);
    for (const [childKey, child] of ownEntries(value)) {
      walk(child, {
        path: childPath(path, childKey),
        key: typeof childKey === 'number' ? key : childKey,
        depth: depth + 1,
      });
    }
    seen.delete(value);
  };
  walk(args, { path: '', key: '', depth: 0 });
  return complete;
}
