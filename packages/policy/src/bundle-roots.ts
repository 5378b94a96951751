/**
 * OPA bundle roots: a manifest's `roots` name the parts of `data` a bundle owns. As in OPA,
 * every package and every data path of a bundle must lie under one of its roots, and two
 * bundles loaded together must not own overlapping roots — that is how teams sharing
 * bundles keep one team's data from silently replacing another's.
 */
import { WritError } from '@writ/core';
import { parseModule } from '@writ/rego';
import { DATA_FILE_NAMES, parseDataFile } from './data-document.ts';
import type { Bundle } from './read-bundle.ts';

function invalid(file: string, message: string): WritError {
  return new WritError('ERR_POLICY_BUNDLE_INVALID', `${file}: ${message}`, { details: { file } });
}

function rootSegments(roots: readonly string[] | undefined): string[][] {
  return (roots ?? ['']).map((root) => root.split('/').filter((segment) => segment !== ''));
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => segment === path[index]);
}

function checkData(options: { value: unknown; path: string[]; roots: string[][]; file: string; declared: readonly string[] }): void {
  if (options.roots.some((root) => isPrefix(root, options.path))) return;
  const { value } = options;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && options.roots.some((root) => isPrefix(options.path, root))) {
    for (const key of Object.keys(value)) checkData({ ...options, value: (value as Record<string, unknown>)[key], path: [...options.path, key] });
    return;
  }
  throw invalid(options.file, `manifest roots ${JSON.stringify(options.declared)} do not permit data at /${options.path.join('/')}`);
}

/**
 * Checks that every data path and every module package of `bundle` lies under its roots.
 *
 * @throws WritError `ERR_POLICY_BUNDLE_INVALID` naming the first path outside the roots.
 */
export function checkBundleRoots(bundle: Bundle, file: string): void {
  if (bundle.manifest.roots === undefined) return;
  const roots = rootSegments(bundle.manifest.roots);
  const declared = bundle.manifest.roots;
  for (const entry of bundle.entries) {
    const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
    const format = DATA_FILE_NAMES.get(name);
    if (format !== undefined) {
      const directory = entry.path.split('/').slice(0, -1);
      checkData({ value: parseDataFile(entry.file, new TextDecoder().decode(entry.bytes), format), path: directory, roots, file, declared });
      continue;
    }
    if (!entry.path.endsWith('.rego')) continue;
    let pkg: readonly string[];
    try {
      pkg = parseModule(new TextDecoder().decode(entry.bytes), entry.file).pkg;
    } catch {
      continue; // compilation reports the syntax error with its location
    }
    if (!roots.some((root) => isPrefix(root, pkg))) {
      throw invalid(file, `manifest roots ${JSON.stringify(declared)} do not permit package ${pkg.join('.')} in ${entry.path}`);
    }
  }
}

/**
 * Checks that no two bundles own overlapping roots (a bundle without `roots` owns everything).
 *
 * @throws WritError `ERR_POLICY_BUNDLE_INVALID` naming both bundles.
 */
export function checkRootOverlap(bundles: readonly { readonly file: string; readonly roots?: readonly string[] }[]): void {
  for (let first = 0; first < bundles.length; first++) {
    for (let second = first + 1; second < bundles.length; second++) {
      const a = bundles[first]!;
      const b = bundles[second]!;
      for (const rootA of rootSegments(a.roots)) {
        for (const rootB of rootSegments(b.roots)) {
          if (isPrefix(rootA, rootB) || isPrefix(rootB, rootA)) {
            throw invalid(a.file, `roots overlap with ${b.file} at /${(rootA.length <= rootB.length ? rootA : rootB).join('/')}`);
          }
        }
      }
    }
  }
}
