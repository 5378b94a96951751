/**
 * Object, array and set builtins: object.get/keys/remove/filter/union/union_n/subset,
 * array.concat/slice/reverse, intersection, union, and/or (set operators)
 * (topdown/object.go, subset.go, array.go, sets.go).
 */
import type { Value } from '../value.ts';
import { compare, equals, isNumber, RObject, RSet, toBigInt } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { OperandError } from './failure.ts';
import { arrayArg, elementError, intArg, objectArg, setArg, typeError } from './operands.ts';

/** OPA's getObjectKeysParam: the keys named by an array, set or object. */
function keysParam(v: Value): RSet {
  if (Array.isArray(v)) return new RSet(v as readonly Value[]);
  if (v instanceof RSet) return v;
  if (v instanceof RObject) return new RSet(v.keys());
  throw typeError(2, v, 'object', 'set', 'array');
}

/** Looks up one path segment in a composite value, as a Rego reference would. */
export function child(v: Value, key: Value): Value | undefined {
  if (v instanceof RObject) return v.get(key);
  if (Array.isArray(v)) {
    if (!isNumber(key)) return undefined;
    const i = toBigInt(key);
    if (i === undefined || i < 0n || i >= BigInt(v.length)) return undefined;
    return (v as readonly Value[])[Number(i)];
  }
  if (v instanceof RSet) return v.has(key) ? key : undefined;
  return undefined;
}

function objectGet(args: readonly Value[]): Value {
  const object = objectArg(args, 1);
  const key = args[1]!;
  const fallback = args[2]!;
  if (!Array.isArray(key)) return object.get(key) ?? fallback;
  let node: Value | undefined = object;
  for (const segment of key as readonly Value[]) {
    node = child(node, segment);
    if (node === undefined) return fallback;
  }
  return node;
}

/** Recursive merge where `b` wins unless both values are objects (OPA's mergeWithOverwrite). */
export function mergeObjects(a: RObject, b: RObject): RObject {
  const out = new RObject(a);
  for (const [k, v] of b.entries()) {
    const existing = out.get(k);
    out.set(k, existing instanceof RObject && v instanceof RObject ? mergeObjects(existing, v) : v);
  }
  return out;
}

function arraySubset(sup: readonly Value[], sub: readonly Value[]): boolean {
  if (sub.length > sup.length) return false;
  for (let start = 0; start + sub.length <= sup.length; start++) {
    let ok = true;
    for (let j = 0; j < sub.length; j++) {
      if (compare(sup[start + j]!, sub[j]!) !== 0) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

function setSubset(sup: RSet, sub: RSet): boolean {
  for (const x of sub) if (!sup.has(x)) return false;
  return true;
}

function objectSubset(sup: RObject, sub: RObject): boolean {
  for (const [k, subValue] of sub.entries()) {
    const supValue = sup.get(k);
    if (supValue === undefined) return false;
    if (equals(subValue, supValue)) continue;
    if (!valueSubset(supValue, subValue, false)) return false;
  }
  return true;
}

function valueSubset(sup: Value, sub: Value, topLevel: boolean): boolean {
  if (sup instanceof RObject && sub instanceof RObject) return objectSubset(sup, sub);
  if (sup instanceof RSet && sub instanceof RSet) return setSubset(sup, sub);
  if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup as readonly Value[], sub as readonly Value[]);
  if (topLevel && Array.isArray(sup) && sub instanceof RSet) {
    // OPA's arraySetSubset: stops at the first element once every member was seen.
    let unmatched = sub.size;
    for (const x of sup as readonly Value[]) {
      if (sub.has(x)) unmatched--;
      if (unmatched <= 0) return true;
    }
    return false;
  }
  if (topLevel) throw new OperandError('both arguments object.subset must be of the same type or array and set');
  return false;
}

function setsOf(args: readonly Value[]): RSet[] {
  const outer = setArg(args, 1);
  return outer.sorted().map((s) => {
    if (!(s instanceof RSet)) throw elementError(1, [outer, s], 'set');
    return s;
  });
}

function arraySlice(args: readonly Value[]): Value {
  const array = arrayArg(args, 1);
  let start = intArg(args, 2);
  let stop = intArg(args, 3);
  if (start < 0) start = 0;
  if (stop > array.length) stop = array.length;
  if (start >= stop) return [];
  return array.slice(start, stop);
}

/** The object, array and set builtins. */
export const objects: BuiltinTable = {
  'object.get': [3, objectGet],
  'object.keys': [1, (args) => new RSet(objectArg(args, 1).keys())],
  'object.remove': [2, (args) => {
    const object = objectArg(args, 1);
    const keys = keysParam(args[1]!);
    return new RObject([...object.entries()].filter(([k]) => !keys.has(k)));
  }],
  'object.filter': [2, (args) => {
    const object = objectArg(args, 1);
    const keys = keysParam(args[1]!);
    return new RObject([...object.entries()].filter(([k]) => keys.has(k)));
  }],
  'object.union': [2, (args) => mergeObjects(objectArg(args, 1), objectArg(args, 2))],
  'object.union_n': [1, (args) => {
    const list = arrayArg(args, 1);
    let out = new RObject();
    for (const item of list) {
      if (!(item instanceof RObject)) throw elementError(1, [list, item], 'object');
      out = mergeObjects(out, item);
    }
    return out;
  }],
  'object.subset': [2, ([sup, sub]) => valueSubset(sup!, sub!, true)],
  'array.concat': [2, (args) => [...arrayArg(args, 1), ...arrayArg(args, 2)]],
  'array.slice': [3, arraySlice],
  'array.reverse': [1, (args) => [...arrayArg(args, 1)].reverse()],
  intersection: [1, (args) => {
    const sets = setsOf(args);
    if (sets.length === 0) return new RSet();
    const [first, ...rest] = sets;
    return new RSet([...first!].filter((x) => rest.every((s) => s.has(x))));
  }],
  union: [1, (args) => {
    const out = new RSet();
    for (const s of setsOf(args)) for (const x of s) out.add(x);
    return out;
  }],
  and: [2, (args) => {
    const a = setArg(args, 1);
    const b = setArg(args, 2);
    return new RSet([...a].filter((x) => b.has(x)));
  }],
  or: [2, (args) => {
    const a = setArg(args, 1);
    const b = setArg(args, 2);
    return new RSet([...a, ...b]);
  }],
};
