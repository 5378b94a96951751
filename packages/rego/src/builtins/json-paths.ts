/**
 * json.filter, json.remove and json.patch (topdown/json.go): paths are "/a/b" JSON
 * pointers (with ~0 and ~1 escapes) or arrays of segments; patches follow RFC 6902.
 */
import type { Value } from '../value.ts';
import { equals, isNumber, RObject, RSet, toBigInt, typeName } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { BuiltinFailure } from './failure.ts';
import { arrayArg, objectArg, operandError, typeError } from './operands.ts';

type Path = readonly Value[];

function parsePath(p: Value): Path {
  if (typeof p === 'string') {
    if (p === '') return [];
    return p.replace(/^\/+/, '').split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
  if (Array.isArray(p)) return p as Path;
  throw operandError(2, `must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`);
}

function pathsArg(v: Value): Path[] {
  if (Array.isArray(v)) return (v as readonly Value[]).map(parsePath);
  if (v instanceof RSet) return v.sorted().map(parsePath);
  throw typeError(2, v, 'set', 'array');
}

/** OPA's pathsToObject: a tree of objects whose leaves are null. */
function pathsToTree(paths: readonly Path[]): RObject {
  const root = new RObject();
  for (const path of paths) {
    if (path.length === 0) continue;
    let node = root;
    let done = false;
    for (let i = 0; i < path.length - 1 && !done; i++) {
      const existing = node.get(path[i]!);
      if (existing === undefined) {
        const next = new RObject();
        node.set(path[i]!, next);
        node = next;
      } else if (existing === null) done = true;
      else node = existing as RObject;
    }
    if (!done) node.set(path[path.length - 1]!, null);
  }
  return root;
}

function indexKey(i: number): string {
  return String(i);
}

/** OPA's Object.Filter: keep what the tree names; a null leaf keeps the whole value. */
function filterValue(v: Value, filter: Value): Value {
  if (filter === null) return v;
  if (!(filter instanceof RObject)) return v;
  if (v instanceof RObject) {
    const out = new RObject();
    for (const [k, x] of v.entries()) {
      const sub = filter.get(k);
      if (sub !== undefined) out.set(k, filterValue(x, sub));
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: Value[] = [];
    (v as readonly Value[]).forEach((x, i) => {
      const sub = filter.get(indexKey(i));
      if (sub !== undefined) out.push(filterValue(x, sub));
    });
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const x of v.sorted()) {
      const sub = filter.get(x);
      if (sub !== undefined) out.add(filterValue(x, sub));
    }
    return out;
  }
  return v;
}

/** OPA's jsonRemove: drop what the tree's null leaves name; arrays close their gaps. */
function removeValue(v: Value, tree: Value | undefined): Value | undefined {
  if (tree === undefined) return v;
  if (tree === null) return undefined;
  if (!(tree instanceof RObject)) return v;
  if (v instanceof RObject) {
    const out = new RObject();
    for (const [k, x] of v.entries()) {
      const kept = removeValue(x, tree.get(k));
      if (kept !== undefined) out.set(k, kept);
    }
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const x of v.sorted()) {
      const kept = removeValue(x, tree.get(x));
      if (kept !== undefined) out.add(kept);
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: Value[] = [];
    (v as readonly Value[]).forEach((x, i) => {
      const kept = removeValue(x, tree.get(indexKey(i)));
      if (kept !== undefined) out.push(kept);
    });
    return out;
  }
  return v;
}

class PatchError extends Error {}

function arrayIndex(segment: Value, length: number, allowEnd: boolean): number {
  let i: bigint | undefined;
  if (typeof segment === 'string') {
    if (allowEnd && segment === '-') return length;
    if (!/^(0|[1-9]\d*)$/.test(segment)) throw new PatchError();
    i = BigInt(segment);
  } else if (isNumber(segment)) i = toBigInt(segment);
  if (i === undefined || i < 0n || i > BigInt(allowEnd ? length : length - 1)) throw new PatchError();
  return Number(i);
}

function getAt(doc: Value, path: Path): Value {
  let node = doc;
  for (const segment of path) {
    if (node instanceof RObject) {
      const next = node.get(segment);
      if (next === undefined) throw new PatchError();
      node = next;
    } else if (Array.isArray(node)) {
      node = (node as readonly Value[])[arrayIndex(segment, node.length, false)]!;
    } else if (node instanceof RSet) {
      if (!node.has(segment)) throw new PatchError();
      node = segment;
    } else throw new PatchError();
  }
  return node;
}

/** Returns `doc` with the value at `path` transformed by `edit` (copy-on-write). */
function editAt(doc: Value, path: Path, edit: (parent: Value, last: Value) => Value): Value {
  if (path.length === 0) throw new PatchError();
  const [head, ...rest] = path;
  if (rest.length === 0) return edit(doc, head!);
  if (doc instanceof RObject) {
    const next = doc.get(head!);
    if (next === undefined) throw new PatchError();
    return new RObject(doc).set(head!, editAt(next, rest, edit));
  }
  if (Array.isArray(doc)) {
    const i = arrayIndex(head!, doc.length, false);
    const copy = [...(doc as readonly Value[])];
    copy[i] = editAt(copy[i]!, rest, edit);
    return copy;
  }
  if (doc instanceof RSet) {
    if (!doc.has(head!)) throw new PatchError();
    const replaced = editAt(head!, rest, edit);
    return new RSet([...doc].filter((x) => !equals(x, head!)).concat([replaced]));
  }
  throw new PatchError();
}

function addAt(doc: Value, path: Path, value: Value): Value {
  if (path.length === 0) return value;
  return editAt(doc, path, (parent, last) => {
    if (parent instanceof RObject) return new RObject(parent).set(last, value);
    if (Array.isArray(parent)) {
      const copy = [...(parent as readonly Value[])];
      copy.splice(arrayIndex(last, copy.length, true), 0, value);
      return copy;
    }
    // A set member is addressed by itself: the key must equal the value.
    if (parent instanceof RSet && equals(last, value)) return new RSet([...parent, value]);
    throw new PatchError();
  });
}

function removeAt(doc: Value, path: Path): Value {
  return editAt(doc, path, (parent, last) => {
    if (parent instanceof RObject) {
      if (!parent.has(last)) throw new PatchError();
      return new RObject([...parent.entries()].filter(([k]) => !equals(k, last)));
    }
    if (Array.isArray(parent)) {
      const copy = [...(parent as readonly Value[])];
      copy.splice(arrayIndex(last, copy.length, false), 1);
      return copy;
    }
    if (parent instanceof RSet) {
      if (!parent.has(last)) throw new PatchError();
      return new RSet([...parent].filter((x) => !equals(x, last)));
    }
    throw new PatchError();
  });
}

function attribute(op: RObject, name: string): Value {
  const v = op.get(name);
  if (v === undefined) throw new PatchError();
  return v;
}

function applyPatch(doc: Value, operation: Value): Value {
  if (!(operation instanceof RObject)) throw new PatchError();
  const op = attribute(operation, 'op');
  const path = parsePath(attribute(operation, 'path'));
  switch (typeof op === 'string' ? op : '') {
    case 'add':
      return addAt(doc, path, attribute(operation, 'value'));
    case 'remove':
      return removeAt(doc, path);
    case 'replace':
      if (path.length === 0) return attribute(operation, 'value');
      return addAt(removeAt(doc, path), path, attribute(operation, 'value'));
    case 'move': {
      const from = parsePath(attribute(operation, 'from'));
      const chunk = getAt(doc, from);
      return addAt(removeAt(doc, from), path, chunk);
    }
    case 'copy':
      return addAt(doc, path, getAt(doc, parsePath(attribute(operation, 'from'))));
    case 'test':
      if (!equals(getAt(doc, path), attribute(operation, 'value'))) throw new PatchError();
      return doc;
    default:
      throw new PatchError();
  }
}

/** The JSON path builtins. */
export const jsonPaths: BuiltinTable = {
  'json.filter': [2, (args) => {
    const object = objectArg(args, 1);
    return filterValue(object, pathsToTree(pathsArg(args[1]!)));
  }],
  'json.remove': [2, (args) => {
    const object = objectArg(args, 1);
    return removeValue(object, pathsToTree(pathsArg(args[1]!)));
  }],
  // OPA answers undefined (not an error) when a patch does not apply.
  'json.patch': [2, (args) => {
    const operations = arrayArg(args, 2);
    let doc: Value = args[0] as Value;
    try {
      for (const operation of operations) doc = applyPatch(doc, operation);
    } catch (error) {
      if (error instanceof PatchError || error instanceof BuiltinFailure) return undefined;
      throw error;
    }
    return doc;
  }],
};
