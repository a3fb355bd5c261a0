// What the framework knows about a node instance that the user's fields must not collide with.
import type { Node } from "./_node.ts";

export interface NodeMeta {
  parent: Node | undefined;
  /** The attribute name under the parent; undefined for a root. */
  name: string | undefined;
  /** Child instances, created on first access, so identity holds between reads. */
  children: Map<string, Node>;
}

const metas = new WeakMap<object, NodeMeta>();

export function metaOf(node: Node): NodeMeta {
  let meta = metas.get(node);
  if (!meta) {
    meta = { parent: undefined, name: undefined, children: new Map() };
    metas.set(node, meta);
  }
  return meta;
}

/** The raw node behind a bare-node proxy or an Env, registered by the proxy module. */
export const rawNodes = new WeakMap<object, Node>();

export function rawNode<T extends Node>(nodeOrProxy: T): T {
  return (rawNodes.get(nodeOrProxy) as T | undefined) ?? nodeOrProxy;
}
