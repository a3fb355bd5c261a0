// What the framework knows about a node instance that the user's fields must not collide with.
import type { HostClass } from "../host/_host.ts";
import type { Node } from "./_node.ts";

/** One step of an isolation: which host of the `host` role a cell stands for. */
export interface IsolationStep {
  index: number;
  hostClass: HostClass;
  slug: string;
}

export interface NodeMeta {
  parent: Node | undefined;
  /** The attribute name under the parent; undefined for a root. */
  name: string | undefined;
  /** Child instances, created on first access, so identity holds between reads. */
  children: Map<string, Node>;
  /** Whether this node stands for exactly one combination of hosts (actions run here, not forked). */
  isolated: boolean;
  /** For a cell of a ParallelNode: the host it was isolated on (the last step) and the steps above it. */
  isolation: IsolationStep[];
  /** A cell's roles: its node's roles with `host` narrowed to one host. */
  roles: Map<string, HostClass[]> | undefined;
}

const metas = new WeakMap<object, NodeMeta>();

export function metaOf(node: Node): NodeMeta {
  const raw = rawNode(node);
  let meta = metas.get(raw);
  if (!meta) {
    // A node nobody placed yet is a root: a plain Node root is isolated, a ParallelNode root is not.
    const isolated = nodeTypeOf(raw.constructor) === "normal";
    meta = { parent: undefined, name: undefined, children: new Map(), isolated, isolation: [], roles: undefined };
    metas.set(raw, meta);
  }
  return meta;
}

/** The raw node behind a bare-node proxy or an Env, registered by the proxy module. */
export const rawNodes = new WeakMap<object, Node>();

/** The bare-node proxy of each raw node (what `new Cls()` returned). */
export const bareProxies = new WeakMap<object, Node>();

/** The node as users hold it: its bare-node proxy. */
export function bareNode<T extends Node>(node: T): T {
  return (bareProxies.get(rawNode(node)) as T | undefined) ?? node;
}

export function rawNode<T extends Node>(nodeOrProxy: T): T {
  return (rawNodes.get(nodeOrProxy) as T | undefined) ?? nodeOrProxy;
}

/** NORMAL nodes, ParallelNodes, and the two ways of nesting a ParallelNode in a Node. */
export type NodeType = "normal" | "parallel" | "array" | "justOne";

/** Static marker of a class's node type (inherited by subclasses). */
export const NODE_TYPE = Symbol("deployer.nodeType");

export function nodeTypeOf(cls: Function): NodeType {
  return (cls as { [NODE_TYPE]?: NodeType })[NODE_TYPE] ?? "normal";
}
