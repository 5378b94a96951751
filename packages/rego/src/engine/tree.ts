/**
 * The data tree: packages and rule paths as nodes, base documents attached.
 * @packageDocumentation
 */
import { RObject, type Value } from '../value.ts';
import type { DataNode } from './types.ts';

/** Creates the root node (`data`). */
export function createRoot(): DataNode {
  return makeNode('data', []);
}

function makeNode(key: string, path: readonly string[]): DataNode {
  return {
    id: 0,
    key,
    path,
    pathKey: path.join('\u0000'),
    children: new Map(),
    base: undefined,
    kind: 'none',
    rules: [],
    defaultRule: undefined,
    funcs: [],
    defaultFunc: undefined,
    funcArity: -1,
    index: undefined,
    earlyExit: false,
    funcEarlyExit: false,
    virtual: false,
    pure: false,
    pureValue: undefined,
  };
}

/** Returns the node at `path` below `root`, creating it (and ancestors) when absent. */
export function ensureNode(root: DataNode, path: readonly string[]): DataNode {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    let child = node.children.get(key);
    if (!child) {
      child = makeNode(key, path.slice(0, i + 1));
      node.children.set(key, child);
    }
    node = child;
  }
  return node;
}

/** Returns the node at `path`, or undefined. */
export function findNode(root: DataNode, path: readonly string[]): DataNode | undefined {
  let node: DataNode | undefined = root;
  for (const key of path) {
    node = node.children.get(key);
    if (!node) return undefined;
  }
  return node;
}

/** Marks `node` and its ancestors as virtual (rules live at or below them). */
export function markVirtual(root: DataNode, path: readonly string[]): void {
  let node: DataNode | undefined = root;
  node.virtual = true;
  for (const key of path) {
    node = node.children.get(key);
    if (!node) return;
    node.virtual = true;
  }
}

/** Attaches base data to every node of the tree. */
export function attachBase(node: DataNode, base: Value | undefined): void {
  node.base = base;
  for (const child of node.children.values()) {
    attachBase(child, base instanceof RObject ? base.getStr(child.key) : undefined);
  }
}

/** Numbers the nodes of a tree densely; returns the node count. */
export function assignIds(root: DataNode): number {
  let n = 0;
  const visit = (node: DataNode): void => {
    node.id = n++;
    for (const c of node.children.values()) visit(c);
  };
  visit(root);
  return n;
}
