/**
 * A policy as a flat list of files, whatever it came from (directory, npm package, bundle),
 * and the one place that decides what each file is and assembles modules and base data.
 */
import { WritError } from '@writ/core';
import { DATA_FILE_NAMES, mergeDataAt, overlayData, parseDataFile } from './data-document.ts';
import type { DataObject } from './data-document.ts';
import type { DigestFile } from './policy-digest.ts';

/** One file of a policy. */
export interface PolicyEntry {
  /** POSIX path relative to its load location (`writ/main.rego`); data lands at its directory. */
  readonly path: string;
  /** Path to show in messages (as the user would open it). */
  readonly file: string;
  readonly bytes: Uint8Array;
  /** Forces the role of an explicitly named file (`-d extra.json` is data at the root). */
  readonly role?: 'module' | 'data';
  /** Real path on disk, when read from disk: the same file named twice is loaded once. */
  readonly realPath?: string;
  /**
   * Index of the load location the file came from (`paths[i]`): data of a later location
   * overrides an earlier one's, data within one location must not conflict. Absent: 0.
   */
  readonly location?: number;
}

/** A Rego module ready for `@writ/rego`'s `compile`. */
export interface PolicyModule {
  readonly file: string;
  readonly path: string;
  readonly source: string;
}

/** Modules, merged data and the files the digest covers. */
export interface AssembledPolicy {
  readonly modules: PolicyModule[];
  readonly data: DataObject;
  readonly digestFiles: DigestFile[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(entry: PolicyEntry): string {
  try {
    return utf8.decode(entry.bytes);
  } catch (error) {
    throw new WritError('ERR_POLICY_SOURCE_INVALID', `${entry.file}: not valid UTF-8`, {
      cause: error,
      details: { file: entry.file },
    });
  }
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** True for `*_test.rego` files, which `opa test` runs and evaluation leaves out. */
export function isTestModule(path: string): boolean {
  return baseName(path).endsWith('_test.rego');
}

function dataFormat(entry: PolicyEntry): 'json' | 'yaml' | undefined {
  const name = baseName(entry.path);
  if (entry.role === 'data') return /\.ya?ml$/i.test(name) ? 'yaml' : 'json';
  if (entry.role === 'module') return undefined;
  return DATA_FILE_NAMES.get(name);
}

/**
 * Sorts entries into Rego modules and base data. `*_test.rego` files are included only with
 * `includeTests`; files that are neither Rego nor data are ignored (READMEs, manifests). The
 * data files of each load location are merged (a conflict between two of them is an error),
 * then the locations are laid over each other in order: a later location's value wins.
 *
 * @throws WritError `ERR_POLICY_SOURCE_INVALID` (a module that is not UTF-8) or
 *   `ERR_POLICY_DATA_INVALID` (malformed data, not an object, a merge conflict).
 */
export function assemblePolicy(entries: readonly PolicyEntry[], options: { includeTests: boolean }): AssembledPolicy {
  const modules: PolicyModule[] = [];
  const digestFiles: DigestFile[] = [];
  const byLocation = new Map<number, DataObject>();
  const ordered = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of ordered) {
    const format = dataFormat(entry);
    if (format !== undefined) {
      const value = parseDataFile(entry.file, decode(entry), format);
      const directory = entry.role === 'data' ? '' : entry.path.slice(0, Math.max(0, entry.path.lastIndexOf('/')));
      const segments = directory === '' ? [] : directory.split('/');
      const location = entry.location ?? 0;
      const own = byLocation.get(location) ?? {};
      byLocation.set(location, own);
      mergeDataAt(own, { segments, value, file: entry.file });
      continue;
    }
    const isRego = entry.role === 'module' || entry.path.endsWith('.rego');
    if (!isRego || (!options.includeTests && isTestModule(entry.path))) continue;
    modules.push({ file: entry.file, path: entry.path, source: decode(entry) });
    digestFiles.push({ path: entry.path, content: entry.bytes });
  }
  const data: DataObject = {};
  for (const location of [...byLocation.keys()].sort((a, b) => a - b)) overlayData(data, byLocation.get(location)!);
  return { modules, data, digestFiles };
}
