/**
 * Aggregates: count, sum, product, max, min, sort (topdown/aggregates.go).
 */
import type { RegoNumber, Value } from '../value.ts';
import { compare, isNumber, numAdd, numMul, RObject, RSet } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { collectionItems, elementError, typeError } from './operands.ts';

function numbersOf(v: Value): RegoNumber[] {
  const items = collectionItems(v);
  if (items === undefined) throw typeError(1, v, 'set', 'array');
  return items.map((item) => {
    if (!isNumber(item)) throw elementError(1, [v, item], 'number');
    return item;
  });
}

function extreme(v: Value, sign: 1 | -1): Value | undefined {
  const items = collectionItems(v);
  if (items === undefined) throw typeError(1, v, 'set', 'array');
  let best: Value | undefined;
  for (const item of items) {
    if (best === undefined || compare(item, best) * sign > 0) best = item;
  }
  return best;
}

/** The aggregate builtins. */
export const aggregates: BuiltinTable = {
  count: [1, ([v]) => {
    if (typeof v === 'string') {
      let n = 0;
      for (const _ of v) n++;
      return n;
    }
    if (Array.isArray(v)) return v.length;
    if (v instanceof RSet || v instanceof RObject) return v.size;
    throw typeError(1, v!, 'array', 'object', 'set', 'string');
  }],
  sum: [1, ([v]) => numbersOf(v!).reduce<RegoNumber>((acc, n) => numAdd(acc, n), 0)],
  product: [1, ([v]) => numbersOf(v!).reduce<RegoNumber>((acc, n) => numMul(acc, n), 1)],
  max: [1, ([v]) => extreme(v!, 1)],
  min: [1, ([v]) => extreme(v!, -1)],
  sort: [1, ([v]) => {
    if (Array.isArray(v)) return [...(v as readonly Value[])].sort(compare);
    if (v instanceof RSet) return v.sorted();
    throw typeError(1, v!, 'set', 'array');
  }],
};
