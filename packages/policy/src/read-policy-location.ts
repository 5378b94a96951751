/**
 * Reads a policy location from disk: a `.rego` or data file, a directory (recursively), or
 * an npm package given as `npm:<name>` and resolved from `cwd` like Node resolves it.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { WritError } from '@writ/core';
import type { PolicyEntry } from './policy-entries.ts';
import { maxPolicyFileBytes, readRegularFile } from './read-regular-file.ts';

/** Prefix that marks a location as an npm package name. */
export const NPM_PREFIX = 'npm:';

const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/i;
// Deep enough for any real policy tree, shallow enough that a hostile tree cannot exhaust the stack.
const MAX_DEPTH = 32;

function notFound(location: string, cause?: unknown): WritError {
  return new WritError('ERR_POLICY_NOT_FOUND', `${location}: no such policy file, directory or package`, {
    cause,
    details: { location },
  });
}

async function statOrUndefined(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/**
 * Finds the folder of an installed npm package by walking `node_modules` upwards from `cwd`.
 *
 * @throws WritError `ERR_INVALID_ARGUMENT` for a malformed name, `ERR_POLICY_NOT_FOUND` when not installed.
 */
export async function resolvePackageFolder(name: string, cwd: string): Promise<string> {
  if (!PACKAGE_NAME.test(name)) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'not a valid npm package name', { details: { parameter: 'paths', name } });
  }
  let directory = resolve(cwd);
  for (;;) {
    const candidate = join(directory, 'node_modules', name);
    if ((await statOrUndefined(join(candidate, 'package.json')))?.isFile()) return candidate;
    const parent = resolve(directory, '..');
    if (parent === directory) {
      // Say where it was looked for and how to get it: the usual cause is a project that has not installed it.
      throw new WritError(
        'ERR_POLICY_NOT_FOUND',
        `${NPM_PREFIX}${name}: package ${name} is not installed in node_modules of ${resolve(cwd)} or a folder above it (npm install ${name})`,
        { details: { location: `${NPM_PREFIX}${name}` } },
      );
    }
    directory = parent;
  }
}

async function walk(options: { root: string; display: string; directory: string; depth: number; cwd: string; maxFileBytes: number; out: PolicyEntry[] }): Promise<void> {
  if (options.depth > MAX_DEPTH) {
    throw new WritError('ERR_POLICY_SOURCE_INVALID', `${options.display}: directory tree deeper than ${MAX_DEPTH}`);
  }
  const children = await readdir(options.directory, { withFileTypes: true });
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) {
    const full = join(options.directory, child.name);
    // Symlinked directories are not followed (no cycles); hidden folders and node_modules are not policy.
    if (child.isDirectory()) {
      if (child.name.startsWith('.') || child.name === 'node_modules') continue;
      await walk({ ...options, directory: full, depth: options.depth + 1 });
      continue;
    }
    const isFile = child.isFile() || (child.isSymbolicLink() && (await statOrUndefined(full))?.isFile() === true);
    if (!isFile || !/\.rego$|^data\.(json|ya?ml)$/.test(child.name)) continue;
    const path = relative(options.root, full).split(sep).join('/');
    const file = join(options.display, path);
    // Bounded and checked again once opened: a FIFO swapped in after the listing is refused at
    // once instead of hanging the load, a huge file unread.
    const bytes = await readRegularFile(file, options.cwd, { maxBytes: options.maxFileBytes });
    options.out.push({ path, file, bytes, realPath: await realpath(full) });
  }
}

/**
 * Reads one location into policy entries. Explicit files keep their base name as path; an
 * explicit `.json`/`.yaml`/`.yml` file is data at the root, as with `opa eval -d`.
 *
 * Each file is read only if a regular file of at most `maxFileBytes` (default: the bundle budget,
 * 64 MiB): a FIFO swapped in after a check is refused at once, a huge file unread.
 *
 * @throws WritError `ERR_POLICY_NOT_FOUND` when it does not exist, `ERR_POLICY_SOURCE_INVALID`
 *   for a file that is neither Rego nor data, not a regular file, or over `maxFileBytes`
 *   (`details.kind` `'too-large'`).
 */
export async function readPolicyLocation(location: string, options: { cwd: string; maxFileBytes?: number }): Promise<PolicyEntry[]> {
  const isPackage = location.startsWith(NPM_PREFIX);
  const absolute = isPackage
    ? await resolvePackageFolder(location.slice(NPM_PREFIX.length), options.cwd)
    : resolve(options.cwd, location);
  const info = await statOrUndefined(absolute);
  if (info === undefined) throw notFound(location);
  if (info.isDirectory()) {
    const out: PolicyEntry[] = [];
    const display = isPackage ? relative(options.cwd, absolute) || '.' : location;
    await walk({ root: absolute, display, directory: absolute, depth: 0, maxFileBytes: options.maxFileBytes ?? maxPolicyFileBytes(), cwd: options.cwd, out });
    return out;
  }
  if (!info.isFile()) {
    // A FIFO or device would block or never end.
    throw new WritError('ERR_POLICY_SOURCE_INVALID', `${location}: not a regular file or directory`, { details: { location } });
  }
  const name = absolute.slice(absolute.lastIndexOf(sep) + 1);
  const role = name.endsWith('.rego') ? 'module' : /\.(json|ya?ml)$/i.test(name) ? 'data' : undefined;
  if (role === undefined) {
    throw new WritError('ERR_POLICY_SOURCE_INVALID', `${location}: expected a .rego, .json or .yaml file, a directory or a bundle`, {
      details: { location },
    });
  }
  const bytes = await readRegularFile(location, options.cwd, { maxBytes: options.maxFileBytes ?? maxPolicyFileBytes() });
  return [{ path: name, file: location, bytes, role, realPath: await realpath(absolute) }];
}
