/**
 * Turns the locations a user names (files, directories, `npm:` packages, `.tar.gz` bundles)
 * into one list of policy entries.
 */
import { WritError } from '@writ/core';
import { checkBundleRoots, checkRootOverlap } from './bundle-roots.ts';
import type { PolicyEntry } from './policy-entries.ts';
import { readBundle } from './read-bundle.ts';
import { maxBundleFileBytes, maxPolicyFileBytes, readRegularFile } from './read-regular-file.ts';
import type { BundleManifest } from './read-bundle.ts';
import { readPolicyLocation } from './read-policy-location.ts';

/** True for a location that names an OPA bundle file. */
export function isBundlePath(location: string): boolean {
  return /\.(tar\.gz|tgz)$/i.test(location);
}

/** Entries of every location, plus the manifests of the bundles among them. */
export interface CollectedEntries {
  readonly entries: PolicyEntry[];
  readonly manifests: BundleManifest[];
}

/**
 * Reads every location, in order; each entry records the index of its location (later data wins).
 *
 * @throws WritError `ERR_INVALID_ARGUMENT` when `paths` is not an array of non-empty strings;
 *   otherwise what the location readers throw (`ERR_POLICY_NOT_FOUND`, `..._SOURCE_INVALID`,
 *   `..._BUNDLE_INVALID`, also for a bundle path outside its manifest roots or two bundles
 *   with overlapping roots).
 */
export async function collectPolicyEntries(
  paths: unknown,
  options: { cwd: string; maxBundleBytes?: number },
): Promise<CollectedEntries> {
  if (!Array.isArray(paths) || !paths.every((path) => typeof path === 'string' && path.length > 0)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'paths must be an array of non-empty strings', { details: { parameter: 'paths' } });
  }
  const entries: PolicyEntry[] = [];
  const manifests: BundleManifest[] = [];
  const seen = new Set<string>();
  const owners: { file: string; roots?: readonly string[] }[] = [];
  for (const [index, location] of (paths as string[]).entries()) {
    if (!isBundlePath(location)) {
      // Like OPA's loader, a file reached through two locations (`-d . -d ./writ/main.rego`) loads once.
      for (const entry of await readPolicyLocation(location, { cwd: options.cwd, maxFileBytes: maxPolicyFileBytes(options.maxBundleBytes) })) {
        if (entry.realPath !== undefined && seen.has(entry.realPath)) continue;
        if (entry.realPath !== undefined) seen.add(entry.realPath);
        entries.push({ ...entry, location: index });
      }
      continue;
    }
    const bytes = await readRegularFile(location, options.cwd, { maxBytes: maxBundleFileBytes(options.maxBundleBytes) });
    const bundle = await readBundle(bytes, {
      file: location,
      ...(options.maxBundleBytes === undefined ? {} : { maxBytes: options.maxBundleBytes }),
    });
    checkBundleRoots(bundle, location);
    entries.push(...bundle.entries.map((entry) => ({ ...entry, location: index })));
    manifests.push(bundle.manifest);
    owners.push({ file: location, ...(bundle.manifest.roots === undefined ? {} : { roots: bundle.manifest.roots }) });
  }
  checkRootOverlap(owners);
  return { entries, manifests };
}
