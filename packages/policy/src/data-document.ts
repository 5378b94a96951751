/**
 * Base `data` documents: parsing `data.json` / `data.yaml` and merging them at their
 * directory path the way OPA's loader does (`a/b/data.json` holding `{"x": 1}` becomes
 * `data.a.b.x`). Objects merge recursively; any other overlap within one load location is a
 * conflict, and across locations the later one's value wins ({@link overlayData}).
 */
import { parse as parseYaml } from 'yaml';
import { WritError } from '@writ/core';

/** A plain JSON object (own enumerable keys only). */
export type DataObject = Record<string, unknown>;

/** Data file names OPA recognises, by format. */
export const DATA_FILE_NAMES: ReadonlyMap<string, 'json' | 'yaml'> = new Map([
  ['data.json', 'json'],
  ['data.yaml', 'yaml'],
  ['data.yml', 'yaml'],
]);

function isObject(value: unknown): value is DataObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(file: string, what: string, cause?: unknown): WritError {
  return new WritError('ERR_POLICY_DATA_INVALID', `${file}: ${what}`, {
    cause,
    details: { file },
  });
}

// A key is always an own data property: an input key named `__proto__` must never reach a prototype.
function setOwn(target: DataObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Parses the text of a data file; the document must be an object, like OPA requires.
 *
 * @throws WritError `ERR_POLICY_DATA_INVALID` naming `file` when it does not parse or is not an object.
 */
export function parseDataFile(file: string, text: string, format: 'json' | 'yaml'): DataObject {
  if (typeof text !== 'string' || (format !== 'json' && format !== 'yaml')) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'text must be a string and format json or yaml', { details: { parameter: 'text' } });
  }
  let value: unknown;
  try {
    value =
      format === 'json'
        ? JSON.parse(text)
        : // core schema: JSON-compatible scalars only; aliases capped against "billion laughs".
          parseYaml(text, { schema: 'core', maxAliasCount: 100, uniqueKeys: true, merge: false });
  } catch (error) {
    throw invalid(file, `not valid ${format.toUpperCase()}`, error);
  }
  if (!isObject(value)) throw invalid(file, 'a data file must hold an object');
  return value;
}

function mergeInto(target: DataObject, source: DataObject, options: { file: string; path: string[] }): void {
  for (const key of Object.keys(source)) {
    const incoming = source[key];
    if (!Object.prototype.hasOwnProperty.call(target, key)) {
      setOwn(target, key, incoming);
      continue;
    }
    const existing = target[key];
    if (isObject(existing) && isObject(incoming)) {
      const copy: DataObject = {};
      mergeInto(copy, existing, options);
      mergeInto(copy, incoming, { file: options.file, path: [...options.path, key] });
      setOwn(target, key, copy);
      continue;
    }
    const where = ['data', ...options.path, key].join('.');
    throw new WritError('ERR_POLICY_DATA_INVALID', `${options.file}: merge conflict at ${where}`, {
      details: { file: options.file, path: where },
    });
  }
}

/**
 * Merges `value` into `root` at `segments` (the data file's directory, relative to its load
 * root). `root` is modified in place; nested objects are copied before they are changed.
 *
 * @throws WritError `ERR_INVALID_ARGUMENT` for non-object documents; `ERR_POLICY_DATA_INVALID` on a conflict (two files setting the same
 *   non-object value, or a value where a directory needs an object).
 */
export function mergeDataAt(root: DataObject, options: { segments: readonly string[]; value: DataObject; file: string }): void {
  const valid =
    isObject(root) &&
    typeof options === 'object' &&
    options !== null &&
    Array.isArray(options.segments) &&
    (options.segments as readonly unknown[]).every((segment) => typeof segment === 'string') &&
    isObject(options.value);
  if (!valid) {
    throw new WritError('ERR_INVALID_ARGUMENT', 'root and value must be objects and segments an array of strings', { details: { parameter: 'options' } });
  }
  let nested: DataObject = options.value;
  for (let index = options.segments.length - 1; index >= 0; index--) {
    const wrapper: DataObject = {};
    setOwn(wrapper, options.segments[index]!, nested);
    nested = wrapper;
  }
  mergeInto(root, nested, { file: options.file, path: [] });
}

/**
 * Lays the merged data of a later load location over an earlier one's (`paths: ['npm:@writ/policies',
 * 'policy']`): objects merge recursively and any other value — a scalar, an array, an object where
 * there was none — replaces the earlier one. This is how a project's `data.json` overrides the
 * library's defaults; two files of one location still conflict ({@link mergeDataAt}). `target`
 * is modified in place; nested objects are copied before they are changed.
 */
export function overlayData(target: DataObject, source: DataObject): void {
  for (const key of Object.keys(source)) {
    const incoming = source[key];
    const existing = Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
    if (isObject(existing) && isObject(incoming)) {
      const copy: DataObject = {};
      overlayData(copy, existing);
      overlayData(copy, incoming);
      setOwn(target, key, copy);
    } else {
      setOwn(target, key, incoming);
    }
  }
}
