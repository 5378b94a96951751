/**
 * graph.reachable and graph.reachable_paths (topdown/reachable.go): a graph is an object
 * from node to an array or set of neighbours; unknown nodes have no edges.
 */
import type { Value , RObject} from '../value.ts';
import { RSet } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import { objectArg, typeError } from './operands.ts';

/** Most paths reachable_paths enumerates: path counts grow exponentially on hostile graphs. */
export const maxPaths = 100_000;

function vertices(edges: Value): readonly Value[] {
  if (Array.isArray(edges)) return edges as readonly Value[];
  if (edges instanceof RSet) return edges.sorted();
  return [];
}

function initialNodes(v: Value): readonly Value[] {
  if (Array.isArray(v)) return v as readonly Value[];
  if (v instanceof RSet) return v.sorted();
  throw typeError(2, v, '{set, array}[any]');
}

function reachable(graph: RObject, initial: readonly Value[]): RSet {
  const reached = new RSet();
  const queue = [...initial];
  while (queue.length > 0) {
    const node = queue.shift()!;
    const edges = graph.get(node);
    if (edges === undefined || reached.has(node)) continue;
    reached.add(node);
    for (const next of vertices(edges)) if (!reached.has(next)) queue.push(next);
  }
  return reached;
}

interface PathWalk {
  readonly graph: RObject;
  readonly out: RSet;
  readonly reached: RSet;
  readonly budget: { steps: number };
}

// OPA's pathBuilder: depth-first; a path ends at a leaf, an unknown node or a revisit.
// The reached set is shared within one start edge (as in OPA 1.6), not per path.
function buildPaths(walk: PathWalk, root: Value, path: readonly Value[]): void {
  if (++walk.budget.steps > maxPaths) fail(`more than ${maxPaths} paths`);
  const edges = walk.graph.get(root);
  if (edges === undefined) {
    walk.out.add([...path]);
    return;
  }
  const extended = [...path, root];
  const next = vertices(edges);
  if (next.length === 0) {
    walk.out.add(extended);
    return;
  }
  walk.reached.add(root);
  for (const neighbour of next) {
    if (walk.reached.has(neighbour)) walk.out.add(extended);
    else buildPaths(walk, neighbour, extended);
  }
}

/** The graph builtins. */
export const graph: BuiltinTable = {
  'graph.reachable': [2, (args) => reachable(objectArg(args, 1), initialNodes(args[1]!))],
  'graph.reachable_paths': [2, (args) => {
    const g = objectArg(args, 1);
    const out = new RSet();
    const budget = { steps: 0 };
    for (const node of initialNodes(args[1]!)) {
      const edges = g.get(node);
      if (edges === undefined) continue;
      const next = vertices(edges);
      if (next.length === 0) out.add([node]);
      for (const neighbour of next) buildPaths({ graph: g, out, reached: new RSet([node]), budget }, neighbour, [node]);
    }
    return out;
  }],
};
